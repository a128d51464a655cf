//! The generator: turns the hand-written spec (`spec/machineaction.json`) into the source files
//! of the generated SDK crate.
//!
//! It is a pure function of its input (no file system, no clock, no hash-map ordering), run in
//! four stages:
//!
//! 1. [`load`]: parse the JSON text (syntax errors carry line and column);
//! 2. [`lower`]: validate the spec and resolve names and references into the [`ir`], collecting
//!    every problem with its JSON pointer;
//! 3. [`emit`]: write each output file from the IR, line by line, through [`render::Code`],
//!    which lays every unit out as prettyplease would (one line when it fits; prettyplease
//!    itself, on that unit alone, when it does not);
//! 4. [`render`]: stamp each file with its `@generated` header and the blank lines between
//!    items.
//!
//! Writing text, rather than a token tree that syn parses and prettyplease prints whole, keeps
//! the generator linear and cheap at any size of spec; the integration tests prove that every
//! file it writes is exactly what prettyplease makes of it ([`render::reference()`]).
//!
//! [`openapi()`] reuses the first two stages to export the spec as an OpenAPI 3.1 document.
//!
//! The first two stages and the IR are public so that other tools can read a spec exactly as
//! the generator does: the `docs-check` crate compares Microsoft's reference pages with the
//! lowered spec through [`load::load`], [`lower::lower`] and [`ir::Api`].

pub mod changes;
pub mod diagnostics;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod names;
pub mod openapi;
pub mod render;
pub mod text;

pub use diagnostics::{Diagnostic, Diagnostics};

/// One output file, relative to the root of the generated crate (e.g. `src/models.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the generated crate's root, with `/` separators.
    pub path: String,
    /// Full file contents, LF line endings.
    pub contents: String,
}

/// What the generator is told about its output besides the spec: the same spec can feed
/// crates of other names and versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// How the header of each generated file names the spec, e.g. `spec/machineaction.json`.
    pub spec_name: &'a str,
    /// The generated crate's library name, used by the doc examples (`mde_machine_actions`).
    pub crate_name: &'a str,
    /// The generated crate's version, stated by the OpenAPI export.
    pub version: &'a str,
}

/// Runs the whole pipeline on the text of a spec.
///
/// On failure every problem found is returned, each located by a JSON pointer into the spec
/// (or by line and column for a JSON syntax error).
pub fn generate(spec_text: &str, target: &Target<'_>) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let document = load::load(spec_text)?;
    let api = lower::lower(&document)?;
    drop(document);
    emit::emit(&api, target)
        .into_iter()
        .map(|(path, text)| {
            let text = text.map_err(|message| {
                Diagnostics::from(Diagnostic::new("", format!("{path}: {message}")))
            })?;
            Ok(GeneratedFile { contents: render::file(text, target.spec_name), path })
        })
        .collect()
}

/// Runs the pipeline for the command-line layer: the file `src/api.rs` of the command-line
/// crate (one subcommand per method; see [`emit::cli`]), relative to that crate's root.
///
/// The spec is validated exactly as [`generate`] validates it.
pub fn generate_cli(
    spec_text: &str,
    spec_name: &str,
    target: &emit::cli::CliTarget<'_>,
) -> Result<GeneratedFile, Diagnostics> {
    let document = load::load(spec_text)?;
    let api = lower::lower(&document)?;
    let text = emit::cli::write_cli(&api, target).map_err(|message| {
        Diagnostics::from(Diagnostic::new("", format!("src/api.rs: {message}")))
    })?;
    Ok(GeneratedFile { path: "src/api.rs".to_owned(), contents: render::file(text, spec_name) })
}

/// Exports the spec as an OpenAPI 3.1 document: pretty JSON (two-space indent, trailing
/// newline), the same bytes for the same spec. See [`openapi`](mod@openapi) for the mapping.
///
/// The spec is validated exactly as [`generate`] validates it, so a broken spec yields the same
/// problems.
pub fn openapi(spec_text: &str, target: &Target<'_>) -> Result<String, Diagnostics> {
    let document = load::load(spec_text)?;
    let api = lower::lower(&document)?;
    Ok(openapi::render(&openapi::build(&document, &api, target.version)))
}
