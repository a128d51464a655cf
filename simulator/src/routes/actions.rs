//! The action methods (isolate, release, restrict, unrestrict, scan, offboard, stop and
//! quarantine, collect package, live response), get and cancel.

use mde_machine_actions::models::{
    CancelMachineActionRequest, CollectInvestigationPackageRequest, IsolateRequest, IsolationType,
    LiveResponseCommand, LiveResponseCommandType, MachineActionType, OffboardRequest,
    RestrictCodeExecutionRequest, RunAntiVirusScanRequest, RunLiveResponseRequest,
    StopAndQuarantineFileRequest, UnisolateRequest, UnrestrictCodeExecutionRequest,
};

use super::{Ctx, optional_comment, parse_body};
use crate::reply::{ApiFailure, Reply};
use crate::route::Route;
use crate::state::NewAction;

/// `POST /api/machines/{id}/<action>`: validates the body, then creates the action.
pub(crate) fn create(ctx: &Ctx<'_>, route: Route, machine: &str) -> Result<Reply, ApiFailure> {
    let body = &ctx.req.body;
    let mut new = NewAction {
        kind: MachineActionType::Isolate,
        machine_id: machine.to_owned(),
        requestor: ctx.requestor.clone(),
        comment: None,
        scope: None,
        isolation_type: None,
        related_file: None,
        commands: Vec::new(),
    };
    let comment = match route {
        Route::IsolateMachine => {
            let request: IsolateRequest = parse_body(body)?;
            let isolation = request.isolation_type.unwrap_or(IsolationType::Full);
            new.scope = Some(isolation.to_string());
            new.isolation_type = Some(isolation);
            request.comment
        }
        Route::UnisolateMachine => {
            new.kind = MachineActionType::Unisolate;
            parse_body::<UnisolateRequest>(body)?.comment
        }
        Route::RestrictCodeExecution => {
            new.kind = MachineActionType::RestrictCodeExecution;
            parse_body::<RestrictCodeExecutionRequest>(body)?.comment
        }
        Route::UnrestrictCodeExecution => {
            new.kind = MachineActionType::UnrestrictCodeExecution;
            parse_body::<UnrestrictCodeExecutionRequest>(body)?.comment
        }
        Route::CollectInvestigationPackage => {
            new.kind = MachineActionType::CollectInvestigationPackage;
            parse_body::<CollectInvestigationPackageRequest>(body)?.comment
        }
        Route::OffboardMachine => {
            new.kind = MachineActionType::Offboard;
            parse_body::<OffboardRequest>(body)?.comment
        }
        Route::RunAntiVirusScan => {
            new.kind = MachineActionType::RunAntiVirusScan;
            let request: RunAntiVirusScanRequest = parse_body(body)?;
            new.scope = Some(request.scan_type.to_string());
            request.comment
        }
        Route::StopAndQuarantineFile => {
            new.kind = MachineActionType::StopAndQuarantineFile;
            let request: StopAndQuarantineFileRequest = parse_body(body)?;
            let sha1 = request.sha1.trim();
            if sha1.len() != 40 || !sha1.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ApiFailure::bad_request(
                    mde_machine_actions::models::ErrorCode::InvalidHashValue,
                    format!("Hash value {} is invalid.", request.sha1),
                ));
            }
            new.related_file = Some(sha1.to_ascii_lowercase());
            request.comment
        }
        Route::RunLiveResponse => {
            new.kind = MachineActionType::LiveResponse;
            let (body, sent) = optional_comment(body)?;
            let request: RunLiveResponseRequest = parse_body(&body)?;
            check_commands(&request.commands)?;
            new.commands = request.commands;
            if !sent {
                new.comment = None;
                return finish(ctx, new);
            }
            request.comment
        }
        _ => return Err(ApiFailure::not_found("No such action")),
    };
    new.comment = Some(comment);
    finish(ctx, new)
}

fn finish(ctx: &Ctx<'_>, new: NewAction) -> Result<Reply, ApiFailure> {
    let mut state = ctx.app.state();
    let action = state.create(new, ctx.now, ctx.app.rules())?;
    let model = action.to_model(ctx.now, &ctx.app.clock);
    Ok(Reply::entity(201, &model, &ctx.app.base_url))
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

/// `GET /api/machineactions/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Result<Reply, ApiFailure> {
    let state = ctx.app.state();
    let action = ctx.app.visible(&state, id, ctx.now)?;
    let model = action.to_model(ctx.now, &ctx.app.clock);
    Ok(Reply::entity(200, &model, &ctx.app.base_url))
}

/// `POST /api/machineactions/{id}/cancel`.
pub(crate) fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<Reply, ApiFailure> {
    let (body, sent) = optional_comment(&ctx.req.body)?;
    let request: CancelMachineActionRequest = parse_body(&body)?;
    let comment = sent.then_some(request.comment);
    let mut state = ctx.app.state();
    let action = state.cancel(id, ctx.now, &ctx.requestor, comment)?;
    let model = action.to_model(ctx.now, &ctx.app.clock);
    Ok(Reply::entity(200, &model, &ctx.app.base_url))
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
