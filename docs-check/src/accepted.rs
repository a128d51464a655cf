//! `spec/docs-accepted.json`: the deliberate differences between the pages and the spec, each
//! with its reason, and the documented limits the spec does not model, each with its value.
//!
//! The file is an object with two arrays (a bare array is read as `accepted` alone):
//!
//! ```json
//! {
//!   "accepted": [
//!     {
//!       "page": "machineaction.md",
//!       "match": { "kind": "property-renamed", "subject": "ID" },
//!       "reason": "The table capitalizes the name; every payload uses id."
//!     }
//!   ],
//!   "limits": [
//!     {
//!       "page": "run-live-response.md",
//!       "limit": "concurrent sessions",
//!       "pattern": "{n} concurrently running sessions",
//!       "value": "50",
//!       "reason": "x-methods cannot state it; the description of runLiveResponse does."
//!     }
//!   ]
//! }
//! ```
//!
//! An `accepted` entry explains every finding on a page whose kind and subject are exactly
//! those of `match`. Its `page` is the file name of the page it was read as
//! (`machineaction.md`, also for a copy named `machineaction-altered.md`), or a suffix of the
//! page's path. A `limits` entry is compared by `limits.rs`; `pattern` may also be an array of
//! alternative wordings. Unknown members, unknown kinds, empty reasons, patterns without
//! `{n}` and unreadable values are errors, so a typo cannot silently accept or check nothing.

use serde::Deserialize;

use super::InputError;
use super::limits::Recorded;
use super::report::{Kind, Report};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    accepted: Vec<RawEntry>,
    #[serde(default)]
    limits: Vec<RawLimit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    page: String,
    limit: String,
    pattern: OneOrMore,
    value: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMore {
    One(String),
    More(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    page: String,
    #[serde(rename = "match")]
    matcher: RawMatch,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    kind: String,
    subject: String,
}

/// One accepted difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub page: String,
    pub kind: Kind,
    pub subject: String,
    pub reason: String,
}

/// The contents of the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Accepted {
    pub entries: Vec<Entry>,
    pub limits: Vec<Recorded>,
}

/// Reads the file. Every problem is reported, each with the entry's position.
pub(crate) fn parse(text: &str) -> Result<Accepted, InputError> {
    let error = |e: serde_json::Error| InputError::new(format!("spec/docs-accepted.json: {e}"));
    let raw: RawFile = if text.trim_start().starts_with('[') {
        RawFile { accepted: serde_json::from_str(text).map_err(error)?, limits: Vec::new() }
    } else {
        serde_json::from_str(text).map_err(error)?
    };
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let mut limits = Vec::new();
    for (index, limit) in raw.limits.into_iter().enumerate() {
        let at = format!("spec/docs-accepted.json: limits entry {index}");
        let patterns = match limit.pattern {
            OneOrMore::One(pattern) => vec![pattern],
            OneOrMore::More(patterns) => patterns,
        };
        let recorded = Recorded::new(
            &at,
            limit.page,
            limit.limit,
            patterns,
            limit.value,
            limit.reason,
            &mut problems,
        );
        limits.extend(recorded);
    }
    for (index, entry) in raw.accepted.into_iter().enumerate() {
        let at = format!("spec/docs-accepted.json: entry {index}");
        let kind = Kind::parse(&entry.matcher.kind);
        if kind.is_none() {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
            problems.push(format!(
                "{at}: unknown kind `{}` (known kinds: {})",
                entry.matcher.kind,
                known.join(", ")
            ));
        }
        if entry.page.trim().is_empty() {
            problems.push(format!("{at}: `page` is empty"));
        }
        if entry.matcher.subject.trim().is_empty() {
            problems.push(format!("{at}: `match.subject` is empty"));
        }
        if entry.reason.trim().is_empty() {
            problems.push(format!("{at}: `reason` is empty; every accepted difference needs one"));
        }
        if let Some(kind) = kind {
            entries.push(Entry {
                page: entry.page,
                kind,
                subject: entry.matcher.subject,
                reason: entry.reason,
            });
        }
    }
    if problems.is_empty() {
        Ok(Accepted { entries, limits })
    } else {
        Err(InputError::new(problems.join("\n")))
    }
}

/// True when an entry's `page` names `page` (the path the check was given) or `read_as` (the
/// file name of the page it was recognised as).
pub(crate) fn page_matches(entry_page: &str, page: &str, read_as: Option<&str>) -> bool {
    let entry_page = entry_page.trim_start_matches("./");
    page == entry_page
        || page.ends_with(&format!("/{entry_page}"))
        || read_as.is_some_and(|name| name == entry_page)
}

/// The file name of the page `page` was recognised as.
fn read_as<'r>(report: &'r Report, page: &str) -> Option<&'r str> {
    report.recognised.iter().find(|r| r.page == page).map(|r| r.as_page.as_str())
}

/// Marks the findings that an entry explains, and notes the entries for checked pages that
/// explained nothing.
pub(crate) fn apply(entries: &[Entry], report: &mut Report) {
    let mut used = vec![false; entries.len()];
    let names: Vec<Option<String>> =
        report.findings.iter().map(|f| read_as(report, &f.page).map(str::to_owned)).collect();
    for (finding, name) in report.findings.iter_mut().zip(&names) {
        let entry = entries.iter().enumerate().find(|(_, e)| {
            e.kind == finding.kind
                && e.subject == finding.subject
                && page_matches(&e.page, &finding.page, name.as_deref())
        });
        if let Some((index, entry)) = entry {
            used[index] = true;
            finding.accepted = Some(entry.reason.clone());
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        let checked = report
            .recognised
            .iter()
            .any(|r| page_matches(&entry.page, &r.page, Some(r.as_page.as_str())));
        if !used && checked {
            report.notes.push(format!(
                "accepted difference no longer seen: {} {} `{}` (remove it from \
                 spec/docs-accepted.json if the page was fixed)",
                entry.page,
                entry.kind.as_str(),
                entry.subject
            ));
        }
    }
}
