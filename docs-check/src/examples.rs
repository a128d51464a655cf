//! Checking a documented JSON example against the spec's model: it must parse, every member must
//! be one the model knows (by wire name; an alias is reported), every value must fit its type
//! (enum values, date-times, integer ranges, nullability), and required members must be there.
//!
//! Code fences often carry more than JSON: an HTTP status line, header lines and blank lines
//! before the body (as on several of Microsoft's pages), or a stray `json` glued to the opening
//! brace. Those are skipped; anything else that is not JSON is reported as such.

use super::Spec;
use super::json::{self, Member, Node, Value};
use super::markdown::Doc;
use super::report::{Kind, Sink};
use super::text::plain;
use codegen::ir::{StructDef, Type, TypeDef};

/// What an example shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A request body: the model is closed, so every unknown member is a difference.
    Request,
    /// A response body or the resource's JSON representation: OData annotations
    /// (`@odata.context`) are allowed.
    Response,
}

/// How messages and `spec/docs-accepted.json` name a page's JSON examples: `Response example,
/// JSON block 2` for the second example under the innermost heading above it (`(top of page)`
/// above every heading). Each heading's title is made plain once.
#[derive(Debug)]
pub(crate) struct Labels<'d> {
    doc: &'d Doc,
    /// Examples seen so far under each heading; index 0 is the top of the page, `h + 1`
    /// heading `h`.
    counts: Vec<usize>,
    /// The plain title of each heading, once asked for (same indexes).
    titles: Vec<Option<String>>,
}

impl<'d> Labels<'d> {
    pub fn new(doc: &'d Doc) -> Self {
        let slots = doc.headings.len() + 1;
        Self { doc, counts: vec![0; slots], titles: vec![None; slots] }
    }

    /// The label of the next example, the one whose fence opens at `line`.
    pub fn next(&mut self, line: usize) -> String {
        let heading = self.doc.innermost_heading(line);
        let slot = heading.map_or(0, |h| h + 1);
        self.counts[slot] += 1;
        let count = self.counts[slot];
        let doc = self.doc;
        let title = self.titles[slot].get_or_insert_with(|| {
            let text =
                heading.and_then(|h| doc.headings.get(h)).map_or("(top of page)", |h| &h.text);
            plain(text)
        });
        format!("{title}, JSON block {count}")
    }
}

/// Where the JSON in a fence starts: the index of its first line, and whether an HTTP status
/// line came before it. `None` when the lines before it are not all HTTP preamble.
pub(crate) fn json_start(body: &[(usize, String)]) -> Option<(usize, bool)> {
    let mut status = false;
    for (index, (_, line)) in body.iter().enumerate() {
        let t = line.trim();
        if t.starts_with('{') || t.starts_with('[') || strip_json_word(t).is_some() {
            return Some((index, status));
        }
        if t.is_empty() {
            continue;
        }
        if t.starts_with("HTTP/") {
            status = true;
            continue;
        }
        if is_header_line(t) {
            continue;
        }
        return None;
    }
    None
}

/// `json{...` and `json[...` (OData samples page): the rest after `json`.
fn strip_json_word(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("json").or_else(|| line.strip_prefix("JSON"))?;
    (rest.starts_with('{') || rest.starts_with('[')).then_some(rest)
}

/// `Content-type: application/json` and the like.
pub(crate) fn is_header_line(line: &str) -> bool {
    let Some((name, rest)) = line.split_once(':') else {
        return false;
    };
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && (rest.is_empty() || rest.starts_with(' '))
}

/// Parses the JSON of `body` (from `start`) and validates it as a `ty`. `label` names the
/// example in messages and is the subject of an unparsable example.
pub(crate) fn check(
    spec: &Spec<'_>,
    body: &[(usize, String)],
    start: usize,
    ty: &Type,
    role: Role,
    label: &str,
    sink: &mut Sink<'_>,
) {
    let Some(first) = body.get(start) else {
        return;
    };
    let mut text = String::new();
    for (i, (_, line)) in body[start..].iter().enumerate() {
        if i == 0 {
            let t = line.trim_start();
            text.push_str(strip_json_word(t).unwrap_or(t));
        } else {
            text.push('\n');
            text.push_str(line);
        }
    }
    match json::parse(&text, first.0) {
        Err(error) => sink.push(
            Kind::ExampleUnparsable,
            error.line,
            label,
            format!("{label}: not valid JSON ({}), so it cannot be deserialized", error.message),
        ),
        Ok(node) => {
            let mut validator = Validator { spec, role, label, sink };
            validator.value(&node, ty, false, "");
        }
    }
}

struct Validator<'s, 'a, 'b> {
    spec: &'s Spec<'a>,
    role: Role,
    label: &'s str,
    sink: &'s mut Sink<'b>,
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn shown(path: &str) -> String {
    if path.is_empty() { "the example itself".to_owned() } else { format!("`{path}`") }
}

