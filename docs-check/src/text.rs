//! Reading table cells: plain text, the value lists Microsoft writes into type and description
//! cells ("Possible values are: ..."), nested members of `Class` cells, documented type names
//! mapped onto spec types, and matching documented names with spec names.

use std::collections::{BTreeMap, BTreeSet};

use codegen::ir::{Api, Type, TypeDef};

/// The cell as plain text: links reduced to their text, `<br>`/`<p>` to spaces, emphasis and
/// code marks and backslash escapes removed, whitespace collapsed.
pub(crate) fn plain(cell: &str) -> String {
    let text = strip_markup(cell);
    let text: String = text.chars().filter(|c| !matches!(c, '*' | '`')).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Links reduced to their text, HTML line breaks to spaces and backslash escapes resolved, but
/// quotes and emphasis kept (they delimit listed values).
pub(crate) fn strip_markup(cell: &str) -> String {
    let bytes = cell.as_bytes();
    let mut out = String::with_capacity(cell.len());
    let (mut next_gt, mut next_lt) = (Next::new(b'>'), Next::new(b'<'));
    let (mut next_bracket, mut next_paren) = (Next::new(b']'), Next::new(b')'));
    // Bytes before `copied` are in `out` (or dropped); the markup is ASCII, so every position
    // where it starts or ends is a character boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if bytes.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                out.push_str(&cell[copied..i]);
                out.push(char::from(bytes[i + 1]));
                i += 2;
                copied = i;
            }
            b'<' => {
                // A tag holding another `<` is no break, so each byte is read as part of at
                // most one tag.
                let end = next_gt
                    .at(bytes, i)
                    .filter(|&e| next_lt.at(bytes, i + 1).is_none_or(|lt| lt > e))
                    .filter(|&e| is_html_break(&cell[i + 1..e]));
                match end {
                    Some(e) => {
                        out.push_str(&cell[copied..i]);
                        out.push(' ');
                        i = e + 1;
                        copied = i;
                    }
                    None => i += 1,
                }
            }
            b'[' => {
                // [text](target) -> text; anything else stays as written.
                let end = next_bracket
                    .at(bytes, i)
                    .filter(|&close| bytes.get(close + 1) == Some(&b'('))
                    .and_then(|close| next_paren.at(bytes, close).map(|end| (close, end)));
                match end {
                    Some((close, end)) => {
                        out.push_str(&cell[copied..i]);
                        out.push_str(&cell[i + 1..close]);
                        i = end + 1;
                        copied = i;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&cell[copied..]);
    out
}

/// The next position of one byte at or after a position, for positions that never decrease:
/// each search starts where the last one ended, so all of them read the text once.
#[derive(Debug)]
struct Next {
    target: u8,
    /// The last answer: the first position of `target` at or after the position asked for
    /// (`None`: there is none), once asked.
    last: Option<Option<usize>>,
}

impl Next {
    fn new(target: u8) -> Self {
        Self { target, last: None }
    }

    fn at(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        match self.last {
            Some(Some(found)) if found >= from => return Some(found),
            Some(None) => return None,
            _ => {}
        }
        let found = bytes.get(from..).and_then(|rest| rest.iter().position(|&b| b == self.target));
        let found = found.map(|k| from + k);
        self.last = Some(found);
        found
    }
}

fn is_html_break(tag: &str) -> bool {
    let tag = tag.trim().trim_end_matches('/').trim().to_ascii_lowercase();
    matches!(tag.as_str(), "br" | "p" | "/p")
}

/// The target of the first Markdown link in `cell`.
pub(crate) fn link_target(cell: &str) -> Option<&str> {
    let start = cell.find("](")? + 2;
    let end = cell[start..].find(')')? + start;
    Some(cell[start..end].trim())
}

/// True for a value that can be an enum value or a member name.
pub(crate) fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '@'))
        && text.chars().any(|c| c.is_ascii_alphanumeric())
}

/// A list of values introduced by a phrase such as "Possible values are:".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueList {
    /// The values, in order, without duplicates.
    pub values: Vec<String>,
    /// The code-quoted member name the list belongs to, when the phrase follows one in the same
    /// sentence (``Enum `fileIdentifierType` with the possible values: ...``).
    pub anchor: Option<String>,
}

/// The phrases that introduce a list of values.
pub(crate) const PHRASES: [&str; 10] = [
    "possible values are",
    "allowed values are",
    "valid values are",
    "supported values are",
    "one of the following values",
    "possible values",
    "allowed values",
    "valid values",
    "supported values",
    "can be one of",
];

