//! Isolates a device, waits for the isolation to finish, and prints the outcome.
//!
//! ```sh
//! MDE_MACHINE_ID=<device id> cargo run -p mde-machine-actions --example isolate_and_wait
//! ```
//! See `Client::from_env` for the credential and endpoint variables.

#![allow(clippy::print_stdout)]

mod common;

use mde_machine_actions::models::{IsolateRequest, IsolationType, MachineId};
use mde_machine_actions::{ServiceErrorExt as _, WaitOptions};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit_code(run().await)
}

/// The example; its error is printed with `Display` by [`common::exit_code`].
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = mde_machine_actions::Client::from_env()?;
    let machine = MachineId::from(common::required_var("MDE_MACHINE_ID")?);
    let comment = std::env::var("MDE_COMMENT").unwrap_or_else(|_| "Isolated by automation".into());

    let request = IsolateRequest::new(comment).with_isolation_type(IsolationType::Full);
    let action = match client.isolate_machine(&machine, &request).await {
        Ok(action) => action,
        Err(error) if error.is_already_in_progress() => {
            println!("an isolation is already pending on {machine}; nothing sent");
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    println!("isolation {} requested: {}", action.id, action.status);

    let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
    println!(
        "isolation {} ended {} after {} polls in {:?}",
        outcome.action.id, outcome.action.status, outcome.polls, outcome.elapsed
    );
    Ok(())
}
