//! Comparing a documented list of members (a property table, the members a `Class` cell
//! declares, a request body table) with a spec object: added, removed, renamed and retyped
//! members, Required marks, and the values listed for enums.

use super::Spec;
use super::report::{Kind, Sink};
use super::text::{
    DocType, NameMatch, SpecKind, compatible, describe, describe_a, insertion_line, loose_values,
    match_names, mentions, nested_members, similarity, spec_kind, value_lists,
};
use codegen::ir::{EnumDef, Field, StructDef, Type, TypeDef};
use std::collections::{BTreeMap, BTreeSet};

/// A member as a page documents it.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocField {
    /// The name, as plain text.
    pub name: String,
    /// 1-based line of its row.
    pub line: usize,
    /// The type cell, as written.
    pub type_cell: String,
    /// The description cell, as written.
    pub desc: String,
    /// Whether the page marks it Required (`None` where pages do not mark it).
    pub required: Option<bool>,
    /// Values documented outside the description (an "Allowed values" column, a bullet list
    /// under the table, a nested list), each with its line.
    pub extra_values: Vec<(String, usize)>,
}

/// The finding kinds and wording for one kind of list.
#[derive(Debug, Clone)]
pub(crate) struct ListKind {
    /// How messages name the list, e.g. "property table".
    pub what: &'static str,
    pub added: Kind,
    pub removed: Kind,
    pub renamed: Kind,
    pub retyped: Kind,
    /// `Some((made required, made optional))` when the list carries Required marks.
    pub required: Option<(Kind, Kind)>,
    /// Whether `String` for a spec enum is a change (see [`compatible`]).
    pub strict_enum: bool,
    /// Prefix of subjects (`relatedFileInfo.` for nested members).
    pub prefix: String,
}

impl ListKind {
    /// The resource page's property table.
    pub fn properties() -> Self {
        Self {
            what: "property table",
            added: Kind::PropertyAdded,
            removed: Kind::PropertyRemoved,
            renamed: Kind::PropertyRenamed,
            retyped: Kind::PropertyRetyped,
            required: None,
            strict_enum: true,
            prefix: String::new(),
        }
    }

    /// A method page's request body table.
    pub fn body() -> Self {
        Self {
            what: "request body table",
            added: Kind::BodyFieldAdded,
            removed: Kind::BodyFieldRemoved,
            renamed: Kind::BodyFieldRenamed,
            retyped: Kind::BodyFieldRetyped,
            required: Some((Kind::BodyFieldRequired, Kind::BodyFieldOptional)),
            strict_enum: false,
            prefix: String::new(),
        }
    }
}

/// Compares `fields` (page order) with the members of `def`. `end_line` is where a member
/// missing at the end of the list would go.
pub(crate) fn compare_fields(
    spec: &Spec<'_>,
    fields: &[DocField],
    def: &StructDef,
    list: &ListKind,
    end_line: usize,
    sink: &mut Sink<'_>,
) {
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let spec_names: Vec<(&str, &[String])> =
        def.fields.iter().map(|f| (f.wire.as_str(), f.aliases.as_slice())).collect();
    let matches = match_names(&names, &spec_names);
    let lines: Vec<usize> = fields.iter().map(|f| f.line).collect();
    // The matched rows, in page order: at most one per spec member.
    let matched_rows: Vec<&DocField> =
        fields.iter().zip(&matches).filter(|(_, m)| m.is_some()).map(|(f, _)| f).collect();
    // Which spec members a row matched.
    let mut listed = vec![false; def.fields.len()];
    for (j, _) in matches.iter().flatten() {
        listed[*j] = true;
    }

    for (doc, matched) in fields.iter().zip(&matches) {
        let subject = format!("{}{}", list.prefix, doc.name);
        let Some((index, how)) = *matched else {
            let earlier = matched_rows.iter().find(|f| f.name == doc.name && f.line < doc.line);
            let message = match earlier {
                Some(f) => format!(
                    "the {} lists `{}` a second time (first at line {})",
                    list.what, doc.name, f.line
                ),
                None => format!(
                    "the {} lists `{}` ({}), which {} does not have",
                    list.what,
                    doc.name,
                    type_words(&doc.type_cell),
                    def.name
                ),
            };
            sink.push(list.added, doc.line, subject, message);
            continue;
        };
        let field = &def.fields[index];
        match how {
            NameMatch::Exact => {}
            NameMatch::Alias => sink.push(
                list.renamed,
                doc.line,
                subject.clone(),
                format!(
                    "the {} writes `{}`; the spec's wire name is `{}`, which accepts `{}` only \
                     as an alias",
                    list.what, doc.name, field.wire, doc.name
                ),
            ),
            NameMatch::Case => sink.push(
                list.renamed,
                doc.line,
                subject.clone(),
                format!(
                    "the {} writes `{}`; the spec's wire name is `{}` (names are case-sensitive)",
                    list.what, doc.name, field.wire
                ),
            ),
            NameMatch::Position => sink.push(
                list.renamed,
                doc.line,
                subject.clone(),
                format!(
                    "the {} writes `{}` where {} has `{}`: a renamed member",
                    list.what, doc.name, def.name, field.wire
                ),
            ),
        }
        compare_member(spec, doc, field, &subject, list, sink);
    }

    for (index, field) in def.fields.iter().enumerate() {
        if listed[index] {
            continue;
        }
        let line = insertion_line(&matches, &lines, index, end_line);
        sink.push(
            list.removed,
            line,
            format!("{}{}", list.prefix, field.wire),
            format!(
                "{} has `{}` ({}{}), but the {} does not list it",
                def.name,
                field.wire,
                describe(spec.api, &field.ty),
                if field.required { ", required" } else { "" },
                list.what
            ),
        );
    }
}

