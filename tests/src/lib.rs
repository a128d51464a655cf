//! Support for the project's tests and benchmarks. The tests themselves live in the `it`
//! integration-test binary (`tests/it/`); this library holds what they share with the benches
//! ([`large_pages`], the large docs pages of the docs-check benchmark and its size test;
//! [`scaled_spec`], the grown spec of the generator benchmark; [`median`], the figure every
//! benchmark reports). The workspace README's Rust snippets are compiled here as doctests, so
//! they stay true.

pub mod large_pages;
pub mod scaled_spec;

/// The median of `samples` (the upper one of an even count), sorting them in place.
///
/// # Panics
///
/// When `samples` is empty.
pub fn median<T: PartialOrd + Copy>(samples: &mut [T]) -> T {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    samples[samples.len() / 2]
}

/// The workspace README's snippets.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;
