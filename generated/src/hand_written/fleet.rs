//! Fleet operations: one action on many devices ([`Client::fleet`]), submitted with bounded
//! concurrency inside the rate budgets, watched to completion with one filtered listing per
//! poll round, and reported as a stream of per-device [`FleetEvent`]s.
//!
//! # What is guaranteed, and what is not
//!
//! The service has no idempotency key: a request that failed without a clear answer (a 5xx, a
//! connection closed before the answer, a timeout, a success status whose body could not be
//! read) may or may not have created the action. Before anything is sent again for such a
//! device, the fleet looks for the action: an action of the same type on the same device with
//! the same comment, created since the request began (by the service's clock, estimated from
//! the actions it has already created, less [`FleetOptions::clock_margin`]), and not already
//! tracked by this run. It is looked for in every poll round for
//! [`FleetOptions::reconcile_after`]; found, it is adopted ([`Adoption::Reconciled`]);
//! not found in a listing sent after that time, the request is sent again, at most
//! [`FleetOptions::max_submissions`] times in all.
//!
//! So a device gets a second action only when the service created an action and did not list
//! it within `reconcile_after`, or when another client sent the same type of action with the
//! same comment to the same device in that window (it is then adopted as this run's). A
//! request the service refused clearly (4xx, 429 after the client's retries, no token) is
//! never sent again. An "already in progress" answer adopts the running action of that type
//! ([`Adoption::AlreadyInProgress`]) unless [`FleetOptions::with_adopt_in_progress`] turned it
//! off.
//!
//! Dropping the [`FleetRun`] stops the run at once: requests in flight are abandoned (their
//! actions, if created, are not cancelled).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::{Either, select};
use futures_util::stream::{self, Stream, StreamExt as _};
use mde_runtime::Error;
use time::OffsetDateTime;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;

use crate::client::{Client, MachineActionFilter};
use crate::error_codes::ServiceErrorExt as _;
use crate::models::{
    CollectInvestigationPackageRequest, IsolateRequest, MachineAction, MachineActionId,
    MachineActionStatus, MachineActionType, MachineId, OffboardRequest,
    RestrictCodeExecutionRequest, RunAntiVirusScanRequest, RunLiveResponseRequest,
    StopAndQuarantineFileRequest, UnisolateRequest, UnrestrictCodeExecutionRequest,
};
use crate::resolve::Resolution;
use crate::wait::{WaitOptions, is_final};

/// The action a fleet run sends to every device: one variant per action method, holding its
/// request body. Built with `From` from any of the bodies.
///
/// ```
/// use mde_machine_actions::FleetAction;
/// use mde_machine_actions::models::{IsolateRequest, IsolationType, MachineActionType};
///
/// let action = FleetAction::from(
///     IsolateRequest::new("Incident 4711").with_isolation_type(IsolationType::Full),
/// );
/// assert_eq!(action.action_type(), MachineActionType::Isolate);
/// assert_eq!(action.comment(), "Incident 4711");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FleetAction {
    /// [`Client::isolate_machine`].
    Isolate(IsolateRequest),
    /// [`Client::unisolate_machine`].
    Unisolate(UnisolateRequest),
    /// [`Client::restrict_code_execution`].
    RestrictCodeExecution(RestrictCodeExecutionRequest),
    /// [`Client::unrestrict_code_execution`].
    UnrestrictCodeExecution(UnrestrictCodeExecutionRequest),
    /// [`Client::run_anti_virus_scan`].
    RunAntiVirusScan(RunAntiVirusScanRequest),
    /// [`Client::offboard_machine`].
    Offboard(OffboardRequest),
    /// [`Client::stop_and_quarantine_file`].
    StopAndQuarantineFile(StopAndQuarantineFileRequest),
    /// [`Client::collect_investigation_package`].
    CollectInvestigationPackage(CollectInvestigationPackageRequest),
    /// [`Client::run_live_response`].
    RunLiveResponse(RunLiveResponseRequest),
}

macro_rules! fleet_action_from {
    ($($variant:ident($body:ty)),* $(,)?) => {$(
        impl From<$body> for FleetAction {
            fn from(body: $body) -> Self {
                FleetAction::$variant(body)
            }
        }
    )*};
}

fleet_action_from!(
    Isolate(IsolateRequest),
    Unisolate(UnisolateRequest),
    RestrictCodeExecution(RestrictCodeExecutionRequest),
    UnrestrictCodeExecution(UnrestrictCodeExecutionRequest),
    RunAntiVirusScan(RunAntiVirusScanRequest),
    Offboard(OffboardRequest),
    StopAndQuarantineFile(StopAndQuarantineFileRequest),
    CollectInvestigationPackage(CollectInvestigationPackageRequest),
    RunLiveResponse(RunLiveResponseRequest),
);