/// The documented type in words, for messages.
fn type_words(cell: &str) -> String {
    let plain = super::text::plain(cell);
    if plain.is_empty() { "no type given".to_owned() } else { format!("type {plain}") }
}

/// Type, Required mark, listed values and nested members of one matched member.
fn compare_member(
    spec: &Spec<'_>,
    doc: &DocField,
    field: &Field,
    subject: &str,
    list: &ListKind,
    sink: &mut Sink<'_>,
) {
    let kind = spec_kind(spec.api, &field.ty);
    let doc_type = DocType::parse(&doc.type_cell);
    let mut retyped = false;
    if !doc.type_cell.trim().is_empty() && !compatible(&doc_type, &kind, list.strict_enum) {
        retyped = true;
        sink.push(
            list.retyped,
            doc.line,
            subject,
            format!(
                "the {} gives `{}` the type {}; in the spec it is {}",
                list.what,
                doc.name,
                super::text::plain(&doc.type_cell),
                describe_a(spec.api, &field.ty)
            ),
        );
    }

    if let (Some((made_required, made_optional)), Some(required)) = (list.required, doc.required) {
        if required && !field.required {
            sink.push(
                made_required,
                doc.line,
                subject,
                format!(
                    "the {} marks `{}` Required; the spec leaves it optional",
                    list.what, doc.name
                ),
            );
        } else if !required && field.required {
            sink.push(
                made_optional,
                doc.line,
                subject,
                format!(
                    "the spec requires `{}`, but the {} does not mark it Required",
                    field.wire, list.what
                ),
            );
        }
    }

    // The values the cell itself lists are authoritative: a value it no longer lists is
    // removed even if the bullets under the table still name it. The bullets (and other extra
    // values) only add evidence: a value they list that the spec lacks is still reported.
    let lists = value_lists(&doc.desc);
    let mut cell: Vec<(String, usize)> = lists
        .iter()
        .filter(|l| l.anchor.is_none())
        .flat_map(|l| l.values.iter().map(|v| (v.clone(), doc.line)))
        .collect();
    if lists.is_empty() && doc.extra_values.is_empty() {
        cell = loose_values(&doc.desc).into_iter().map(|v| (v, doc.line)).collect();
    }
    let listed = !cell.is_empty() || !doc.extra_values.is_empty();
    let mut values = cell.clone();
    values.extend(doc.extra_values.iter().cloned());
    let mut seen: BTreeSet<String> = BTreeSet::new();
    values.retain(|(v, _)| seen.insert(v.clone()));
    let present: &[(String, usize)] = if cell.is_empty() { &doc.extra_values } else { &cell };
    let listing = Listing { values: &values, present };

    match &kind {
        SpecKind::Enum(name) => {
            if let Some(def) = spec.enum_def(name) {
                compare_enum(&listing, def, subject, doc.line, "", sink);
            }
        }
        SpecKind::Str | SpecKind::IdStr => {
            for (value, line) in &values {
                if !mentions(&field.doc, value) {
                    sink.push(
                        Kind::EnumValueAdded,
                        *line,
                        format!("{subject}/{value}"),
                        format!(
                            "the page lists the value `{value}` for `{}`, a plain string in the \
                             spec whose description does not mention it",
                            doc.name
                        ),
                    );
                }
            }
            // Symmetrically, a value the spec's description names (one of the spec's enum
            // values, such as scope's Full, Selective and Quick) that a cell listing values no
            // longer lists.
            if !present.is_empty() {
                for value in described_values(spec, &field.doc) {
                    if !present.iter().any(|(v, _)| *v == value) {
                        sink.push(
                            Kind::EnumValueRemoved,
                            doc.line,
                            format!("{subject}/{value}"),
                            format!(
                                "the spec's description of `{}` names the value `{value}`, but \
                                 the page no longer lists it",
                                field.wire
                            ),
                        );
                    }
                }
            }
        }
        SpecKind::Array(inner) if array_enum(spec, inner).is_some() => {
            if let Some(def) = array_enum(spec, inner) {
                compare_enum(&listing, def, subject, doc.line, "", sink);
            }
        }
        SpecKind::Array(_) | SpecKind::Object(_) if listed => {
            let shown: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
            if !retyped {
                sink.push(
                    list.retyped,
                    doc.line,
                    subject,
                    format!(
                        "the page lists values ({}) for `{}` as if it held strings; in the spec \
                         it is {}",
                        shown.join(", "),
                        doc.name,
                        describe_a(spec.api, &field.ty)
                    ),
                );
            }
            if let Some((path, def)) = best_nested_enum(spec, &field.ty, &field.wire, &values) {
                let note = format!(" (compared with {} at {path})", def.name);
                compare_enum(&listing, def, subject, doc.line, &note, sink);
            }
        }
        _ => {}
    }

    if let SpecKind::Object(name) = &kind
        && let Some(def) = spec.struct_def(name)
    {
        let members = nested_members(&doc.desc);
        if !members.is_empty() {
            // The values of the lists anchored to each member, in page order, for the first
            // member of that name (a second one is reported as listed twice).
            let mut anchored: BTreeMap<&str, Vec<(String, usize)>> = BTreeMap::new();
            for l in &lists {
                if let Some(anchor) = &l.anchor {
                    let values = l.values.iter().map(|v| (v.clone(), doc.line));
                    anchored.entry(anchor.as_str()).or_default().extend(values);
                }
            }
            let nested: Vec<DocField> = members
                .into_iter()
                .map(|(member, word)| DocField {
                    extra_values: anchored.remove(member.as_str()).unwrap_or_default(),
                    name: member,
                    line: doc.line,
                    type_cell: word,
                    desc: String::new(),
                    required: None,
                })
                .collect();
            let nested_list =
                ListKind { prefix: format!("{subject}."), required: None, ..list.clone() };
            compare_fields(spec, &nested, def, &nested_list, doc.line, sink);
        }
    }
}

