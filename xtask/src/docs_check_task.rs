//! `cargo xtask docs-check PATH [--json] [--verbose]`: the file-system side of the docs drift
//! check.
//!
//! PATH is a single page or a folder laid out like Microsoft's docs repository
//! (`defender-endpoint/api/*.md`), or any folder holding such pages: every `.md` file below it
//! is read (hidden folders skipped, symbolic links not followed). Which page a file is, is
//! decided by its content (title, request line, property table) and only then by its name, so
//! renamed copies are checked too; in a folder, files that are not MachineAction pages are
//! listed as skipped. The pages and `spec/machineaction.json` and `spec/docs-accepted.json` go
//! to [`docs_check::run_with`], which does the recognising and comparing (and names the spec
//! file in its advice on drift).
//!
//! The report lists every unexplained difference in full and counts the accepted ones per page
//! and kind; `--verbose` lists each accepted difference with its reason too. `--json` prints
//! everything, whatever `--verbose` says.
//!
//! Exit status: 0 when every difference is accepted, 1 when there is unexplained drift, 2 when
//! the input cannot be read (missing or non-UTF-8 files, a single page that is not a
//! MachineAction page, a folder holding none, a broken spec or accepted-differences file), with
//! a message on stderr.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docs_check::{self, EXIT_INPUT, Format, Options, Page};

use xtask::derived::SPEC;

/// Usage of this task, for the error message on bad arguments.
const USAGE: &str = "usage: cargo xtask docs-check PATH [--json] [--verbose]";

/// Runs the task with the arguments after `docs-check`.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let mut json = false;
    let mut verbose = false;
    let mut paths = Vec::new();
    for arg in args {
        match *arg {
            "--json" => json = true,
            "--verbose" => verbose = true,
            flag if flag.starts_with("--") => {
                return input_error(
                    args.contains(&"--json"),
                    &format!("unknown option {flag}\n{USAGE}"),
                );
            }
            path => paths.push(path),
        }
    }
    let [path] = paths[..] else {
        return input_error(json, &format!("expected exactly one PATH\n{USAGE}"));
    };
    let format = match (json, verbose) {
        (true, _) => Format::Json,
        (false, true) => Format::VerboseText,
        (false, false) => Format::Text,
    };

    let spec_path = root.join(SPEC);
    let accepted_path = root.join("spec/docs-accepted.json");
    let spec = match read_text(&spec_path) {
        Ok(text) => text,
        Err(message) => return input_error(json, &message),
    };
    let accepted = match read_text(&accepted_path) {
        Ok(text) => text,
        Err(message) => return input_error(json, &message),
    };
    let (pages, folder) = match collect_pages(Path::new(path)) {
        Ok(found) => found,
        Err(message) => return input_error(json, &message),
    };

    let options = Options { skip_unrecognised: folder, spec_name: Some(SPEC.to_owned()) };
    let outcome = docs_check::run_with(&spec, &pages, &accepted, &options, format);
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    ExitCode::from(outcome.status)
}

/// Reports unusable input: the message on stderr and, with `--json`, `{"error", "status"}` on
/// stdout (the shape [`docs_check::run`] prints for its own input errors).
fn input_error(json: bool, message: &str) -> ExitCode {
    if json {
        print!("{}", docs_check::error_json(message));
    }
    eprintln!("docs-check: {message}");
    ExitCode::from(EXIT_INPUT)
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))
}

/// The pages at `path`: the file itself, or every markdown file below the folder (then `true`).
fn collect_pages(path: &Path) -> Result<(Vec<Page>, bool), String> {
    let metadata =
        fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let folder = metadata.is_dir();
    let files = if folder {
        let mut files = Vec::new();
        walk(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(format!("{} holds no markdown (.md) pages", path.display()));
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let pages = files
        .into_iter()
        .map(|file| {
            let text = read_text(&file)?;
            Ok(Page { path: display(&file), text })
        })
        .collect::<Result<Vec<Page>, String>>()?;
    Ok((pages, folder))
}

/// Adds every `.md` file under `dir`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if kind.is_dir() {
            if !name.starts_with('.') {
                walk(&path, out)?;
            }
        } else if kind.is_file() && name.to_ascii_lowercase().ends_with(".md") {
            out.push(path);
        }
    }
    Ok(())
}

/// The path as findings show it, with `/` separators.
fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}