impl FleetAction {
    /// The type of the actions it creates.
    pub fn action_type(&self) -> MachineActionType {
        match self {
            FleetAction::Isolate(_) => MachineActionType::Isolate,
            FleetAction::Unisolate(_) => MachineActionType::Unisolate,
            FleetAction::RestrictCodeExecution(_) => MachineActionType::RestrictCodeExecution,
            FleetAction::UnrestrictCodeExecution(_) => MachineActionType::UnrestrictCodeExecution,
            FleetAction::RunAntiVirusScan(_) => MachineActionType::RunAntiVirusScan,
            FleetAction::Offboard(_) => MachineActionType::Offboard,
            FleetAction::StopAndQuarantineFile(_) => MachineActionType::StopAndQuarantineFile,
            FleetAction::CollectInvestigationPackage(_) => {
                MachineActionType::CollectInvestigationPackage
            }
            FleetAction::RunLiveResponse(_) => MachineActionType::LiveResponse,
        }
    }

    /// The request's comment, which the service records as the action's `requestorComment`.
    pub fn comment(&self) -> &str {
        match self {
            FleetAction::Isolate(body) => &body.comment,
            FleetAction::Unisolate(body) => &body.comment,
            FleetAction::RestrictCodeExecution(body) => &body.comment,
            FleetAction::UnrestrictCodeExecution(body) => &body.comment,
            FleetAction::RunAntiVirusScan(body) => &body.comment,
            FleetAction::Offboard(body) => &body.comment,
            FleetAction::StopAndQuarantineFile(body) => &body.comment,
            FleetAction::CollectInvestigationPackage(body) => &body.comment,
            FleetAction::RunLiveResponse(body) => &body.comment,
        }
    }

    /// Sends the action to one device.
    async fn submit(&self, client: &Client, device: &MachineId) -> Result<MachineAction, Error> {
        match self {
            FleetAction::Isolate(body) => client.isolate_machine(device, body).await,
            FleetAction::Unisolate(body) => client.unisolate_machine(device, body).await,
            FleetAction::RestrictCodeExecution(body) => {
                client.restrict_code_execution(device, body).await
            }
            FleetAction::UnrestrictCodeExecution(body) => {
                client.unrestrict_code_execution(device, body).await
            }
            FleetAction::RunAntiVirusScan(body) => client.run_anti_virus_scan(device, body).await,
            FleetAction::Offboard(body) => client.offboard_machine(device, body).await,
            FleetAction::StopAndQuarantineFile(body) => {
                client.stop_and_quarantine_file(device, body).await
            }
            FleetAction::CollectInvestigationPackage(body) => {
                client.collect_investigation_package(device, body).await
            }
            FleetAction::RunLiveResponse(body) => client.run_live_response(device, body).await,
        }
    }
}

/// How a fleet run behaves: [`FleetOptions::default`], changed with the `with_*` setters.
///
/// ```
/// use std::time::Duration;
/// use mde_machine_actions::{FleetOptions, WaitOptions};
///
/// let options = FleetOptions::default()
///     .with_concurrency(4)
///     .with_wait(Some(WaitOptions::default().with_deadline(Duration::from_secs(3600))));
/// assert_eq!(options.concurrency(), 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FleetOptions {
    concurrency: usize,
    wait: Option<WaitOptions>,
    adopt_in_progress: bool,
    max_submissions: u32,
    reconcile_after: Duration,
    clock_margin: Duration,
}

impl Default for FleetOptions {
    /// 8 requests at a time, waiting with [`WaitOptions::default`], adopting actions already
    /// in progress, at most 3 submissions per device, 10 s to find an action after an unclear
    /// failure, 60 s of clock margin.
    fn default() -> Self {
        Self {
            concurrency: 8,
            wait: Some(WaitOptions::default()),
            adopt_in_progress: true,
            max_submissions: 3,
            reconcile_after: Duration::from_secs(10),
            clock_margin: Duration::from_secs(60),
        }
    }
}

impl FleetOptions {
    /// Most action requests in flight at once (the rate budget paces them further).
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// How to wait for the actions to finish; `None`: the run ends once every device has an
    /// action.
    pub fn wait(&self) -> Option<WaitOptions> {
        self.wait
    }

    /// Whether an "already in progress" answer adopts the running action.
    pub fn adopt_in_progress(&self) -> bool {
        self.adopt_in_progress
    }

    /// Most requests sent for one device (the first and the ones sent again after an unclear
    /// failure whose action was not found).
    pub fn max_submissions(&self) -> u32 {
        self.max_submissions
    }

    /// How long after an unclear failure the action is looked for before the request is sent
    /// again.
    pub fn reconcile_after(&self) -> Duration {
        self.reconcile_after
    }

    /// How far the service's clock may be from the estimate: an action created up to this
    /// long before a request began still counts as that request's.
    pub fn clock_margin(&self) -> Duration {
        self.clock_margin
    }

