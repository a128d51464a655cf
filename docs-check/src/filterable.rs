//! A listing page's statement of what `$filter` may use ("The OData's `$filter` query is
//! supported on: `id`, `status`, ... properties.") against the properties the spec marks
//! `x-filterable`, and the operators it states against each property's.
//!
//! The statement is the first prose line naming `$filter` together with "supported" or a
//! colon; its property names are its code spans after that colon (else after `$filter`),
//! `$`-options left out. Operators count where the page states them: in parentheses after a
//! name (`` `lastSeen` (`eq`, `gt`) ``), or for every name without its own, in the first
//! sentence of the statement's paragraph that says "operator", before or after that word
//! (``The operators `eq` and `ne` are supported.``, ``..., with the `eq` and `ne`
//! operators.``, ``Supported operators: `eq` and `ne`.``). There an operator is a code span
//! holding one, or one of `eq`, `ne`, `gt`, `ge`, `lt`, `le` written bare; the English word
//! "in" is never the `in` operator, which counts only as `` `in` ``. Names compare
//! with the spec's wire names and aliases, exactly (OData names are case-sensitive). A page
//! without such a statement says nothing about `$filter`.
//!
//! Findings: `filterable-property-added` and `-removed` (subject: the property),
//! `filter-operator-added` and `-removed` (subject: `property/operator`).

use std::collections::BTreeMap;

use super::Spec;
use super::markdown::Doc;
use super::report::{Kind, Sink};
use codegen::ir::{Field, FilterOp, Method};

/// One property the statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Listed {
    name: String,
    /// The operators stated for it, if any.
    ops: Option<Vec<String>>,
}

/// The statement: its line and the properties it names.
#[derive(Debug)]
struct Statement {
    line: usize,
    listed: Vec<Listed>,
}

/// Compares the page's filterable properties and operators with the spec's.
pub(crate) fn check(spec: &Spec<'_>, method: &Method, doc: &Doc, sink: &mut Sink<'_>) {
    let model = method.filter.as_ref().and_then(|(name, _)| spec.struct_def(name));
    let filterable: Vec<&Field> = model
        .map(|m| m.fields.iter().filter(|f| !f.filter_ops.is_empty()).collect())
        .unwrap_or_default();
    // A page without such a statement says nothing about `$filter`.
    let Some(statement) = statement(doc) else { return };
    for listed in &statement.listed {
        let field =
            filterable.iter().find(|f| f.wire == listed.name || f.aliases.contains(&listed.name));
        match field {
            Some(field) => operators(method, field, listed, statement.line, sink),
            None => {
                let in_model = model.and_then(|m| m.fields.iter().find(|f| f.wire == listed.name));
                let why = match (model, in_model) {
                    (None, _) => format!("the spec's `{}` takes no $filter", method.spec_name),
                    (Some(m), Some(_)) => {
                        format!("{} has it, but the spec does not mark it x-filterable", m.name)
                    }
                    (Some(m), None) => format!("{} has no such property", m.name),
                };
                sink.push(
                    Kind::FilterablePropertyAdded,
                    statement.line,
                    listed.name.clone(),
                    format!("the page says $filter may use `{}`; {why}", listed.name),
                );
            }
        }
    }
    for field in &filterable {
        let named = statement
            .listed
            .iter()
            .any(|l| l.name == field.wire || field.aliases.contains(&l.name));
        if !named {
            removed(method, field, statement.line, sink);
        }
    }
}

fn removed(method: &Method, field: &Field, line: usize, sink: &mut Sink<'_>) {
    sink.push(
        Kind::FilterablePropertyRemoved,
        line,
        field.wire.clone(),
        format!(
            "the spec's `{}` lets $filter use `{}`, but the page's list does not name it",
            method.spec_name, field.wire
        ),
    );
}

/// The operator findings of a property the page and the spec both name.
fn operators(method: &Method, field: &Field, listed: &Listed, line: usize, sink: &mut Sink<'_>) {
    let Some(ops) = &listed.ops else { return };
    let spec_ops: Vec<&str> = field.filter_ops.iter().map(|op| op_name(*op)).collect();
    for op in ops.iter().filter(|op| !spec_ops.contains(&op.as_str())) {
        sink.push(
            Kind::FilterOperatorAdded,
            line,
            format!("{}/{op}", field.wire),
            format!(
                "the page says $filter may compare `{}` with `{op}`; the spec's `{}` allows {}",
                field.wire,
                method.spec_name,
                spec_ops.join(", ")
            ),
        );
    }
    for op in spec_ops.iter().filter(|op| !ops.iter().any(|o| o == *op)) {
        sink.push(
            Kind::FilterOperatorRemoved,
            line,
            format!("{}/{op}", field.wire),
            format!(
                "the spec lets $filter compare `{}` with `{op}`, but the page does not list it",
                field.wire
            ),
        );
    }
}

fn op_name(op: FilterOp) -> &'static str {
    FilterOp::ALL.iter().find(|(_, o)| *o == op).map_or("", |(name, _)| name)
}

