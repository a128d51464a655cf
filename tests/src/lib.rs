//! Empty on purpose: the tests live in the `it` integration-test binary (`tests/it/`). The
//! workspace README's Rust snippets are compiled here as doctests, so they stay true.

/// The workspace README's snippets.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