    /// Sets the number of requests in flight (at least 1).
    #[must_use]
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Sets how to wait, or `None` not to wait.
    #[must_use]
    pub fn with_wait(mut self, wait: Option<WaitOptions>) -> Self {
        self.wait = wait;
        self
    }

    /// Sets whether "already in progress" adopts the running action.
    #[must_use]
    pub fn with_adopt_in_progress(mut self, adopt: bool) -> Self {
        self.adopt_in_progress = adopt;
        self
    }

    /// Sets the most requests per device (at least 1).
    #[must_use]
    pub fn with_max_submissions(mut self, max: u32) -> Self {
        self.max_submissions = max.max(1);
        self
    }

    /// Sets how long to look for an action after an unclear failure.
    #[must_use]
    pub fn with_reconcile_after(mut self, after: Duration) -> Self {
        self.reconcile_after = after;
        self
    }

    /// Sets the clock margin.
    #[must_use]
    pub fn with_clock_margin(mut self, margin: Duration) -> Self {
        self.clock_margin = margin;
        self
    }
}

/// Why a device's action was adopted rather than created by this run's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Adoption {
    /// The service answered "already in progress"; the running action of this type was taken.
    AlreadyInProgress,
    /// A request failed without a clear answer and its action was found in the listing.
    Reconciled,
}

/// What happened to one device (or one input) in a fleet run.
#[derive(Debug)]
#[non_exhaustive]
pub enum FleetEvent {
    /// An input was resolved to this device ([`Fleet::run_resolved`]).
    #[non_exhaustive]
    Resolved {
        /// The input as given.
        input: String,
        /// The device.
        device: MachineId,
    },
    /// An input matched several devices or none, or could not be looked up; nothing is sent
    /// for it ([`Fleet::run_resolved`]).
    #[non_exhaustive]
    Unresolved {
        /// The input as given.
        input: String,
        /// Why, for people: the candidates, "no such device", or the lookup's error.
        reason: String,
    },
    /// The action was created by this run's request.
    #[non_exhaustive]
    Submitted {
        /// The device.
        device: MachineId,
        /// The action as the service returned it.
        action: Box<MachineAction>,
    },
    /// An existing action was taken as this device's.
    #[non_exhaustive]
    Adopted {
        /// The device.
        device: MachineId,
        /// The action as last read.
        action: Box<MachineAction>,
        /// Why.
        reason: Adoption,
    },
    /// A request failed without a clear answer; the action is being looked for before anything
    /// is sent again.
    #[non_exhaustive]
    Uncertain {
        /// The device.
        device: MachineId,
        /// The failure, as its message (the error itself ends in [`FleetError::Uncertain`] if
        /// no action is found).
        reason: String,
    },
    /// No action was found after an unclear failure: the request is sent again.
    #[non_exhaustive]
    Resubmitting {
        /// The device.
        device: MachineId,
        /// Which submission this is (2 for the first one sent again).
        attempt: u32,
    },
    /// The action's status changed to one that is not final.
    #[non_exhaustive]
    StatusChanged {
        /// The device.
        device: MachineId,
        /// The action.
        action: MachineActionId,
        /// Its new status.
        status: MachineActionStatus,
    },
    /// The action reached a final status (`Succeeded`, `Failed`, `TimeOut`, `Cancelled`).
    #[non_exhaustive]
    Finished {
        /// The device.
        device: MachineId,
        /// The action as last read; `action.status` is the outcome.
        action: Box<MachineAction>,
    },
    /// The device has no action from this run, or its action did not finish in time.
    #[non_exhaustive]
    Failed {
        /// The device.
        device: MachineId,
        /// Why.
        error: FleetError,
    },
}

impl FleetEvent {
    /// The device the event is about (`None` for an input that did not resolve).
    pub fn device(&self) -> Option<&MachineId> {
        match self {
            FleetEvent::Unresolved { .. } => None,
            FleetEvent::Resolved { device, .. }
            | FleetEvent::Submitted { device, .. }
            | FleetEvent::Adopted { device, .. }
            | FleetEvent::Uncertain { device, .. }
            | FleetEvent::Resubmitting { device, .. }
            | FleetEvent::StatusChanged { device, .. }
            | FleetEvent::Finished { device, .. }
            | FleetEvent::Failed { device, .. } => Some(device),
        }
    }

    /// True for the last event of its device: `Finished` or `Failed`, or, in a run that does
    /// not wait, `Submitted` and `Adopted`.
    fn ends_device(&self, waiting: bool) -> bool {
        match self {
            FleetEvent::Finished { .. } | FleetEvent::Failed { .. } => true,
            FleetEvent::Submitted { .. } | FleetEvent::Adopted { .. } => !waiting,
            _ => false,
        }
    }
}

