//! Streams every pending or in-progress isolation of the last week, page after page.
//!
//! ```sh
//! cargo run -p mde-machine-actions --example list_filtered
//! ```
//! See `Client::from_env` for the credential and endpoint variables.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use mde_machine_actions::MachineActionFilter as F;
use mde_machine_actions::Timestamp;
use mde_machine_actions::models::{MachineActionStatus, MachineActionType};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The example; `main` prints its error with `Display`.
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = mde_machine_actions::Client::from_env()?;
    let week_ago = Timestamp::now() - Duration::from_secs(7 * 24 * 60 * 60);
    let filter = F::r#type()
        .eq(MachineActionType::Isolate)
        .and(F::status().is_in([MachineActionStatus::Pending, MachineActionStatus::InProgress]))
        .and(F::creation_date_time_utc().ge(week_ago));
    println!("$filter={filter}");

    let mut actions = client.list_machine_actions().filter(filter).top(500).into_pager();
    let mut count = 0;
    while let Some(action) = actions.next().await {
        let action = action?;
        count += 1;
        println!(
            "{} {} {} {:?}",
            action.id, action.status, action.creation_date_time_utc, action.computer_dns_name
        );
    }
    println!("{count} action(s)");
    Ok(())
}
