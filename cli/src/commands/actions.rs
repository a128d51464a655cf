//! `actions list | get | wait | cancel`: the actions already sent, with friendly filters
//! (`--status Failed --type Isolate --device desktop-7 --since 24h`) turned into the typed
//! `$filter` of the listing.

use futures_util::future::join_all;
use mde_machine_actions::models::{
    CancelMachineActionRequest, MachineActionId, MachineActionStatus, MachineActionType,
};
use mde_machine_actions::{Client, Filter, MachineActionFilter, WaitOptions};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::act::{self, duration};
use super::{Context, Outcome};
use crate::api_support::{self, Answer, Failure};
use crate::args::ActionsCommand;
use crate::exit;
use crate::output::ACTION_COLUMNS;

/// Runs an `actions` subcommand.
pub async fn run(context: &Context, command: ActionsCommand) -> Result<Outcome, Failure> {
    let client = context.client()?;
    match command {
        ActionsCommand::List { status, action_type, device, since, limit } => {
            let filter = list_filter(&client, &status, &action_type, device, since).await?;
            list(&client, filter, limit).await
        }
        ActionsCommand::Get { id } => {
            let action = client.get_machine_action(&MachineActionId::from(id)).await?;
            Ok(Outcome::success(api_support::one(&action)?, &[]))
        }
        ActionsCommand::Wait { ids, timeout } => {
            let deadline = duration("timeout", &timeout)?;
            let options = WaitOptions::default().with_deadline(deadline);
            let waits = ids.iter().map(|id| wait_one(&client, id, &options));
            let rows: Vec<(Value, bool)> = join_all(waits).await;
            let ok = rows.iter().all(|(_, ok)| *ok);
            let answer = Answer::Many(rows.into_iter().map(|(row, _)| row).collect());
            let code = if ok { exit::SUCCESS } else { exit::PARTIAL };
            Ok(Outcome { answer, columns: ACTION_COLUMNS, code })
        }
        ActionsCommand::Cancel { ids, comment } => {
            let request = CancelMachineActionRequest::new(comment);
            let mut rows = Vec::new();
            let mut ok = true;
            let mut last_code = exit::SUCCESS;
            for id in ids {
                match client
                    .cancel_machine_action(&MachineActionId::from(id.as_str()), &request)
                    .await
                {
                    Ok(action) => rows.push(serde_json::to_value(&action).unwrap_or(Value::Null)),
                    Err(error) => {
                        ok = false;
                        last_code = exit::code_of_error(&error);
                        rows.push(json!({ "id": id, "status": "NotCancelled", "requestor": error.to_string() }));
                    }
                }
            }
            let code = match (ok, rows.len()) {
                (true, _) => exit::SUCCESS,
                (false, 1) => last_code,
                _ => exit::PARTIAL,
            };
            Ok(Outcome { answer: Answer::Many(rows), columns: ACTION_COLUMNS, code })
        }
    }
}

/// The listing's `$filter` from the friendly flags.
async fn list_filter(
    client: &Client,
    status: &[String],
    types: &[String],
    device: Option<String>,
    since: Option<String>,
) -> Result<Option<Filter>, Failure> {
    let mut parts: Vec<Filter> = Vec::new();
    if !status.is_empty() {
        let values: Vec<MachineActionStatus> = values("status", status)?;
        parts.push(MachineActionFilter::status().is_in(values));
    }
    if !types.is_empty() {
        let values: Vec<MachineActionType> = values("type", types)?;
        parts.push(MachineActionFilter::r#type().is_in(values));
    }
    if let Some(device) = device {
        let resolution = act::resolve(client, vec![device.clone()], false).await?;
        let ids = resolution.machine_ids();
        if ids.is_empty() || !resolution.is_complete() {
            let rows = crate::devices::rows(&resolution);
            let why =
                rows.first().and_then(|r| r["detail"].as_str()).unwrap_or("not found").to_owned();
            return Err(Failure::Usage(format!("--device {device}: {why}")));
        }
        parts.push(MachineActionFilter::machine_id().is_in(ids));
    }
    if let Some(since) = since {
        let at = api_support::timestamp("since", &since)?;
        parts.push(MachineActionFilter::creation_date_time_utc().ge(at));
    }
    Ok(parts.into_iter().reduce(Filter::and))
}

/// Enum values as the service spells them, in any case; unknown ones are refused with the
/// documented list.
fn values<T: DeserializeOwned + std::fmt::Display + KnownValues>(
    flag: &str,
    given: &[String],
) -> Result<Vec<T>, Failure> {
    given
        .iter()
        .flat_map(|v| v.split(','))
        .map(|text| {
            let text = text.trim();
            let known = T::known();
            let canonical =
                known.iter().find(|k| k.eq_ignore_ascii_case(text)).ok_or_else(|| {
                    Failure::Usage(format!(
                        "--{flag} `{text}`: expected one of {}",
                        known.join(", ")
                    ))
                })?;
            api_support::choice(flag, canonical)
        })
        .collect()
}

/// The documented values of an enum, for friendly flags.
trait KnownValues {
    fn known() -> Vec<String>;
}

impl KnownValues for MachineActionStatus {
    fn known() -> Vec<String> {
        MachineActionStatus::KNOWN.iter().map(ToString::to_string).collect()
    }
}

impl KnownValues for MachineActionType {
    fn known() -> Vec<String> {
        MachineActionType::KNOWN.iter().map(ToString::to_string).collect()
    }
}

/// The newest `limit` actions the filter matches.
async fn list(client: &Client, filter: Option<Filter>, limit: usize) -> Result<Outcome, Failure> {
    let top = i32::try_from(limit.clamp(1, 10_000)).unwrap_or(10_000);
    let mut call = client.list_machine_actions().top(top);
    if let Some(filter) = filter {
        call = call.filter(filter);
    }
    let mut pager = call.into_pager();
    let mut actions = Vec::new();
    while let Some(action) = pager.next().await {
        actions.push(action?);
        if actions.len() >= limit {
            break;
        }
    }
    actions
        .sort_by(|a, b| b.creation_date_time_utc.as_str().cmp(a.creation_date_time_utc.as_str()));
    Ok(Outcome::success(api_support::items(&actions)?, ACTION_COLUMNS))
}

/// Waits for one action: its row, and whether it succeeded.
async fn wait_one(client: &Client, id: &str, options: &WaitOptions) -> (Value, bool) {
    match client.wait_for_completion(&MachineActionId::from(id), options).await {
        Ok(outcome) => {
            let ok = outcome.succeeded();
            (serde_json::to_value(&outcome.action).unwrap_or(Value::Null), ok)
        }
        Err(error) => {
            (json!({ "id": id, "status": "Unknown", "requestor": error.to_string() }), false)
        }
    }
}