impl fmt::Display for FleetEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FleetEvent::Resolved { input, device } => write!(f, "{input}: resolved to {device}"),
            FleetEvent::Unresolved { input, reason } => {
                write!(f, "{input}: not resolved: {reason}")
            }
            FleetEvent::Submitted { device, action } => {
                write!(f, "{device}: submitted {} ({})", action.id, action.status)
            }
            FleetEvent::Adopted { device, action, reason } => {
                let why = match reason {
                    Adoption::AlreadyInProgress => "already in progress",
                    Adoption::Reconciled => "found after an unclear failure",
                };
                write!(f, "{device}: adopted {} ({}; {why})", action.id, action.status)
            }
            FleetEvent::Uncertain { device, reason } => {
                write!(f, "{device}: unclear failure, looking for the action: {reason}")
            }
            FleetEvent::Resubmitting { device, attempt } => {
                write!(f, "{device}: no action found, sending again (submission {attempt})")
            }
            FleetEvent::StatusChanged { device, action, status } => {
                write!(f, "{device}: {action} is {status}")
            }
            FleetEvent::Finished { device, action } => {
                write!(f, "{device}: {} ended {}", action.id, action.status)
            }
            FleetEvent::Failed { device, error } => write!(f, "{device}: failed: {error}"),
        }
    }
}

/// Why a device has no finished action from a fleet run.
#[derive(Debug)]
#[non_exhaustive]
pub enum FleetError {
    /// The service refused the request clearly (nothing was created), or looking up the
    /// action in progress failed.
    Request(Error),
    /// Every submission failed without a clear answer and no action was found.
    Uncertain {
        /// The last failure.
        error: Error,
        /// Requests sent.
        submissions: u32,
    },
    /// The action did not reach a final status within the wait's deadline.
    DeadlineExceeded {
        /// The action as last read.
        last: Box<MachineAction>,
    },
}

impl fmt::Display for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FleetError::Request(error) => write!(f, "{error}"),
            FleetError::Uncertain { error, submissions } => write!(
                f,
                "{submissions} request(s) failed without a clear answer and no action was found: {error}"
            ),
            FleetError::DeadlineExceeded { last } => {
                write!(f, "action {} did not finish in time (last status {})", last.id, last.status)
            }
        }
    }
}

impl std::error::Error for FleetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FleetError::Request(error) | FleetError::Uncertain { error, .. } => Some(error),
            FleetError::DeadlineExceeded { .. } => None,
        }
    }
}

/// A fleet run being prepared: [`Client::fleet`], then [`options`](Self::options) and
/// [`run`](Self::run).
#[derive(Debug, Clone)]
#[must_use = "a fleet does nothing until `run` is called and its events are read"]
pub struct Fleet {
    client: Client,
    action: FleetAction,
    options: FleetOptions,
}

impl Client {
    /// Prepares `action` for many devices.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn example(client: &mde_machine_actions::Client) {
    /// use futures_util::StreamExt as _;
    /// use mde_machine_actions::models::{IsolateRequest, IsolationType, MachineId};
    ///
    /// let devices = vec![MachineId::from("1e5bc9d7e413ddd7902c2932e418702b84d0cc07")];
    /// let request = IsolateRequest::new("Incident 4711").with_isolation_type(IsolationType::Full);
    /// let mut run = client.fleet(request).run(devices);
    /// while let Some(event) = run.next().await {
    ///     println!("{event}");
    /// }
    /// # }
    /// ```
    pub fn fleet(&self, action: impl Into<FleetAction>) -> Fleet {
        Fleet { client: self.clone(), action: action.into(), options: FleetOptions::default() }
    }
}

impl Fleet {
    /// Sets the run's options.
    pub fn options(mut self, options: FleetOptions) -> Self {
        self.options = options;
        self
    }

    /// Starts the run on `devices` (a device named twice is sent the action once). Nothing
    /// happens until the returned stream is polled.
    pub fn run(self, devices: impl IntoIterator<Item = MachineId>) -> FleetRun {
        let mut seen = BTreeSet::new();
        let devices: Vec<MachineId> =
            devices.into_iter().filter(|d| seen.insert(d.as_str().to_owned())).collect();
        let (events, receiver) = mpsc::channel(256);
        let waiting = self.options.wait.is_some();
        let driver = drive(self.client, self.action, self.options, devices, events);
        FleetRun { prelude: VecDeque::new(), driver: Some(Box::pin(driver)), receiver, waiting }
    }

