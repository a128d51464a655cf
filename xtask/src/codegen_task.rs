//! `cargo xtask codegen [--check]`: runs the generator on the spec and brings `generated/` up
//! to date, or reports how it differs.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use codegen::GeneratedFile;

use crate::files::{SPEC, from_spec, unified_diff, write_if_changed};
/// The generated crate, relative to the workspace root.
pub const OUTPUT_DIR: &str = "generated";

/// Whether to write files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose bytes changed.
    Write,
    /// Write nothing; report stale files with a diff.
    Check,
}

/// Runs the task from the workspace root `root`.
pub fn run(root: &Path, mode: Mode) -> ExitCode {
    let sdk = match crate::files::Sdk::read(root) {
        Ok(sdk) => sdk,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let files = match from_spec(root, |text| codegen::generate(text, &sdk.target(SPEC))) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let output = root.join(OUTPUT_DIR);
    match mode {
        Mode::Write => write_all(&output, &files),
        Mode::Check => check_all(&output, &files),
    }
}

fn write_all(output: &Path, files: &[GeneratedFile]) -> ExitCode {
    let mut failed = false;
    for file in files {
        let path = output.join(&file.path);
        match write_if_changed(&path, file.contents.as_bytes()) {
            Ok(true) => println!("updated {OUTPUT_DIR}/{}", file.path),
            Ok(false) => {}
            Err(error) => {
                eprintln!("error: cannot write {}: {error}", path.display());
                failed = true;
            }
        }
    }
    for orphan in orphans(output, files) {
        match fs::remove_file(output.join(&orphan)) {
            Ok(()) => {
                println!("removed {OUTPUT_DIR}/{orphan}: the generator no longer produces it")
            }
            Err(error) => {
                eprintln!("error: cannot remove {OUTPUT_DIR}/{orphan}: {error}");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Files under `output/src` that carry the `@generated` header but that the generator no
/// longer produces, as paths relative to `output`.
fn orphans(output: &Path, files: &[GeneratedFile]) -> Vec<String> {
    let mut found = Vec::new();
    let mut dirs = vec![output.join("src")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for path in entries.flatten().map(|entry| entry.path()) {
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let generated =
                fs::read_to_string(&path).is_ok_and(|text| text.starts_with("// @generated"));
            let relative =
                path.strip_prefix(output).map(|p| p.to_string_lossy().replace('\\', "/"));
            if let (true, Ok(relative)) = (generated, relative)
                && !files.iter().any(|f| f.path == relative)
            {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

fn check_all(output: &Path, files: &[GeneratedFile]) -> ExitCode {
    let mut stale = Vec::new();
    for file in files {
        let path = output.join(&file.path);
        let current = fs::read_to_string(&path).unwrap_or_default();
        if current != file.contents {
            let name = format!("{OUTPUT_DIR}/{}", file.path);
            print!("{}", unified_diff(&name, &current, &file.contents));
            stale.push(name);
        }
    }
    for orphan in orphans(output, files) {
        println!("{OUTPUT_DIR}/{orphan} is no longer generated and should be removed");
        stale.push(format!("{OUTPUT_DIR}/{orphan}"));
    }
    if stale.is_empty() {
        println!("{OUTPUT_DIR}/ is up to date with {SPEC}");
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} stale file(s): {}", stale.len(), stale.join(", "));
    eprintln!("run `cargo xtask codegen` to update them");
    ExitCode::FAILURE
}
