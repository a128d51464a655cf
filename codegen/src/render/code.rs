//! [`Code`]: the writer the emitters print a file through, line by line, in prettyplease's
//! layout. Doc comments, braces and fixed lines are written as they are; every unit whose text
//! depends on the spec (an item, a statement, a signature, an arm, a field) goes through
//! [`Layout`], which keeps it on one line when it fits and otherwise breaks it exactly as
//! prettyplease does.

use super::layout::{Layout, Unit, fits, push_line};
use super::needs_blank_line;

/// A generated file being written.
#[derive(Debug, Default)]
pub struct Code {
    text: String,
    /// Where the last line of `text` starts, to decide on a blank line before the next one.
    last_line: usize,
    /// The lines of the unit being written, before they join `text`.
    pending: String,
    depth: usize,
    layout: Layout,
    errors: Vec<String>,
}

impl Code {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// The file's text (with a blank line between items), or the message of every unit that
    /// was not valid Rust.
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
            push_line(&mut self.pending, self.depth, &format!("{marker}{prefix}{line}"), false);
        }
        self.flush();
    }

    /// A `///` line with `text` right after the slashes: what prettyplease prints for a
    /// `#[doc = "…"]` whose text (one line, not starting with `/`) has no leading space.
    pub fn doc_unspaced(&mut self, text: &str) {
        let text = text.trim_end_matches(' ');
        push_line(&mut self.pending, self.depth, &format!("///{text}"), false);
        self.flush();
    }

    /// A line whose text never needs breaking (`#[non_exhaustive]`, `struct ObjectVisitor;`).
    pub fn line(&mut self, text: &str) {
        push_line(&mut self.pending, self.depth, text, false);
        self.flush();
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

    /// An outer attribute whose list ends in a comma (`#[serde(rename = "x", default,)]`, as the
    /// generated models' serde attributes do). `text` is its one-line form, without that comma:
    /// prettyplease prints the comma only when it breaks the list.
    pub fn attr_with_trailing_comma(&mut self, text: &str) {
        match text.strip_suffix(")]") {
            Some(list) if !fits(self.depth, text.len()) => self.attr(&format!("{list},)]")),
            _ => self.attr(text),
        }
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
        push_line(&mut self.pending, self.depth, open, true);
        self.flush();
        self.nested(body);
        self.line(close);
    }

    /// A group whose opening and closing lines are fixed text without a brace, as prettyplease
    /// breaks a call around a `match` (`Ok(` … `)`): `open`, `body` one level deeper, `close`.
    pub fn fixed_group(&mut self, open: &str, close: &str, body: impl FnOnce(&mut Self)) {
        self.line(open);
        self.nested(body);
        self.line(close);
    }

    /// `head {`, `body`, `close`; a block whose body writes nothing is `head {}`, one unit, as
    /// prettyplease prints it (`pub struct Empty {}`, `match x {}`).
    fn block(&mut self, unit: Unit, head: &str, close: &str, body: impl FnOnce(&mut Self)) {
        let (start, last_line) = (self.text.len(), self.last_line);
        self.unit(unit, head);
        let opened = self.text.len();
        self.nested(body);
        if self.text.len() == opened {
            self.text.truncate(start);
            self.last_line = last_line;
            let whole = if unit == Unit::ItemHead { Unit::Item } else { Unit::Stmt };
            self.unit(whole, &format!("{head} {{}}"));
        } else {
            self.line(close);
        }
    }

    fn nested(&mut self, body: impl FnOnce(&mut Self)) {
        self.depth += 1;
        body(self);
        self.depth -= 1;
    }

    fn unit(&mut self, unit: Unit, text: &str) {
        if let Err(message) = self.layout.write(&mut self.pending, unit, self.depth, text) {
            self.errors.push(message);
        }
        self.flush();
    }

    /// Moves the pending lines to the text, each after a blank line where an item ends and the
    /// next one starts.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for line in pending.lines() {
            let previous = self.text.get(self.last_line..self.text.len().saturating_sub(1));
            if previous.is_some_and(|previous| needs_blank_line(previous, line)) {
                self.text.push('\n');
            }
            self.last_line = self.text.len();
            self.text.push_str(line);
            self.text.push('\n');
        }
        self.pending = pending;
        self.pending.clear();
    }
}

/// `value` as a Rust string literal, escaped as `proc_macro2::Literal::string` escapes it:
/// `char::escape_debug`, except that `'` stays as it is and a NUL is `\0` (`\x00` before an
/// octal digit).
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