    /// Starts the run on the devices of `resolution`: its first events say which input
    /// resolved to which device ([`FleetEvent::Resolved`]) and which inputs did not
    /// ([`FleetEvent::Unresolved`]; nothing is sent for those).
    pub fn run_resolved(self, resolution: &Resolution) -> FleetRun {
        let mut prelude = VecDeque::new();
        for resolved in &resolution.resolved {
            let input = resolved.input.clone();
            prelude.push_back(FleetEvent::Resolved { input, device: resolved.device.id.clone() });
        }
        for ambiguous in &resolution.ambiguous {
            let ids: Vec<&str> = ambiguous.candidates.iter().map(|m| m.id.as_str()).collect();
            let reason = format!("matches {} devices: {}", ids.len(), ids.join(", "));
            prelude.push_back(FleetEvent::Unresolved { input: ambiguous.input.clone(), reason });
        }
        for unresolved in &resolution.unresolved {
            let reason = match &unresolved.error {
                None => "no such device".to_owned(),
                Some(error) => format!("lookup failed: {error}"),
            };
            prelude.push_back(FleetEvent::Unresolved { input: unresolved.input.clone(), reason });
        }
        let mut run = self.run(resolution.machine_ids());
        run.prelude = prelude;
        run
    }
}

/// The events of a fleet run, as a [`Stream`]; each device's last event is `Finished` or
/// `Failed` (or `Submitted`/`Adopted` when the run does not wait). The run makes progress
/// only while the stream is polled; dropping it stops the run.
#[must_use = "a fleet run does nothing unless its events are read"]
pub struct FleetRun {
    prelude: VecDeque<FleetEvent>,
    driver: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    receiver: mpsc::Receiver<FleetEvent>,
    waiting: bool,
}

impl fmt::Debug for FleetRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FleetRun").field("finished", &self.driver.is_none()).finish()
    }
}

impl Stream for FleetRun {
    type Item = FleetEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<FleetEvent>> {
        if let Some(event) = self.prelude.pop_front() {
            return Poll::Ready(Some(event));
        }
        if let Some(driver) = self.driver.as_mut()
            && driver.as_mut().poll(cx).is_ready()
        {
            self.driver = None;
        }
        self.receiver.poll_recv(cx)
    }
}

impl FleetRun {
    /// Reads every event and sums them up, calling `on_event` with each one first (to log or
    /// draw progress).
    pub async fn report(mut self, mut on_event: impl FnMut(&FleetEvent)) -> FleetReport {
        let mut report = FleetReport::default();
        while let Some(event) = self.next().await {
            on_event(&event);
            report.add(event, self.waiting);
        }
        report
    }
}

/// The end state of every device of a fleet run ([`FleetRun::report`]).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct FleetReport {
    /// Devices whose action reached a final status (or, in a run that does not wait, was
    /// created or adopted), with the action as last read.
    pub finished: BTreeMap<String, MachineAction>,
    /// Devices without a finished action, with the reason.
    pub failed: BTreeMap<String, FleetError>,
    /// Actions created by this run's requests.
    pub submitted: usize,
    /// Actions adopted (already in progress, or found after an unclear failure).
    pub adopted: usize,
    /// Requests sent again after an unclear failure whose action was not found.
    pub resubmitted: usize,
    /// Inputs that did not resolve to one device, with the reason ([`Fleet::run_resolved`]).
    pub unresolved: Vec<(String, String)>,
}

impl FleetReport {
    fn add(&mut self, event: FleetEvent, waiting: bool) {
        let ends = event.ends_device(waiting);
        match event {
            FleetEvent::Submitted { device, action } => {
                self.submitted += 1;
                if ends {
                    self.finished.insert(device.as_str().to_owned(), *action);
                }
            }
            FleetEvent::Adopted { device, action, .. } => {
                self.adopted += 1;
                if ends {
                    self.finished.insert(device.as_str().to_owned(), *action);
                }
            }
            FleetEvent::Resubmitting { .. } => self.resubmitted += 1,
            FleetEvent::Finished { device, action } => {
                self.finished.insert(device.as_str().to_owned(), *action);
            }
            FleetEvent::Failed { device, error } => {
                self.failed.insert(device.as_str().to_owned(), error);
            }
            FleetEvent::Unresolved { input, reason } => self.unresolved.push((input, reason)),
            FleetEvent::Resolved { .. }
            | FleetEvent::Uncertain { .. }
            | FleetEvent::StatusChanged { .. } => {}
        }
    }

    /// Devices whose action ended `Succeeded`.
    pub fn succeeded(&self) -> usize {
        self.finished.values().filter(|a| a.status == MachineActionStatus::Succeeded).count()
    }
}

/// An action this run watches.
struct Tracked {
    device: MachineId,
    status: MachineActionStatus,
    last: MachineAction,
    tracked_at: Instant,
    missed_rounds: u32,
}

/// A device whose request failed without a clear answer.
struct Reconciling {
    /// Actions created before this (by the service's clock) are not the request's.
    since: OffsetDateTime,
    /// A listing sent after this that does not hold the action means it was not created.
    give_up_at: Instant,
    reply: oneshot::Sender<Option<MachineAction>>,
}

