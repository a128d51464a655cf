//! Isolates every device an alert names (host names, FQDNs, IP addresses, machine ids or
//! `tag:` inputs), waits for the isolations to finish, and reports each device's outcome.
//! Inputs that match several devices or none are reported and left alone.
//!
//! ```sh
//! MDE_DEVICES="desktop-7,10.1.2.3,tag:finance" cargo run -p mde-machine-actions --example isolate_alert_devices
//! ```
//! `MDE_COMMENT` sets the comment (default "Isolated for alert"). See `Client::from_env` for
//! the credential and endpoint variables.

#![allow(clippy::print_stdout)]

mod common;

use mde_machine_actions::models::{IsolateRequest, IsolationType};
use mde_machine_actions::resolve::ResolveOptions;
use mde_machine_actions::{Client, FleetEvent};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit_code(run().await)
}

/// The example; its error is printed with `Display` by [`common::exit_code`].
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let inputs = common::required_var("MDE_DEVICES")?;
    let inputs: Vec<&str> = inputs.split(',').map(str::trim).filter(|i| !i.is_empty()).collect();
    let comment = std::env::var("MDE_COMMENT").unwrap_or_else(|_| "Isolated for alert".into());

    let found = client.resolve_devices(&inputs, &ResolveOptions::default()).await;
    println!("{found}");

    let request = IsolateRequest::new(comment).with_isolation_type(IsolationType::Full);
    let report = client
        .fleet(request)
        .run_resolved(&found)
        .report(|event| {
            if !matches!(event, FleetEvent::StatusChanged { .. }) {
                println!("{event}");
            }
        })
        .await;
    println!(
        "{} isolated, {} failed ({} adopted an isolation already running)",
        report.succeeded(),
        report.failed.len(),
        report.adopted
    );
    if report.failed.is_empty() && found.is_complete() {
        Ok(())
    } else {
        Err("some devices were not isolated".into())
    }
}
