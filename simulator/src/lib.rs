//! A local, stateful simulator of the Microsoft Defender for Endpoint **MachineAction** API,
//! for trying the [`mde_machine_actions`] SDK without a tenant and for testing code that uses
//! it.
//!
//! [`Simulator::start`] serves every operation of the SDK on 127.0.0.1 with the documented
//! behaviour and the quirks integrations have recorded from the service: bearer
//! authentication and a local OAuth2 token endpoint; actions that go `Pending` →
//! `InProgress` → `Succeeded`, `Failed` or `TimeOut` on a controllable [`Clock`];
//! cancellation; the "already in progress" and "active live response session" rules; signed,
//! expiring download links; OData `$filter`, `$top`, `$skip` and `@odata.nextLink`; the
//! documented rate limits; and fault injection per route.
//!
//! It also serves the read-only Machine lookups (`listMachines`, `getMachine`,
//! `findMachinesByIp`, `findMachinesByTag`) over devices with
//! every documented Machine property ([`Machine`], [`machine`] for how they are drawn), so that
//! code resolving a host name, an IP address or a tag to a device id can be tested too.
//!
//! The simulator follows the SDK's spec: its routes (verbs and path templates), quotas and
//! success statuses are the SDK's operation constants (`mde_machine_actions::operations`),
//! and its answers are the SDK's own models. Only the behaviour of each operation is written
//! by hand. An operation of the SDK the simulator has no handler for is answered with
//! **501 Not Implemented** (and logged as a warning at start); [`Route::is_handled`] tells.
//!
//! # In your tests
//!
//! Add the simulator as a dev-dependency, with tokio's test macros:
//!
//! ```toml
//! [dev-dependencies]
//! mde-simulator = "0.1"
//! tokio = { version = "1", features = ["macros", "rt", "test-util"] }
//! ```
//!
//! Then start one per test. With tokio's paused clock (`start_paused`, which needs tokio's
//! `test-util` feature), simulated seconds pass as soon as the test waits, so an action that
//! takes three seconds and a wait that polls every five finish at once:
//!
//! ```test_harness
//! use mde_machine_actions::models::{IsolateRequest, MachineActionStatus, MachineActionType};
//! use mde_machine_actions::{Client, WaitOptions};
//! use mde_simulator::{Config, Simulator};
//!
//! #[tokio::test(start_paused = true)]
//! async fn isolation_succeeds() -> Result<(), Box<dyn std::error::Error>> {
//!     let simulator = Simulator::start(Config::default()).await?;
//!     let client = Client::builder()
//!         .base_url(simulator.base_url())
//!         .bearer_token(simulator.token())
//!         .timeout(None) // under paused time, a request timeout would fire at once
//!         .connect_timeout(None)
//!         .build()?;
//!     let machine = simulator.machines()[0].id.clone();
//!
//!     let request = IsolateRequest::new("Isolate due to alert 1234");
//!     let action = client.isolate_machine(&machine, &request).await?;
//!     let outcome = client.wait_for_completion(&action.id, &WaitOptions::default()).await?;
//!     assert!(outcome.succeeded());
//!
//!     let actions = simulator.actions();
//!     assert_eq!(actions.len(), 1);
//!     assert_eq!(actions[0].r#type, MachineActionType::Isolate);
//!     assert_eq!(actions[0].status, MachineActionStatus::Succeeded);
//!     assert_eq!(actions[0].machine_id.as_ref(), Some(&machine));
//!     simulator.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! [`Config`] sets the devices, the timing and outcome of each action type, a manual clock
//! ([`ClockMode::Manual`] with [`Simulator::advance`]) and fault rules per route
//! ([`FaultRule`]: latency, 5xx before or after the request is processed, dropped
//! connections, truncated or malformed JSON, unknown enum values and fields, next links that
//! do not advance). [`Simulator::stats`] counts the answers, per route and status.

#![deny(missing_docs)]

mod action;
mod app;
mod auth;
pub mod clock;
pub mod config;
pub mod faults;
mod limits;
pub mod machine;
mod odata;
mod reply;
pub mod route;
mod routes;
mod server;
mod signing;
mod state;
pub mod stats;
mod zip;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mde_machine_actions::models::{MachineAction, MachineActionType};
use mde_machine_actions::{Client, ClientBuilder, Timestamp};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::{Clock, ClockMode};
pub use config::{Config, Credentials, Outcome, PerType, Timing};
pub use faults::{FaultPhase, FaultRule};
pub use machine::{HealthStatus, IpAddress, Machine, OsPlatform};
pub use route::Route;
pub use stats::Stats;