/// State shared by the submitting half and the polling half of a run.
#[derive(Default)]
struct Shared {
    tracked: BTreeMap<String, Tracked>,
    reconciling: BTreeMap<String, Reconciling>,
    submissions_done: bool,
    /// The service's clock minus ours, from the latest action created.
    clock_offset: Option<time::Duration>,
    /// When the last action was taken on, and the shortest time seen from there to a final
    /// status: the tail of the run is polled when its last actions should be done.
    last_tracked_at: Option<Instant>,
    shortest_run: Option<Duration>,
}

struct Run<'a> {
    client: &'a Client,
    action: &'a FleetAction,
    options: &'a FleetOptions,
    events: &'a mpsc::Sender<FleetEvent>,
    shared: Mutex<Shared>,
    wake: Notify,
}

impl Run<'_> {
    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn emit(&self, event: FleetEvent) {
        // The receiver is gone only when the run is being dropped.
        let _ = self.events.send(event).await;
    }

    /// The service's current time, as estimated from the actions it created.
    fn service_now(&self) -> OffsetDateTime {
        let offset = self.shared().clock_offset.unwrap_or(time::Duration::ZERO);
        OffsetDateTime::now_utc() + offset
    }

    /// Starts watching `action` for `device` (when the run waits) and announces it.
    async fn take(&self, device: MachineId, action: MachineAction, adoption: Option<Adoption>) {
        {
            let mut shared = self.shared();
            let created = action.creation_date_time_utc.to_offset_date_time();
            if adoption.is_none() {
                shared.clock_offset = Some(created - OffsetDateTime::now_utc());
            }
            if self.options.wait.is_some() && !is_final(&action.status) {
                let now = Instant::now();
                shared.last_tracked_at = Some(now);
                shared.tracked.insert(
                    action.id.as_str().to_owned(),
                    Tracked {
                        device: device.clone(),
                        status: action.status.clone(),
                        last: action.clone(),
                        tracked_at: now,
                        missed_rounds: 0,
                    },
                );
            }
        }
        self.wake.notify_one();
        let finished_already = self.options.wait.is_some() && is_final(&action.status);
        let event = match adoption {
            None => {
                FleetEvent::Submitted { device: device.clone(), action: Box::new(action.clone()) }
            }
            Some(reason) => FleetEvent::Adopted {
                device: device.clone(),
                action: Box::new(action.clone()),
                reason,
            },
        };
        self.emit(event).await;
        if finished_already {
            self.emit(FleetEvent::Finished { device, action: Box::new(action) }).await;
        }
    }

    /// Everything the run does for one device until it has an action or has failed.
    async fn submit_device(&self, device: MachineId) {
        let mut submissions = 0;
        loop {
            submissions += 1;
            let since = self.service_now() - self.options.clock_margin;
            let error = match self.action.submit(self.client, &device).await {
                Ok(action) => return self.take(device, action, None).await,
                Err(error) => error,
            };
            if error.is_already_in_progress() && self.options.adopt_in_progress {
                return self.adopt_running(device, error).await;
            }
            if !is_unclear(&error) {
                let error = FleetError::Request(error);
                return self.emit(FleetEvent::Failed { device, error }).await;
            }
            let reason = error.to_string();
            self.emit(FleetEvent::Uncertain { device: device.clone(), reason }).await;
            if let Some(action) = self.reconcile(&device, since).await {
                return self.take(device, action, Some(Adoption::Reconciled)).await;
            }
            if submissions >= self.options.max_submissions {
                let error = FleetError::Uncertain { error, submissions };
                return self.emit(FleetEvent::Failed { device, error }).await;
            }
            let attempt = submissions + 1;
            self.emit(FleetEvent::Resubmitting { device: device.clone(), attempt }).await;
        }
    }

    /// Takes the running action of this type on `device` after an "already in progress".
    async fn adopt_running(&self, device: MachineId, refusal: Error) {
        let filter = MachineActionFilter::machine_id()
            .eq(device.clone())
            .and(MachineActionFilter::r#type().eq(self.action.action_type()))
            .and(
                MachineActionFilter::status()
                    .is_in([MachineActionStatus::Pending, MachineActionStatus::InProgress]),
            );
        let running = self.client.list_machine_actions().filter(filter).into_pager();
        match running.collect_all().await {
            Ok(actions) => match newest(actions) {
                Some(action) => self.take(device, action, Some(Adoption::AlreadyInProgress)).await,
                None => {
                    let error = FleetError::Request(refusal);
                    self.emit(FleetEvent::Failed { device, error }).await;
                }
            },
            Err(error) => {
                self.emit(FleetEvent::Failed { device, error: FleetError::Request(error) }).await;
            }
        }
    }

    /// Hands `device` to the polling half, which finds its action or gives up.
    async fn reconcile(&self, device: &MachineId, since: OffsetDateTime) -> Option<MachineAction> {
        let (reply, answer) = oneshot::channel();
        let give_up_at = Instant::now() + self.options.reconcile_after;
        self.shared()
            .reconciling
            .insert(device.as_str().to_owned(), Reconciling { since, give_up_at, reply });
        self.wake.notify_one();
        answer.await.ok().flatten()
    }

    async fn submit_all(&self, devices: Vec<MachineId>) {
        stream::iter(devices)
            .for_each_concurrent(self.options.concurrency, |device| self.submit_device(device))
            .await;
        self.shared().submissions_done = true;
        self.wake.notify_one();
    }

    /// Polls until every watched action is final and every unclear failure settled.
    async fn poll_all(&self) {
        let wait = self.options.wait.unwrap_or_default();
        let mut interval = wait.initial_interval();
        let mut last_round = Instant::now();
        let mut tail_started = false;
        loop {
            let due = {
                let shared = self.shared();
                if shared.submissions_done
                    && shared.tracked.is_empty()
                    && shared.reconciling.is_empty()
                {
                    return;
                }
                if shared.submissions_done && !tail_started {
                    tail_started = true;
                    interval = wait.initial_interval();
                }
                next_round(&shared, last_round, interval, tail_started)
            };
            let Some(due) = due else {
                self.wake.notified().await;
                continue;
            };
            if Instant::now() < due {
                let sleep = std::pin::pin!(tokio::time::sleep_until(due));
                let woken = std::pin::pin!(self.wake.notified());
                if let Either::Right(_) = select(sleep, woken).await {
                    continue;
                }
            }
            last_round = Instant::now();
            self.round(&wait).await;
            interval = (interval + interval / 2).min(wait.max_interval());
        }
    }

    /// One poll round: one listing of this run's action type, matched to the watched actions
    /// and to the devices being reconciled.
    async fn round(&self, wait: &WaitOptions) {
        let sent_at = Instant::now();
        let Some(since) = self.listing_start() else { return };
        let filter = MachineActionFilter::r#type()
            .eq(self.action.action_type())
            .and(MachineActionFilter::creation_date_time_utc().ge(since));
        let listing = self.client.list_machine_actions().filter(filter).into_pager();
        let actions = match listing.collect_all().await {
            Ok(actions) => actions,
            Err(error) => {
                tracing::warn!(%error, "listing the fleet's actions failed; trying again next round");
                self.expire(wait).await;
                return;
            }
        };
        let mut by_id: BTreeMap<String, MachineAction> =
            actions.into_iter().map(|a| (a.id.as_str().to_owned(), a)).collect();
        self.settle_reconciling(&mut by_id, sent_at).await;
        self.update_tracked(by_id).await;
        self.read_missing().await;
        self.expire(wait).await;
    }

    /// The earliest creation time the round's listing must reach back to.
    fn listing_start(&self) -> Option<crate::Timestamp> {
        let shared = self.shared();
        let tracked = shared
            .tracked
            .values()
            .map(|t| t.last.creation_date_time_utc.to_offset_date_time() - time::Duration::SECOND);
        let reconciling = shared.reconciling.values().map(|r| r.since);
        let earliest = tracked.chain(reconciling).min()?;
        Some(crate::Timestamp::from(earliest))
    }

    async fn settle_reconciling(
        &self,
        listed: &mut BTreeMap<String, MachineAction>,
        sent_at: Instant,
    ) {
        let mut found = Vec::new();
        let mut gone = Vec::new();
        {
            let mut shared = self.shared();
            let devices: Vec<String> = shared.reconciling.keys().cloned().collect();
            for device in devices {
                let since = shared.reconciling[&device].since;
                let candidate = listed
                    .values()
                    .filter(|a| {
                        a.machine_id.as_ref().is_some_and(|m| m.as_str() == device)
                            && a.requestor_comment.as_deref() == Some(self.action.comment())
                            && a.creation_date_time_utc.to_offset_date_time() >= since
                            && !shared.tracked.contains_key(a.id.as_str())
                    })
                    .max_by_key(|a| a.creation_date_time_utc.to_offset_date_time())
                    .cloned();
                let entry = &shared.reconciling[&device];
                if let Some(action) = candidate {
                    listed.remove(action.id.as_str());
                    found.push((device, Some(action)));
                } else if sent_at >= entry.give_up_at {
                    gone.push((device, None));
                }
            }
            for (device, action) in found.into_iter().chain(gone) {
                if let Some(entry) = shared.reconciling.remove(&device) {
                    let _ = entry.reply.send(action);
                }
            }
        }
    }

    async fn update_tracked(&self, mut listed: BTreeMap<String, MachineAction>) {
        let mut events = Vec::new();
        {
            let mut shared = self.shared();
            let mut finished = Vec::new();
            for (id, tracked) in shared.tracked.iter_mut() {
                let Some(action) = listed.remove(id) else {
                    tracked.missed_rounds += 1;
                    continue;
                };
                tracked.missed_rounds = 0;
                Self::observe(tracked, action, &mut events, &mut finished);
            }
            self.forget(&mut shared, finished);
        }
        for event in events {
            self.emit(event).await;
        }
    }

    /// Records a fresh read of a watched action, noting the event it makes.
    fn observe(
        tracked: &mut Tracked,
        action: MachineAction,
        events: &mut Vec<FleetEvent>,
        finished: &mut Vec<String>,
    ) {
        let device = tracked.device.clone();
        if is_final(&action.status) {
            finished.push(action.id.as_str().to_owned());
            events.push(FleetEvent::Finished { device, action: Box::new(action) });
            return;
        }
        if action.status != tracked.status {
            tracked.status = action.status.clone();
            events.push(FleetEvent::StatusChanged {
                device,
                action: action.id.clone(),
                status: action.status.clone(),
            });
        }
        tracked.last = action;
    }

    /// Stops watching the `finished` actions, learning how long they took.
    fn forget(&self, shared: &mut Shared, finished: Vec<String>) {
        for id in finished {
            if let Some(tracked) = shared.tracked.remove(&id) {
                let took = tracked.tracked_at.elapsed();
                shared.shortest_run = Some(shared.shortest_run.map_or(took, |s| s.min(took)));
            }
        }
    }

    /// Reads one by one the watched actions that three listings in a row did not hold.
    async fn read_missing(&self) {
        let missing: Vec<MachineActionId> = self
            .shared()
            .tracked
            .values()
            .filter(|t| t.missed_rounds >= 3)
            .map(|t| t.last.id.clone())
            .collect();
        for id in missing {
            let Ok(action) = self.client.get_machine_action(&id).await else { continue };
            let mut events = Vec::new();
            {
                let mut shared = self.shared();
                let mut finished = Vec::new();
                if let Some(tracked) = shared.tracked.get_mut(id.as_str()) {
                    tracked.missed_rounds = 0;
                    Self::observe(tracked, action, &mut events, &mut finished);
                }
                self.forget(&mut shared, finished);
            }
            for event in events {
                self.emit(event).await;
            }
        }
    }

    /// Fails the watched actions whose deadline has passed.
    async fn expire(&self, wait: &WaitOptions) {
        let expired: Vec<Tracked> = {
            let mut shared = self.shared();
            let late: Vec<String> = shared
                .tracked
                .iter()
                .filter(|(_, t)| t.tracked_at.elapsed() >= wait.deadline())
                .map(|(id, _)| id.clone())
                .collect();
            late.iter().filter_map(|id| shared.tracked.remove(id)).collect()
        };
        for tracked in expired {
            let error = FleetError::DeadlineExceeded { last: Box::new(tracked.last) };
            self.emit(FleetEvent::Failed { device: tracked.device, error }).await;
        }
    }
}

