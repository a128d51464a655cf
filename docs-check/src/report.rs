//! What the check found, and its renderings: a readable report (concise, or verbose with every
//! accepted difference and its reason) and JSON for machines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

/// Exit status: the pages agree with the spec, or every difference is accepted.
pub const EXIT_CLEAN: u8 = 0;
/// Exit status: at least one difference is not accepted.
pub const EXIT_DRIFT: u8 = 1;
/// Exit status: the input could not be read (spec, accepted-differences file, pages).
pub const EXIT_INPUT: u8 = 2;

macro_rules! kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// The kind of a difference. Its kebab-case name is what `spec/docs-accepted.json`
        /// matches on and what the JSON output carries.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }

            /// The kind with this kebab-case name.
            pub fn parse(name: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|kind| kind.as_str() == name)
            }
        }
    };
}

kinds! {
    /// The resource page has no property table, or a method page no request line or no
    /// permission table.
    TableMissing = "table-missing",
    /// The property table lists a property the spec's model does not have.
    PropertyAdded = "property-added",
    /// A property of the spec's model is not in the property table.
    PropertyRemoved = "property-removed",
    /// The table spells a property differently from the spec's wire name (case, alias, rename).
    PropertyRenamed = "property-renamed",
    /// The table's type does not fit the spec's type.
    PropertyRetyped = "property-retyped",
    /// A page lists a value the spec's enum (or string description) does not have.
    EnumValueAdded = "enum-value-added",
    /// A value of the spec's enum is no longer listed.
    EnumValueRemoved = "enum-value-removed",
    /// A listed value is a respelling of a spec enum value that is no longer listed (the same
    /// letters but for case, or clearly similar).
    EnumValueRenamed = "enum-value-renamed",
    /// A resource page's method table links a page no spec method documents.
    MethodAdded = "method-added",
    /// A spec method's page is not in the method table of its resource's page.
    MethodRemoved = "method-removed",
    /// The HTTP verb differs from the spec's.
    VerbChanged = "verb-changed",
    /// The path differs from the spec's, beyond the tolerated host, placeholder and `/API/`
    /// spellings.
    PathChanged = "path-changed",
    /// The request goes to a host that none of the spec's servers has.
    HostChanged = "host-changed",
    /// The page says the request body is empty; the spec sends one.
    BodyRemoved = "body-removed",
    /// The request body table has a field the spec's body does not.
    BodyFieldAdded = "body-field-added",
    /// A field of the spec's body is not in the request body table.
    BodyFieldRemoved = "body-field-removed",
    /// The table spells a body field differently (body names are case-sensitive).
    BodyFieldRenamed = "body-field-renamed",
    /// The table's type for a body field does not fit the spec's.
    BodyFieldRetyped = "body-field-retyped",
    /// The table marks a field Required that the spec leaves optional.
    BodyFieldRequired = "body-field-required",
    /// The spec requires a field the table does not mark Required.
    BodyFieldOptional = "body-field-optional",
    /// A documented limit differs from the spec's.
    LimitChanged = "limit-changed",
    /// The page documents a limit the spec does not have.
    LimitAdded = "limit-added",
    /// The spec has a limit the page no longer documents.
    LimitRemoved = "limit-removed",
    /// A JSON example is not JSON.
    ExampleUnparsable = "example-unparsable",
    /// A JSON example has a member the spec's model does not know.
    ExampleUnknownKey = "example-unknown-key",
    /// A JSON example uses a name the spec accepts only as an alias.
    ExampleAliasKey = "example-alias-key",
    /// A value in a JSON example does not fit the spec's type, or a required member is missing.
    ExampleInvalid = "example-invalid",
    /// The permission table lists a permission (`application/Machine.Read.All`) the spec's
    /// method does not accept.
    PermissionAdded = "permission-added",
    /// The spec's method accepts a permission the permission table does not list.
    PermissionRemoved = "permission-removed",
    /// The page names an operating system the spec's method does not list in `platforms`.
    PlatformAdded = "platform-added",
    /// An operating system of the method's `platforms` is not named on the page, or named as
    /// unsupported.
    PlatformRemoved = "platform-removed",
    /// The page and the spec name an operating system with different minimum versions
    /// (`Windows 10 1709`).
    PlatformChanged = "platform-changed",
    /// The page's success status is not one the spec counts as success.
    SuccessStatusChanged = "success-status-changed",
    /// The page states a failure (`404`, `400 ActiveRequestAlreadyExists`) that no error of
    /// the spec's method has.
    ErrorAdded = "error-added",
    /// An error of the spec's method has a status the page never states.
    ErrorRemoved = "error-removed",
    /// The page says `$filter` may use a property the spec does not mark filterable.
    FilterablePropertyAdded = "filterable-property-added",
    /// A property the spec marks filterable is not in the page's `$filter` list.
    FilterablePropertyRemoved = "filterable-property-removed",
    /// The page lets `$filter` compare a property with an operator the spec does not allow
    /// (`lastSeen/gt`).
    FilterOperatorAdded = "filter-operator-added",
    /// The spec allows an operator on a property that the page's stated operators leave out.
    FilterOperatorRemoved = "filter-operator-removed",
    /// An example request's `$filter` names a property the spec does not let `$filter` use
    /// (unknown, not filterable, or compared with an operator it does not support).
    ExampleFilterInvalid = "example-filter-invalid",
}