use app::{App, lock};
use route::Operation;

/// The examples of `README.md`, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// A running simulator. Dropping it stops the server without waiting; [`Simulator::shutdown`]
/// waits for open requests to finish.
#[derive(Debug)]
pub struct Simulator {
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds 127.0.0.1 on `config.port` (0: a free port), seeds the devices and starts
    /// serving on the current tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        Self::serve(listener, config)
    }

    /// Starts serving on an already bound listener (its port overrides `config.port`). Must
    /// be called inside a tokio runtime, which the server then runs on.
    pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<Simulator> {
        let operations: Vec<&'static Operation> = route::api_operations().collect();
        Self::serve_operations(listener, config, &operations)
    }

    /// [`Simulator::serve`] with the routes of `operations`.
    pub(crate) fn serve_operations(
        listener: TcpListener,
        config: Config,
        operations: &[&'static Operation],
    ) -> std::io::Result<Simulator> {
        let addr = listener.local_addr()?;
        let routes = routes::RouteTable::new(operations);
        for operation in routes.operations().filter(|op| routes::handler(op.name).is_none()) {
            tracing::warn!(
                operation = operation.name,
                "the simulator has no handler for this operation; it answers 501 Not Implemented"
            );
        }
        let base_url = format!("http://{addr}");
        let mut rng = fastrand::Rng::with_seed(config.seed);
        let mut machines = machine::generate(
            config.machine_count,
            &config.platforms,
            config.ambiguous_devices,
            &mut rng,
        );
        machines.extend(config.machines.iter().cloned());
        let token = config
            .credentials
            .token
            .clone()
            .unwrap_or_else(|| format!("sim-{}", machine::hex(&mut rng, 40)));
        let signer = signing::Signer::new(&mut rng);
        let epoch = config.epoch.unwrap_or_else(OffsetDateTime::now_utc);
        let clock = Clock::new(config.clock, epoch);
        let state = state::State::new(
            machines,
            config.timings.clone(),
            config.outcomes.clone(),
            fastrand::Rng::with_seed(rng.u64(..)),
        );
        let (shutdown, receiver) = watch::channel(false);
        let app = Arc::new(App {
            base_url,
            routes,
            clock,
            signer,
            state: Mutex::new(state),
            tokens: Mutex::new(auth::Tokens::new(token, config.credentials.requestor.clone())),
            limits: Mutex::new(limits::RateLimiter::new(
                config.rate_limits,
                limits::Counting {
                    delay: config.arrival_delay,
                    jitter: config.arrival_jitter,
                    skew: config.rate_limit_skew,
                },
                config.seed,
            )),
            faults: Mutex::new(faults::Faults::new(config.faults.clone(), config.seed)),
            stats: Mutex::new(Stats::default()),
            ids: Mutex::new(fastrand::Rng::with_seed(rng.u64(..))),
            config,
            shutdown: receiver.clone(),
        });
        let task = tokio::spawn(server::serve(listener, app.clone(), receiver));
        Ok(Simulator { app, addr, shutdown, task: Some(task) })
    }

    /// The API's base URL, `http://127.0.0.1:<port>`: pass it to `ClientBuilder::base_url`.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// A client builder for this simulator: its base URL and its fixed token. Under tokio's
    /// paused time, also set `.timeout(None).connect_timeout(None)`.
    pub fn client_builder(&self) -> ClientBuilder<Client> {
        Client::builder().base_url(self.base_url()).bearer_token(self.token())
    }

    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fixed bearer token the API always accepts.
    pub fn token(&self) -> String {
        lock(&self.app.tokens).fixed().to_owned()
    }

    /// The token endpoint, `<base>/<tenant>/oauth2/v2.0/token`: pass it to
    /// `ClientSecretCredential::token_endpoint`.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.app.base_url, self.app.config.credentials.tenant_id)
    }

    /// The legacy v1 token endpoint, `<base>/<tenant>/oauth2/token`, which takes
    /// `resource=` instead of `scope=` and answers as Entra ID's v1 endpoint does.
    pub fn legacy_token_url(&self) -> String {
        format!("{}/{}/oauth2/token", self.app.base_url, self.app.config.credentials.tenant_id)
    }

    /// The tenant and app credentials the token endpoint accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.app.config.credentials
    }

    /// The configuration the simulator was started with.
    pub fn config(&self) -> &Config {
        &self.app.config
    }

    /// Every device.
    pub fn machines(&self) -> Vec<Machine> {
        self.app.state().machines().to_vec()
    }

    /// Adds a device (or replaces the one with the same id).
    pub fn add_machine(&self, machine: Machine) {
        self.app.state().add_machine(machine);
    }

    /// Every action as it stands now, oldest first, exactly as the API would return it
    /// (visibility delay aside).
    pub fn actions(&self) -> Vec<MachineAction> {
        let now = self.app.clock.elapsed();
        let state = self.app.state();
        state.actions().iter().map(|action| action.to_model(now, &self.app.clock)).collect()
    }

    /// One action as it stands now.
    pub fn action(&self, id: &str) -> Option<MachineAction> {
        let now = self.app.clock.elapsed();
        let state = self.app.state();
        state.action(id).map(|action| action.to_model(now, &self.app.clock))
    }

    /// The clock every action, limit, token and link follows.
    pub fn clock(&self) -> &Clock {
        &self.app.clock
    }

    /// Moves the simulator's clock forward.
    pub fn advance(&self, by: Duration) {
        self.app.clock.advance(by);
    }

    /// The simulator's wall-clock time now.
    pub fn now(&self) -> Timestamp {
        clock::timestamp(self.app.clock.wall(), false)
    }

    /// Changes the timing of new actions of `kind`.
    pub fn set_timing(&self, kind: MachineActionType, timing: Timing) {
        self.app.state().timings.set(&kind, timing);
    }

    /// Changes the outcome of new actions of `kind`.
    pub fn set_outcome(&self, kind: MachineActionType, outcome: Outcome) {
        self.app.state().outcomes.set(&kind, outcome);
    }

    /// Sets (or, with `None`, removes) the fault rule of `route` (a [`Route`], or the SDK's
    /// operation constant such as `&operations::ISOLATE_MACHINE`).
    pub fn set_fault(&self, route: impl Into<Route>, rule: Option<FaultRule>) {
        lock(&self.app.faults).set(route.into(), rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.app.faults).clear();
    }

    /// What the simulator has answered so far.
    pub fn stats(&self) -> Stats {
        lock(&self.app.stats).clone()
    }

    /// Stops accepting connections, lets requests being handled finish, and waits for the
    /// server. It ends within a bounded time whatever clients do: idle connections and
    /// requests whose head or body is still arriving are closed (a body being read is
    /// answered 503), and a handler still running after [`Config::shutdown_grace`] is cut
    /// off.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpStream;

    use mde_machine_actions::operations;

    use super::*;
    use crate::route::Verb;

    /// An operation the SDK might gain, which the simulator has no handler for.
    static PING_MACHINE: Operation =
        Operation::new("pingMachine", Verb::Post, "/api/machines/{id}/ping").with_success(&[201]);

    #[tokio::test]
    async fn an_operation_without_a_handler_is_answered_501() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind");
        let mut operations = operations::ALL.to_vec();
        operations.push(&PING_MACHINE);
        let simulator = Simulator::serve_operations(listener, Config::default(), &operations)
            .expect("starts anyway");
        assert!(!Route::from(&PING_MACHINE).is_handled());
        assert!(Route::all().all(Route::is_handled), "every operation of the SDK is handled");

        let machine = simulator.machines()[0].id.clone();
        let request = format!(
            "POST /api/machines/{machine}/PING HTTP/1.1\r\nhost: localhost\r\n\
             authorization: Bearer {}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}",
            simulator.token()
        );
        let mut stream = TcpStream::connect(simulator.addr()).await.expect("connect");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.expect("answer");
        assert!(answer.starts_with("HTTP/1.1 501"), "{answer}");
        assert!(answer.contains(r#""code":"NotImplemented""#), "{answer}");
        assert!(
            answer.contains("no handler for operation pingMachine (POST /api/machines/{id}/ping)"),
            "{answer}"
        );
        assert_eq!(simulator.stats().count(&PING_MACHINE, 501), 1);
        simulator.shutdown().await;
    }
}