/// When the next poll round is due, or `None` when there is nothing to poll for yet.
fn next_round(
    shared: &Shared,
    last_round: Instant,
    interval: Duration,
    tail: bool,
) -> Option<Instant> {
    let reconcile = shared.reconciling.values().map(|r| r.give_up_at).min();
    let regular = (!shared.tracked.is_empty()).then_some(last_round + interval);
    // Once everything is submitted, the newest actions are looked at when they should be done.
    let tail_due = match (tail, shared.last_tracked_at, shared.shortest_run) {
        (true, Some(at), Some(run)) if at + run > last_round => Some(at + run),
        _ => None,
    };
    [reconcile, regular, tail_due].into_iter().flatten().min()
}

/// True for failures after which the service may or may not have acted: a 5xx, a connection
/// that failed after the request was sent, a timeout, or a success whose body was unreadable.
fn is_unclear(error: &Error) -> bool {
    match error {
        Error::Api(api) => api.status.is_server_error(),
        Error::Transport { source, .. } => !source.is_connect(),
        Error::Timeout { .. } | Error::Decode { .. } | Error::ResponseTooLarge { .. } => true,
        _ => false,
    }
}

fn newest(actions: Vec<MachineAction>) -> Option<MachineAction> {
    actions.into_iter().max_by_key(|a| a.creation_date_time_utc.to_offset_date_time())
}

async fn drive(
    client: Client,
    action: FleetAction,
    options: FleetOptions,
    devices: Vec<MachineId>,
    events: mpsc::Sender<FleetEvent>,
) {
    let run = Run {
        client: &client,
        action: &action,
        options: &options,
        events: &events,
        shared: Mutex::new(Shared::default()),
        wake: Notify::new(),
    };
    futures_util::future::join(run.submit_all(devices), run.poll_all()).await;
}
