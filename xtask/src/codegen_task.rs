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
    let files = match from_spec(root, |text| codegen::generate(text, SPEC)) {
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
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
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
    if stale.is_empty() {
        println!("{OUTPUT_DIR}/ is up to date with {SPEC}");
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} stale file(s): {}", stale.len(), stale.join(", "));
    eprintln!("run `cargo xtask codegen` to update them");
    ExitCode::FAILURE
}
