//! One machine action as the simulator keeps it, and what it looks like at a given time.
//!
//! Nothing runs in the background: an action's status, its commands' progress and its
//! timestamps are computed from its creation time, its [`Timing`], its drawn outcome and any
//! cancellation, at the moment it is read. So a controllable clock moves every action along.

use std::time::Duration;

use mde_machine_actions::models::{
    CommandStatus, FileIdentifierType, LiveResponseCommand, LiveResponseCommandType, MachineAction,
    MachineActionCommandEntry, MachineActionStatus, MachineActionType, RelatedFileInfo,
};
use serde_json::Value;

use crate::clock::{Clock, timestamp};
use crate::config::Timing;

/// E_FAIL, reported as `errorHResult` by failed actions.
const E_FAIL: i32 = 0x8000_4005_u32 as i32;
/// HRESULT_FROM_WIN32(ERROR_TIMEOUT), reported by timed-out actions.
const E_TIMEOUT: i32 = 0x8007_05B4_u32 as i32;

/// How an action ends unless cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Final {
    Succeeded,
    Failed,
    TimeOut,
}

/// Who cancelled an action, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cancellation {
    pub at: Duration,
    pub by: String,
    pub comment: Option<String>,
}

/// A live response command's progress at some time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommandState {
    pub status: CommandStatus,
    pub start: Option<Duration>,
    pub end: Option<Duration>,
    pub errors: Vec<Value>,
}

/// One action, as stored.
#[derive(Debug, Clone)]
pub(crate) struct ActionRecord {
    pub id: String,
    pub kind: MachineActionType,
    pub scope: Option<String>,
    pub machine_id: String,
    pub computer_dns_name: String,
    pub requestor: String,
    pub comment: Option<String>,
    pub created: Duration,
    pub timing: Timing,
    pub outcome: Final,
    pub cancel: Option<Cancellation>,
    pub related_file: Option<String>,
    pub commands: Vec<LiveResponseCommand>,
    /// The command that fails when the outcome is `Failed`.
    pub failing_command: usize,
}

impl ActionRecord {
    fn started(&self) -> Duration {
        self.created + self.timing.pending
    }

    fn finishes(&self) -> Duration {
        self.created + self.timing.total()
    }

    /// The status at `now`.
    pub fn status_at(&self, now: Duration) -> MachineActionStatus {
        if self.cancel.is_some() {
            return MachineActionStatus::Cancelled;
        }
        if now < self.started() {
            MachineActionStatus::Pending
        } else if now < self.finishes() {
            MachineActionStatus::InProgress
        } else {
            match self.outcome {
                Final::Succeeded => MachineActionStatus::Succeeded,
                Final::Failed => MachineActionStatus::Failed,
                Final::TimeOut => MachineActionStatus::TimeOut,
            }
        }
    }

    /// True once the action is `Succeeded`, `Failed`, `TimeOut` or `Cancelled`.
    pub fn is_final_at(&self, now: Duration) -> bool {
        self.cancel.is_some() || now >= self.finishes()
    }

    fn last_update_at(&self, now: Duration) -> Duration {
        if let Some(cancel) = &self.cancel {
            return cancel.at;
        }
        if now < self.started() {
            self.created
        } else if now < self.finishes() {
            self.started()
        } else {
            self.finishes()
        }
    }

    /// Every command's progress at `now`. Commands run one after the other, each taking an
    /// equal share of the in-progress time; after a failed command the rest never start.
    pub fn commands_at(&self, now: Duration) -> Vec<CommandState> {
        let t = self.cancel.as_ref().map_or(now, |cancel| cancel.at.min(now));
        let count = self.commands.len();
        let slice = self.timing.in_progress / u32::try_from(count.max(1)).unwrap_or(u32::MAX);
        (0..count)
            .map(|i| {
                let start = self.started() + slice * u32::try_from(i).unwrap_or(u32::MAX);
                let end = if i + 1 == count { self.finishes() } else { start + slice };
                let never_runs = match self.outcome {
                    Final::Failed => i > self.failing_command,
                    _ => false,
                };
                let never_ends = self.outcome == Final::TimeOut && i + 1 == count;
                let fails = self.outcome == Final::Failed && i == self.failing_command;
                if never_runs || t < start {
                    return CommandState {
                        status: CommandStatus::Created,
                        start: None,
                        end: None,
                        errors: Vec::new(),
                    };
                }
                if never_ends || t < end {
                    return CommandState {
                        status: CommandStatus::Created,
                        start: Some(start),
                        end: None,
                        errors: Vec::new(),
                    };
                }
                if fails {
                    let error = Value::String(format!(
                        "Command {i} failed on the device (simulated failure)"
                    ));
                    return CommandState {
                        status: CommandStatus::Failed,
                        start: Some(start),
                        end: Some(end),
                        errors: vec![error],
                    };
                }
                CommandState {
                    status: CommandStatus::Completed,
                    start: Some(start),
                    end: Some(end),
                    errors: Vec::new(),
                }
            })
            .collect()
    }

