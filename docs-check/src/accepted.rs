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
//! page's path. An entry accepting a documented limit's value (`limit-changed`, `limit-added`)
//! must also name that value, `match.value`, and explains only a finding whose page states that
//! value (compared as a quantity: `3 days` is `three days` and `72 hours`, but not `3`):
//!
//! ```json
//! {
//!   "page": "run-live-response.md",
//!   "match": { "kind": "limit-changed", "subject": "concurrent sessions", "value": "25" },
//!   "reason": "An older revision of the page; the spec follows the current one."
//! }
//! ```
//!
//! accepts a page stating 25 sessions, and a page stating 30 is still reported. Other kinds
//! take no `value`.
//!
//! A `limits` entry is compared by `limits.rs`; `pattern` may also be an array of alternative
//! wordings. Unknown members, unknown kinds, empty reasons, patterns without `{n}`, unreadable
//! values and a missing or misplaced `match.value` are errors, so a typo cannot silently accept
//! or check nothing.
//!
//! Matching a report's findings with the entries looks each finding up by kind and subject, so
//! it takes time linear in the findings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use super::InputError;
use super::limits::{Quantity, Recorded};
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
    #[serde(default)]
    value: Option<String>,
}

/// One accepted difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub page: String,
    pub kind: Kind,
    pub subject: String,
    /// For a documented limit's value: the value accepted, as written and read.
    pub value: Option<(String, Quantity)>,
    pub reason: String,
}

/// The kinds of finding about a documented limit's value: their entries name the value.
const VALUED: [Kind; 2] = [Kind::LimitChanged, Kind::LimitAdded];

/// True when a finding's value (as the page states it) is the value an entry accepts: the same
/// quantity, both with a unit of time or both without.
fn same_value(accepted: &Quantity, stated: Option<&str>) -> bool {
    stated.and_then(Quantity::parse).is_some_and(|stated| {
        stated.unit.is_some() == accepted.unit.is_some() && stated.same(accepted)
    })
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
        let value = match (kind, entry.matcher.value) {
            (Some(kind), None) if VALUED.contains(&kind) => {
                problems.push(format!(
                    "{at}: `match.value` is missing; an accepted {} names the documented value \
                     it accepts (`25`, `three days`), so that a page stating another value is \
                     still reported",
                    kind.as_str()
                ));
                None
            }
            (Some(kind), Some(_)) if !VALUED.contains(&kind) => {
                problems.push(format!(
                    "{at}: `match.value` is only for {} (a documented limit's value), not {}",
                    VALUED.map(Kind::as_str).join(" and "),
                    kind.as_str()
                ));
                None
            }
            (_, Some(text)) => match Quantity::parse(&text) {
                Some(quantity) => Some((text, quantity)),
                None => {
                    problems.push(format!(
                        "{at}: `match.value` `{text}` is not a number, optionally followed by a \
                         unit of time (`25`, `three days`)"
                    ));
                    None
                }
            },
            (_, None) => None,
        };
        if let Some(kind) = kind {
            entries.push(Entry {
                page: entry.page,
                kind,
                subject: entry.matcher.subject,
                value,
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

/// Marks the findings that an entry explains, and notes the entries for checked pages that
/// explained nothing. A finding about a limit's value whose entry accepts another value stays
/// unexplained, and its message says which value is accepted.
pub(crate) fn apply(entries: &[Entry], report: &mut Report) {
    let mut used = vec![false; entries.len()];
    // The file name each checked page was read as.
    let mut read_as: BTreeMap<String, String> = BTreeMap::new();
    for r in &report.recognised {
        read_as.entry(r.page.clone()).or_insert_with(|| r.as_page.clone());
    }
    // The entries of each kind and subject, in file order.
    let mut by_match: BTreeMap<(Kind, &str), Vec<usize>> = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        by_match.entry((entry.kind, entry.subject.as_str())).or_default().push(index);
    }
    for finding in &mut report.findings {
        let name = read_as.get(&finding.page).map(String::as_str);
        let candidates = by_match.get(&(finding.kind, finding.subject.as_str()));
        let mut other_values: Vec<&str> = Vec::new();
        let entry = candidates.into_iter().flatten().copied().find(|&index| {
            let entry = &entries[index];
            if !page_matches(&entry.page, &finding.page, name) {
                return false;
            }
            match &entry.value {
                Some((text, value)) if !same_value(value, finding.value.as_deref()) => {
                    other_values.push(text);
                    false
                }
                _ => true,
            }
        });
        match entry {
            Some(index) => {
                used[index] = true;
                finding.accepted = Some(entries[index].reason.clone());
            }
            None if !other_values.is_empty() => {
                let _ = write!(
                    finding.message,
                    " (spec/docs-accepted.json accepts this difference only for the documented \
                     value {})",
                    other_values.join(", ")
                );
            }
            None => {}
        }
    }
    for (entry, used) in entries.iter().zip(used) {
        let checked = report
            .recognised
            .iter()
            .any(|r| page_matches(&entry.page, &r.page, Some(r.as_page.as_str())));
        if !used && checked {
            let value = entry.value.as_ref().map_or(String::new(), |(v, _)| format!(" = {v}"));
            report.notes.push(format!(
                "accepted difference no longer seen: {} {} `{}`{value} (remove it from \
                 spec/docs-accepted.json if the page was fixed)",
                entry.page,
                entry.kind.as_str(),
                entry.subject
            ));
        }
    }
}
