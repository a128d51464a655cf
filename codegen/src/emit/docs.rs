//! Doc-comment helpers shared by the emitters.

/// Paragraphs joined by a blank doc line, skipping empty ones.
pub fn paragraphs(parts: &[&str]) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// Items joined as in a list or call: `a, b, c`.
pub fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}
