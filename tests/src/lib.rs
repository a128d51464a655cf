//! Support for the project's tests and benchmarks. The tests themselves live in the `it`
//! integration-test binary (`tests/it/`); this library holds what they share with the benches
//! ([`large_pages`], the large docs pages of the docs-check benchmark and its size test;
//! [`scaled_spec`], the grown spec of the generator benchmark). The workspace README's Rust
//! snippets are compiled here as doctests, so they stay true.

pub mod large_pages;
pub mod scaled_spec;

/// The workspace README's snippets.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
