//! Doc-comment helpers shared by the emitters.

use proc_macro2::TokenStream;
use quote::quote;

/// One `#[doc = "..."]` per line of `text`, so they print as `///` lines.
pub fn doc_attrs(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = line.trim_end();
        let line = if line.is_empty() { String::new() } else { format!(" {line}") };
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

/// Paragraphs joined by a blank doc line, skipping empty ones.
pub fn paragraphs(parts: &[&str]) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n")
}

/// Items joined as in a list or call: `a, b, c`.
pub fn list(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}
