//! The handlers of the action methods (isolate, release, restrict, unrestrict, scan,
//! offboard, stop and quarantine, collect package, live response), get and cancel: one per
//! operation, each validating its body with the SDK's request model.

use mde_machine_actions::models::{
    CancelMachineActionRequest, CollectInvestigationPackageRequest, IsolateRequest, IsolationType,
    LiveResponseCommand, LiveResponseCommandType, MachineActionType, OffboardRequest,
    RestrictCodeExecutionRequest, RunAntiVirusScanRequest, RunLiveResponseRequest,
    StopAndQuarantineFileRequest, UnisolateRequest, UnrestrictCodeExecutionRequest,
};

use super::{Ctx, Params, id, optional_comment, parse_body};
use crate::reply::{ApiFailure, Json, entity};
use crate::state::NewAction;

/// A new action of `kind` on the device in the path, requested by the caller.
fn new_action(
    ctx: &Ctx<'_>,
    params: &Params,
    kind: MachineActionType,
    comment: Option<String>,
) -> NewAction {
    NewAction {
        kind,
        machine_id: id(params).to_owned(),
        requestor: ctx.requestor.clone(),
        comment,
        scope: None,
        isolation_type: None,
        related_file: None,
        commands: Vec::new(),
    }
}

/// Creates the action and answers it.
fn finish(ctx: &Ctx<'_>, new: NewAction) -> Result<Json, ApiFailure> {
    let mut state = ctx.app.state();
    let action = state.create(new, ctx.now, ctx.app.rules())?;
    entity(&action.to_model(ctx.now, &ctx.app.clock), &ctx.app.base_url)
}

/// `isolateMachine`: `IsolationType` defaults to `Full`, which is also the action's scope.
pub(crate) fn isolate(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: IsolateRequest = parse_body(&ctx.req.body)?;
    let isolation = request.isolation_type.unwrap_or(IsolationType::Full);
    let mut new = new_action(ctx, params, MachineActionType::Isolate, Some(request.comment));
    new.scope = Some(isolation.to_string());
    new.isolation_type = Some(isolation);
    finish(ctx, new)
}

/// `unisolateMachine`.
pub(crate) fn unisolate(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: UnisolateRequest = parse_body(&ctx.req.body)?;
    finish(ctx, new_action(ctx, params, MachineActionType::Unisolate, Some(request.comment)))
}

/// `restrictCodeExecution`.
pub(crate) fn restrict_code_execution(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: RestrictCodeExecutionRequest = parse_body(&ctx.req.body)?;
    let kind = MachineActionType::RestrictCodeExecution;
    finish(ctx, new_action(ctx, params, kind, Some(request.comment)))
}

/// `unrestrictCodeExecution`.
pub(crate) fn unrestrict_code_execution(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Json, ApiFailure> {
    let request: UnrestrictCodeExecutionRequest = parse_body(&ctx.req.body)?;
    let kind = MachineActionType::UnrestrictCodeExecution;
    finish(ctx, new_action(ctx, params, kind, Some(request.comment)))
}

/// `collectInvestigationPackage`.
pub(crate) fn collect_investigation_package(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Json, ApiFailure> {
    let request: CollectInvestigationPackageRequest = parse_body(&ctx.req.body)?;
    let kind = MachineActionType::CollectInvestigationPackage;
    finish(ctx, new_action(ctx, params, kind, Some(request.comment)))
}

/// `offboardMachine`.
pub(crate) fn offboard(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: OffboardRequest = parse_body(&ctx.req.body)?;
    finish(ctx, new_action(ctx, params, MachineActionType::Offboard, Some(request.comment)))
}

/// `runAntiVirusScan`: the scan type is the action's scope.
pub(crate) fn run_anti_virus_scan(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: RunAntiVirusScanRequest = parse_body(&ctx.req.body)?;
    let kind = MachineActionType::RunAntiVirusScan;
    let mut new = new_action(ctx, params, kind, Some(request.comment));
    new.scope = Some(request.scan_type.to_string());
    finish(ctx, new)
}

/// `stopAndQuarantineFile`: the SHA-1 must be 40 hexadecimal digits.
pub(crate) fn stop_and_quarantine_file(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let request: StopAndQuarantineFileRequest = parse_body(&ctx.req.body)?;
    let sha1 = request.sha1.trim();
    if sha1.len() != 40 || !sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiFailure::bad_request(
            mde_machine_actions::models::ErrorCode::InvalidHashValue,
            format!("Hash value {} is invalid.", request.sha1),
        ));
    }
    let related_file = sha1.to_ascii_lowercase();
    let kind = MachineActionType::StopAndQuarantineFile;
    let mut new = new_action(ctx, params, kind, Some(request.comment));
    new.related_file = Some(related_file);
    finish(ctx, new)
}

