//! How one unit of generated code (an attribute, an item, a statement, a `match` arm, a field, a
//! block's head) is laid out: on one line when it fits within prettyplease's margin, exactly as
//! prettyplease prints it then; otherwise by prettyplease itself, inside a small wrapper that
//! puts the unit at the same depth, so the line breaks are prettyplease's own. A unit that
//! prettyplease breaks whatever the room (a `where` clause, a block, a struct literal wider than
//! it allows) goes to prettyplease too. Each such answer is remembered, so a unit that repeats
//! (a visitor's `expecting` signature, say) is parsed once.

use std::collections::BTreeMap;

/// prettyplease's line width: a line breaks when its content would pass this column.
const MARGIN: usize = 89;
/// prettyplease's least width for a line's content, however deep its indentation.
const MIN_SPACE: usize = 60;
/// Spaces per level of nesting.
pub(super) const INDENT: usize = 4;

/// Where a unit sits, which decides the wrapper it is laid out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// An outer attribute of an item, field or variant: `#[derive(…)]`.
    Attr,
    /// A whole item: `pub const X: &str = "…";`, `type Value = X;`, `pub use …;`.
    Item,
    /// The head of an item with a body: `impl X for Y`, `pub fn f(&self) -> T` (followed by ` {`).
    ItemHead,
    /// A statement, or the tail expression of a block.
    Stmt,
    /// The head of a statement with a block: `if let Some(x) = &y`, `while let …`, `match x`,
    /// `let x = match y` (followed by ` {`).
    StmtHead,
    /// A `match` arm: `pattern => expression,`.
    Arm,
    /// A struct field: `pub name: Type,`.
    Field,
    /// An enum variant: `Name(String),`.
    Variant,
}

/// Lays units out; remembers the ones prettyplease had to break.
#[derive(Debug, Default)]
pub struct Layout {
    broken: BTreeMap<(Unit, usize, String), String>,
}

/// Whether `width` bytes of content fit on a line indented by `depth` levels, by prettyplease's
/// rule (the content may use the margin less the indentation, and never less than `MIN_SPACE`).
pub fn fits(depth: usize, width: usize) -> bool {
    width <= MARGIN.saturating_sub(depth * INDENT).max(MIN_SPACE)
}

impl Layout {
    /// Appends `unit` (one line of text, without indentation or a block's ` {`) at `depth` to
    /// `out`, as prettyplease lays it out. `Err` carries the parser's message when the unit is
    /// not valid Rust in its position.
    pub fn write(
        &mut self,
        out: &mut String,
        unit: Unit,
        depth: usize,
        text: &str,
    ) -> Result<(), String> {
        let opens_block = matches!(unit, Unit::ItemHead | Unit::StmtHead);
        let width = text.len() + if opens_block { 2 } else { 0 };
        if fits(depth, width) && !breaks_anyway(unit, text) {
            push_line(out, depth, text, opens_block);
            return Ok(());
        }
        let key = (unit, depth, text.to_owned());
        if let Some(lines) = self.broken.get(&key) {
            out.push_str(lines);
            return Ok(());
        }
        let lines = reflow(unit, depth, text)?;
        out.push_str(&lines);
        self.broken.insert(key, lines);
        Ok(())
    }
}

/// The widest struct literal prettyplease keeps on one line, counted from the start of its path
/// to the space before its `}`: a wider one breaks, one field a line, however much room the
/// line has.
const STRUCT_LITERAL_WIDTH: usize = 34;

/// Keywords whose presence means braces may be a block or an item's body, which prettyplease
/// breaks whatever their width.
const BLOCK_KEYWORDS: &[&str] = &[
    "async", "else", "enum", "fn", "for", "if", "impl", "loop", "match", "mod", "move", "struct",
    "trait", "union", "unsafe", "while",
];

/// Whether prettyplease breaks `text` even though it fits on the line: a `where` clause always
/// breaks, and so does a block (`match x { … }`, `|| { … }`) or a struct literal wider than
/// [`STRUCT_LITERAL_WIDTH`]. Empty braces and a `use` tree's braces (`::{a, b}`) stay on the
/// line, and so does a narrow struct literal in a statement, an arm or an item. Only text outside
/// string and character literals counts (the emitters write no raw strings). When in doubt the
/// answer is yes, which costs a call to prettyplease, never a wrong layout.
fn breaks_anyway(unit: Unit, text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut opened = Vec::new();
    let mut groups = Vec::new();
    let mut block_keyword = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i),
            b'\'' => i = char_end(text, i),
            b'{' => opened.push(i),
            b'}' => match opened.pop() {
                Some(open) => groups.push((open, i)),
                None => return true,
            },
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    i += 1;
                }
                let word = &text[start..=i];
                let raw = text[..start].ends_with("r#");
                if !raw && word == "where" {
                    return true;
                }
                block_keyword |= !raw && BLOCK_KEYWORDS.contains(&word);
            }
            _ => {}
        }
        i += 1;
    }
    let expression = matches!(unit, Unit::Stmt | Unit::Arm | Unit::Item) && !block_keyword;
    !opened.is_empty()
        || groups.into_iter().any(|(open, close)| {
            if text[..open].ends_with("::") {
                return false; // a `use` tree
            }
            match struct_literal_path(text, open).filter(|_| expression) {
                Some(path_start) => close - path_start > STRUCT_LITERAL_WIDTH,
                None => close > open + 1,
            }
        })
}

