//! `isolate`, `release`, `restrict`, `unrestrict`, `scan`, `quarantine`, `collect`, `offboard`:
//! resolve the inputs to devices, then send one action to all of them through the SDK's fleet
//! runs (bounded concurrency inside the rate budgets, no duplicate actions after unclear
//! failures), optionally waiting with live progress. `--dry-run` stops after resolving.

use std::time::Duration;

use mde_machine_actions::models::{
    CollectInvestigationPackageRequest, IsolateRequest, IsolationType, MachineActionStatus,
    OffboardRequest, RestrictCodeExecutionRequest, RunAntiVirusScanRequest, ScanType,
    StopAndQuarantineFileRequest, UnisolateRequest, UnrestrictCodeExecutionRequest,
};
use mde_machine_actions::resolve::{Resolution, ResolveOptions};
use mde_machine_actions::{
    Client, FleetAction, FleetError, FleetOptions, FleetReport, WaitOptions,
};
use serde_json::{Value, json};

use super::{Context, Outcome};
use crate::api_support::{Answer, Failure, parse_ago};
use crate::args::{ActionRun, Command, Isolation, ScanKind};
use crate::progress::Progress;
use crate::{devices, exit};

/// The columns of a fleet run's result.
pub const RESULT_COLUMNS: &[&str] = &["device", "computerDnsName", "action", "status", "detail"];
/// The columns of a dry run.
const PLAN_COLUMNS: &[&str] = &["input", "outcome", "id", "computerDnsName", "wouldSend", "detail"];

/// Runs one of the action commands.
pub async fn run(context: &Context, command: Command) -> Result<Outcome, Failure> {
    let (run, action) = action_of(command)?;
    let inputs = devices::read(&run.devices)?;
    let client = context.client()?;
    let resolution = resolve(&client, inputs, run.prefer_active).await?;
    if run.dry_run {
        return Ok(plan(&resolution, &action));
    }
    let wait = if run.wait { Some(wait_options(&run.timeout, &run.poll_interval)?) } else { None };
    let options = FleetOptions::default().with_concurrency(run.concurrency.into()).with_wait(wait);
    let report = fleet(context, &client, action, &resolution, options).await;
    Ok(result(&report, run.wait))
}

/// Resolves `inputs`; fails as a whole when no input could even be looked up (credentials,
/// network), so that the exit code says why.
pub async fn resolve(
    client: &Client,
    inputs: Vec<String>,
    prefer_active: bool,
) -> Result<Resolution, Failure> {
    let options = ResolveOptions::default().with_prefer_active(prefer_active);
    let mut resolution = client.resolve_devices(inputs, &options).await;
    let all_failed = resolution.resolved.is_empty()
        && resolution.ambiguous.is_empty()
        && !resolution.unresolved.is_empty()
        && resolution.unresolved.iter().all(|u| u.error.is_some());
    if all_failed && let Some(error) = resolution.unresolved.remove(0).error {
        return Err(Failure::Api(error));
    }
    Ok(resolution)
}

/// Sends `action` to the resolved devices, showing progress; the report of every device.
pub async fn fleet(
    context: &Context,
    client: &Client,
    action: FleetAction,
    resolution: &Resolution,
    options: FleetOptions,
) -> FleetReport {
    let what = format!("{}", action.action_type());
    let mut progress =
        Progress::new(resolution.machine_ids().len(), context.global.no_progress, &what);
    let run = client.fleet(action).options(options).run_resolved(resolution);
    let report = run.report(|event| progress.event(event)).await;
    progress.finish();
    report
}

/// The action a command sends, and its run options.
fn action_of(command: Command) -> Result<(ActionRun, FleetAction), Failure> {
    Ok(match command {
        Command::Isolate { run, isolation_type } => {
            let kind = match isolation_type {
                Isolation::Full => IsolationType::Full,
                Isolation::Selective => IsolationType::Selective,
            };
            let request = IsolateRequest::new(run.comment.clone()).with_isolation_type(kind);
            (run, request.into())
        }
        Command::Release { run } => {
            let request = UnisolateRequest::new(run.comment.clone());
            (run, request.into())
        }
        Command::Restrict { run } => {
            let request = RestrictCodeExecutionRequest::new(run.comment.clone());
            (run, request.into())
        }
        Command::Unrestrict { run } => {
            let request = UnrestrictCodeExecutionRequest::new(run.comment.clone());
            (run, request.into())
        }
        Command::Scan { run, scan_type } => {
            let kind = match scan_type {
                ScanKind::Quick => ScanType::Quick,
                ScanKind::Full => ScanType::Full,
            };
            let request = RunAntiVirusScanRequest::new(run.comment.clone(), kind);
            (run, request.into())
        }
        Command::Quarantine { run, sha1 } => {
            let sha1 = sha1.trim().to_ascii_lowercase();
            if sha1.len() != 40 || !sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Failure::Usage(format!(
                    "--sha1 `{sha1}`: expected 40 hexadecimal digits"
                )));
            }
            let request = StopAndQuarantineFileRequest::new(run.comment.clone(), sha1);
            (run, request.into())
        }
        Command::Collect { run } => {
            let request = CollectInvestigationPackageRequest::new(run.comment.clone());
            (run, request.into())
        }
        Command::Offboard { run } => {
            let request = OffboardRequest::new(run.comment.clone());
            (run, request.into())
        }
        _ => return Err(Failure::Usage("not an action command".to_owned())),
    })
}