fn array_enum<'a>(spec: &Spec<'a>, inner: &Type) -> Option<&'a EnumDef> {
    match inner {
        Type::Named(name) => spec.enum_def(name),
        _ => None,
    }
}

/// The values a page lists for one member.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Listing<'v> {
    /// Every value listed (cell, extra column, bullets), each with its line, no duplicates.
    pub values: &'v [(String, usize)],
    /// The values that count for removals: those of the authoritative listing (the table
    /// cell when it lists any, else the bullets).
    pub present: &'v [(String, usize)],
}

/// The values of the spec's enums that `doc` (a spec description) names as words.
fn described_values(spec: &Spec<'_>, doc: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for ty in &spec.api.types {
        if let TypeDef::Enum(def) = ty {
            for variant in &def.variants {
                if mentions(doc, &variant.wire) && !out.contains(&variant.wire) {
                    out.push(variant.wire.clone());
                }
            }
        }
    }
    out
}

/// Compares listed values with an enum: values the enum lacks, and enum values no longer listed.
pub(crate) fn compare_enum(
    listing: &Listing<'_>,
    def: &EnumDef,
    subject: &str,
    row_line: usize,
    note: &str,
    sink: &mut Sink<'_>,
) {
    let values = listing.values;
    if values.is_empty() || listing.present.is_empty() {
        return;
    }
    let listed = |wire: &str| listing.present.iter().any(|(v, _)| v == wire);
    let mut unlisted: Vec<&str> =
        def.variants.iter().map(|v| v.wire.as_str()).filter(|w| !listed(w)).collect();
    for (value, line) in values {
        if def.variants.iter().any(|v| &v.wire == value) {
            continue;
        }
        match respelling_of(value, &unlisted) {
            Some(index) => {
                let old = unlisted.remove(index);
                sink.push(
                    Kind::EnumValueRenamed,
                    *line,
                    format!("{subject}/{value}"),
                    format!(
                        "the page lists `{value}` for `{subject}` where {} has `{old}`, which the \
                         page no longer lists (values are case-sensitive){note}",
                        def.name
                    ),
                );
            }
            None => sink.push(
                Kind::EnumValueAdded,
                *line,
                format!("{subject}/{value}"),
                format!(
                    "the page lists `{value}` for `{subject}`; {} has no such value{note}",
                    def.name
                ),
            ),
        }
    }
    for wire in unlisted {
        sink.push(
            Kind::EnumValueRemoved,
            row_line,
            format!("{subject}/{wire}"),
            format!(
                "{} has `{wire}`, but the page no longer lists it for `{subject}`{note}",
                def.name
            ),
        );
    }
}