fn is_op(word: &str) -> bool {
    FilterOp::ALL.iter().any(|(name, _)| *name == word)
}

/// The page's statement of what `$filter` may use, if it has one.
fn statement(doc: &Doc) -> Option<Statement> {
    let (index, line) = doc.lines.iter().enumerate().find(|(i, line)| {
        let lower = line.to_ascii_lowercase();
        doc.is_prose(i + 1)
            && lower.contains("$filter")
            && !lower.contains("$filter=")
            && (lower.contains("supported") || lower.contains(':'))
    })?;
    let lower = line.to_ascii_lowercase();
    let from = lower.find("$filter").unwrap_or(0);
    let rest = &line[from..];
    let rest = rest.split_once(':').map_or(rest, |(_, after)| after);
    let mut listed = listed(rest);
    let shared = paragraph_operators(doc, index);
    for item in listed.iter_mut().filter(|l| l.ops.is_none()) {
        item.ops.clone_from(&shared);
    }
    Some(Statement { line: index + 1, listed })
}

/// The code spans of `text` that name properties, each with the operators in parentheses
/// after it. One pass over the text's code spans and the text between them.
fn listed(text: &str) -> Vec<Listed> {
    let mut out: Vec<Listed> = Vec::new();
    // Where each name is in `out`.
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    // The property the last code span named, and whether its parentheses are open.
    let mut last: Option<usize> = None;
    let mut in_parens = false;
    for (i, part) in text.split('`').enumerate() {
        let is_code = i % 2 == 1;
        if is_code {
            let name = part.trim();
            match last {
                Some(at) if in_parens => {
                    if is_op(name) {
                        out[at].ops.get_or_insert_with(Vec::new).push(name.to_owned());
                    }
                }
                _ if is_property(name) && !is_op(name) => {
                    let at = *index.entry(name.to_owned()).or_insert_with(|| {
                        out.push(Listed { name: name.to_owned(), ops: None });
                        out.len() - 1
                    });
                    last = Some(at);
                }
                _ => last = None,
            }
            continue;
        }
        let Some(at) = last else { continue };
        let mut rest = part;
        if !in_parens {
            match rest.trim_start().strip_prefix('(') {
                Some(inside) => {
                    in_parens = true;
                    rest = inside;
                }
                None => {
                    last = None;
                    continue;
                }
            }
        }
        let (inside, closed) =
            rest.split_once(')').map_or((rest, false), |(inside, _)| (inside, true));
        for op in words(inside).filter(|w| is_op(w)) {
            out[at].ops.get_or_insert_with(Vec::new).push(op);
        }
        if closed {
            in_parens = false;
            last = None;
        }
    }
    out
}

/// The operators the first sentence of the statement's paragraph that says "operator" names,
/// if any (before or after that word): see [`sentence_operators`].
fn paragraph_operators(doc: &Doc, index: usize) -> Option<Vec<String>> {
    let paragraph: Vec<&str> = doc.lines[index..]
        .iter()
        .enumerate()
        .take_while(|(k, line)| *k == 0 || (!line.trim().is_empty() && doc.is_prose(index + k + 1)))
        .map(|(_, line)| line.as_str())
        .collect();
    sentences(&paragraph.join(" ")).iter().find_map(|sentence| sentence_operators(sentence))
}

/// Operators that are no English word, so they count written bare too (`in` counts only in a
/// code span).
const BARE_OPS: [&str; 6] = ["eq", "ne", "gt", "ge", "lt", "le"];

/// The operators of a sentence that says "operator": its code spans holding one, and the words
/// of [`BARE_OPS`] outside code spans; not those in parentheses after a property's code span
/// (`` `lastSeen` (`gt`) `` states that property's own).
fn sentence_operators(sentence: &[(&str, bool)]) -> Option<Vec<String>> {
    let says_operator = sentence
        .iter()
        .any(|(part, is_code)| !is_code && part.to_ascii_lowercase().contains("operator"));
    if !says_operator {
        return None;
    }
    let mut ops: Vec<String> = Vec::new();
    // After a property's code span (only spaces since), and inside its parentheses.
    let (mut after_name, mut in_parens) = (false, false);
    for (part, is_code) in sentence {
        if *is_code {
            let token = part.trim().to_ascii_lowercase();
            after_name = is_property(&token) && !is_op(&token);
            if !in_parens && is_op(&token) {
                ops.push(token);
            }
            continue;
        }
        for piece in part.split_inclusive(['(', ')']) {
            if !in_parens {
                ops.extend(words(piece).filter(|w| BARE_OPS.contains(&w.as_str())));
            }
            let opened = after_name && piece.trim_start() == "(";
            if piece.ends_with(')') {
                in_parens = false;
            } else if opened {
                in_parens = true;
            }
            after_name = after_name && piece.trim().is_empty();
        }
    }
    let mut unique: Vec<String> = Vec::new();
    for op in ops {
        if !unique.contains(&op) {
            unique.push(op);
        }
    }
    (!unique.is_empty()).then_some(unique)
}