/// Every value list in a cell (or a paragraph).
///
/// The phrases are looked for in the order of [`PHRASES`]; an occurrence overlapping one
/// already found is skipped ("one of the following values" wins over "can be one of"). A list
/// runs from its phrase to the end of the sentence or to the next phrase, whichever comes
/// first, so no text is read for two lists.
pub(crate) fn value_lists(cell: &str) -> Vec<ValueList> {
    let text = strip_markup(cell);
    let lower = text.to_ascii_lowercase();
    // Start -> end of each occurrence found. They never overlap, so the one starting last
    // before an occurrence's end is the only one that can overlap it.
    let mut found: BTreeMap<usize, usize> = BTreeMap::new();
    for phrase in PHRASES {
        for (pos, _) in lower.match_indices(phrase) {
            let end = pos + phrase.len();
            if found.range(..end).next_back().is_none_or(|(_, &e)| e <= pos) {
                found.insert(pos, end);
            }
        }
    }
    let found: Vec<(usize, usize)> = found.into_iter().collect();
    let mut anchors = Anchors::new(&text);
    let mut lists = Vec::new();
    for (k, &(pos, end)) in found.iter().enumerate() {
        let limit = found.get(k + 1).map_or(text.len(), |&(next, _)| next);
        let values = list_after(&text[end..limit]);
        if !values.is_empty() {
            lists.push(ValueList { values, anchor: anchors.before(pos) });
        }
    }
    lists
}

/// The values listed right after a phrase (`rest` runs to the next phrase), up to the end of
/// the sentence.
fn list_after(rest: &str) -> Vec<String> {
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '-');
    let mut end = rest.len();
    let mut in_quote = false;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\u{201c}' | '\u{201d}' => in_quote = !in_quote,
            '(' | ';' | '\n' if !in_quote => {
                end = i;
                break;
            }
            '.' if !in_quote => {
                let next = chars.peek().map(|&(_, n)| n);
                if next.is_none_or(|n| n.is_whitespace() || n == '|') {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let segment = &rest[..end];
    let quoted = quoted_tokens(segment);
    let values = if quoted.is_empty() {
        segment
            .split([',', '/'])
            .flat_map(|part| part.split(" and ").flat_map(|p| p.split(" or ")))
            .map(|token| {
                let token = token.trim();
                let token = token
                    .strip_prefix("and ")
                    .or_else(|| token.strip_prefix("or "))
                    .unwrap_or(token);
                token
                    .trim()
                    .trim_matches(|c: char| matches!(c, '*' | '`' | '"' | '\'' | '.'))
                    .to_owned()
            })
            .filter(|token| is_identifier(token))
            .collect()
    } else {
        quoted
    };
    dedup(values)
}

/// Values written in quotes (`"X"`, `'X'`, `“X”`), bold (`**X**`) or code (`` `X` ``).
pub(crate) fn quoted_tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    // Closers known to be absent from some position on (then also from any later one).
    let mut exhausted: Vec<&[char]> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (open_len, close): (usize, &[char]) = match chars[i] {
            '"' => (1, &['"']),
            '\u{201c}' => (1, &['\u{201d}']),
            '`' => (1, &['`']),
            '\'' if i == 0 || !chars[i - 1].is_alphanumeric() => (1, &['\'']),
            '*' if chars.get(i + 1) == Some(&'*') => (2, &['*', '*']),
            _ => {
                i += 1;
                continue;
            }
        };
        let start = i + open_len;
        let found = if exhausted.contains(&close) {
            None
        } else {
            (start..chars.len()).find(|&j| chars[j..].starts_with(close))
        };
        if found.is_none() && !exhausted.contains(&close) {
            exhausted.push(close);
        }
        match found {
            Some(j) => {
                let token: String = chars[start..j].iter().collect::<String>().trim().to_owned();
                if is_identifier(&token) {
                    out.push(token);
                }
                i = j + close.len();
            }
            None => i += open_len,
        }
    }
    out
}

/// Finds the code-quoted name a phrase belongs to: the last `` `name` `` before it, if it is in
/// the same sentence (no `. ` between them, and no `.` just before the phrase). The backticks
/// and sentence stops of the text are found once, so the text before each phrase is not read
/// again; asked for phrases in page order, it reads each character a bounded number of times.
#[derive(Debug)]
struct Anchors<'t> {
    text: &'t str,
    /// Byte positions of the backticks, in order.
    ticks: Vec<usize>,
    /// Byte positions of the `. ` pairs, in order.
    stops: Vec<usize>,
    /// The last closing backtick read, with its name.
    last: Option<(usize, Option<String>)>,
}

