//! The docs drift check behind `cargo xtask docs-check`: compares an API's reference pages,
//! written in the markdown of Microsoft's docs repository, with the spec the SDK is generated
//! from, and reports every difference with its page and line.
//!
//! It reads the spec only through the generator's public front end ([`codegen::load`],
//! [`codegen::lower`]) and its IR ([`codegen::ir`]). The page, resource, type and method names it
//! looks for and reports come from the lowered spec, and the spec's file name from the caller
//! ([`Options::spec_name`]). For this repository that is the MachineAction API
//! (`spec/machineaction.json`), but nothing here is specific to it.
//!
//! Pure logic, like the generator: the input is the spec text, the pages (path and text) and the
//! text of `spec/docs-accepted.json`; the output is a [`Report`]. Reading files and printing is
//! the caller's job (see `xtask/src/docs_check_task.rs`).
//!
//! - `recognise.rs` tells which page a file is, by its content (title, request line, property
//!   table) and, failing that, its file name; a copy named `machineaction-altered.md` is still
//!   the resource page.
//! - A resource page is checked by `resource.rs`: the API's own (`machineaction.md`, named
//!   after the spec's `x-api.docsUrl`) and that of every other object with an `x-docsUrl`
//!   (`machine.md` for `Machine`). It compares the page's property table, the values listed in
//!   its cells and its JSON representation with the page's model, and its method table with the
//!   methods of that resource: those returning its model, alone or in a collection (the rest
//!   belong to the API's own page).
//! - A method page (named after a method's `docsUrl`) is checked by `methods.rs`: its request
//!   line, example requests and their `$filter`, request body table, value lists in its prose,
//!   limits and JSON examples. It hands the rest to one module each: the permission table
//!   (`permissions.rs`), the operating systems the page names (`platforms.rs`, against the
//!   method's `platforms`), the success status and the failures it states (`responses.rs`),
//!   and, on a listing page, what `$filter` may use and with which operators
//!   (`filterable.rs`).
//! - Every JSON example is validated by `examples.rs` against the spec's model.
//! - Documented limits the spec does not model are compared with the values recorded in
//!   `spec/docs-accepted.json` (`limits.rs`).
//! - Findings that `spec/docs-accepted.json` explains are marked accepted (`accepted.rs`).
//!
//! Any page text is acceptable input: what cannot be read as expected becomes a finding, never a
//! panic. The check takes time linear in the pages' length (or `n log n`): the page is split
//! into lines once, and nothing reads the text before or after a position again for each
//! line, phrase or example (`cargo bench -p tests --bench docs_check` measures it). Only an unusable spec or accepted-differences file, or a page the check does not
//! recognise (unless [`Options::skip_unrecognised`] lists it as skipped), is an [`InputError`].

mod accepted;
mod compare;
mod examples;
mod filterable;
mod json;
mod limits;
mod markdown;
mod methods;
mod permissions;
mod platforms;
mod recognise;
mod report;
mod resource;
mod responses;
mod text;

use std::collections::BTreeMap;
use std::fmt;

pub use report::{EXIT_CLEAN, EXIT_DRIFT, EXIT_INPUT, Finding, Kind, Recognised, Report};

use codegen::ir::{Api, EnumDef, Method, StructDef, Type, TypeDef};

/// One page to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// How findings name the page, e.g. `spec/docs/machineaction.md`. Its file name says which
    /// page it is only when its content does not (see `recognise.rs`).
    pub path: String,
    /// The page's markdown.
    pub text: String,
}

/// Input the check cannot work with; `cargo xtask docs-check` exits 2 with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    message: String,
}

impl InputError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// How [`run`] renders the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The readable report, accepted differences counted per page (see [`Report::to_text`]).
    Text,
    /// The readable report with every accepted difference and its reason
    /// ([`Report::to_text_verbose`]; `cargo xtask docs-check --verbose`).
    VerboseText,
    /// JSON (see [`Report::to_json`]).
    Json,
}