/// The index of the unlisted enum value that `value` respells: the same letters but for case,
/// or else the only one sharing at least three letters, and half of the shorter name, at its
/// ends (`Canceled` for `Cancelled`).
fn respelling_of(value: &str, unlisted: &[&str]) -> Option<usize> {
    if let Some(index) = unlisted.iter().position(|w| w.eq_ignore_ascii_case(value)) {
        return Some(index);
    }
    let scores: Vec<usize> = unlisted.iter().map(|w| similarity(value, w)).collect();
    let best = *scores.iter().max()?;
    let index = scores.iter().position(|s| *s == best)?;
    let shorter = unlisted[index].len().min(value.len());
    let unique = scores.iter().filter(|s| **s == best).count() == 1;
    (best >= 3 && best * 2 >= shorter && unique).then_some(index)
}

/// The enum reachable inside `ty` (through arrays and objects, three levels deep) that shares
/// the most values with `values`, with its member path such as `commands[].command.type`.
pub(crate) fn best_nested_enum<'a>(
    spec: &Spec<'a>,
    ty: &Type,
    path: &str,
    values: &[(String, usize)],
) -> Option<(String, &'a EnumDef)> {
    let mut found: Vec<(String, &'a EnumDef)> = Vec::new();
    collect_enums(spec, ty, path.to_owned(), 0, &mut found);
    let overlap = |def: &EnumDef| {
        values.iter().filter(|(v, _)| def.variants.iter().any(|x| &x.wire == v)).count()
    };
    found
        .into_iter()
        .map(|(p, def)| (overlap(def), p, def))
        .filter(|(n, _, _)| *n > 0)
        .max_by_key(|(n, _, _)| *n)
        .map(|(_, p, def)| (p, def))
}

pub(crate) fn collect_enums<'a>(
    spec: &Spec<'a>,
    ty: &Type,
    path: String,
    depth: usize,
    out: &mut Vec<(String, &'a EnumDef)>,
) {
    if depth > 3 {
        return;
    }
    match ty {
        Type::Array(inner) => collect_enums(spec, inner, format!("{path}[]"), depth + 1, out),
        Type::Named(name) => match spec.api.types.iter().find(|t| t.name() == name) {
            Some(TypeDef::Enum(def)) if depth > 0 => out.push((path, def)),
            Some(TypeDef::Struct(def)) => {
                for field in &def.fields {
                    collect_enums(
                        spec,
                        &field.ty,
                        format!("{path}.{}", field.wire),
                        depth + 1,
                        out,
                    );
                }
            }
            _ => {}
        },
        _ => {}
    }
}