/// `value` as a Rust character literal, escaped as `proc_macro2::Literal::character` escapes it:
/// `char::escape_debug`, except that `"` stays as it is.
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
    fn literals_are_escaped_as_proc_macro2_escapes_them() {
        for value in ["plain", "it's \"quoted\"", "tab\tnew\nline\\", "nul\0x\x007", "é ☃ \u{200b}"]
        {
            assert_eq!(lit(value), proc_macro2::Literal::string(value).to_string(), "{value:?}");
        }
    }

    /// `code`'s text is prettyplease's for `source`.
    fn assert_prettyplease_layout(code: Code, source: &str) {
        let written = code.finish().expect("valid units");
        assert_eq!(written, super::super::reference(source).expect("valid source"));
    }

    #[test]
    fn struct_literals_wider_than_34_columns_break_even_when_they_fit() {
        let mut code = Code::new();
        code.item_block("impl X", |code| {
            for (name, literal) in [
                ("f", "Self { comment: comment.into() }"),
                ("g", "Self { comment: comment.into(), isolation_type: None }"),
            ] {
                code.item_block(&format!("fn {name}() -> Self"), |code| code.stmt(literal));
            }
            code.item_block("fn h() -> Result<Self, E>", |code| {
                code.stmt("Ok(AResponseModel { extra, received_as })");
            });
        });
        assert_prettyplease_layout(
            code,
            "impl X { fn f() -> Self { Self { comment: comment.into() } } \
             fn g() -> Self { Self { comment: comment.into(), isolation_type: None } } \
             fn h() -> Result<Self, E> { Ok(AResponseModel { extra, received_as }) } }",
        );
    }

    #[test]
    fn an_attribute_list_keeps_its_trailing_comma_only_when_broken() {
        let short = r#"#[serde(rename = "a", default)]"#;
        let long = r#"#[serde(rename = "aVeryLongWireNameIndeed", skip_serializing_if = "Option::is_none", default)]"#;
        let mut code = Code::new();
        code.item_block("struct S", |code| {
            code.attr_with_trailing_comma(short);
            code.field("a: u8,");
            code.attr_with_trailing_comma(long);
            code.field("b: u8,");
        });
        let source = format!(
            "struct S {{ {} a: u8, {} b: u8 }}",
            short.replace(")]", ",)]"),
            long.replace(")]", ",)]")
        );
        assert_prettyplease_layout(code, &source);
    }

    #[test]
    fn wide_heads_of_impls_structs_and_enums_break_as_prettyplease_breaks_them() {
        let name = "AVeryLongTypeNameThatGoesOnAndOnAndOnForQuiteAWhileLonger";
        let mut code = Code::new();
        code.item_block(&format!("impl<'de> ::serde::Deserialize<'de> for {name}"), |code| {
            code.item_block("fn f()", |code| code.stmt("g()"));
        });
        code.item_block(&format!("pub struct {name}{name}"), |code| code.field("a: u8,"));
        code.item_block(&format!("pub enum {name}{name}"), |code| code.variant("A,"));
        assert_prettyplease_layout(
            code,
            &format!(
                "impl<'de> ::serde::Deserialize<'de> for {name} {{ fn f() {{ g() }} }} \
                 pub struct {name}{name} {{ a: u8 }} pub enum {name}{name} {{ A }}"
            ),
        );
    }

    #[test]
    fn a_call_around_a_match_is_a_fixed_group() {
        let mut code = Code::new();
        code.item_block("fn f(value: &str) -> Result<u8, E>", |code| {
            code.fixed_group("Ok(", ")", |code| {
                code.fixed_block("match value", "},", |code| {
                    code.arm(r#""a" => 1,"#);
                    code.arm("_ => 2,");
                });
            });
        });
        assert_prettyplease_layout(
            code,
            r#"fn f(value: &str) -> Result<u8, E> { Ok(match value { "a" => 1, _ => 2 }) }"#,
        );
    }

    #[test]
    fn characters_are_escaped_as_proc_macro2_escapes_them() {
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
            "//! File docs.\n//!\n//! More.\n\n/// An item.\nimpl X {\n    pub fn f(&self) -> u8 {\n        1\n    }\n}\n"
        );
    }

    #[test]
    fn empty_blocks_print_as_prettyplease_prints_them() {
        let mut code = Code::new();
        code.item_block("pub struct Empty", |_| {});
        code.item_block("impl Empty", |code| {
            code.item_block("pub fn f(self, all: bool)", |code| {
                code.stmt_block("match self", |_| {});
                code.stmt_block("if all", |_| {});
            });
            code.item_block("pub fn g(self)", |_| {});
        });
        let text = code.finish().unwrap();
        assert_eq!(
            text,
            "pub struct Empty {}\nimpl Empty {\n    pub fn f(self, all: bool) {\n        match self {}\n        if all {}\n    }\n\n    pub fn g(self) {}\n}\n"
        );
        assert_eq!(crate::render::reference(&text), Ok(super::super::separate_items(&text)));
    }
}
