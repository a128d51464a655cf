//! `mde`: Microsoft Defender for Endpoint response actions from a terminal, a runbook or a CI
//! job, built on the `mde-machine-actions` SDK.
//!
//! - `args`: the command line (clap); `api` (generated from the spec by `cargo xtask codegen`):
//!   one command per API operation, with `api_support` as its glue;
//! - `commands`: the workflow commands (actions on many devices, action listings, live
//!   response, investigation packages);
//! - `auth`: credentials (environment, profile file, files or standard input; never arguments);
//! - `devices`, `output`, `progress`, `exit`: device inputs, output formats, live progress and
//!   the documented exit codes.
//!
//! Standard output carries only the result (a table, JSON or NDJSON); progress and errors go to
//! standard error.

// A command-line tool's output is its interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[rustfmt::skip]
mod api;
mod api_support;
mod args;
mod auth;
mod commands;
mod devices;
mod exit;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("mde: cannot start: {e}");
            return ExitCode::from(exit::IO);
        }
    };
    ExitCode::from(runtime.block_on(commands::run(cli)))
}