impl<'t> Anchors<'t> {
    fn new(text: &'t str) -> Self {
        let ticks = text.match_indices('`').map(|(i, _)| i).collect();
        let stops = text.match_indices(". ").map(|(i, _)| i).collect();
        Self { text, ticks, stops, last: None }
    }

    /// The name the phrase starting at byte `pos` belongs to.
    fn before(&mut self, pos: usize) -> Option<String> {
        let k = self.ticks.partition_point(|&t| t < pos);
        let (open, close) = match k {
            0 | 1 => return None,
            _ => (self.ticks[k - 2], self.ticks[k - 1]),
        };
        // A `. ` wholly between the closing backtick and the phrase ends the sentence.
        let j = self.stops.partition_point(|&s| s + 2 <= pos);
        if j > 0 && self.stops[j - 1] > close {
            return None;
        }
        if self.text[close + 1..pos].trim_end().ends_with('.') {
            return None;
        }
        if let Some((at, name)) = &self.last
            && *at == close
        {
            return name.clone();
        }
        let name = self.text[open + 1..close].trim();
        let name = is_identifier(name).then(|| name.to_owned());
        self.last = Some((close, name.clone()));
        name
    }
}

/// Values quoted anywhere in the cell, for cells without a value list.
pub(crate) fn loose_values(cell: &str) -> Vec<String> {
    let text = strip_markup(cell);
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '"'
            && let Some(j) = (i + 1..chars.len()).find(|&j| chars[j] == '"')
        {
            let token: String = chars[i + 1..j].iter().collect::<String>().trim().to_owned();
            if is_identifier(&token) {
                out.push(token);
            }
            i = j + 1;
            continue;
        }
        i += 1;
    }
    dedup(out)
}

