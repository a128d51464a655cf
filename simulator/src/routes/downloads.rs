//! Download links and downloads: the investigation package URI (404 until the collection
//! succeeded), live response result links (30 minutes; none for PutFile), and the signed
//! download route they point at, which serves a small zip, the RunScript JSON transcript, or
//! the collected file.

use mde_machine_actions::models::{
    ErrorCode, LiveResponseCommandType, MachineActionStatus, MachineActionType, StringValue,
};
use serde::Serialize;

use super::{Ctx, Params, id};
use crate::action::ActionRecord;
use crate::clock::Clock;
use crate::reply::{ApiFailure, Json, Reply};
use crate::signing::LinkError;
use crate::zip;

/// `getPackageUri`.
pub(crate) fn package_uri(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let app = ctx.app;
    let state = app.state();
    let action = app.visible(&state, id(params), ctx.now)?;
    if action.kind != MachineActionType::CollectInvestigationPackage {
        return Err(ApiFailure::bad_request(
            ErrorCode::BadRequest,
            format!(
                "Machine action {} is a {} action, not an investigation package collection",
                action.id, action.kind
            ),
        ));
    }
    let status = action.status_at(ctx.now);
    if status != MachineActionStatus::Succeeded {
        return Err(ApiFailure::new(
            404,
            ErrorCode::NotFound,
            format!(
                "The investigation package of action {} is not available (the collection is {status})",
                action.id
            ),
        ));
    }
    let path = format!("/safedownload/{}/WDATP_Investigation_Package.zip", action.id);
    let url = link(ctx, &path, app.config.package_link_lifetime);
    let value = if app.config.quote_package_uri { format!("\"{url}\"") } else { url };
    string_value(ctx, value)
}

/// `getLiveResponseResultDownloadLink`: the index is the `index` argument of the path.
pub(crate) fn result_link(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let app = ctx.app;
    let state = app.state();
    let action = app.visible(&state, id(params), ctx.now)?;
    if action.kind != MachineActionType::LiveResponse {
        return Err(ApiFailure::bad_request(
            ErrorCode::BadRequest,
            format!(
                "Machine action {} is a {} action, not a live response",
                action.id, action.kind
            ),
        ));
    }
    let index_text = params.get("index").ok_or_else(|| ApiFailure::missing("index"))?;
    let index: usize =
        index_text.parse().map_err(|_| ApiFailure::invalid_input(format!("index {index_text}")))?;
    let Some(command) = action.commands.get(index) else {
        return Err(ApiFailure::invalid_input(format!(
            "index {index}: the action has {} command(s)",
            action.commands.len()
        )));
    };
    if command.r#type == LiveResponseCommandType::PutFile {
        return Err(ApiFailure::bad_request(
            ErrorCode::BadRequest,
            format!("Command {index} is a PutFile command, which produces no result"),
        ));
    }
    if !action.has_result(index, ctx.now) {
        let status = &action.commands_at(ctx.now)[index].status;
        return Err(ApiFailure::new(
            404,
            ErrorCode::NotFound,
            format!("The result of command {index} is not available (the command is {status})"),
        ));
    }
    let path =
        format!("/investigation-actions-data/{}/CustomPlaybookCommandOutput/{index}", action.id);
    let url = link(ctx, &path, app.config.result_link_lifetime);
    string_value(ctx, url)
}

fn link(ctx: &Ctx<'_>, path: &str, lifetime: std::time::Duration) -> String {
    let app = ctx.app;
    let expiry = app.clock.wall_at(ctx.now + lifetime);
    format!("{}{path}?{}", app.base_url, app.signer.query(path, expiry))
}

fn string_value(ctx: &Ctx<'_>, value: String) -> Result<Json, ApiFailure> {
    let context = format!("{}/api/$metadata#Edm.String", ctx.app.base_url);
    Json::of(&StringValue::new(value).with_odata_context(context))
}

/// A storage-style error (XML, like Azure blob storage).
fn storage_error(status: u16, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    Reply::bytes(status, "application/xml", body.into_bytes())
}