/// How [`check_with`] treats the pages it is given and names the spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The pages are the markdown files of a folder: a page that is neither the resource page
    /// nor a method's page is listed in [`Report::skipped`] instead of being an [`InputError`].
    /// At least one page must still be recognised.
    pub skip_unrecognised: bool,
    /// Where the spec was read from, such as `spec/machineaction.json`, for the report's advice
    /// on drift ([`Report::spec_name`]); the check itself sees only the spec's text. `None`:
    /// "the spec".
    pub spec_name: Option<String>,
}

/// What the command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// [`EXIT_CLEAN`], [`EXIT_DRIFT`] or [`EXIT_INPUT`].
    pub status: u8,
    /// The report (or, with [`Format::Json`] and bad input, `{"error": ...}`).
    pub stdout: String,
    /// The error message on bad input.
    pub stderr: String,
}

/// The file names of the pages the check knows: the resource pages first (the API's own, then
/// those of the other objects with an `x-docsUrl`), then one page per method, in spec order.
pub fn page_names(spec_text: &str) -> Result<Vec<String>, InputError> {
    let api = load_api(spec_text)?;
    let spec = Spec::new(&api)?;
    Ok(spec.page_names())
}

/// Checks `pages` against the spec, marking the differences that `accepted_text` (the contents
/// of `spec/docs-accepted.json`) explains.
pub fn check(spec_text: &str, pages: &[Page], accepted_text: &str) -> Result<Report, InputError> {
    check_with(spec_text, pages, accepted_text, &Options::default())
}

