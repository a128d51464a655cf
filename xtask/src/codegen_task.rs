//! `cargo xtask codegen [--check]`: runs the generator on the spec and brings `generated/` up
//! to date, or reports how it differs.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::GeneratedFile;

/// The spec, relative to the workspace root.
pub const SPEC: &str = "spec/machineaction.json";
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
    let spec_path = root.join(SPEC);
    let spec_text = match fs::read_to_string(&spec_path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", spec_path.display());
            return ExitCode::from(2);
        }
    };
    let files = match codegen::generate(&spec_text, SPEC) {
        Ok(files) => files,
        Err(problems) => {
            eprintln!("error: {SPEC} has {} problem(s); nothing was written:", problems.len());
            for problem in &problems {
                eprintln!("  {problem}");
            }
            return ExitCode::from(2);
        }
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
        if fs::read(&path).ok().as_deref() == Some(file.contents.as_bytes()) {
            continue;
        }
        match write_atomically(&path, file.contents.as_bytes()) {
            Ok(()) => println!("updated {OUTPUT_DIR}/{}", file.path),
            Err(error) => {
                eprintln!("error: cannot write {}: {error}", path.display());
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Writes `contents` to a temporary file beside `path`, then renames it over `path`, so a
/// reader never sees a half-written file.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let temp = temp_path(path);
    let result = fs::File::create(&temp)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
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

/// A unified diff from the file on disk to what the generator produces now.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