/// Where the path starts when the braces opened at `open` are a struct literal in an expression:
/// `Path { … }`, the path's last segment capitalised, after an operator, a delimiter or nothing.
fn struct_literal_path(text: &str, open: usize) -> Option<usize> {
    let before = text[..open].strip_suffix(' ')?;
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .map_or(0, |i| i + 1);
    let last = before[start..].rsplit("::").next().unwrap_or_default();
    let preceding = before[..start].trim_end();
    let in_expression = preceding.is_empty()
        || preceding.ends_with(['=', '(', '[', ',', '&', '!', '*', '|', ':', '{'])
        || preceding.split(' ').next_back() == Some("return");
    (last.starts_with(|c: char| c.is_ascii_uppercase()) && in_expression).then_some(start)
}

/// The index of the `"` that closes the string literal opened at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i
}

/// The index of the `'` that closes the character literal opened at `start`, or `start` itself
/// when the quote begins a lifetime.
fn char_end(text: &str, start: usize) -> usize {
    let rest = &text[start + 1..];
    let len = if rest.starts_with('\\') {
        rest.get(2..).and_then(|escaped| escaped.find('\'')).map(|end| end + 2)
    } else {
        rest.chars().next().map(char::len_utf8).filter(|&len| rest[len..].starts_with('\''))
    };
    len.map_or(start, |len| start + 1 + len)
}

/// A one-line body an item with the head `head` parses with: a statement for a function, a
/// field for a struct, a variant for an enum, an item for an `impl`, `mod` or `trait`.
fn item_body(head: &str) -> &'static str {
    let keyword = head.split(|c: char| c.is_whitespace() || c == '<').find(|word| {
        matches!(*word, "fn" | "struct" | "union" | "enum" | "impl" | "mod" | "trait")
    });
    match keyword {
        Some("struct" | "union") => " { x: u8 }",
        Some("enum") => " { X }",
        Some("impl" | "mod" | "trait") => " { fn f() {} }",
        _ => " { x }",
    }
}

/// One line: indentation, text, and ` {` for a block's head.
pub(super) fn push_line(out: &mut String, depth: usize, text: &str, opens_block: bool) {
    out.extend(std::iter::repeat_n(' ', depth * INDENT));
    out.push_str(text);
    if opens_block {
        out.push_str(" {");
    }
    out.push('\n');
}

/// prettyplease's lines for a unit too wide for one line: the unit is printed inside wrappers
/// that nest it `depth` levels deep, and the wrappers' own lines are cut off again.
fn reflow(unit: Unit, depth: usize, text: &str) -> Result<String, String> {
    let (openers, body, closers) = wrapper(unit, depth, text);
    let source = format!("{}{text}{}{closers}", openers.concat(), body.text);
    let file = syn::parse_file(&source).map_err(|e| format!("`{text}` does not parse: {e}"))?;
    let printed = prettyplease::unparse(&file);
    let lines: Vec<&str> = printed.lines().collect();
    let tail = openers.len() + body.lines;
    let Some(own) = lines.get(openers.len()..lines.len().saturating_sub(tail)) else {
        return Err(format!("`{text}` printed in an unexpected shape"));
    };
    Ok(own.iter().flat_map(|line| [*line, "\n"]).collect())
}

/// What the wrapper puts right after a unit, and how many lines prettyplease prints for it.
struct After {
    text: &'static str,
    lines: usize,
}

