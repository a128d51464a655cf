//! A method page's "Permissions" table (`Permission type|Permission|Permission display name`)
//! against the method's application and delegated permissions.
//!
//! Only the table counts: a permission named in the prose around it is not read. A page
//! without a "Permissions" section says nothing about permissions; one whose section has no
//! such table is reported (`table-missing`). Rows may come
//! in any order and any capitalisation of the type (`Application`, `application`); the type
//! cell is read by its first word, so `Delegated (work or school account)` is delegated. A
//! permission cell may hold several names (separated by `<br>`, commas or spaces), code marks
//! and stray quotes; names run together without a space (`Machine.StopAndQuarantineMachine.LiveResponse`)
//! are split where the first name's prefix (`Machine.`) starts again.
//!
//! Findings name the kind and the permission: `application/Machine.Read.All`.

use std::collections::BTreeSet;

use super::markdown::{Doc, Table};
use super::report::{Kind, Sink};
use super::text::plain;
use codegen::ir::Method;

/// The two kinds of permission, in the order findings report them.
const KINDS: [&str; 2] = ["application", "delegated"];

/// Compares the page's permission table with the method's permissions.
pub(crate) fn check(method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let spec = [&method.application_permissions, &method.delegated_permissions];
    let heading = doc.find_heading(|t| t.contains("permission"));
    let Some(table) = permission_table(doc) else {
        // A page without a "Permissions" section says nothing about permissions.
        if let Some(heading) = heading
            && spec.iter().any(|list| !list.is_empty())
        {
            let line = doc.headings[heading].line;
            sink.push(
                Kind::TableMissing,
                line,
                "Permissions",
                "no permission table (`Permission type|Permission|...`) found under a \
                 \"Permissions\" heading",
            );
        }
        return;
    };
    let listed = listed_permissions(table);
    for (kind, spec_list) in KINDS.iter().zip(spec) {
        let page: Vec<&(String, String, usize)> =
            listed.iter().filter(|(k, _, _)| k == kind).collect();
        for (_, name, line) in &page {
            if !spec_list.iter().any(|p| p == name) {
                sink.push(
                    Kind::PermissionAdded,
                    *line,
                    format!("{kind}/{name}"),
                    format!(
                        "the permission table lists the {kind} permission `{name}`; the spec's \
                         `{}` does not accept it ({})",
                        method.spec_name,
                        describe(spec_list)
                    ),
                );
            }
        }
        for name in spec_list.iter() {
            if !page.iter().any(|(_, listed, _)| listed == name) {
                sink.push(
                    Kind::PermissionRemoved,
                    table.header_line,
                    format!("{kind}/{name}"),
                    format!(
                        "the spec's `{}` accepts the {kind} permission `{name}`, but the \
                         permission table does not list it",
                        method.spec_name
                    ),
                );
            }
        }
    }
}

/// The spec's list for messages: `it accepts `A`, `B``, or `it lists none`.
fn describe(list: &[String]) -> String {
    if list.is_empty() {
        return "it lists none of that kind".to_owned();
    }
    let names: Vec<String> = list.iter().map(|p| format!("`{p}`")).collect();
    format!("it accepts {}", names.join(", "))
}

/// The first table under a "Permissions" heading with a permission-type and a permission
/// column (else the first such table anywhere on the page).
fn permission_table(doc: &Doc) -> Option<&Table> {
    let has_columns = |t: &&Table| type_column(t).is_some() && name_column(t).is_some();
    let section = doc.find_heading(|t| t.contains("permission")).map(|h| doc.section(h));
    let in_section = section.and_then(|(start, end)| {
        doc.tables.iter().filter(|t| t.header_line > start && t.header_line < end).find(has_columns)
    });
    in_section.or_else(|| doc.tables.iter().find(has_columns))
}

fn type_column(table: &Table) -> Option<usize> {
    table.column(|h| h.contains("permission") && h.contains("type"))
}

fn name_column(table: &Table) -> Option<usize> {
    table.column(|h| h == "permission" || h == "permissions" || h == "scope")
}

/// `(kind, permission, line)` for every permission of every application or delegated row.
fn listed_permissions(table: &Table) -> Vec<(String, String, usize)> {
    let (Some(kind_at), Some(name_at)) = (type_column(table), name_column(table)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in &table.rows {
        let kind_text = plain(row.cell(kind_at)).to_lowercase();
        let Some(kind) = KINDS.iter().find(|k| kind_text.split_whitespace().next() == Some(**k))
        else {
            continue;
        };
        for name in permission_names(row.cell(name_at)) {
            out.push(((*kind).to_owned(), name, row.line));
        }
    }
    out
}

/// The permission names in a cell: dotted identifiers (`Machine.Read.All`), quotes and code
/// marks removed, run-together names split (see the module docs).
pub(crate) fn permission_names(cell: &str) -> Vec<String> {
    let text = plain(cell);
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '|') {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if !is_permission(word) {
            continue;
        }
        for name in split_run_together(word) {
            if seen.insert(name) {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// A dotted name of letters and digits with at least one dot: `Machine.Isolate`.
fn is_permission(word: &str) -> bool {
    let mut parts = word.split('.');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    first.starts_with(|c: char| c.is_ascii_alphabetic())
        && !rest.is_empty()
        && std::iter::once(first)
            .chain(rest)
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// `Machine.StopAndQuarantineMachine.LiveResponse` as `Machine.StopAndQuarantine` and
/// `Machine.LiveResponse`: split wherever the first segment and its dot start again after a
/// letter. A name without such a repeat is returned whole.
fn split_run_together(word: &str) -> Vec<&str> {
    let Some(dot) = word.find('.') else { return vec![word] };
    let prefix = &word[..=dot];
    let mut starts = vec![0];
    let mut from = dot + 1;
    while let Some(found) = word[from..].find(prefix) {
        let at = from + found;
        if word[..at].ends_with(|c: char| c.is_ascii_alphanumeric()) {
            starts.push(at);
        }
        from = at + prefix.len();
    }
    starts.push(word.len());
    starts.windows(2).map(|w| &word[w[0]..w[1]]).filter(|n| is_permission(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_hold_names_with_markup_quotes_and_breaks() {
        assert_eq!(permission_names("`Machine.Offboard`"), ["Machine.Offboard"]);
        assert_eq!(permission_names("\"Machine.ReadWrite.All"), ["Machine.ReadWrite.All"]);
        assert_eq!(
            permission_names("Machine.Scan <br> Machine.Offboard<br>Machine.Isolate"),
            ["Machine.Scan", "Machine.Offboard", "Machine.Isolate"]
        );
        assert_eq!(
            permission_names("Machine.StopAndQuarantineMachine.LiveResponse"),
            ["Machine.StopAndQuarantine", "Machine.LiveResponse"]
        );
        assert!(permission_names("'Isolate machine'").is_empty());
        assert!(permission_names("...").is_empty());
    }
}