/// [`check`] with [`Options`].
pub fn check_with(
    spec_text: &str,
    pages: &[Page],
    accepted_text: &str,
    options: &Options,
) -> Result<Report, InputError> {
    let api = load_api(spec_text)?;
    let spec = Spec::new(&api)?;
    let accepted = accepted::parse(accepted_text)?;
    let known = spec.page_names();
    let unknown: Vec<String> = accepted
        .limits
        .iter()
        .enumerate()
        .filter(|(_, l)| !known.iter().any(|k| k == file_name(&l.page)))
        .map(|(index, l)| {
            format!(
                "spec/docs-accepted.json: limits entry {index}: `{}` is not a page docs-check \
                 knows; expected one of: {}",
                l.page,
                known.join(", ")
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(InputError::new(unknown.join("\n")));
    }
    if pages.is_empty() {
        return Err(InputError::new("no pages to check"));
    }
    let mut report = Report {
        resource: spec.resources[0].def.name.clone(),
        spec_name: options.spec_name.clone().unwrap_or_else(|| "the spec".to_owned()),
        ..Report::default()
    };
    let mut findings = Vec::new();
    let mut saw_resources: Vec<&str> = Vec::new();
    // The resource pages whose methods' pages were checked.
    let mut method_resources: Vec<&str> = Vec::new();
    for page in pages {
        let doc = markdown::Doc::parse(&page.text);
        let Some(recognition) = recognise::recognise(&spec, &page.path, &doc) else {
            if options.skip_unrecognised {
                report.skipped.push(page.path.clone());
                continue;
            }
            return Err(InputError::new(format!(
                "{} is not a page docs-check knows: neither its title, its request line, its \
                 property table nor its file name names a resource page ({}) or a method's \
                 page; expected one of: {}",
                page.path,
                spec.resource_names(),
                known.join(", ")
            )));
        };
        let mut sink = report::Sink::new(&page.path, &mut findings);
        match recognition.target {
            recognise::Target::Resource(index) => {
                let resource = &spec.resources[index];
                saw_resources.push(&resource.page);
                resource::check(&spec, resource, &doc, &mut sink);
            }
            recognise::Target::Method(method) => {
                method_resources.push(&spec.resource_of(method).page);
                methods::check(&spec, method, &doc, &mut sink);
            }
        }
        // A recorded limit belongs to the page it was recognised as, whatever its file name.
        let recorded: Vec<&limits::Recorded> =
            accepted.limits.iter().filter(|l| file_name(&l.page) == recognition.name).collect();
        let limitations = doc.find_heading(|t| t.contains("limit")).map(|i| doc.headings[i].line);
        limits::check_recorded(&recorded, &doc, limitations, &mut sink);
        report.pages.push(page.path.clone());
        report.recognised.push(Recognised {
            page: page.path.clone(),
            as_page: recognition.name,
            by: recognition.by,
        });
    }
    if report.pages.is_empty() {
        return Err(InputError::new(format!(
            "{} markdown page(s) read, none of them a {} page docs-check knows (by title, \
             request line, property table or file name: {})",
            report.skipped.len(),
            spec.resource_names(),
            known.join(", ")
        )));
    }
    let missing: Vec<&str> = spec
        .resources
        .iter()
        .map(|r| r.page.as_str())
        .filter(|page| method_resources.contains(page) && !saw_resources.contains(page))
        .collect();
    match missing.as_slice() {
        [] => {}
        [page] => report.notes.push(format!(
            "the resource page {page} was not among the pages; only its methods' pages were \
             checked"
        )),
        pages => report.notes.push(format!(
            "the resource pages {} were not among the pages; only their methods' pages were \
             checked",
            pages.join(", ")
        )),
    }
    let mut positions: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, page) in report.pages.iter().enumerate() {
        positions.entry(page.as_str()).or_insert(index);
    }
    let order = |page: &str| positions.get(page).copied().unwrap_or(usize::MAX);
    findings.sort_by(|a, b| {
        (order(&a.page), a.line, a.kind, &a.subject).cmp(&(
            order(&b.page),
            b.line,
            b.kind,
            &b.subject,
        ))
    });
    findings.dedup();
    report.findings = findings;
    accepted::apply(&accepted.entries, &mut report);
    Ok(report)
}

/// [`check`] and its rendering: what `cargo xtask docs-check` prints and its exit status.
pub fn run(spec_text: &str, pages: &[Page], accepted_text: &str, format: Format) -> Outcome {
    run_with(spec_text, pages, accepted_text, &Options::default(), format)
}

/// [`run`] with [`Options`].
pub fn run_with(
    spec_text: &str,
    pages: &[Page],
    accepted_text: &str,
    options: &Options,
    format: Format,
) -> Outcome {
    match check_with(spec_text, pages, accepted_text, options) {
        Ok(report) => {
            let stdout = match format {
                Format::Text => report.to_text(),
                Format::VerboseText => report.to_text_verbose(),
                Format::Json => json_text(&report.to_json()),
            };
            Outcome { status: report.exit_status(), stdout, stderr: String::new() }
        }
        Err(error) => {
            let stdout = match format {
                Format::Text | Format::VerboseText => String::new(),
                Format::Json => error_json(error.message()),
            };
            Outcome { status: EXIT_INPUT, stdout, stderr: format!("docs-check: {error}\n") }
        }
    }
}

/// The JSON printed instead of a report when the input cannot be used:
/// `{"error": message, "status": 2}`, pretty, with a trailing newline.
pub fn error_json(message: &str) -> String {
    json_text(&serde_json::json!({ "error": message, "status": EXIT_INPUT }))
}

/// The exit status for a result of [`check`].
pub fn exit_status(result: &Result<Report, InputError>) -> u8 {
    match result {
        Ok(report) => report.exit_status(),
        Err(_) => EXIT_INPUT,
    }
}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

fn load_api(spec_text: &str) -> Result<Api, InputError> {
    let document = codegen::load::load(spec_text)
        .map_err(|d| InputError::new(format!("the spec cannot be read:\n{d}")))?;
    codegen::lower::lower(&document).map_err(|d| {
        InputError::new(format!("the spec has problems (run `cargo xtask codegen`):\n{d}"))
    })
}

/// The last component of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// The page file name of a docs URL: its last path segment plus `.md`.
fn page_name_of_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/');
    let last = url.rsplit('/').next().unwrap_or(url);
    let last = last.strip_suffix(".md").unwrap_or(last);
    format!("{last}.md")
}

/// The page file name of a method, from its `docsUrl`.
fn page_name_of(method: &Method) -> String {
    page_name_of_url(&method.docs_url)
}

/// A model with a resource page of its own.
#[derive(Debug)]
pub(crate) struct Resource<'a> {
    /// The model the page describes (`MachineAction` for `machineaction.md`).
    pub def: &'a StructDef,
    /// The page's file name (`machineaction.md`).
    pub page: String,
}

