//! `cargo xtask openapi [--check]`: exports the spec as the OpenAPI 3.1 document
//! `spec/openapi.json`, or reports how the checked-in document differs from a fresh export.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::codegen_task::Mode;
use crate::files::{SPEC, from_spec, unified_diff, write_if_changed};

/// The OpenAPI document, relative to the workspace root.
pub const OUTPUT: &str = codegen::openapi::OUTPUT;

/// Runs the task from the workspace root `root`: exit 0 when the document is (now) up to date,
/// 1 when `--check` finds it stale or it cannot be written, 2 when the spec is unreadable or has
/// problems (nothing is written then).
pub fn run(root: &Path, mode: Mode) -> ExitCode {
    let sdk = match crate::files::Sdk::read(root) {
        Ok(sdk) => sdk,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let document = match from_spec(root, |text| codegen::openapi(text, &sdk.target(SPEC))) {
        Ok(document) => document,
        Err(code) => return code,
    };
    let path = root.join(OUTPUT);
    match mode {
        Mode::Write => match write_if_changed(&path, document.as_bytes()) {
            Ok(true) => {
                println!("updated {OUTPUT}");
                ExitCode::SUCCESS
            }
            Ok(false) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: cannot write {}: {error}", path.display());
                ExitCode::FAILURE
            }
        },
        Mode::Check => {
            let current = fs::read_to_string(&path).unwrap_or_default();
            if current == document {
                println!("{OUTPUT} is up to date with {SPEC}");
                return ExitCode::SUCCESS;
            }
            print!("{}", unified_diff(OUTPUT, &current, &document));
            eprintln!("error: {OUTPUT} is stale");
            eprintln!("run `cargo xtask openapi` to update it");
            ExitCode::FAILURE
        }
    }
}