/// The wrapper around a unit at `depth`: the lines that open it (each prettyplease prints on a
/// line of its own), what follows the unit (the item an attribute needs, a block's body), and
/// the closers.
fn wrapper(unit: Unit, depth: usize, text: &str) -> (Vec<&'static str>, After, String) {
    // How many levels the unit's own container takes, and that container's opener.
    let (container, inner): (usize, &[&'static str]) = match unit {
        Unit::Attr | Unit::Item | Unit::ItemHead => (0, &[]),
        Unit::Stmt | Unit::StmtHead => (1, &["fn f() {"]),
        Unit::Arm => (2, &["fn f() {", "match x {"]),
        Unit::Field => (1, &["struct S {"]),
        Unit::Variant => (1, &["enum E {"]),
    };
    let mut openers = vec!["mod m {"; depth.saturating_sub(container)];
    openers.extend_from_slice(inner);
    let body = match unit {
        Unit::Attr => After { text: " struct S;", lines: 1 },
        Unit::ItemHead => After { text: item_body(text), lines: 2 },
        Unit::StmtHead => {
            // A `let` head (`let x = match y`) is a statement that ends after the block.
            let value = text.strip_prefix("let ").and_then(|rest| rest.split_once(" = "));
            let matches = value.map_or(text, |(_, value)| value).starts_with("match ");
            let text = match (matches, value.is_some()) {
                (true, false) => " { _ => {} }",
                (true, true) => " { _ => {} };",
                (false, false) => " { x }",
                (false, true) => " { x };",
            };
            After { text, lines: 2 }
        }
        _ => After { text: "", lines: 0 },
    };
    let closers = "}".repeat(openers.len());
    (openers, body, closers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(unit: Unit, depth: usize, text: &str) -> String {
        let mut out = String::new();
        Layout::default().write(&mut out, unit, depth, text).expect("valid unit");
        out
    }

    #[test]
    fn a_unit_that_fits_stays_on_one_line() {
        assert_eq!(laid_out(Unit::Stmt, 2, "let x = f(a, b);"), "        let x = f(a, b);\n");
        assert_eq!(
            laid_out(Unit::ItemHead, 1, "pub fn f(&self) -> u8"),
            "    pub fn f(&self) -> u8 {\n"
        );
    }

    #[test]
    fn a_wide_signature_breaks_as_prettyplease_breaks_it() {
        let sig = "fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result";
        assert_eq!(
            laid_out(Unit::ItemHead, 3, sig),
            "            fn expecting(\n                &self,\n                f: &mut ::std::fmt::Formatter<'_>,\n            ) -> ::std::fmt::Result {\n"
        );
    }

    #[test]
    fn wide_units_in_every_position_keep_their_depth() {
        let call = format!("f({})", ["argument_number_one"; 6].join(", "));
        for (unit, depth, text) in [
            (Unit::Attr, 1, format!("#[arg(long, help = {call:?}, value_name = {call:?})]")),
            (Unit::Item, 1, format!("pub const X: u8 = {call};")),
            (Unit::Stmt, 2, format!("let x = {call};")),
            (Unit::StmtHead, 3, format!("match {call}")),
            (Unit::Arm, 4, format!("Some(x) => {call},")),
            (Unit::Field, 1, format!("pub x: [u8; {call}],")),
            (Unit::Variant, 1, format!("X = {call},")),
        ] {
            let out = laid_out(unit, depth, &text);
            assert!(out.lines().count() > 1, "{unit:?}: {out}");
            let first = out.lines().next().unwrap();
            assert_eq!(first.len() - first.trim_start().len(), depth * INDENT, "{unit:?}: {out}");
        }
    }

    #[test]
    fn narrow_units_with_braces_or_where_are_laid_out_as_prettyplease_lays_them_out() {
        for (unit, depth, text) in [
            // Struct literals: up to 34 columns from the path to the last field stay flat.
            (Unit::Stmt, 2, "GetPackageUri { client: self, id }"),
            (Unit::Stmt, 2, "GetMachineAction { client: self, id }"),
            (
                Unit::Stmt,
                2,
                "let paging = runtime::Paging { top: \"$top\", skip: \"$skip\", max_top: 1u32 };",
            ),
            (Unit::Stmt, 2, "Ok(Self { a: None, b: x.into() })"),
            (Unit::Arm, 3, "Some(x) => Self { a: x, b: Inner { c } },"),
            (Unit::Item, 0, "pub const X: S = S { a: 1 };"),
            (Unit::Item, 0, "use super::{models, operations};"),
            (Unit::Stmt, 2, "let c = '{';"),
            (Unit::Stmt, 2, "let s = \"{ \\\" }\";"),
            (Unit::Stmt, 2, "f(|| {})"),
            (Unit::Stmt, 2, "x.f(|| { y })"),
            (Unit::Stmt, 2, "let x = match y { _ => 1 };"),
            (Unit::Arm, 3, "None => {}"),
            (Unit::ItemHead, 1, "pub fn f<W>(w: W) where W: Unpin"),
            (Unit::ItemHead, 1, "pub fn r#where(self)"),
            (Unit::StmtHead, 2, "let x = match &self.top"),
        ] {
            assert_eq!(
                laid_out(unit, depth, text),
                reflow(unit, depth, text).unwrap(),
                "{unit:?} {text}"
            );
        }
    }

    #[test]
    fn wide_heads_of_every_kind_of_item_parse_and_break() {
        let name = "AModelWhoseNameIsLongEnoughToPushItsHeadPastTheMarginOfTheLine";
        for head in [
            format!("impl<'de> ::serde::Deserialize<'de> for {name}"),
            format!("pub struct {name}<AndAGenericParameter, AndAnotherOne>"),
            format!("pub enum {name}<AndAGenericParameter, AndAnotherOne>"),
            format!("pub fn {name}(self, first: u8, second: u8) -> u8"),
        ] {
            let out = laid_out(Unit::ItemHead, 0, &head);
            assert!(out.ends_with(" {\n"), "{head}: {out}");
            assert!(out.lines().count() > 1, "{head}: {out}");
        }
    }

    #[test]
    fn a_unit_that_is_not_rust_is_an_error() {
        let text = format!("let = {};", "x".repeat(100));
        assert!(Layout::default().write(&mut String::new(), Unit::Stmt, 2, &text).is_err());
    }
}