    /// True when command `index` completed and produced a result (PutFile never does).
    pub fn has_result(&self, index: usize, now: Duration) -> bool {
        let produces = self
            .commands
            .get(index)
            .is_some_and(|command| command.r#type != LiveResponseCommandType::PutFile);
        produces
            && self
                .commands_at(now)
                .get(index)
                .is_some_and(|state| state.status == CommandStatus::Completed)
    }

    /// The action as the service would return it at `now`.
    pub fn to_model(&self, now: Duration, clock: &Clock) -> MachineAction {
        let status = self.status_at(now);
        let error_h_result = match status {
            MachineActionStatus::Failed => E_FAIL,
            MachineActionStatus::TimeOut => E_TIMEOUT,
            _ => 0,
        };
        let commands: Vec<MachineActionCommandEntry> = self
            .commands
            .iter()
            .zip(self.commands_at(now))
            .enumerate()
            .map(|(index, (command, state))| {
                let mut entry = MachineActionCommandEntry::new(state.status, command.clone())
                    .with_index(i32::try_from(index).unwrap_or(i32::MAX))
                    .with_errors(state.errors);
                entry.start_time = state.start.map(|at| timestamp(clock.wall_at(at), true));
                entry.end_time = state.end.map(|at| timestamp(clock.wall_at(at), true));
                entry
            })
            .collect();
        let mut action = MachineAction::new(
            self.id.as_str(),
            self.kind.clone(),
            status,
            timestamp(clock.wall_at(self.created), false),
        )
        .with_requestor(self.requestor.as_str())
        .with_machine_id(self.machine_id.as_str())
        .with_computer_dns_name(self.computer_dns_name.as_str())
        .with_last_update_date_time_utc(timestamp(clock.wall_at(self.last_update_at(now)), true))
        .with_error_h_result(error_h_result)
        .with_request_source("PublicApi")
        .with_commands(commands)
        .with_troubleshoot_info(Value::Null);
        if let Some(comment) = &self.comment {
            action = action.with_requestor_comment(comment.as_str());
        }
        if let Some(scope) = &self.scope {
            action = action.with_scope(scope.as_str());
        }
        if let Some(sha1) = &self.related_file {
            action = action.with_related_file_info(RelatedFileInfo::new(
                sha1.as_str(),
                FileIdentifierType::Sha1,
            ));
        }
        if let Some(cancel) = &self.cancel {
            action = action
                .with_cancellation_requestor(cancel.by.as_str())
                .with_cancellation_date_time_utc(timestamp(clock.wall_at(cancel.at), true));
            if let Some(comment) = &cancel.comment {
                action = action.with_cancellation_comment(comment.as_str());
            }
        }
        action
    }
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::models::CommandParam;

    use super::*;

    fn record(outcome: Final, commands: usize) -> ActionRecord {
        let command = |i: usize| {
            let kind = if i == 0 {
                LiveResponseCommandType::PutFile
            } else {
                LiveResponseCommandType::GetFile
            };
            LiveResponseCommand::new(kind, vec![CommandParam::new("Path", "x")])
        };
        ActionRecord {
            id: "a".into(),
            kind: MachineActionType::LiveResponse,
            scope: None,
            machine_id: "m".into(),
            computer_dns_name: "h".into(),
            requestor: "r".into(),
            comment: None,
            created: Duration::from_secs(10),
            timing: Timing::new(Duration::from_secs(2), Duration::from_secs(4)),
            outcome,
            cancel: None,
            related_file: None,
            commands: (0..commands).map(command).collect(),
            failing_command: 1,
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn status_follows_the_timing() {
        let action = record(Final::Succeeded, 0);
        assert_eq!(action.status_at(secs(10)), MachineActionStatus::Pending);
        assert_eq!(action.status_at(secs(12)), MachineActionStatus::InProgress);
        assert_eq!(action.status_at(secs(16)), MachineActionStatus::Succeeded);
        assert!(!action.is_final_at(secs(15)));
        assert!(action.is_final_at(secs(16)));
    }

    #[test]
    fn commands_progress_and_fail() {
        let action = record(Final::Succeeded, 2);
        let states = action.commands_at(secs(13));
        assert_eq!(states[0].status, CommandStatus::Created);
        assert!(states[0].start.is_some());
        assert!(states[1].start.is_none());
        let states = action.commands_at(secs(16));
        assert!(states.iter().all(|s| s.status == CommandStatus::Completed));
        assert!(!action.has_result(0, secs(16)), "PutFile has no result");
        assert!(action.has_result(1, secs(16)));

        let failing = record(Final::Failed, 3);
        let states = failing.commands_at(secs(20));
        assert_eq!(states[0].status, CommandStatus::Completed);
        assert_eq!(states[1].status, CommandStatus::Failed);
        assert_eq!(states[1].errors.len(), 1);
        assert_eq!(states[2].status, CommandStatus::Created);
        assert!(states[2].start.is_none());

        let mut cancelled = record(Final::Succeeded, 2);
        cancelled.cancel = Some(Cancellation { at: secs(11), by: "x".into(), comment: None });
        assert_eq!(cancelled.status_at(secs(11)), MachineActionStatus::Cancelled);
        assert!(cancelled.commands_at(secs(99)).iter().all(|s| s.status == CommandStatus::Created));
    }
}
