//! How one unit of generated code (an attribute, an item, a statement, a `match` arm, a field, a
//! block's head) is laid out: on one line when it fits within prettyplease's margin, exactly as
//! prettyplease prints it then; otherwise by prettyplease itself, inside a small wrapper that
//! puts the unit at the same depth, so the line breaks are prettyplease's own. Each such answer
//! is remembered, so a unit that repeats (a visitor's `expecting` signature, say) is parsed once.

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
    /// The head of a statement with a block: `if let Some(x) = &y`, `while let …`, `match x`
    /// (followed by ` {`).
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
        if fits(depth, width) {
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
        Unit::StmtHead if text.starts_with("match ") => After { text: " { _ => {} }", lines: 2 },
        Unit::ItemHead | Unit::StmtHead => After { text: " { x }", lines: 2 },
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
    fn a_unit_that_is_not_rust_is_an_error() {
        let text = format!("let = {};", "x".repeat(100));
        assert!(Layout::default().write(&mut String::new(), Unit::Stmt, 2, &text).is_err());
    }
}