/// The lowered spec and what the checks look up in it.
#[derive(Debug)]
pub(crate) struct Spec<'a> {
    pub api: &'a Api,
    /// Every resource page: the API's own first (`x-api.docsUrl`, whose model is named after
    /// the page), then each other object with an `x-docsUrl`, in spec order.
    pub resources: Vec<Resource<'a>>,
    /// The hosts of the spec's servers, lowercased.
    pub hosts: Vec<String>,
}

impl<'a> Spec<'a> {
    fn new(api: &'a Api) -> Result<Self, InputError> {
        let resource_page = page_name_of_url(&api.docs_url);
        let stem = resource_page.trim_end_matches(".md").to_ascii_lowercase();
        let structs = || {
            api.types.iter().filter_map(|t| match t {
                TypeDef::Struct(def) => Some(def),
                _ => None,
            })
        };
        let resource =
            structs().find(|def| def.name.to_ascii_lowercase() == stem).ok_or_else(|| {
                InputError::new(format!(
                    "the spec's x-api.docsUrl names the page {resource_page}, but no object in \
                     $defs is named after it"
                ))
            })?;
        let mut resources = vec![Resource { def: resource, page: resource_page }];
        for def in structs() {
            let Some(url) = &def.docs_url else { continue };
            let page = page_name_of_url(url);
            if let Some(other) = resources.iter().find(|r| r.page == page) {
                if other.def.name == def.name {
                    continue;
                }
                return Err(InputError::new(format!(
                    "the spec's objects {} and {} both name the page {page} as their x-docsUrl",
                    other.def.name, def.name
                )));
            }
            resources.push(Resource { def, page });
        }
        let hosts = api
            .servers
            .iter()
            .map(|s| {
                let url = s.url.split("://").nth(1).unwrap_or(&s.url);
                url.split('/').next().unwrap_or(url).to_ascii_lowercase()
            })
            .collect();
        Ok(Spec { api, resources, hosts })
    }

    /// Every page the check knows: the resource pages, then the method pages.
    pub fn page_names(&self) -> Vec<String> {
        let resources = self.resources.iter().map(|r| r.page.clone());
        resources.chain(self.method_pages().into_iter().map(|(page, _)| page)).collect()
    }

    /// The resource models' names, for messages: `MachineAction or Machine`.
    fn resource_names(&self) -> String {
        let names: Vec<&str> = self.resources.iter().map(|r| r.def.name.as_str()).collect();
        names.join(" or ")
    }

    /// The resource a method belongs to, for the method tables of resource pages: the one whose
    /// model the method returns, alone or as the items of a collection; otherwise the API's own
    /// (a download link belongs to the actions page that lists its method).
    pub fn resource_of(&self, method: &Method) -> &Resource<'a> {
        let returns = |def: &StructDef| {
            method.response == def.name
                || self.struct_def(&method.response).is_some_and(|collection| {
                    collection.fields.iter().any(|f| {
                        matches!(&f.ty, Type::Array(item) if **item == Type::Named(def.name.clone()))
                    })
                })
        };
        self.resources.iter().find(|r| returns(r.def)).unwrap_or(&self.resources[0])
    }

    /// The pages of the methods that belong to `resource`, in spec order.
    pub fn resource_method_pages(&self, resource: &Resource<'_>) -> Vec<(String, &'a Method)> {
        let pages = self.method_pages();
        pages.into_iter().filter(|(_, m)| self.resource_of(m).page == resource.page).collect()
    }

    pub fn struct_def(&self, name: &str) -> Option<&'a StructDef> {
        self.api.types.iter().find_map(|t| match t {
            TypeDef::Struct(def) if def.name == name => Some(def),
            _ => None,
        })
    }

    pub fn enum_def(&self, name: &str) -> Option<&'a EnumDef> {
        self.api.types.iter().find_map(|t| match t {
            TypeDef::Enum(def) if def.name == name => Some(def),
            _ => None,
        })
    }

    /// The page file name of every method, in spec order.
    pub fn method_pages(&self) -> Vec<(String, &'a Method)> {
        self.api.methods.iter().map(|m| (page_name_of(m), m)).collect()
    }
}