/// The sentences of `text`, each as its parts and whether each is a code span. A run of
/// backticks opens or closes a code span; a sentence ends at `.`, `;`, `!` or `?` before a
/// space or the end, outside code spans. One pass.
fn sentences(text: &str) -> Vec<Vec<(&str, bool)>> {
    let mut out: Vec<Vec<(&str, bool)>> = Vec::new();
    let mut current: Vec<(&str, bool)> = Vec::new();
    for (part, is_code) in code_parts(text) {
        if is_code || part.is_empty() {
            current.push((part, is_code));
            continue;
        }
        let mut rest = part;
        while let Some(end) = sentence_end(rest) {
            current.push((&rest[..end], false));
            out.push(std::mem::take(&mut current));
            rest = &rest[end..];
        }
        current.push((rest, false));
    }
    out.push(current);
    out
}

/// `text` split at its runs of backticks, each part with whether it is inside a code span
/// (each run opens or closes one: ```` ```$top``` ```` is the code `$top`).
fn code_parts(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let (mut start, mut is_code) = (0, false);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        out.push((&text[start..i], is_code));
        while bytes.get(i) == Some(&b'`') {
            i += 1;
        }
        (start, is_code) = (i, !is_code);
    }
    out.push((&text[start..], is_code));
    out
}

/// Where the first sentence of `text` ends (after its `.`, `;`, `!` or `?`), if it does.
fn sentence_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = bytes.iter().enumerate().position(|(i, b)| {
        matches!(b, b'.' | b';' | b'!' | b'?')
            && bytes.get(i + 1).is_none_or(|next| next.is_ascii_whitespace())
    })?;
    Some(at + 1)
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A property name: letters, digits and `_`, starting with a letter.
fn is_property(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_whose_lowercase_is_longer_is_read_without_panic() {
        let doc = Doc::parse("İİİ The `$filter` query is supported on: `id`.\nİ operators: `eq`\n");
        let found = statement(&doc).expect("statement");
        assert_eq!(
            found.listed,
            [Listed { name: "id".to_owned(), ops: Some(vec!["eq".to_owned()]) }]
        );
    }

    fn shared(text: &str) -> Option<Vec<String>> {
        let doc = Doc::parse(text);
        statement(&doc).expect("statement").listed.into_iter().find_map(|l| l.ops)
    }

    #[test]
    fn the_operators_sentence_is_read_before_and_after_the_word() {
        let ops = |list: &[&str]| Some(list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        let head = "The `$filter` query is supported on: `id` and `status` properties";
        let cases = [
            (
                format!("{head}.\nThe operators `eq` and `ne` are supported in every filter.\n"),
                ops(&["eq", "ne"]),
            ),
            (format!("{head}, with the `eq` and `ne` operators.\n"), ops(&["eq", "ne"])),
            (
                format!("{head}.\nOnly the `eq` and `in` operators are supported.\n"),
                ops(&["eq", "in"]),
            ),
            (format!("{head}.\nSupported operators: ```eq``` and ne.\n"), ops(&["eq", "ne"])),
            (format!("{head}.\nIt works in filters. Operators: in, eq.\n"), ops(&["eq"])),
            (format!("{head}.\nUse eq and `in` in filters. No operator is listed.\n"), None),
            (format!("{head}.\n\nThe `eq` and `ne` operators are supported.\n"), None),
        ];
        for (text, expected) in cases {
            assert_eq!(shared(&text), expected, "{text}");
        }
    }

    #[test]
    fn operators_in_a_property_s_parentheses_are_its_own() {
        let doc = Doc::parse(
            "The `$filter` query is supported on: `id`, `lastSeen` (`gt`, `lt`) and `status`, \
             with the `eq` operator.\n",
        );
        let found: Vec<(String, Option<Vec<String>>)> = statement(&doc)
            .expect("statement")
            .listed
            .into_iter()
            .map(|l| (l.name, l.ops))
            .collect();
        let eq = Some(vec!["eq".to_owned()]);
        let own = Some(vec!["gt".to_owned(), "lt".to_owned()]);
        let expected = [
            ("id".to_owned(), eq.clone()),
            ("lastSeen".to_owned(), own),
            ("status".to_owned(), eq),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn names_and_operators_are_read_from_code_spans() {
        let listed = listed(
            " `id`, `lastSeen` (`eq`, `gt`),`osPlatform` and `rbacGroupId` properties. `$top`",
        );
        let names: Vec<(&str, Option<Vec<String>>)> =
            listed.iter().map(|l| (l.name.as_str(), l.ops.clone())).collect();
        assert_eq!(
            names,
            [
                ("id", None),
                ("lastSeen", Some(vec!["eq".to_owned(), "gt".to_owned()])),
                ("osPlatform", None),
                ("rbacGroupId", None),
            ]
        );
    }
}