/// One difference between a page and the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// What kind of difference.
    pub kind: Kind,
    /// The page, as given to the check.
    pub page: String,
    /// 1-based line of the page.
    pub line: usize,
    /// What the difference is about, as `spec/docs-accepted.json` matches it: a property or
    /// field name, `property/Value` for enum values, the documented path, `per minute`, the
    /// member path in an example (`value[].status`), or an example's label.
    pub subject: String,
    /// One or two sentences for people.
    pub message: String,
    /// The documented value a limit finding is about, as the page states it (`25`, `1,500`,
    /// `three days`): set for [`Kind::LimitChanged`] and [`Kind::LimitAdded`], `None`
    /// otherwise. An accepted entry for such a finding names the value it accepts
    /// (`match.value`), so that a page stating another value is still reported.
    pub value: Option<String>,
    /// The reason from `spec/docs-accepted.json` when the difference is deliberate.
    pub accepted: Option<String>,
}

/// How a checked page was recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The page, as given to the check.
    pub page: String,
    /// The page it was read as: the resource page (`machineaction.md`) or a method's page
    /// (`isolate-machine.md`), named after the spec's docs URL.
    pub as_page: String,
    /// What told: `"title"`, `"request line"`, `"property table"`, `"file name"`.
    pub by: Vec<&'static str>,
}

/// Everything the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The API's resource type, the model its own resource page describes (`MachineAction`);
    /// the pages the check knows are its resource pages (that one and those of other objects
    /// with an `x-docsUrl`, such as `Machine`) and the pages of its methods.
    pub resource: String,
    /// How the advice on drift names the spec ([`Options::spec_name`](crate::Options), or
    /// "the spec").
    pub spec_name: String,
    /// The pages checked, in order.
    pub pages: Vec<String>,
    /// How each checked page was recognised, in the order of `pages`.
    pub recognised: Vec<Recognised>,
    /// Markdown files of a folder that are not pages of the [`resource`](Self::resource), in
    /// order: listed (with [`skipped_reason`](Self::skipped_reason)), not checked, not drift.
    pub skipped: Vec<String>,
    /// The differences, by page then line.
    pub findings: Vec<Finding>,
    /// Remarks that are not differences: accepted differences no longer seen on a checked
    /// page, a missing resource page.
    pub notes: Vec<String>,
}

impl Report {
    /// Why a page in [`skipped`](Self::skipped) was not checked: `not a MachineAction page`,
    /// with the spec's resource type.
    pub fn skipped_reason(&self) -> String {
        format!("not a {} page", self.resource)
    }

