//! `cargo xtask docs-check PATH [--json]`: the file-system side of the docs drift check.
//!
//! PATH is a single page or a folder laid out like Microsoft's docs repository
//! (`defender-endpoint/api/*.md`), or any folder holding such pages: it is searched recursively
//! (hidden folders skipped, symbolic links not followed) for the resource page
//! `machineaction.md` and the method pages named after each method's `docsUrl`
//! (`isolate-machine.md`, ...); other files are ignored. The pages, `spec/machineaction.json` and
//! `spec/docs-accepted.json` go to [`codegen::docs_check::run`], which does the comparing.
//!
//! Exit status: 0 when every difference is accepted, 1 when there is unexplained drift, 2 when
//! the input cannot be read (missing or non-UTF-8 files, a PATH holding no known page, a broken
//! spec or accepted-differences file), with a message on stderr.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::docs_check::{self, EXIT_INPUT, Format, Page};

/// Usage of this task, for the error message on bad arguments.
const USAGE: &str = "usage: cargo xtask docs-check PATH [--json]";

/// Runs the task with the arguments after `docs-check`.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let mut json = false;
    let mut paths = Vec::new();
    for arg in args {
        match *arg {
            "--json" => json = true,
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
    let format = if json { Format::Json } else { Format::Text };

    let spec_path = root.join("spec/machineaction.json");
    let accepted_path = root.join("spec/docs-accepted.json");
    let spec = match read_text(&spec_path) {
        Ok(text) => text,
        Err(message) => return input_error(json, &message),
    };
    let accepted = match read_text(&accepted_path) {
        Ok(text) => text,
        Err(message) => return input_error(json, &message),
    };
    let names = match docs_check::page_names(&spec) {
        Ok(names) => names,
        Err(error) => return input_error(json, error.message()),
    };
    let pages = match collect_pages(Path::new(path), &names) {
        Ok(pages) => pages,
        Err(message) => return input_error(json, &message),
    };

    let outcome = docs_check::run(&spec, &pages, &accepted, format);
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

/// The known pages at `path`: the file itself, or every known page below the folder.
fn collect_pages(path: &Path, names: &[String]) -> Result<Vec<Page>, String> {
    let metadata =
        fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let files = if metadata.is_dir() {
        let mut files = Vec::new();
        walk(path, names, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(format!(
                "{} holds none of the pages docs-check knows ({})",
                path.display(),
                names.join(", ")
            ));
        }
        files
    } else {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !names.iter().any(|n| n == name) {
            return Err(format!(
                "{} is not a page docs-check knows; expected one of: {}",
                path.display(),
                names.join(", ")
            ));
        }
        vec![path.to_path_buf()]
    };
    files
        .into_iter()
        .map(|file| {
            let text = read_text(&file)?;
            Ok(Page { path: display(&file), text })
        })
        .collect()
}

/// Adds every file under `dir` whose name is in `names`.
fn walk(dir: &Path, names: &[String], out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if kind.is_dir() {
            if !name.starts_with('.') {
                walk(&path, names, out)?;
            }
        } else if names.iter().any(|n| *n == name) {
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
