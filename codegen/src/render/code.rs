//! [`Code`]: the writer the emitters print a file through, line by line, in prettyplease's
//! layout. Doc comments, braces and fixed lines are written as they are; every unit whose text
//! depends on the spec (an item, a statement, a signature, an arm, a field) goes through
//! [`Layout`], which keeps it on one line when it fits and otherwise breaks it exactly as
//! prettyplease does.

use super::layout::{Layout, Unit, push_line};

/// A generated file being written.
#[derive(Debug, Default)]
pub struct Code {
    text: String,
    depth: usize,
    layout: Layout,
    errors: Vec<String>,
}

impl Code {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file's text (items packed together, as prettyplease prints them), or the message of
    /// every unit that was not valid Rust.
    pub fn finish(self) -> Result<String, String> {
        if self.errors.is_empty() { Ok(self.text) } else { Err(self.errors.join("; ")) }
    }

    /// `//!` lines: one per line of `text`, as prettyplease prints a `#![doc = "…"]` per line.
    pub fn inner_doc(&mut self, text: &str) {
        self.doc_lines("//!", text);
    }

    /// `///` lines: one per line of `text` (trimmed; an empty line is a bare `///`).
    pub fn doc(&mut self, text: &str) {
        self.doc_lines("///", text);
    }

    fn doc_lines(&mut self, marker: &str, text: &str) {
        for line in text.trim().lines() {
            let line = line.trim_end();
            let prefix = if line.is_empty() { "" } else { " " };
            push_line(&mut self.text, self.depth, &format!("{marker}{prefix}{line}"), false);
        }
    }

    /// A `///` line with `text` right after the slashes: what prettyplease prints for a
    /// `#[doc = "…"]` whose text (one line, not starting with `/`) has no leading space.
    pub fn doc_unspaced(&mut self, text: &str) {
        let text = text.trim_end_matches(' ');
        push_line(&mut self.text, self.depth, &format!("///{text}"), false);
    }

    /// A line whose text never needs breaking (`#[non_exhaustive]`, `struct ObjectVisitor;`).
    pub fn line(&mut self, text: &str) {
        push_line(&mut self.text, self.depth, text, false);
    }

    /// An outer attribute.
    pub fn attr(&mut self, text: &str) {
        self.unit(Unit::Attr, text);
    }

    /// A whole item on its own, with its `;`.
    pub fn item(&mut self, text: &str) {
        self.unit(Unit::Item, text);
    }

    /// A statement (with its `;`) or a block's tail expression.
    pub fn stmt(&mut self, text: &str) {
        self.unit(Unit::Stmt, text);
    }

    /// A `match` arm, with its `,`.
    pub fn arm(&mut self, text: &str) {
        self.unit(Unit::Arm, text);
    }

    /// A struct field, with its `,`.
    pub fn field(&mut self, text: &str) {
        self.unit(Unit::Field, text);
    }

    /// An enum variant, with its `,`.
    pub fn variant(&mut self, text: &str) {
        self.unit(Unit::Variant, text);
    }

    /// An item with a body: `head {`, then `body` one level deeper, then `}`.
    pub fn item_block(&mut self, head: &str, body: impl FnOnce(&mut Self)) {
        self.block(Unit::ItemHead, head, "}", body);
    }

    /// A statement with a block (`if`, `while`, `match`): `head {`, `body`, then `}`.
    pub fn stmt_block(&mut self, head: &str, body: impl FnOnce(&mut Self)) {
        self.block(Unit::StmtHead, head, "}", body);
    }

    /// A `let` whose value is a block expression (`let x = match y`): `head {`, `body`, then `};`.
    pub fn let_block(&mut self, head: &str, body: impl FnOnce(&mut Self)) {
        self.block(Unit::StmtHead, head, "};", body);
    }

    /// A block whose head and closing line are fixed text (`Ok(match value {` … `})`, an arm's
    /// `Some(x) => {` … `}`): `open` with ` {` appended, `body` one level deeper, then `close`.
    pub fn fixed_block(&mut self, open: &str, close: &str, body: impl FnOnce(&mut Self)) {
        push_line(&mut self.text, self.depth, open, true);
        self.nested(body);
        self.line(close);
    }

    fn block(&mut self, unit: Unit, head: &str, close: &str, body: impl FnOnce(&mut Self)) {
        self.unit(unit, head);
        self.nested(body);
        self.line(close);
    }

    fn nested(&mut self, body: impl FnOnce(&mut Self)) {
        self.depth += 1;
        body(self);
        self.depth -= 1;
    }

    fn unit(&mut self, unit: Unit, text: &str) {
        if let Err(message) = self.layout.write(&mut self.text, unit, self.depth, text) {
            self.errors.push(message);
        }
    }
}

/// `value` as a Rust string literal, escaped as `proc_macro2::Literal::string` escapes it (and so
/// as quote wrote it): `char::escape_debug`, except that `'` stays as it is and a NUL is `\0`
/// (`\x00` before an octal digit).
pub fn lit(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\0' if chars.peek().is_some_and(|next| ('0'..='7').contains(next)) => {
                out.push_str(r"\x00");
            }
            '\0' => out.push_str(r"\0"),
            '\'' => out.push('\''),
            _ => out.extend(ch.escape_debug()),
        }
    }
    out.push('"');
    out
}

/// `value` as a Rust character literal, escaped as `proc_macro2::Literal::character` escapes it
/// (and so as quote wrote it): `char::escape_debug`, except that `"` stays as it is.
pub fn char_lit(value: char) -> String {
    match value {
        '"' => "'\"'".to_owned(),
        _ => format!("'{}'", value.escape_debug()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_escaped_as_quote_escapes_them() {
        for value in ["plain", "it's \"quoted\"", "tab\tnew\nline\\", "nul\0x\x007", "é ☃ \u{200b}"]
        {
            assert_eq!(lit(value), proc_macro2::Literal::string(value).to_string(), "{value:?}");
        }
    }

    #[test]
    fn characters_are_escaped_as_quote_escapes_them() {
        for value in ['a', '/', '\'', '"', '\\', '\n', '\0', 'é', '\u{200b}'] {
            assert_eq!(
                char_lit(value),
                proc_macro2::Literal::character(value).to_string(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn blocks_nest_and_docs_print_as_comments() {
        let mut code = Code::new();
        code.inner_doc("File docs.\n\nMore.");
        code.doc("An item.");
        code.item_block("impl X", |code| {
            code.item_block("pub fn f(&self) -> u8", |code| code.stmt("1"));
        });
        assert_eq!(
            code.finish().unwrap(),
            "//! File docs.\n//!\n//! More.\n/// An item.\nimpl X {\n    pub fn f(&self) -> u8 {\n        1\n    }\n}\n"
        );
    }
}