    /// The differences no accepted entry explains.
    pub fn unexplained(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.accepted.is_none())
    }

    /// The differences explained by an accepted entry.
    pub fn accepted(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.accepted.is_some())
    }

    /// True when some difference is not accepted.
    pub fn has_drift(&self) -> bool {
        self.unexplained().next().is_some()
    }

    /// [`EXIT_DRIFT`] when there is unexplained drift, otherwise [`EXIT_CLEAN`].
    pub fn exit_status(&self) -> u8 {
        if self.has_drift() { EXIT_DRIFT } else { EXIT_CLEAN }
    }

    /// The readable report: the pages, every unexplained difference in full, the accepted
    /// differences counted (one line per page, by kind), the notes and the verdict. See
    /// [`to_text_verbose`](Self::to_text_verbose) for the accepted differences in full.
    pub fn to_text(&self) -> String {
        self.text(false)
    }

    /// [`to_text`](Self::to_text) with every accepted difference in full, each with its
    /// reason (`cargo xtask docs-check --verbose`).
    pub fn to_text_verbose(&self) -> String {
        self.text(true)
    }

    fn text(&self, verbose: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "docs-check: {} page(s) checked against the spec", self.pages.len());
        let mut recognised: BTreeMap<&str, &Recognised> = BTreeMap::new();
        for r in &self.recognised {
            recognised.entry(r.page.as_str()).or_insert(r);
        }
        for page in &self.pages {
            match recognised.get(page.as_str()) {
                Some(r) if !file_name_is(page, &r.as_page) => {
                    let _ =
                        writeln!(out, "  {page} (read as {}, by {})", r.as_page, r.by.join(", "));
                }
                _ => {
                    let _ = writeln!(out, "  {page}");
                }
            }
        }
        if !self.skipped.is_empty() {
            let _ =
                writeln!(out, "\nSkipped ({}) ({}):", self.skipped_reason(), self.skipped.len());
            for page in &self.skipped {
                let _ = writeln!(out, "  {page}");
            }
        }
        let unexplained: Vec<&Finding> = self.unexplained().collect();
        let accepted: Vec<&Finding> = self.accepted().collect();
        if !unexplained.is_empty() {
            let _ = writeln!(out, "\nDrift ({}):", unexplained.len());
            for finding in &unexplained {
                write_finding(&mut out, finding);
            }
        }
        if !accepted.is_empty() && verbose {
            let _ = writeln!(out, "\nAccepted differences ({}):", accepted.len());
            for finding in &accepted {
                write_finding(&mut out, finding);
            }
        } else if !accepted.is_empty() {
            let _ = writeln!(
                out,
                "\nAccepted differences ({}; --verbose lists each with its reason):",
                accepted.len()
            );
            write_accepted_summary(&mut out, &self.pages, &accepted);
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\nNotes:");
            for note in &self.notes {
                let _ = writeln!(out, "  - {note}");
            }
        }
        let _ = writeln!(
            out,
            "\n{}: {} unexplained difference(s), {} accepted.",
            if unexplained.is_empty() { "OK" } else { "DRIFT" },
            unexplained.len(),
            accepted.len()
        );
        if !unexplained.is_empty() {
            let _ = writeln!(
                out,
                "Update {} to follow the pages, or record a deliberate difference with its \
                 reason in spec/docs-accepted.json.",
                self.spec_name
            );
        }
        out
    }

    /// The JSON report, with every finding in full whatever the text's verbosity: `{ "pages",
    /// "recognised": [{page, as, by}], "skipped": [{page, reason}], "findings": [{kind, page,
    /// line, subject, value, message, accepted}], "notes", "unexplained", "accepted", "status"
    /// }` (`value` is `null` but for limit findings).
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "kind": f.kind.as_str(),
                    "page": f.page,
                    "line": f.line,
                    "subject": f.subject,
                    "value": f.value,
                    "message": f.message,
                    "accepted": f.accepted,
                })
            })
            .collect();
        let recognised: Vec<Value> = self
            .recognised
            .iter()
            .map(|r| json!({ "page": r.page, "as": r.as_page, "by": r.by }))
            .collect();
        let reason = self.skipped_reason();
        let skipped: Vec<Value> =
            self.skipped.iter().map(|page| json!({ "page": page, "reason": reason })).collect();
        json!({
            "pages": self.pages,
            "recognised": recognised,
            "skipped": skipped,
            "findings": findings,
            "notes": self.notes,
            "unexplained": self.unexplained().count(),
            "accepted": self.accepted().count(),
            "status": self.exit_status(),
        })
    }
}

/// True when the last component of `path` is `name`.
fn file_name_is(path: &str, name: &str) -> bool {
    path.rsplit(['/', '\\']).next() == Some(name)
}

/// One line per page with accepted differences, in page order: how many, and how many of each
/// kind (in the order of [`Kind::ALL`]).
fn write_accepted_summary(out: &mut String, pages: &[String], accepted: &[&Finding]) {
    let mut by_page: BTreeMap<&str, BTreeMap<Kind, usize>> = BTreeMap::new();
    for finding in accepted {
        *by_page.entry(finding.page.as_str()).or_default().entry(finding.kind).or_default() += 1;
    }
    let line = |out: &mut String, page: &str, kinds: &BTreeMap<Kind, usize>| {
        let total: usize = kinds.values().sum();
        let kinds: Vec<String> =
            kinds.iter().map(|(kind, n)| format!("{} {n}", kind.as_str())).collect();
        let _ = writeln!(out, "  {page}: {total} ({})", kinds.join(", "));
    };
    // Checked pages in their order, then any page the list does not hold (a report built by
    // hand), by name.
    for page in pages {
        if let Some(kinds) = by_page.remove(page.as_str()) {
            line(out, page, &kinds);
        }
    }
    for (page, kinds) in &by_page {
        line(out, page, kinds);
    }
}

fn write_finding(out: &mut String, finding: &Finding) {
    let _ = writeln!(
        out,
        "  {}:{}: {} `{}`\n      {}",
        finding.page,
        finding.line,
        finding.kind.as_str(),
        finding.subject,
        finding.message
    );
    if let Some(reason) = &finding.accepted {
        let _ = writeln!(out, "      accepted: {reason}");
    }
}

/// Collects findings for one page.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    page: &'a str,
    out: &'a mut Vec<Finding>,
}

impl<'a> Sink<'a> {
    pub fn new(page: &'a str, out: &'a mut Vec<Finding>) -> Self {
        Self { page, out }
    }

    /// Records a finding.
    pub fn push(
        &mut self,
        kind: Kind,
        line: usize,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.record(kind, line, subject.into(), None, message.into());
    }

    /// Records a finding about a documented limit's value (`limit-changed`, `limit-added`):
    /// `value` is the value as the page states it.
    pub fn push_limit(
        &mut self,
        kind: Kind,
        line: usize,
        subject: impl Into<String>,
        value: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.record(kind, line, subject.into(), Some(value.into()), message.into());
    }

    fn record(
        &mut self,
        kind: Kind,
        line: usize,
        subject: String,
        value: Option<String>,
        message: String,
    ) {
        self.out.push(Finding {
            kind,
            page: self.page.to_owned(),
            line: line.max(1),
            subject,
            message,
            value,
            accepted: None,
        });
    }
}
