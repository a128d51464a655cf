//! `cargo xtask changes [--base REV | --release] [--json | --markdown] [--check]`: the semantic
//! change report of the spec, and the version guard CI runs.
//!
//! Without options it compares the working tree's spec with `HEAD`'s and prints every change,
//! worst first, with its impact on the SDK crate and on the command-line tool, the rule that
//! decides it, and the version bump each crate needs. `--base REV` compares with any revision;
//! `--release` with the last release (`spec/releases.json`). `--markdown` prints the report
//! ready for a pull request or `CHANGELOG.md`; `--json` prints everything as JSON.
//!
//! `--check` is the version guard: it compares with the last release unless `--base` says
//! otherwise, and exits 1 when a change breaks the users of a crate whose manifest does not
//! carry the bump, saying which bump and why.
//!
//! Exit status: 0, 1 (a missing bump, with `--check`), 2 (bad arguments, git or a spec that
//! cannot be read).

use std::path::Path;
use std::process::ExitCode;

use codegen::changes::{Impact, Report, render};
use xtask::changes::{self, Base};

/// Usage of this task, for the error message on bad arguments.
const USAGE: &str =
    "usage: cargo xtask changes [--base REV | --release] [--json | --markdown] [--check]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Json,
}

/// Runs the task with the arguments after `changes`.
pub fn run(root: &Path, args: &[&str]) -> ExitCode {
    let mut base = None;
    let mut format = None;
    let mut check = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (new_base, new_format) = match *arg {
            "--release" => (Some(Base::Release), None),
            "--base" => match rest.next().filter(|rev| !rev.starts_with('-')) {
                Some(rev) => (Some(Base::Rev((*rev).to_owned())), None),
                None => return usage("--base needs a revision"),
            },
            "--json" => (None, Some(Format::Json)),
            "--markdown" => (None, Some(Format::Markdown)),
            "--check" => {
                check = true;
                continue;
            }
            other => return usage(&format!("unexpected argument {other}")),
        };
        if let Some(chosen) = new_base
            && base.replace(chosen).is_some()
        {
            return usage("give one base: --base REV or --release");
        }
        if let Some(chosen) = new_format
            && format.replace(chosen).is_some()
        {
            return usage("choose one output: --json or --markdown");
        }
    }
    let format = format.unwrap_or(Format::Text);
    let base = base.unwrap_or(if check { Base::Release } else { Base::Rev("HEAD".into()) });
    let report = match changes::report(root, &base) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    print!(
        "{}",
        match format {
            Format::Text => render::to_text(&report),
            Format::Markdown => render::to_markdown(&report),
            Format::Json => render::to_json(&report),
        }
    );
    if check && report.missing_bump() {
        eprint!("{}", guard_message(&report));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Why the guard fails: per crate, the bump needed and the breaking changes that need it.
fn guard_message(report: &Report) -> String {
    let mut message = String::new();
    for verdict in report.verdicts.iter().filter(|v| !v.satisfied()) {
        let required = verdict.required().map(|v| v.to_string()).unwrap_or_default();
        message.push_str(&format!(
            "error: {} needs a {} version bump, to {required}: these changes since {} break \
             its users:\n",
            verdict.name,
            verdict.bump().as_str(),
            report.base
        ));
        for change in
            report.changes.iter().filter(|c| c.impact(verdict.audience) == Impact::Breaking)
        {
            message.push_str(&format!(
                "  - {}: {} (rule {})\n",
                change.subject, change.detail, change.rule.id
            ));
        }
        message.push_str(&format!(
            "  set version = \"{required}\" in its Cargo.toml (and in the workspace dependency on it, if any), or \
             undo the changes\n"
        ));
    }
    message
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n{USAGE}");
    ExitCode::from(2)
}
