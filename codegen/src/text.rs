//! Rules for the spec's text, every string of which may reach a doc comment or a string literal
//! of the generated code: line endings are normalised, and characters that would change what a
//! reader sees or what the compiler accepts are refused.
//!
//! - in prose (descriptions, summaries, titles, comments, the reasons of decisions and errors,
//!   enum value descriptions), `\r\n` and a lone `\r` become `\n` (a bare carriage return
//!   ends a doc comment early and makes the file unparseable), and other control characters
//!   than tab and line feed (C0, DEL, C1) are refused;
//! - in names and values (member names, wire names, enum values, paths, permissions, ...),
//!   which must reach the wire unchanged, every control character is refused, line breaks and
//!   tabs included;
//! - bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are
//!   refused: they reorder what a reviewer sees, and rustc denies them in comments and
//!   literals;
//! - a line that opens a code fence (```` ``` ```` or `~~~`) is refused: in a doc comment it
//!   would become a doctest, or swallow the generated example that follows.

use crate::Diagnostics;
use crate::load::Json;

/// Members whose string values are prose, read by people, not sent on the wire.
const PROSE_KEYS: &[&str] =
    &["description", "summary", "title", "$comment", "topic", "decision", "why", "when"];

/// The member whose members' values are prose too (the description of each enum value).
const PROSE_MAP: &str = "x-enum-descriptions";

/// A character the rules refuse in a name or value, and why.
fn refused_in_name(c: char) -> Option<&'static str> {
    if c.is_control() { Some("a control character") } else { refused(c) }
}

/// A character the rules refuse in prose (and everywhere), and why.
pub fn refused(c: char) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' => None,
        '\u{0}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => Some("a control character"),
        '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => Some("a bidirectional control character"),
        _ => None,
    }
}

/// True when `line` opens or closes a markdown code fence.
fn is_fence(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

/// `text` with `\r\n` and lone `\r` turned into `\n`.
pub fn normalise_line_endings(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The document with every prose string normalised by [`normalise_line_endings`]; `None`
/// when nothing needs it. Names and values are left as they are (and [`check`] refuses a
/// carriage return in them).
pub fn normalise(document: &Json) -> Option<Json> {
    if !has_carriage_return(document) {
        return None;
    }
    Some(normalised(document, Place::Other))
}

/// Where a value sits, as far as the rules go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The value of a prose member: normalised, line breaks allowed.
    Prose,
    /// The value of `x-enum-descriptions`: its members' values are prose.
    ProseMap,
    /// Anything else: a name or value.
    Other,
}

impl Place {
    /// The place of the value of member `key` of an object at this place.
    fn member(self, key: &str) -> Place {
        match self {
            Place::ProseMap => Place::Prose,
            _ if PROSE_KEYS.contains(&key) => Place::Prose,
            _ if key == PROSE_MAP => Place::ProseMap,
            _ => Place::Other,
        }
    }
}

fn has_carriage_return(json: &Json) -> bool {
    match json {
        Json::String(s) => s.contains('\r'),
        Json::Array(items) => items.iter().any(has_carriage_return),
        Json::Object(members) => members.iter().any(|(_, v)| has_carriage_return(v)),
        _ => false,
    }
}

fn normalised(json: &Json, place: Place) -> Json {
    match json {
        Json::String(s) if place == Place::Prose => Json::String(normalise_line_endings(s)),
        Json::Array(items) => {
            Json::Array(items.iter().map(|item| normalised(item, Place::Other)).collect())
        }
        Json::Object(members) => Json::Object(
            members.iter().map(|(k, v)| (k.clone(), normalised(v, place.member(k)))).collect(),
        ),
        other => other.clone(),
    }
}

/// Reports every string of the document (member names included) that breaks a rule, with the
/// JSON pointer of the value or member.
pub fn check(document: &Json, diags: &mut Diagnostics) {
    walk(document, &mut Vec::new(), Place::Other, diags);
}

/// One step of the way from the document to a value: a member name or an array index.
#[derive(Clone, Copy)]
enum Step<'a> {
    Member(&'a str),
    Item(usize),
}

/// The JSON pointer of the way `path`, written only for a value that is reported.
fn pointer(path: &[Step<'_>]) -> String {
    path.iter().fold(String::new(), |pointer, step| match step {
        Step::Member(key) => crate::diagnostics::child_pointer(&pointer, key),
        Step::Item(i) => format!("{pointer}/{i}"),
    })
}

fn walk<'a>(json: &'a Json, path: &mut Vec<Step<'a>>, place: Place, diags: &mut Diagnostics) {
    match json {
        Json::String(s) => check_string(s, path, "", place == Place::Prose, diags),
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Item(i));
                walk(item, path, Place::Other, diags);
                path.pop();
            }
        }
        Json::Object(members) => {
            for (key, value) in members {
                path.push(Step::Member(key));
                check_string(key, path, "the member name ", false, diags);
                walk(value, path, place.member(key), diags);
                path.pop();
            }
        }
        _ => {}
    }
}

fn check_string(s: &str, path: &[Step<'_>], what: &str, prose: bool, diags: &mut Diagnostics) {
    let rule = if prose { refused } else { refused_in_name };
    if let Some((c, why)) = s.chars().find_map(|c| rule(c).map(|why| (c, why))) {
        diags.push(
            pointer(path),
            format!(
                "{what}contains U+{:04X}, {why}, which generated code cannot carry: remove it",
                u32::from(c)
            ),
        );
    }
    if s.lines().any(is_fence) {
        diags.push(
            pointer(path),
            format!(
                "{what}contains a code fence (``` or ~~~), which would become a doctest in the generated docs: use inline code"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_become_line_feeds() {
        assert_eq!(normalise_line_endings("a\r\nb\rc\n"), "a\nb\nc\n");
    }

    #[test]
    fn refuses_controls_and_bidi_but_not_tabs() {
        assert!(refused('\u{202E}').is_some());
        assert!(refused('\u{0}').is_some());
        assert!(refused('\u{85}').is_some());
        assert!(refused('\t').is_none());
        assert!(refused('é').is_none());
    }

    #[test]
    fn reports_the_pointer_of_the_member_or_value() {
        let json = codegen_json(r#"{"a": {"b\u202e": "x", "c": ["ok", "bad\u0007"]}}"#);
        let mut diags = Diagnostics::default();
        check(&json, &mut diags);
        let at: Vec<&str> = diags.iter().map(|d| d.location.as_str()).collect();
        assert_eq!(at, ["/a/b\u{202e}", "/a/c/1"]);
    }

    #[test]
    fn only_prose_is_normalised_and_only_prose_may_break_lines() {
        let text = r#"{"description": "a\r\nb", "x-enum-descriptions": {"V": "c\rd"},
            "name": "e\rf", "properties": {"description": {"description": "g\r"}}}"#;
        let json = codegen_json(text);
        let normalised = normalise(&json).expect("something to normalise");
        let at = |p: &str| normalised.pointer(p).cloned();
        assert_eq!(at("/description"), Some(Json::String("a\nb".into())));
        assert_eq!(at("/x-enum-descriptions/V"), Some(Json::String("c\nd".into())));
        assert_eq!(at("/name"), Some(Json::String("e\rf".into())));
        assert_eq!(at("/properties/description/description"), Some(Json::String("g\n".into())));
        let mut diags = Diagnostics::default();
        check(&normalised, &mut diags);
        let at: Vec<&str> = diags.iter().map(|d| d.location.as_str()).collect();
        assert_eq!(at, ["/name"]);
    }

    fn codegen_json(text: &str) -> Json {
        crate::load::load(text).expect("valid JSON")
    }
}
