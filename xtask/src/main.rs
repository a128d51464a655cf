//! Project automation, run as `cargo xtask <task>` (see <https://github.com/matklad/cargo-xtask>).
//!
//! - `cargo xtask codegen` regenerates `generated/` from `spec/machineaction.json`, writing only
//!   files whose bytes changed, each atomically.
//! - `cargo xtask codegen --check` writes nothing; it prints a diff of every stale file and
//!   exits 1.
//!
//! A spec with problems prints every problem and exits 2 without touching any file.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod codegen_task;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  codegen           regenerate generated/ from spec/machineaction.json
  codegen --check   fail (exit 1) with a diff if generated/ is stale; writes nothing
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen_task::run(&project_root(), codegen_task::Mode::Write),
        ["codegen", "--check"] => codegen_task::run(&project_root(), codegen_task::Mode::Check),
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
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map_or(manifest_dir.clone(), PathBuf::from)
}
