//! Project automation, run as `cargo xtask <task>` (see <https://github.com/matklad/cargo-xtask>).
//!
//! - `cargo xtask codegen` regenerates `generated/` from `spec/machineaction.json`, writing only
//!   files whose bytes changed, each atomically.
//! - `cargo xtask codegen --check` writes nothing; it prints a diff of every stale file and
//!   exits 1.
//! - `cargo xtask openapi` exports the spec as the OpenAPI 3.1 document `spec/openapi.json`,
//!   writing it (atomically) only when its bytes changed; `cargo xtask openapi --check` writes
//!   nothing, prints a diff if it is stale and exits 1.
//! - `cargo xtask docs-check PATH [--json]` compares Microsoft's pages at PATH (a page, or a
//!   folder searched recursively) with the spec and reports every difference that
//!   `spec/docs-accepted.json` does not explain; exits 1 on such drift, 2 on unreadable input.
//!
//! A spec with problems prints every problem and exits 2 without touching any file.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod codegen_task;
mod docs_check_task;
mod files;
mod openapi_task;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  codegen           regenerate generated/ from spec/machineaction.json
  codegen --check   fail (exit 1) with a diff if generated/ is stale; writes nothing
  openapi           export spec/machineaction.json as spec/openapi.json (OpenAPI 3.1)
  openapi --check   fail (exit 1) with a diff if spec/openapi.json is stale; writes nothing
  docs-check PATH [--json]
                    compare Microsoft's pages at PATH (a page or a folder) with the spec;
                    exit 1 on drift not accepted in spec/docs-accepted.json, 2 on bad input
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen_task::run(&project_root(), codegen_task::Mode::Write),
        ["codegen", "--check"] => codegen_task::run(&project_root(), codegen_task::Mode::Check),
        ["openapi"] => openapi_task::run(&project_root(), codegen_task::Mode::Write),
        ["openapi", "--check"] => openapi_task::run(&project_root(), codegen_task::Mode::Check),
        ["docs-check", rest @ ..] => docs_check_task::run(&project_root(), rest),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("unknown task: {}\n\n{USAGE}", args.join(" "));
            ExitCode::from(2)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    // Cargo sets the variable when it runs the task; the build-time value is the fallback
    // (a binary reused from a shared target directory would otherwise act on another checkout).
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map_or(manifest_dir.clone(), PathBuf::from)
}
