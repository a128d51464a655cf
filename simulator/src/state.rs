//! The simulator's state: devices and actions, and the documented rules for creating and
//! cancelling actions (one pending action of a kind per device, one live response session per
//! device, platform support, the tenant's live response session limit).

use std::collections::BTreeMap;
use std::time::Duration;

use mde_machine_actions::models::{
    ErrorCode, IsolationType, LiveResponseCommand, MachineActionType,
};

use crate::action::{ActionRecord, Cancellation, Final};
use crate::config::{Outcome, PerType, Timing};
use crate::machine::{Machine, OsPlatform, guid};
use crate::reply::ApiFailure;

/// A request for a new action, validated as far as its body goes.
#[derive(Debug, Clone)]
pub(crate) struct NewAction {
    pub kind: MachineActionType,
    pub machine_id: String,
    pub requestor: String,
    pub comment: Option<String>,
    pub scope: Option<String>,
    pub isolation_type: Option<IsolationType>,
    pub related_file: Option<String>,
    pub commands: Vec<LiveResponseCommand>,
}

/// Rules from the configuration that creating an action follows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rules {
    pub enforce_os_support: bool,
    pub max_live_response_sessions: usize,
}

/// Devices, actions, and the per-type behaviour of new actions.
#[derive(Debug)]
pub(crate) struct State {
    machines: Vec<Machine>,
    machine_index: BTreeMap<String, usize>,
    actions: Vec<ActionRecord>,
    action_index: BTreeMap<String, usize>,
    pub timings: PerType<Timing>,
    pub outcomes: PerType<Outcome>,
    rng: fastrand::Rng,
}

impl State {
    pub fn new(
        machines: Vec<Machine>,
        timings: PerType<Timing>,
        outcomes: PerType<Outcome>,
        rng: fastrand::Rng,
    ) -> Self {
        let mut state = Self {
            machines: Vec::new(),
            machine_index: BTreeMap::new(),
            actions: Vec::new(),
            action_index: BTreeMap::new(),
            timings,
            outcomes,
            rng,
        };
        for machine in machines {
            state.add_machine(machine);
        }
        state
    }

    /// Adds a device, or replaces the one with the same id (ids compare without case).
    pub fn add_machine(&mut self, machine: Machine) {
        let key = machine.id.as_str().to_ascii_lowercase();
        match self.machine_index.get(&key) {
            Some(&i) => self.machines[i] = machine,
            None => {
                self.machine_index.insert(key, self.machines.len());
                self.machines.push(machine);
            }
        }
    }

    pub fn machines(&self) -> &[Machine] {
        &self.machines
    }

    pub fn machine(&self, id: &str) -> Option<&Machine> {
        self.machine_index.get(&id.to_ascii_lowercase()).map(|&i| &self.machines[i])
    }

    /// Every action, oldest first.
    pub fn actions(&self) -> &[ActionRecord] {
        &self.actions
    }

    pub fn action(&self, id: &str) -> Option<&ActionRecord> {
        self.action_index.get(&id.to_ascii_lowercase()).map(|&i| &self.actions[i])
    }

    /// Creates an action at `now`, or refuses it as the service would.
    pub fn create(
        &mut self,
        new: NewAction,
        now: Duration,
        rules: Rules,
    ) -> Result<&ActionRecord, ApiFailure> {
        let machine = self
            .machine(&new.machine_id)
            .ok_or_else(|| {
                ApiFailure::not_found(format!("Machine {} was not found", new.machine_id))
            })?
            .clone();
        if rules.enforce_os_support
            && !supports(machine.os_platform, &new.kind, new.isolation_type.as_ref())
        {
            return Err(ApiFailure::bad_request(
                ErrorCode::OsPlatformNotSupported,
                format!("OS Platform {} isn't supported for this action.", machine.os_platform),
            ));
        }
        let busy = |kind: &MachineActionType| {
            self.actions.iter().any(|action| {
                action.kind == *kind
                    && action.machine_id.eq_ignore_ascii_case(machine.id.as_str())
                    && !action.is_final_at(now)
            })
        };
        match new.kind {
            MachineActionType::LiveResponse => {
                if busy(&new.kind) {
                    return Err(ApiFailure::bad_request(
                        ErrorCode::ActiveRequestAlreadyExists,
                        format!(
                            "An active live response request already exists for machine {}",
                            machine.id
                        ),
                    ));
                }
                let sessions = self
                    .actions
                    .iter()
                    .filter(|a| a.kind == MachineActionType::LiveResponse && !a.is_final_at(now))
                    .count();
                if sessions >= rules.max_live_response_sessions {
                    let mut failure = ApiFailure::new(
                        429,
                        ErrorCode::TooManyRequests,
                        format!(
                            "Too many requests: {sessions} live response sessions are already running"
                        ),
                    );
                    failure.retry_after = Some(60);
                    return Err(failure);
                }
            }
            MachineActionType::Offboard | MachineActionType::StopAndQuarantineFile => {}
            _ if busy(&new.kind) => {
                return Err(ApiFailure::bad_request(
                    ErrorCode::ActiveRequestAlreadyExists,
                    "Action is already in progress",
                ));
            }
            _ => {}
        }
        let timing = *self.timings.get(&new.kind);
        let outcome = match *self.outcomes.get(&new.kind) {
            Outcome::Succeeded => Final::Succeeded,
            Outcome::Failed => Final::Failed,
            Outcome::TimeOut => Final::TimeOut,
            Outcome::Random { failed, timed_out } => {
                let draw = self.rng.f64();
                if draw < failed {
                    Final::Failed
                } else if draw < failed + timed_out {
                    Final::TimeOut
                } else {
                    Final::Succeeded
                }
            }
        };
        let failing_command = self.rng.usize(..new.commands.len().max(1));
        let id = guid(&mut self.rng);
        let record = ActionRecord {
            id: id.clone(),
            kind: new.kind,
            scope: new.scope,
            machine_id: machine.id.as_str().to_owned(),
            computer_dns_name: machine.computer_dns_name.clone(),
            requestor: new.requestor,
            comment: new.comment,
            created: now,
            timing,
            outcome,
            cancel: None,
            related_file: new.related_file,
            commands: new.commands,
            failing_command,
        };
        self.action_index.insert(id, self.actions.len());
        self.actions.push(record);
        Ok(self.actions.last().expect("just pushed"))
    }

