//! `spec/docs-accepted.json`: the deliberate differences between the pages and the spec, each
//! with its reason.
//!
//! The file is a JSON array of entries:
//!
//! ```json
//! [
//!   {
//!     "page": "machineaction.md",
//!     "match": { "kind": "property-renamed", "subject": "ID" },
//!     "reason": "The table capitalizes the name; every payload uses id."
//!   }
//! ]
//! ```
//!
//! An entry explains every finding on a page with that file name (or path suffix) whose kind
//! and subject are exactly those of `match`. Unknown members, unknown kinds and empty reasons
//! are errors, so a typo cannot silently accept nothing.

use serde::Deserialize;

use super::InputError;
use super::report::{Kind, Report};

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

/// Reads the file. Every problem is reported, each with the entry's position.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>, InputError> {
    let raw: Vec<RawEntry> = serde_json::from_str(text)
        .map_err(|e| InputError::new(format!("spec/docs-accepted.json: {e}")))?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for (index, entry) in raw.into_iter().enumerate() {
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
    if problems.is_empty() { Ok(entries) } else { Err(InputError::new(problems.join("\n"))) }
}

/// True when an entry's `page` names `page` (the path the check was given).
pub(crate) fn page_matches(entry_page: &str, page: &str) -> bool {
    let entry_page = entry_page.trim_start_matches("./");
    page == entry_page || page.ends_with(&format!("/{entry_page}"))
}

/// Marks the findings that an entry explains, and notes the entries for checked pages that
/// explained nothing.
pub(crate) fn apply(entries: &[Entry], report: &mut Report) {
    let mut used = vec![false; entries.len()];
    for finding in &mut report.findings {
        let entry = entries.iter().enumerate().find(|(_, e)| {
            e.kind == finding.kind
                && e.subject == finding.subject
                && page_matches(&e.page, &finding.page)
        });
        if let Some((index, entry)) = entry {
            used[index] = true;
            finding.accepted = Some(entry.reason.clone());
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        if !used && report.pages.iter().any(|page| page_matches(&entry.page, page)) {
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