impl Validator<'_, '_, '_> {
    fn invalid(&mut self, line: usize, path: &str, message: String) {
        let subject = if path.is_empty() { "(root)".to_owned() } else { path.to_owned() };
        self.sink.push(Kind::ExampleInvalid, line, subject, format!("{}: {message}", self.label));
    }

    fn value(&mut self, node: &Node, ty: &Type, nullable: bool, path: &str) {
        if matches!(ty, Type::Any) {
            return;
        }
        if matches!(node.value, Value::Null) {
            if !nullable {
                let expected = super::text::describe_a(self.spec.api, ty);
                self.invalid(
                    node.line,
                    path,
                    format!("{} is null, but the spec expects {expected} there", shown(path)),
                );
            }
            return;
        }
        let mismatch = |v: &mut Self, expected: &str| {
            v.invalid(
                node.line,
                path,
                format!(
                    "{} is {}, but the spec expects {}",
                    shown(path),
                    node.value.kind(),
                    super::text::with_article(expected)
                ),
            );
        };
        match ty {
            Type::Any => {}
            Type::String => {
                if !matches!(node.value, Value::String(_)) {
                    mismatch(self, "string");
                }
            }
            Type::DateTime => match &node.value {
                Value::String(s) if is_date_time(s) => {}
                Value::String(s) => self.invalid(
                    node.line,
                    path,
                    format!("{} is `{s}`, which is not an RFC 3339 date-time", shown(path)),
                ),
                _ => mismatch(self, "date-time string"),
            },
            Type::I32 => match node.value {
                Value::Number { int: Some(n), .. } if i32::try_from(n).is_ok() => {}
                _ => mismatch(self, "32-bit integer"),
            },
            Type::I64 => match node.value {
                Value::Number { int: Some(_), .. } => {}
                _ => mismatch(self, "64-bit integer"),
            },
            Type::F64 => {
                if !matches!(node.value, Value::Number { .. }) {
                    mismatch(self, "number");
                }
            }
            Type::Bool => {
                if !matches!(node.value, Value::Bool(_)) {
                    mismatch(self, "boolean");
                }
            }
            Type::Array(inner) => match &node.value {
                Value::Array(items) => {
                    let item_path = format!("{path}[]");
                    for item in items {
                        self.value(item, inner, false, &item_path);
                    }
                }
                _ => mismatch(self, "array"),
            },
            Type::Named(name) => {
                let def = self.spec.api.types.iter().find(|t| t.name() == name);
                match def {
                    Some(TypeDef::Struct(def)) => match &node.value {
                        Value::Object(members) => self.object(node, members, def, path),
                        _ => mismatch(self, &format!("{name} object")),
                    },
                    Some(TypeDef::Enum(def)) => match &node.value {
                        Value::String(s) if def.variants.iter().any(|v| &v.wire == s) => {}
                        Value::String(s) => self.invalid(
                            node.line,
                            path,
                            format!("{} is `{s}`, which is not a value of {name}", shown(path)),
                        ),
                        _ => mismatch(self, &format!("{name} string")),
                    },
                    Some(TypeDef::Newtype(def)) => {
                        let inner = def.inner.clone();
                        self.value(node, &inner, nullable, path);
                    }
                    None => {}
                }
            }
        }
    }

    fn object(&mut self, node: &Node, members: &[Member], def: &StructDef, path: &str) {
        let mut unknown: Vec<&Member> = Vec::new();
        // Which of the model's fields the example has given so far.
        let mut present = vec![false; def.fields.len()];
        for member in members {
            let member_path = child(path, &member.key);
            let by_wire = def.fields.iter().position(|f| f.wire == member.key);
            let by_alias = def.fields.iter().position(|f| f.aliases.contains(&member.key));
            match (by_wire, by_alias) {
                (Some(index), _) | (None, Some(index)) => {
                    let field = &def.fields[index];
                    if present[index] {
                        self.invalid(
                            member.line,
                            &member_path,
                            format!(
                                "`{}` is given twice; {} would reject it",
                                field.wire, def.name
                            ),
                        );
                    }
                    present[index] = true;
                    if by_wire.is_none() {
                        self.sink.push(
                            Kind::ExampleAliasKey,
                            member.line,
                            member_path.clone(),
                            format!(
                                "{}: `{}` is named `{}` in the spec, which accepts `{}` only as an alias",
                                self.label, member_path, field.wire, member.key
                            ),
                        );
                    }
                    self.value(&member.value, &field.ty, field.nullable, &member_path);
                }
                (None, None) => {
                    let annotation = member.key.starts_with("@odata.") && !def.closed;
                    if !(annotation && self.role == Role::Response) {
                        unknown.push(member);
                    }
                }
            }
        }
        let mut missing: Vec<&str> = def
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| f.required && !present[*i])
            .map(|(_, f)| f.wire.as_str())
            .collect();
        for member in unknown {
            let member_path = child(path, &member.key);
            let case_twin = def
                .fields
                .iter()
                .find(|f| f.wire.eq_ignore_ascii_case(&member.key))
                .map(|f| f.wire.as_str());
            let renamed = case_twin
                .filter(|w| missing.contains(w))
                .or_else(|| (case_twin.is_none() && missing.len() == 1).then(|| missing[0]));
            let message = match (renamed, case_twin) {
                (Some(wire), _) => {
                    missing.retain(|m| *m != wire);
                    format!(
                        "{}: `{member_path}` is not a member of {}, and its required member `{wire}` \
                         is missing: a renamed member (names are case-sensitive)",
                        self.label, def.name
                    )
                }
                (None, Some(wire)) => format!(
                    "{}: `{member_path}` is not a member of {} (it has `{wire}`; names are case-sensitive)",
                    self.label, def.name
                ),
                (None, None) => {
                    format!("{}: `{member_path}` is not a member of {}", self.label, def.name)
                }
            };
            self.sink.push(Kind::ExampleUnknownKey, member.line, member_path, message);
        }
        for wire in missing {
            self.invalid(
                node.line,
                &child(path, wire),
                format!(
                    "the required member `{}` is missing from this {}",
                    child(path, wire),
                    def.name
                ),
            );
        }
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && b[i + 3] == b':' && digits(i + 4..i + 6)
        }
        _ => false,
    }
}