    /// Cancels action `id` at `now`.
    pub fn cancel(
        &mut self,
        id: &str,
        now: Duration,
        by: &str,
        comment: Option<String>,
    ) -> Result<&ActionRecord, ApiFailure> {
        let missing = || ApiFailure::not_found(format!("Machine action {id} was not found"));
        let &index = self.action_index.get(&id.to_ascii_lowercase()).ok_or_else(missing)?;
        let action = &mut self.actions[index];
        if action.is_final_at(now) {
            return Err(ApiFailure::bad_request(
                ErrorCode::BadRequest,
                format!(
                    "Machine action {} is already in a final state ({}) and cannot be cancelled",
                    action.id,
                    action.status_at(now)
                ),
            ));
        }
        action.cancel = Some(Cancellation { at: now, by: by.to_owned(), comment });
        Ok(action)
    }
}

/// Whether a device on `platform` supports `kind` (from the actions' documented OS lists).
fn supports(
    platform: OsPlatform,
    kind: &MachineActionType,
    isolation: Option<&IsolationType>,
) -> bool {
    match kind {
        MachineActionType::Isolate => match isolation {
            Some(IsolationType::Selective) => platform.is_windows(),
            Some(IsolationType::UnManagedDevice) => true,
            _ => platform != OsPlatform::MacOs,
        },
        MachineActionType::Unisolate => platform != OsPlatform::MacOs,
        MachineActionType::RestrictCodeExecution
        | MachineActionType::UnrestrictCodeExecution
        | MachineActionType::StopAndQuarantineFile => platform.is_windows(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let machines = vec![
            Machine::new("AAAA", "win", OsPlatform::Windows11),
            Machine::new("bbbb", "mac", OsPlatform::MacOs),
        ];
        State::new(machines, PerType::default(), PerType::default(), fastrand::Rng::with_seed(1))
    }

    const RULES: Rules = Rules { enforce_os_support: true, max_live_response_sessions: 1 };

    fn new(kind: MachineActionType, machine: &str) -> NewAction {
        NewAction {
            kind,
            machine_id: machine.to_owned(),
            requestor: "r".into(),
            comment: Some("c".into()),
            scope: None,
            isolation_type: None,
            related_file: None,
            commands: Vec::new(),
        }
    }

    #[test]
    fn duplicate_pending_actions_are_refused() {
        let mut state = state();
        let now = Duration::ZERO;
        state.create(new(MachineActionType::Isolate, "aaaa"), now, RULES).unwrap();
        let err = state.create(new(MachineActionType::Isolate, "AAAA"), now, RULES).unwrap_err();
        assert_eq!((err.status, err.code), (400, ErrorCode::ActiveRequestAlreadyExists));
        assert_eq!(err.message, "Action is already in progress");
        // Once the first is final, a new one is accepted.
        state
            .create(new(MachineActionType::Isolate, "aaaa"), Duration::from_secs(3), RULES)
            .unwrap();
        let err = state.create(new(MachineActionType::Isolate, "cccc"), now, RULES).unwrap_err();
        assert_eq!((err.status, err.code), (404, ErrorCode::ResourceNotFound));
        let err = state.create(new(MachineActionType::Isolate, "bbbb"), now, RULES).unwrap_err();
        assert_eq!(err.code, ErrorCode::OsPlatformNotSupported);
    }

    #[test]
    fn live_response_sessions() {
        let mut state = state();
        let now = Duration::ZERO;
        state.create(new(MachineActionType::LiveResponse, "aaaa"), now, RULES).unwrap();
        let err =
            state.create(new(MachineActionType::LiveResponse, "aaaa"), now, RULES).unwrap_err();
        assert_eq!(err.code, ErrorCode::ActiveRequestAlreadyExists);
        let err =
            state.create(new(MachineActionType::LiveResponse, "bbbb"), now, RULES).unwrap_err();
        assert_eq!((err.status, err.code), (429, ErrorCode::TooManyRequests));
    }

    #[test]
    fn cancel_rules() {
        let mut state = state();
        let id = state
            .create(new(MachineActionType::RunAntiVirusScan, "aaaa"), Duration::ZERO, RULES)
            .unwrap()
            .id
            .clone();
        let action =
            state.cancel(&id, Duration::from_millis(500), "boss", Some("why".into())).unwrap();
        assert_eq!(
            action.status_at(Duration::from_secs(99)),
            mde_machine_actions::models::MachineActionStatus::Cancelled
        );
        let err = state.cancel(&id, Duration::from_secs(1), "boss", None).unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(state.cancel("nope", Duration::ZERO, "boss", None).unwrap_err().status, 404);
    }
}
