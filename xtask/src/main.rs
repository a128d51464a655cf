//! Project automation, run as `cargo xtask <task>` (see <https://github.com/matklad/cargo-xtask>).
//!
//! - `cargo xtask codegen` brings every file derived from a spec up to date: `generated/src/`
//!   from `spec/machineaction.json`, the OpenAPI export `spec/openapi.json`, the golden crates
//!   under `tests/fixtures/golden/` and the expected diagnostics of `tests/fixtures/bad-specs/`;
//!   only files whose bytes change are written, and orphaned `@generated` files are removed.
//!   However a run ends, every file is either old or new, never partial: new files are staged
//!   in full under `target/xtask-codegen/staging/`, a plan listing them is recorded, then each
//!   is renamed into place; the next run completes an interrupted plan and removes whatever a
//!   killed run left (staging, stray `.<name>.tmp` files). Runs on one tree take turns through
//!   the lock `target/xtask-codegen/lock`; a run that has to wait says so. See `xtask::ensure`.
//! - `cargo xtask codegen --check` writes nothing; it prints a diff of every stale file and
//!   exits 1. It takes the lock shared, so a write run in progress is never half-seen.
//! - `cargo xtask changes [--base REV | --release] [--json | --markdown] [--check]` reports
//!   every change of the spec since a revision (default `HEAD`) or the last release, each with
//!   its impact on the SDK crate and the command-line tool, its rule and the version bump it
//!   needs; `--check` is the version guard CI runs (see `changes_task.rs`). `cargo xtask
//!   codegen` prints the summary from `HEAD` after writing.
//! - `cargo xtask codegen-faults [--kills N] [--pairs M] [--seed S]` runs the fault campaign of
//!   those writes on a scratch copy of the tree (see `xtask::faults`): N runs killed at random
//!   moments (default 100), M pairs of runs at once (default 10); exits 1 if a promise broke.
//! - `cargo xtask docs-check PATH [--json] [--verbose]` compares Microsoft's pages at PATH (a
//!   page, or a folder searched recursively) with the spec and reports every difference that
//!   `spec/docs-accepted.json` does not explain, in full, and counts the accepted ones per page
//!   (`--verbose`: each with its reason; `--json`: everything); exits 1 on such drift, 2 on
//!   unreadable input.
//! - `cargo xtask fuzz [--cases N] [--seed S] [--compile K]` runs the generator's mutation
//!   campaign (see `xtask::fuzz`) and saves failing specs under `target/fuzz/failures/`;
//!   `cargo xtask fuzz --replay DIR` checks saved specs again.
//! - `cargo xtask build-times [--rounds N]` times a clean debug build of a crate depending on
//!   the SDK with each TLS backend (default 3 rounds, the backends in turn) and reports each
//!   backend's median and crate count as ratios to the default `rustls` (see
//!   `build_times_task.rs`). Slow: minutes per build.
//!
//! A spec with problems prints every problem and exits 2 without touching any file.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod build_times_task;
mod changes_task;
mod docs_check_task;
mod faults_task;
mod fuzz_task;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use xtask::Mode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  codegen           regenerate every derived file: generated/src/ and spec/openapi.json from
                    spec/machineaction.json, the golden crates and bad-spec expectations
  codegen --check   fail (exit 1) with a diff if a derived file is stale; writes nothing
  changes [--base REV | --release] [--json | --markdown] [--check]
                    every change of the spec since REV (default HEAD) or the last release,
                    with its impact on the SDK and the command-line tool, the rule behind it
                    and the version bump it needs; --check (CI's version guard, against the
                    last release by default) exits 1 on a breaking change without that bump
  codegen-faults [--kills N] [--pairs M] [--seed S]
                    on a scratch copy of the tree, kill N codegen runs at random moments
                    (default 100) and start M pairs of runs at once (default 10); exit 1 if a
                    run left a partial file or the next run did not leave the tree fresh
  docs-check PATH [--json] [--verbose]
                    compare Microsoft's pages at PATH (a page or a folder) with the spec;
                    exit 1 on drift not accepted in spec/docs-accepted.json, 2 on bad input;
                    accepted differences are counted per page (--verbose: listed with
                    their reasons; --json: everything)
  fuzz [--cases N] [--seed S] [--compile K] [--threads T]
                    mutate the project's specs N times (default 10000, seed 1): no panic, no
                    case over 1 s, every accepted spec's output parses; with --compile, the
                    generated code of K accepted cases must compile against the runtime
  fuzz --replay DIR check the specs saved in DIR again (verdict and time of each)
  build-times [--rounds N]
                    time a clean debug build of a crate depending on the SDK with each TLS
                    backend (rustls, rustls-ring; N rounds, default 3, taking
                    turns) and print each backend's median time and crate count, with their
                    ratios to rustls measured in the same run
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => codegen(&project_root(), Mode::Write),
        ["codegen", "--check"] => codegen(&project_root(), Mode::Check),
        ["changes", rest @ ..] => changes_task::run(&project_root(), rest),
        ["codegen-faults", rest @ ..] => faults_task::run(&project_root(), rest),
        ["docs-check", rest @ ..] => docs_check_task::run(&project_root(), rest),
        ["fuzz", rest @ ..] => fuzz_task::run(&project_root(), rest),
        ["build-times", rest @ ..] => build_times_task::run(&project_root(), rest),
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

/// Runs `cargo xtask codegen [--check]`: exit 0 when everything is (now) up to date, 1 when a
/// check finds something stale or a file cannot be written, 2 when a spec is refused.
fn codegen(root: &Path, mode: Mode) -> ExitCode {
    let report = match xtask::codegen_with(root, mode, &mut |message| eprintln!("{message}")) {
        Ok(report) => report,
        Err(problems) => {
            eprintln!("error: {} problem(s); nothing was written:", problems.len());
            for problem in &problems {
                eprintln!("  {problem}");
            }
            return ExitCode::from(2);
        }
    };
    match mode {
        Mode::Write => {
            for path in &report.cleaned {
                println!("removed {path}: left by an interrupted run");
            }
            for path in &report.recovered {
                println!("updated {path}: completing an interrupted run");
            }
            for path in &report.changed {
                println!("updated {path}");
            }
            for path in &report.orphans {
                println!("removed {path}: the generator no longer produces it");
            }
            change_summary(root);
        }
        Mode::Check => {
            print!("{}", report.diffs);
            for path in &report.orphans {
                println!("{path} is no longer generated and should be removed");
            }
            if !report.changed.is_empty() || !report.orphans.is_empty() {
                let stale = report.changed.len() + report.orphans.len();
                eprintln!("error: {stale} stale file(s); run `cargo xtask codegen` to update them");
            } else {
                println!("every derived file is up to date");
            }
        }
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.is_clean() || (mode == Mode::Write && report.errors.is_empty()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the summary of the spec's changes since `HEAD` (nothing when git cannot tell, as in
/// a tree that is not a clone).
fn change_summary(root: &Path) {
    match xtask::changes::report(root, &xtask::changes::Base::Rev("HEAD".into())) {
        Ok(report) => print!("{}", codegen::changes::render::to_summary(&report)),
        Err(message) => eprintln!("note: no change report: {message}"),
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
