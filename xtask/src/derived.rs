//! Every checked-in file that is derived from a spec, and how: the SDK's generated modules,
//! the OpenAPI export, the golden crates of the generator's fixture specs (manifest, root and
//! generated modules) and the expected diagnostics of the broken fixture specs.
//!
//! [`all`] computes them all in memory; [`crate::ensure`] brings the tree in line with them
//! (or reports how it differs), for `cargo xtask codegen [--check]` and for the freshness test
//! alike.

use std::fs;
use std::path::Path;

/// The spec of the SDK, relative to the workspace root.
pub const SPEC: &str = "spec/machineaction.json";
/// The SDK crate, relative to the workspace root.
pub const SDK_DIR: &str = "generated";
/// The command-line crate, relative to the workspace root: its `src/api.rs` is generated.
pub const CLI_DIR: &str = "cli";
/// The command-line binary's name, as the generated help's examples spell it.
pub const CLI_BINARY: &str = "mde";
/// The OpenAPI export, relative to the workspace root.
pub const OPENAPI: &str = "spec/openapi.json";
/// The golden cases: one folder each, holding `spec.json`.
pub const GOLDEN_DIR: &str = "tests/fixtures/golden";
/// The broken specs: `<name>.json`, each with its `<name>.expected` diagnostics.
pub const BAD_SPECS_DIR: &str = "tests/fixtures/bad-specs";

/// The folders (relative to the workspace root) that hold everything [`all`] reads and
/// derives: [`copy_tree`] copies them to make a scratch tree.
pub const TREE: &[&str] = &["spec", SDK_DIR, CLI_DIR, GOLDEN_DIR, BAD_SPECS_DIR];

/// One derived file: its path relative to the workspace root and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedFile {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// Folders whose `@generated` files are all derived: a file there that carries the header but
/// is no longer derived is an orphan, to be removed.
pub fn generated_dirs(root: &Path) -> Vec<String> {
    let mut dirs = vec![format!("{SDK_DIR}/src"), format!("{CLI_DIR}/src")];
    dirs.extend(golden_cases(root).iter().map(|case| format!("{GOLDEN_DIR}/{case}/src")));
    dirs
}

/// Every derived file, or every problem that keeps them from being derived (an unreadable
/// file, or the SDK spec's problems). Nothing is derived unless everything can be.
pub fn all(root: &Path) -> Result<Vec<DerivedFile>, Vec<String>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    match sdk_files(root) {
        Ok(mut sdk) => files.append(&mut sdk),
        Err(mut errors) => problems.append(&mut errors),
    }
    for case in golden_cases(root) {
        match golden_files(root, &case) {
            Ok(mut golden) => files.append(&mut golden),
            Err(mut errors) => problems.append(&mut errors),
        }
    }
    match bad_spec_files(root) {
        Ok(mut expected) => files.append(&mut expected),
        Err(mut errors) => problems.append(&mut errors),
    }
    if problems.is_empty() { Ok(files) } else { Err(problems) }
}

/// Copies the folders of [`TREE`] from `root` to `dest` (created as needed), leaving out
/// `target/` folders and temporary files ([`crate::ensure::is_temp_name`]): a scratch tree that
/// [`all`] and [`crate::codegen()`] can work on as on the real one.
pub fn copy_tree(root: &Path, dest: &Path) -> std::io::Result<()> {
    let mut pending: Vec<std::path::PathBuf> = TREE.iter().map(std::path::PathBuf::from).collect();
    while let Some(relative) = pending.pop() {
        fs::create_dir_all(dest.join(&relative))?;
        for entry in fs::read_dir(root.join(&relative))? {
            let entry = entry?;
            let name = entry.file_name();
            if entry.file_type()?.is_dir() {
                if name != "target" {
                    pending.push(relative.join(name));
                }
            } else if !crate::ensure::is_temp_name(&name.to_string_lossy()) {
                fs::copy(entry.path(), dest.join(&relative).join(name))?;
            }
        }
    }
    Ok(())
}

/// The SDK crate's library name and version, read from its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sdk {
    /// Library name, e.g. `mde_machine_actions`.
    pub crate_name: String,
    /// Package version, e.g. `0.1.0`.
    pub version: String,
}

impl Sdk {
    /// Reads `generated/Cargo.toml` under `root`.
    pub fn read(root: &Path) -> Result<Self, String> {
        let text = read(root, &format!("{SDK_DIR}/Cargo.toml"))?;
        let package = manifest_value(&text, "package", "name");
        let lib = manifest_value(&text, "lib", "name");
        let version = manifest_value(&text, "package", "version");
        match (lib.or_else(|| package.map(|p| p.replace('-', "_"))), version) {
            (Some(crate_name), Some(version)) => Ok(Self { crate_name, version }),
            _ => Err(format!("{SDK_DIR}/Cargo.toml names no package name and version")),
        }
    }
}

