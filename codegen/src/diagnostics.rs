//! Problems found in a spec, each located by a JSON pointer (or by line and column while the text
//! is not yet JSON). The pipeline collects them instead of stopping at the first.

use std::fmt;

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is: a JSON pointer such as `/x-methods/4/path`, `line 3, column 7` for
    /// a syntax error, or empty for the document as a whole.
    pub location: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `location`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self { location: location.into(), message: message.into() }
    }
}

/// `text` with every character the spec's text rules refuse (and carriage returns) written as
/// an escape, so that a message cannot reorder or hide what a terminal shows.
fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c == '\r' || crate::text::refused(c).is_some();
    if !text.contains(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = if self.location.is_empty() { "/" } else { &self.location };
        write!(f, "{}: {}", visible(location), visible(&self.message))
    }
}

/// Every problem found in one run, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem at `location`.
    pub fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.0.push(Diagnostic::new(location, message));
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problems, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was recorded, otherwise every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    /// One problem per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The JSON pointer of member `key` (escaped: `~` as `~0`, `/` as `~1`) under `parent`.
pub fn child_pointer(parent: &str, key: &str) -> String {
    let mut pointer = String::with_capacity(parent.len() + key.len() + 1);
    pointer.push_str(parent);
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
    pointer
}
