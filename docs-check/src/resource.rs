//! A resource page (`machineaction.md`, `machine.md`): its property table (names, types, the
//! values listed in type and description cells, the members of `Class` cells) against the
//! page's model, its method table (when the page still has one) against the methods that
//! belong to the resource, and its JSON representation.

use super::compare::{DocField, ListKind, compare_fields};
use super::examples::{self, Labels, Role, json_start};
use super::markdown::{Doc, Table};
use super::report::{Kind, Sink};
use super::text::{insertion_line, link_target, plain};
use super::{Resource, Spec};
use codegen::ir::Type;

/// Checks the page of `resource`.
pub(crate) fn check(spec: &Spec<'_>, resource: &Resource<'_>, doc: &Doc, sink: &mut Sink<'_>) {
    properties(spec, resource, doc, sink);
    method_table(spec, resource, doc, sink);
    representation(spec, resource, doc, sink);
}

fn first_header(table: &Table) -> String {
    plain(table.header.first().map_or("", String::as_str)).to_lowercase()
}

/// The property table: the first table headed `Property | Type | ...`, preferring one under a
/// "Properties" heading.
pub(crate) fn property_table(doc: &Doc) -> Option<&Table> {
    let candidates: Vec<&Table> = doc
        .tables
        .iter()
        .filter(|t| {
            matches!(first_header(t).as_str(), "property" | "name" | "field" | "property name")
                && t.column(|h| h == "type").is_some()
        })
        .collect();
    candidates
        .iter()
        .find(|t| doc.headings_above(t.header_line).iter().any(|h| h.lower.contains("propert")))
        .or(candidates.first())
        .copied()
}

fn properties(spec: &Spec<'_>, resource: &Resource<'_>, doc: &Doc, sink: &mut Sink<'_>) {
    let Some(table) = property_table(doc) else {
        let line = doc.find_heading(|t| t.contains("propert")).map_or(1, |i| doc.headings[i].line);
        sink.push(
            Kind::TableMissing,
            line,
            "properties",
            format!(
                "no property table (`Property | Type | Description`) found to compare with {}",
                resource.def.name
            ),
        );
        return;
    };
    let type_col = table.column(|h| h == "type");
    let desc_col =
        table.column(|h| h.contains("description")).or(table.header.len().checked_sub(1));
    let fields: Vec<DocField> = table
        .rows
        .iter()
        .filter_map(|row| {
            let name = plain(row.cell(0));
            if name.is_empty() {
                return None;
            }
            let type_cell = type_col.map_or("", |c| row.cell(c)).to_owned();
            let mut desc = desc_col.map_or("", |c| row.cell(c)).to_owned();
            if type_col != desc_col {
                // Values are sometimes listed in the type cell ("Enum: A, B").
                if type_cell.contains(['"', ',']) {
                    desc = format!("{desc} {type_cell}");
                }
            }
            Some(DocField {
                name,
                line: row.line,
                type_cell,
                desc,
                required: None,
                extra_values: Vec::new(),
            })
        })
        .collect();
    compare_fields(spec, &fields, resource.def, &ListKind::properties(), table.end_line(), sink);
}

/// The method table (`Method | Return Type | Description`, each method linking its page)
/// against the spec's methods that belong to the resource ([`Spec::resource_of`]), by page.
fn method_table(spec: &Spec<'_>, resource: &Resource<'_>, doc: &Doc, sink: &mut Sink<'_>) {
    let Some(table) = doc.tables.iter().find(|t| first_header(t) == "method") else {
        return;
    };
    let method_pages = spec.resource_method_pages(resource);
    let rows: Vec<(usize, String, String)> = table
        .rows
        .iter()
        .filter_map(|row| {
            let target = link_target(row.cell(0))?;
            let target = target.split(['#', '?']).next().unwrap_or(target);
            let file = target.rsplit('/').next().unwrap_or(target);
            let file = if file.ends_with(".md") { file.to_owned() } else { format!("{file}.md") };
            Some((row.line, file, plain(row.cell(0))))
        })
        .collect();
    let matches: Vec<Option<(usize, super::text::NameMatch)>> = rows
        .iter()
        .map(|(_, file, _)| {
            method_pages
                .iter()
                .position(|(page, _)| page == file)
                .map(|i| (i, super::text::NameMatch::Exact))
        })
        .collect();
    // A row naming a method of another resource is no difference: the spec has that method.
    let all_pages = spec.method_pages();
    let elsewhere = |file: &str| all_pages.iter().any(|(page, _)| page == file);
    for ((line, file, title), matched) in rows.iter().zip(&matches) {
        if matched.is_none() && !elsewhere(file) {
            sink.push(
                Kind::MethodAdded,
                *line,
                file.trim_end_matches(".md"),
                format!("the method table lists \"{title}\" ({file}), but no spec method has that page as its docsUrl"),
            );
        }
    }
    let lines: Vec<usize> = rows.iter().map(|(line, _, _)| *line).collect();
    for (index, (page, method)) in method_pages.iter().enumerate() {
        if matches.iter().any(|m| m.is_some_and(|(j, _)| j == index)) {
            continue;
        }
        let line = insertion_line(&matches, &lines, index, table.end_line());
        sink.push(
            Kind::MethodRemoved,
            line,
            page.trim_end_matches(".md"),
            format!(
                "the spec's {} documents {page}, but the method table does not list that page",
                method.spec_name
            ),
        );
    }
}

/// Every JSON block on the page (the "Json representation") as a resource object.
fn representation(spec: &Spec<'_>, resource: &Resource<'_>, doc: &Doc, sink: &mut Sink<'_>) {
    let mut labels = Labels::new(doc);
    for fence in &doc.fences {
        let json_lang = matches!(fence.lang.as_str(), "json" | "javascript" | "js");
        let start = json_start(&fence.body);
        if start.is_none() && !json_lang {
            continue;
        }
        let label = labels.next(fence.line);
        match start {
            Some((start, _)) => {
                let ty = Type::Named(resource.def.name.clone());
                examples::check(spec, &fence.body, start, &ty, Role::Response, &label, sink);
            }
            None => sink.push(
                Kind::ExampleUnparsable,
                fence.line,
                label.clone(),
                format!("{label}: the json block does not hold a JSON value"),
            ),
        }
    }
}