/// Members declared inside a `Class` description: a type word followed by a code-quoted name,
/// as in ``string `fileIdentifier`, Enum `fileIdentifierType` ...``.
pub(crate) fn nested_members(cell: &str) -> Vec<(String, String)> {
    let text = strip_markup(cell);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = text.as_str();
    let mut offset = 0;
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`').map(|c| c + open + 1) else {
            break;
        };
        let name = rest[open + 1..close].trim();
        let before = &text[..offset + open];
        let word: String = before
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if is_identifier(name) && !matches!(DocType::parse(&word), DocType::Unknown(_)) {
            out.push((name.to_owned(), word));
        }
        offset += close + 1;
        rest = &text[offset..];
    }
    out
}

/// True when `text` mentions `value` as a whole word.
pub(crate) fn mentions(text: &str, value: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(value).any(|(pos, _)| {
        let before = text[..pos].chars().next_back();
        let after = text[pos + value.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// The values without repeats, each where it first occurs.
pub(crate) fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    values.into_iter().filter(|value| seen.insert(value.clone())).collect()
}

/// A type as a page writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocType {
    Str,
    Guid,
    Enum,
    DateTime,
    Object,
    Array,
    Int,
    Number,
    Bool,
    /// Anything else, as written (possibly the name of an entity).
    Unknown(String),
}

impl DocType {
    /// Reads a type cell.
    pub fn parse(cell: &str) -> DocType {
        let text = plain(cell);
        let lower = text.to_ascii_lowercase();
        let lower = lower.trim().trim_end_matches('.').replace("nullable", "");
        let lower = lower.trim().trim_end_matches('?').trim();
        // "Nullable representation Guid" (machine.md's aadDeviceId).
        let lower = lower.strip_prefix("representation ").unwrap_or(lower).trim();
        // "String collection", "IpAddress collection" (machine.md) as well as "Collection of".
        if lower.ends_with("[]")
            || lower.ends_with(" collection")
            || ["list", "array", "collection", "ienumerable"].iter().any(|p| lower.starts_with(p))
        {
            return DocType::Array;
        }
        match lower {
            "string" | "str" | "text" => DocType::Str,
            "guid" | "uuid" => DocType::Guid,
            "enum" | "enumeration" => DocType::Enum,
            "datetimeoffset" | "datetime" | "date-time" | "date" | "timestamp" => DocType::DateTime,
            "class" | "object" | "complex type" | "json object" | "dictionary" => DocType::Object,
            "int" | "int32" | "integer" | "long" | "int64" | "short" => DocType::Int,
            "double" | "float" | "decimal" | "number" => DocType::Number,
            "bool" | "boolean" => DocType::Bool,
            _ => DocType::Unknown(text),
        }
    }
}

/// A spec type, classified for comparison with a documented type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SpecKind {
    /// A plain string.
    Str,
    /// A named string newtype (an id).
    IdStr,
    /// A string enum, by Rust name.
    Enum(String),
    DateTime,
    /// An object, by Rust name.
    Object(String),
    Array(Type),
    Int,
    Number,
    Bool,
    Any,
}

/// Classifies `ty`.
pub(crate) fn spec_kind(api: &Api, ty: &Type) -> SpecKind {
    match ty {
        Type::String => SpecKind::Str,
        Type::DateTime => SpecKind::DateTime,
        Type::I32 | Type::I64 => SpecKind::Int,
        Type::F64 => SpecKind::Number,
        Type::Bool => SpecKind::Bool,
        Type::Any => SpecKind::Any,
        Type::Array(inner) => SpecKind::Array((**inner).clone()),
        Type::Named(name) => match api.types.iter().find(|t| t.name() == name) {
            Some(TypeDef::Struct(_)) => SpecKind::Object(name.clone()),
            Some(TypeDef::Enum(_)) => SpecKind::Enum(name.clone()),
            Some(TypeDef::Newtype(def)) => match def.inner {
                Type::String => SpecKind::IdStr,
                _ => SpecKind::Int,
            },
            None => SpecKind::Any,
        },
    }
}

/// True when a page's type can describe the spec's. `Guid` fits the spec's id newtypes (which
/// keep any string), not a plain string. `strict_enum`: a page that writes
/// `String` for a spec enum has changed it (property tables write `Enum`); request body tables
/// write `String` for enum fields, so there it is not a change.
pub(crate) fn compatible(doc: &DocType, spec: &SpecKind, strict_enum: bool) -> bool {
    match (doc, spec) {
        (_, SpecKind::Any) => true,
        (DocType::Str, SpecKind::Str | SpecKind::IdStr) => true,
        (DocType::Guid, SpecKind::IdStr) => true,
        (DocType::Str, SpecKind::Enum(_)) => !strict_enum,
        (DocType::Enum, SpecKind::Enum(_)) => true,
        (DocType::DateTime, SpecKind::DateTime) => true,
        (DocType::Object, SpecKind::Object(_)) => true,
        (DocType::Array, SpecKind::Array(_)) => true,
        (DocType::Int, SpecKind::Int) => true,
        (DocType::Number, SpecKind::Int | SpecKind::Number) => true,
        (DocType::Bool, SpecKind::Bool) => true,
        (DocType::Unknown(name), SpecKind::Object(spec_name)) => {
            let squash = |s: &str| {
                s.chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase()
            };
            squash(name) == squash(spec_name)
        }
        _ => false,
    }
}

/// The spec type in words, for messages.
pub(crate) fn describe(api: &Api, ty: &Type) -> String {
    match ty {
        Type::String => "string".to_owned(),
        Type::DateTime => "date-time string".to_owned(),
        Type::I32 => "32-bit integer".to_owned(),
        Type::I64 => "64-bit integer".to_owned(),
        Type::F64 => "number".to_owned(),
        Type::Bool => "boolean".to_owned(),
        Type::Any => "any JSON value".to_owned(),
        Type::Array(inner) => match &**inner {
            Type::Named(name)
                if matches!(
                    api.types.iter().find(|t| t.name() == name),
                    Some(TypeDef::Struct(_))
                ) =>
            {
                format!("array of {name} objects")
            }
            other => format!("array of {}", describe(api, other)),
        },
        Type::Named(name) => match api.types.iter().find(|t| t.name() == name) {
            Some(TypeDef::Struct(_)) => format!("object {name}"),
            Some(TypeDef::Enum(_)) => format!("enum {name}"),
            Some(TypeDef::Newtype(def)) => format!("{} ({name})", describe(api, &def.inner)),
            None => name.clone(),
        },
    }
}

/// [`describe`] with its indefinite article: "an array of ...", "a string".
pub(crate) fn describe_a(api: &Api, ty: &Type) -> String {
    with_article(&describe(api, ty))
}

/// `text` with "a" or "an" before it.
pub(crate) fn with_article(text: &str) -> String {
    let article = if text.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {text}")
}

/// How a documented name was matched with a spec name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameMatch {
    /// Same name.
    Exact,
    /// One of the spec's `x-wire-aliases`.
    Alias,
    /// Same name but for letter case.
    Case,
    /// A different name in the same place of the list (a rename).
    Position,
}

/// Whether a documented name matches a spec member (wire name, aliases) in one pass.
type NameTest = fn(&str, &str, &[String]) -> bool;

/// Matches documented names (in page order) with spec members (wire name and aliases, in spec
/// order). Returns, for each documented name, the index of its spec member and how it matched.
///
/// Exact names match first, then aliases, then names differing only in case. A run of
/// unmatched documented names between two matched ones is paired with the unmatched spec
/// members between the same two members when there is exactly one of each: that is a rename.
pub(crate) fn match_names(
    doc: &[&str],
    spec: &[(&str, &[String])],
) -> Vec<Option<(usize, NameMatch)>> {
    let mut result: Vec<Option<(usize, NameMatch)>> = vec![None; doc.len()];
    let mut taken = vec![false; spec.len()];
    let passes: [(NameMatch, NameTest); 3] = [
        (NameMatch::Exact, |d, wire, _| d == wire),
        (NameMatch::Alias, |d, _, aliases| aliases.iter().any(|a| a == d)),
        (NameMatch::Case, |d, wire, aliases| {
            d.eq_ignore_ascii_case(wire) || aliases.iter().any(|a| a.eq_ignore_ascii_case(d))
        }),
    ];
    for (how, test) in passes {
        for (i, name) in doc.iter().enumerate() {
            if result[i].is_some() {
                continue;
            }
            if let Some(j) =
                (0..spec.len()).find(|&j| !taken[j] && test(name, spec[j].0, spec[j].1))
            {
                taken[j] = true;
                result[i] = Some((j, how));
            }
        }
    }
    // Renames: one unmatched name between the same neighbours on both sides.
    let mut i = 0;
    while i < doc.len() {
        if result[i].is_some() {
            i += 1;
            continue;
        }
        let run_end = (i..doc.len()).find(|&k| result[k].is_some()).unwrap_or(doc.len());
        let before = result[..i].iter().rev().find_map(|r| r.map(|(j, _)| j));
        let after = result[run_end..].iter().find_map(|r| r.map(|(j, _)| j));
        let low = before.map_or(0, |b| b + 1);
        let high = after.unwrap_or(spec.len());
        if run_end - i == 1 && low <= high {
            let candidates: Vec<usize> = (low..high).filter(|&j| !taken[j]).collect();
            let chosen = match candidates[..] {
                [j] => Some(j),
                _ => most_similar(doc[i], candidates.iter().map(|&j| (j, spec[j].0))),
            };
            if let Some(j) = chosen {
                taken[j] = true;
                result[i] = Some((j, NameMatch::Position));
            }
        }
        i = run_end;
    }
    result
}

/// How many leading and trailing letters two names share, ignoring case (at most the length of
/// the shorter).
pub(crate) fn similarity(name: &str, other: &str) -> usize {
    let a: Vec<char> = name.to_ascii_lowercase().chars().collect();
    let b: Vec<char> = other.to_ascii_lowercase().chars().collect();
    let limit = a.len().min(b.len());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    (prefix + suffix).min(limit)
}

/// The candidate sharing clearly the most leading and trailing letters with `name` (at least
/// three, and more than any other candidate).
fn most_similar<'a>(
    name: &str,
    candidates: impl Iterator<Item = (usize, &'a str)>,
) -> Option<usize> {
    let mut scored: Vec<(usize, usize)> =
        candidates.map(|(j, other)| (similarity(name, other), j)).collect();
    scored.sort_by_key(|x| std::cmp::Reverse(x.0));
    match scored[..] {
        [(best, j), (second, _), ..] if best >= 3 && best > second => Some(j),
        [(best, j)] if best >= 3 => Some(j),
        _ => None,
    }
}

/// Where a spec member missing from a documented list would go: the line of the first
/// documented row matched to a later spec member, or `fallback`.
pub(crate) fn insertion_line(
    matches: &[Option<(usize, NameMatch)>],
    lines: &[usize],
    spec_index: usize,
    fallback: usize,
) -> usize {
    matches
        .iter()
        .zip(lines)
        .find(|(m, _)| m.is_some_and(|(j, _)| j > spec_index))
        .map_or(fallback, |(_, &line)| line)
}
