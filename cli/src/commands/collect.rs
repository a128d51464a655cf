//! `live-response run` and `package collect`: a fleet run that waits for its actions, then
//! downloads what each finished action produced (each live-response command's result, or the
//! investigation package) into a folder, one file per device and command. A signed download
//! link is used and never shown.

use std::path::{Path, PathBuf};

use mde_machine_actions::models::{
    CollectInvestigationPackageRequest, CommandParam, CommandStatus, LiveResponseCommand,
    LiveResponseCommandType, MachineAction, MachineActionStatus, RunLiveResponseRequest,
};
use mde_machine_actions::{Client, FleetAction, FleetOptions, FleetReport};
use serde_json::json;

use super::act;
use super::{Context, Outcome};
use crate::api_support::{self, Answer, Failure};
use crate::args::{LiveResponseCommand as LiveResponseArgs, PackageCommand};
use crate::{devices, exit};

/// `mde live-response run`.
pub async fn live_response(
    context: &Context,
    command: LiveResponseArgs,
) -> Result<Outcome, Failure> {
    let LiveResponseArgs::Run {
        devices,
        script,
        args,
        get_file,
        comment,
        download_to,
        timeout,
        poll_interval,
        dry_run,
    } = command;
    let mut params = vec![CommandParam::new("ScriptName", script)];
    if let Some(args) = args {
        params.push(CommandParam::new("Args", args));
    }
    let mut commands = vec![LiveResponseCommand::new(LiveResponseCommandType::RunScript, params)];
    for path in get_file {
        let params = vec![CommandParam::new("Path", path)];
        commands.push(LiveResponseCommand::new(LiveResponseCommandType::GetFile, params));
    }
    let action = FleetAction::from(RunLiveResponseRequest::new(commands, comment));
    let run = Run { devices, timeout, poll_interval, dry_run, download_to };
    run.go(context, action, Produces::CommandResults).await
}

/// `mde package collect`.
pub async fn package(context: &Context, command: PackageCommand) -> Result<Outcome, Failure> {
    let PackageCommand::Collect { devices, comment, download_to, timeout, poll_interval, dry_run } =
        command;
    let action = FleetAction::from(CollectInvestigationPackageRequest::new(comment));
    let run = Run { devices, timeout, poll_interval, dry_run, download_to: Some(download_to) };
    run.go(context, action, Produces::Package).await
}

/// What a finished action leaves to download.
#[derive(Debug, Clone, Copy)]
enum Produces {
    /// One result per RunScript or GetFile command.
    CommandResults,
    /// One investigation package.
    Package,
}

/// A waited fleet run followed by downloads.
struct Run {
    devices: crate::args::DeviceInputs,
    timeout: String,
    poll_interval: String,
    dry_run: bool,
    download_to: Option<PathBuf>,
}

impl Run {
    async fn go(
        self,
        context: &Context,
        action: FleetAction,
        produces: Produces,
    ) -> Result<Outcome, Failure> {
        let inputs = devices::read(&self.devices)?;
        let wait = act::wait_options(&self.timeout, &self.poll_interval)?;
        let client = context.client()?;
        let resolution = act::resolve(&client, inputs, false).await?;
        if self.dry_run {
            return Ok(act::plan(&resolution, &action));
        }
        if let Some(dir) = &self.download_to {
            std::fs::create_dir_all(dir)
                .map_err(|e| Failure::Io(format!("cannot create {}: {e}", dir.display())))?;
        }
        let options = FleetOptions::default().with_wait(Some(wait));
        let report = act::fleet(context, &client, action, &resolution, options).await;
        let mut outcome = act::result(&report, true);
        if let Some(dir) = &self.download_to {
            let (rows, ok) = download_all(&client, &report, dir, produces).await;
            if !ok && outcome.code == exit::SUCCESS {
                outcome.code = exit::PARTIAL;
            }
            outcome.answer = Answer::Many(rows);
            outcome.columns = DOWNLOAD_COLUMNS;
        }
        Ok(outcome)
    }
}

/// The columns of a run with downloads.
const DOWNLOAD_COLUMNS: &[&str] = &["device", "action", "status", "file", "bytes", "detail"];

/// Downloads what every finished action produced: one row per file (or per finished device
/// without one), then the rows of the devices without a finished action; and whether every
/// finished action's download worked (the others already set the exit code).
async fn download_all(
    client: &Client,
    report: &FleetReport,
    dir: &Path,
    produces: Produces,
) -> (Vec<serde_json::Value>, bool) {
    let mut rows = Vec::new();
    let mut ok = true;
    for (device, action) in &report.finished {
        if action.status != MachineActionStatus::Succeeded && matches!(produces, Produces::Package)
        {
            ok = false;
            rows.push(json!({ "device": device, "action": action.id.as_str(), "status": action.status.to_string(), "detail": "nothing to download" }));
            continue;
        }
        for (index, name) in files_of(action, device, produces) {
            let path = dir.join(&name);
            let row = match download_one(client, action, index, &path).await {
                Ok(bytes) => {
                    json!({ "device": device, "action": action.id.as_str(), "status": action.status.to_string(), "file": path.display().to_string(), "bytes": bytes })
                }
                Err(failure) => {
                    ok = false;
                    json!({ "device": device, "action": action.id.as_str(), "status": action.status.to_string(), "detail": failure.to_string() })
                }
            };
            rows.push(row);
        }
    }
    rows.extend(act::unfinished_rows(report));
    (rows, ok)
}

/// The files a finished action leaves: (command index, file name). `None` as the index stands
/// for the investigation package.
fn files_of(
    action: &MachineAction,
    device: &str,
    produces: Produces,
) -> Vec<(Option<i32>, String)> {
    match produces {
        Produces::Package => vec![(None, format!("{}.zip", sanitize(device)))],
        Produces::CommandResults => action
            .commands
            .iter()
            .flatten()
            .filter(|entry| entry.command_status == CommandStatus::Completed)
            .filter_map(|entry| {
                let index = entry.index?;
                let name = match entry.command.r#type {
                    LiveResponseCommandType::RunScript => format!("{index}-RunScript.json"),
                    LiveResponseCommandType::GetFile => {
                        let path = entry.command.params.iter().find(|p| p.key == "Path")?;
                        let base = path.value.rsplit(['\\', '/']).next().unwrap_or("file");
                        format!("{index}-GetFile-{}", sanitize(base))
                    }
                    _ => return None,
                };
                Some((Some(index), format!("{}/{name}", sanitize(device))))
            })
            .collect(),
    }
}

/// A file name without path separators or leading dots.
fn sanitize(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() || "._-".contains(c) { c } else { '_' })
        .collect();
    cleaned.trim_start_matches('.').to_owned()
}

async fn download_one(
    client: &Client,
    action: &MachineAction,
    index: Option<i32>,
    path: &Path,
) -> Result<u64, Failure> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Io(format!("cannot create {}: {e}", parent.display())))?;
    }
    let link = match index {
        Some(index) => client.get_live_response_result_download_link(&action.id, index).await?,
        None => client.get_package_uri(&action.id).await?,
    };
    api_support::download_to(client, &link, path).await
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn file_names_cannot_leave_the_folder() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(sanitize(".bashrc"), "bashrc");
        assert_eq!(sanitize("report 1.txt"), "report_1.txt");
    }
}