/// The SDK's generated modules, the command-line layer and the OpenAPI export.
fn sdk_files(root: &Path) -> Result<Vec<DerivedFile>, Vec<String>> {
    let sdk = Sdk::read(root).map_err(|e| vec![e])?;
    let spec = read(root, SPEC).map_err(|e| vec![e])?;
    let target =
        codegen::Target { spec_name: SPEC, crate_name: &sdk.crate_name, version: &sdk.version };
    let problems = |diagnostics: codegen::Diagnostics| {
        diagnostics.iter().map(|d| format!("{SPEC}: {d}")).collect::<Vec<_>>()
    };
    let generated = codegen::generate(&spec, &target).map_err(problems)?;
    let openapi = codegen::openapi(&spec, &target).map_err(problems)?;
    let mut files: Vec<DerivedFile> = generated
        .into_iter()
        .map(|file| DerivedFile {
            path: format!("{SDK_DIR}/{}", file.path),
            contents: file.contents,
        })
        .collect();
    let cli_target = codegen::emit::cli::CliTarget {
        sdk_crate: &sdk.crate_name,
        binary: CLI_BINARY,
        group: "api",
    };
    let cli = codegen::generate_cli(&spec, SPEC, &cli_target).map_err(problems)?;
    files.push(DerivedFile { path: format!("{CLI_DIR}/{}", cli.path), contents: cli.contents });
    files.push(DerivedFile { path: OPENAPI.to_owned(), contents: openapi });
    Ok(files)
}

/// The golden case folders, sorted.
pub fn golden_cases(root: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(root.join(GOLDEN_DIR)) else { return Vec::new() };
    let mut cases: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.path().join("spec.json").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    cases
}

/// A golden case as a crate: a manifest, a root module and the generated modules, compiled
/// against the runtime crate as a workspace member.
fn golden_files(root: &Path, case: &str) -> Result<Vec<DerivedFile>, Vec<String>> {
    let dir = format!("{GOLDEN_DIR}/{case}");
    let spec_name = format!("{dir}/spec.json");
    let spec = read(root, &spec_name).map_err(|e| vec![e])?;
    let crate_name = format!("golden_{case}");
    let target =
        codegen::Target { spec_name: &spec_name, crate_name: &crate_name, version: "0.0.0" };
    let generated = codegen::generate(&spec, &target).map_err(|diagnostics| {
        diagnostics.iter().map(|d| format!("{spec_name}: {d}")).collect::<Vec<_>>()
    })?;
    let mut files = vec![
        DerivedFile {
            path: format!("{dir}/Cargo.toml"),
            contents: golden_manifest(case, &spec_name),
        },
        DerivedFile { path: format!("{dir}/src/lib.rs"), contents: golden_root(&spec_name) },
    ];
    files.extend(
        generated.into_iter().map(|file| DerivedFile {
            path: format!("{dir}/{}", file.path),
            contents: file.contents,
        }),
    );
    Ok(files)
}

fn golden_manifest(case: &str, spec_name: &str) -> String {
    format!(
        "# @generated by `cargo xtask codegen` from {spec_name}.\n\
         # The generator's output for this fixture spec, compiled as a crate against the runtime.\n\
         \n\
         [package]\n\
         name = \"golden-{case}\"\n\
         version = \"0.0.0\"\n\
         publish = false\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         \n\
         [lib]\n\
         name = \"golden_{case}\"\n\
         doctest = false\n\
         test = false\n\
         \n\
         [dependencies]\n\
         mde-runtime.workspace = true\n\
         serde.workspace = true\n\
         serde_json.workspace = true\n\
         tokio.workspace = true\n\
         \n\
         [lints]\n\
         workspace = true\n"
    )
}

fn golden_root(spec_name: &str) -> String {
    format!(
        "// @generated by `cargo xtask codegen` from {spec_name}.\n\
         // Do not edit by hand: edit the spec (or codegen/) and run `cargo xtask codegen`.\n\
         \n\
         //! The generator's output for `{spec_name}`, laid out as the SDK crate lays out its\n\
         //! own generated modules.\n\
         \n\
         #![allow(missing_docs)]\n\
         \n\
         #[rustfmt::skip]\n\
         pub mod client;\n\
         #[rustfmt::skip]\n\
         pub mod models;\n\
         #[rustfmt::skip]\n\
         pub mod operations;\n"
    )
}

/// `<name>.expected` for each broken spec: the exact text of its diagnostics.
fn bad_spec_files(root: &Path) -> Result<Vec<DerivedFile>, Vec<String>> {
    let Ok(entries) = fs::read_dir(root.join(BAD_SPECS_DIR)) else { return Ok(Vec::new()) };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let spec_name = format!("{BAD_SPECS_DIR}/{name}.json");
        let spec = match read(root, &spec_name) {
            Ok(spec) => spec,
            Err(error) => {
                problems.push(error);
                continue;
            }
        };
        let target = codegen::Target { spec_name: &spec_name, crate_name: "bad", version: "0.0.0" };
        match codegen::generate(&spec, &target) {
            Ok(_) => problems.push(format!("{spec_name} generates; a bad spec must be refused")),
            Err(diagnostics) => files.push(DerivedFile {
                path: format!("{BAD_SPECS_DIR}/{name}.expected"),
                contents: diagnostics.to_string(),
            }),
        }
    }
    if problems.is_empty() { Ok(files) } else { Err(problems) }
}

/// The text of `relative` under `root`, or a message naming it.
fn read(root: &Path, relative: &str) -> Result<String, String> {
    fs::read_to_string(root.join(relative)).map_err(|e| format!("cannot read {relative}: {e}"))
}

/// A `key = "value"` string in the `[section]` table of a Cargo manifest.
pub(crate) fn manifest_value(text: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        let Some(rest) = line.strip_prefix(key).filter(|_| in_section) else { continue };
        let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
        let value = value.trim();
        return value.strip_prefix('"')?.strip_suffix('"').map(str::to_owned);
    }
    None
}