/// `runLiveResponse`: the comment is optional, and the commands follow the documented rules.
pub(crate) fn run_live_response(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let (body, sent) = optional_comment(&ctx.req.body)?;
    let request: RunLiveResponseRequest = parse_body(&body)?;
    check_commands(&request.commands)?;
    let comment = sent.then_some(request.comment);
    let mut new = new_action(ctx, params, MachineActionType::LiveResponse, comment);
    new.commands = request.commands;
    finish(ctx, new)
}

/// The documented rules for live response commands: at least one; known types in the order
/// PutFile, RunScript, GetFile (each may repeat); each with its required parameter.
fn check_commands(commands: &[LiveResponseCommand]) -> Result<(), ApiFailure> {
    if commands.is_empty() {
        return Err(ApiFailure::invalid_input("Commands: at least one command is required"));
    }
    let mut previous: Option<(usize, &LiveResponseCommandType)> = None;
    for (index, command) in commands.iter().enumerate() {
        let (rank, required, allowed): (usize, &str, &[&str]) = match command.r#type {
            LiveResponseCommandType::PutFile => (0, "FileName", &["FileName"]),
            LiveResponseCommandType::RunScript => (1, "ScriptName", &["ScriptName", "Args"]),
            LiveResponseCommandType::GetFile => (2, "Path", &["Path"]),
            ref other => {
                return Err(ApiFailure::invalid_input(format!(
                    "command type {other} (command {index})"
                )));
            }
        };
        if let Some((previous_rank, previous_type)) = previous
            && rank < previous_rank
        {
            return Err(ApiFailure::invalid_input(format!(
                "Commands: {} (command {index}) may not follow {previous_type}; commands must be in the order PutFile, RunScript, GetFile",
                command.r#type
            )));
        }
        previous = Some((rank, &command.r#type));
        // The SDK's command types keep unknown members (they double as response models); the
        // service's request body is closed, so they are refused here.
        let mut unknown =
            command.extra.iter().chain(command.params.iter().flat_map(|p| p.extra.iter()));
        if let Some((name, _)) = unknown.next() {
            return Err(ApiFailure::invalid_body(format!(
                "unknown parameter {name} in command {index} (parameter names are case-sensitive)"
            )));
        }
        if let Some(param) = command.params.iter().find(|p| !allowed.contains(&p.key.as_str())) {
            return Err(ApiFailure::invalid_input(format!(
                "parameter {} of {} (command {index})",
                param.key, command.r#type
            )));
        }
        if !command.params.iter().any(|p| p.key == required && !p.value.trim().is_empty()) {
            return Err(ApiFailure::missing(required));
        }
    }
    Ok(())
}

/// `getMachineAction`.
pub(crate) fn get(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let state = ctx.app.state();
    let action = ctx.app.visible(&state, id(params), ctx.now)?;
    entity(&action.to_model(ctx.now, &ctx.app.clock), &ctx.app.base_url)
}

/// `cancelMachineAction`: the comment is optional.
pub(crate) fn cancel(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let (body, sent) = optional_comment(&ctx.req.body)?;
    let request: CancelMachineActionRequest = parse_body(&body)?;
    let comment = sent.then_some(request.comment);
    let mut state = ctx.app.state();
    let action = state.cancel(id(params), ctx.now, &ctx.requestor, comment)?;
    entity(&action.to_model(ctx.now, &ctx.app.clock), &ctx.app.base_url)
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::models::{CommandParam, ErrorCode};

    use super::*;

    fn command(kind: LiveResponseCommandType, key: &str) -> LiveResponseCommand {
        LiveResponseCommand::new(kind, vec![CommandParam::new(key, "x")])
    }

    #[test]
    fn command_order_and_parameters() {
        use LiveResponseCommandType::{GetFile, PutFile, RunScript};
        let ok = [
            command(PutFile, "FileName"),
            command(RunScript, "ScriptName"),
            command(RunScript, "ScriptName"),
            command(GetFile, "Path"),
        ];
        assert!(check_commands(&ok).is_ok());
        let wrong_order = [command(GetFile, "Path"), command(RunScript, "ScriptName")];
        assert_eq!(check_commands(&wrong_order).unwrap_err().code, ErrorCode::InvalidInput);
        let missing = [command(RunScript, "Args")];
        assert_eq!(check_commands(&missing).unwrap_err().code, ErrorCode::MissingRequiredParameter);
        let unknown = [command(LiveResponseCommandType::Unknown("RunCommand".into()), "X")];
        assert_eq!(check_commands(&unknown).unwrap_err().code, ErrorCode::InvalidInput);
        assert!(check_commands(&[]).is_err());
        let mut extra = command(PutFile, "FileName");
        extra.extra.insert("Timeout".to_owned(), serde_json::json!(5));
        assert_eq!(check_commands(&[extra]).unwrap_err().code, ErrorCode::InvalidRequestBody);
    }
}