/// `GET /safedownload/...` and `GET /investigation-actions-data/...`: the signed links.
pub(crate) fn download(ctx: &Ctx<'_>) -> Reply {
    let app = ctx.app;
    let wall = app.clock.wall_at(ctx.now);
    match app.signer.verify(&ctx.req.path, &ctx.req.query, wall) {
        Ok(()) => {}
        Err(LinkError::Expired) => {
            return storage_error(
                403,
                "AuthenticationFailed",
                "Signed expiry time has passed: the link has expired.",
            );
        }
        Err(LinkError::Malformed | LinkError::BadSignature) => {
            return storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of the signature is formed correctly.",
            );
        }
    }
    let state = app.state();
    let segments = &ctx.req.segments;
    let Some(action) = segments.get(1).and_then(|id| state.action(id)) else {
        return storage_error(404, "BlobNotFound", "The specified blob does not exist.");
    };
    if segments[0].eq_ignore_ascii_case("safedownload") {
        return Reply::bytes(200, "application/zip", package(action, &app.clock));
    }
    let index = segments.get(3).and_then(|i| i.parse::<usize>().ok());
    match index.and_then(|i| Some((i, action.commands.get(i)?))) {
        Some((index, command)) if action.has_result(index, ctx.now) => {
            result(action, index, command)
        }
        _ => storage_error(404, "BlobNotFound", "The specified blob does not exist."),
    }
}

/// The investigation package: a small zip in the layout of the real one.
fn package(action: &ActionRecord, clock: &Clock) -> Vec<u8> {
    let summary = format!(
        "Simulated investigation package\r\nDevice: {} ({})\r\nAction: {}\r\nCollected: {}\r\n",
        action.computer_dns_name,
        action.machine_id,
        action.id,
        crate::clock::seconds_text(clock.wall_at(action.created)),
    );
    let processes = "Name,Id,Path\r\nexplorer.exe,4120,C:\\Windows\\explorer.exe\r\nMsMpEng.exe,3312,C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\MsMpEng.exe\r\n";
    let connections = "Proto  Local Address          Foreign Address        State\r\nTCP    10.0.0.17:49712        20.190.160.1:443       ESTABLISHED\r\n";
    zip::archive(&[
        ("CollectionSummaryReport.txt", summary.into_bytes()),
        ("Processes/processes.csv", processes.as_bytes().to_vec()),
        ("Network connections/ActiveNetConnections.txt", connections.as_bytes().to_vec()),
    ])
}

/// The RunScript result file, with the documented members in the documented order.
#[derive(Serialize)]
struct Transcript {
    script_name: String,
    exit_code: i32,
    script_output: String,
    script_errors: String,
}

fn param<'a>(command: &'a mde_machine_actions::models::LiveResponseCommand, key: &str) -> &'a str {
    command.params.iter().find(|p| p.key == key).map_or("", |p| p.value.as_str())
}

fn result(
    action: &ActionRecord,
    index: usize,
    command: &mde_machine_actions::models::LiveResponseCommand,
) -> Reply {
    match command.r#type {
        LiveResponseCommandType::RunScript => {
            let transcript = Transcript {
                script_name: param(command, "ScriptName").to_owned(),
                exit_code: 0,
                script_output: format!(
                    "Transcript started, output file is C:\\ProgramData\\Microsoft\\Windows Defender Advanced Threat Protection\\Temp\\PSScriptOutputs\\PSScript_Transcript_{}_{index}.txt\nArguments: {}\nSimulated output on {}\n",
                    action.id,
                    param(command, "Args"),
                    action.computer_dns_name
                ),
                script_errors: String::new(),
            };
            let body = serde_json::to_vec(&transcript).unwrap_or_default();
            Reply::bytes(200, "application/json", body)
        }
        _ => {
            let body = format!(
                "Simulated copy of {} collected from {} by live response action {} (command {index}).\n",
                param(command, "Path"),
                action.computer_dns_name,
                action.id
            );
            Reply::bytes(200, "application/octet-stream", body.into_bytes())
        }
    }
}