/// `--dry-run`: what was resolved, and what each device would get.
pub fn plan(resolution: &Resolution, action: &FleetAction) -> Outcome {
    let would = format!("{} \"{}\"", action.action_type(), action.comment());
    let rows: Vec<Value> = devices::rows(resolution)
        .into_iter()
        .map(|mut row| {
            if row["outcome"] == "resolved" {
                row["wouldSend"] = Value::String(would.clone());
            }
            row
        })
        .collect();
    let code = if resolution.is_complete() { exit::SUCCESS } else { exit::PARTIAL };
    eprintln!(
        "dry run: nothing sent; {} device(s) would get {would}",
        resolution.machine_ids().len()
    );
    Outcome { answer: Answer::Many(rows), columns: PLAN_COLUMNS, code }
}

/// One row per device (and per input that did not resolve), and the exit code.
pub fn result(report: &FleetReport, waited: bool) -> Outcome {
    let mut rows = Vec::new();
    let mut ok = true;
    for (device, action) in &report.finished {
        let succeeded = !waited || action.status == MachineActionStatus::Succeeded;
        ok &= succeeded;
        rows.push(json!({
            "device": device,
            "computerDnsName": action.computer_dns_name,
            "action": action.id.as_str(),
            "status": action.status.to_string(),
            "detail": if waited { String::new() } else { "sent; not waited for".to_owned() },
        }));
    }
    ok &= report.failed.is_empty() && report.unresolved.is_empty();
    rows.extend(unfinished_rows(report));
    let code = if ok { exit::SUCCESS } else { failure_code(report) };
    Outcome { answer: Answer::Many(rows), columns: RESULT_COLUMNS, code }
}

/// One row per device without a finished action (with its last action when a wait ran out)
/// and per input that did not resolve.
pub fn unfinished_rows(report: &FleetReport) -> Vec<Value> {
    let failed = report.failed.iter().map(|(device, error)| {
        let (action, status) = match error {
            FleetError::DeadlineExceeded { last } => {
                (Some(last.id.as_str().to_owned()), last.status.to_string())
            }
            _ => (None, "NotSent".to_owned()),
        };
        json!({ "device": device, "action": action, "status": status, "detail": error.to_string() })
    });
    let unresolved = report.unresolved.iter().map(
        |(input, reason)| json!({ "device": input, "status": "NotResolved", "detail": reason }),
    );
    failed.chain(unresolved).collect()
}

/// When nothing was done and every device failed for one reason (credentials, the service),
/// that reason's code; otherwise "some devices failed".
fn failure_code(report: &FleetReport) -> u8 {
    if !report.finished.is_empty() || !report.unresolved.is_empty() {
        return exit::PARTIAL;
    }
    let codes: Vec<u8> = report
        .failed
        .values()
        .map(|error| match error {
            FleetError::Request(error) | FleetError::Uncertain { error, .. } => {
                exit::code_of_error(error)
            }
            _ => exit::PARTIAL,
        })
        .collect();
    match codes.first() {
        Some(&first) if codes.iter().all(|&c| c == first) && first != exit::REFUSED => first,
        _ => exit::PARTIAL,
    }
}

/// How to wait: `--timeout` and `--poll-interval`.
pub fn wait_options(timeout: &str, poll_interval: &str) -> Result<WaitOptions, Failure> {
    let deadline = duration("timeout", timeout)?;
    let first = duration("poll-interval", poll_interval)?;
    if first.is_zero() {
        return Err(Failure::Usage("--poll-interval must be at least 1s".to_owned()));
    }
    Ok(WaitOptions::default().with_deadline(deadline).with_initial_interval(first))
}

/// A duration such as `30m`, `2h` or `90s`.
pub fn duration(flag: &str, text: &str) -> Result<Duration, Failure> {
    parse_ago(text.trim()).ok_or_else(|| {
        Failure::Usage(format!("--{flag} `{text}`: expected a number and s, m, h or d (30m, 2h)"))
    })
}
