//! Streams every pending or in-progress isolation of the last week, page after page.
//!
//! ```sh
//! cargo run -p mde-machine-actions --example list_filtered
//! ```
//! See `common/mod.rs` for the credential and endpoint variables.

#![allow(clippy::print_stdout)]

mod common;

use futures_util::StreamExt as _;
use mde_machine_actions::Timestamp;
use mde_machine_actions::client::{ListMachineActionsQuery, MachineActionFilter as F};
use mde_machine_actions::models::{MachineActionStatus, MachineActionType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::client_from_env()?;
    let week_ago = Timestamp::from(time::OffsetDateTime::now_utc() - time::Duration::days(7));
    let filter = F::r#type()
        .eq(MachineActionType::Isolate)
        .and(F::status().is_in([MachineActionStatus::Pending, MachineActionStatus::InProgress]))
        .and(F::creation_date_time_utc().ge(week_ago));
    println!("$filter={filter}");

    let query = ListMachineActionsQuery::new().with_filter(filter).with_top(500);
    let mut actions = Box::pin(client.list_machine_actions_stream(&query));
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
