//! [`Config`]: everything a simulator is started with — port, seed, devices, clock, action
//! timings and outcomes, credentials, limits, link lifetimes and fault rules.

use std::collections::BTreeMap;
use std::time::Duration;

use mde_machine_actions::models::MachineActionType;
use time::OffsetDateTime;

use crate::clock::ClockMode;
use crate::faults::FaultRule;
use crate::machine::{Machine, OsPlatform};
use crate::route::Route;

/// How long an action stays in each non-final status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Time spent `Pending` after creation.
    pub pending: Duration,
    /// Time then spent `InProgress` before the final status.
    pub in_progress: Duration,
}

impl Timing {
    /// `pending`, then `in_progress`.
    pub const fn new(pending: Duration, in_progress: Duration) -> Self {
        Self { pending, in_progress }
    }

    /// Total time from creation to the final status.
    pub fn total(&self) -> Duration {
        self.pending + self.in_progress
    }
}

impl Default for Timing {
    /// One second pending, two in progress: an action finishes three seconds after creation,
    /// so an example that polls every five seconds sees it done at its second poll.
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(2))
    }
}

/// How an action ends, unless it is cancelled first.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Outcome {
    /// `Succeeded` (every live response command `Completed`). The default.
    #[default]
    Succeeded,
    /// `Failed` (for live response, one command fails and the later ones never run).
    Failed,
    /// `TimeOut` (for live response, the last command never finishes).
    TimeOut,
    /// Drawn per action from the seeded generator: `Failed` with probability `failed`,
    /// `TimeOut` with probability `timed_out`, otherwise `Succeeded`.
    Random {
        /// Probability of `Failed`.
        failed: f64,
        /// Probability of `TimeOut`.
        timed_out: f64,
    },
}

/// A default value with overrides per action type.
#[derive(Debug, Clone, PartialEq)]
pub struct PerType<T> {
    /// Used for every type without an override.
    pub default: T,
    overrides: BTreeMap<String, T>,
}

impl<T> PerType<T> {
    /// `default` for every type.
    pub fn new(default: T) -> Self {
        Self { default, overrides: BTreeMap::new() }
    }

    /// Overrides the value for `kind`.
    pub fn set(&mut self, kind: &MachineActionType, value: T) {
        self.overrides.insert(kind.as_str().to_owned(), value);
    }

    /// The value for `kind`.
    pub fn get(&self, kind: &MachineActionType) -> &T {
        self.overrides.get(kind.as_str()).unwrap_or(&self.default)
    }
}

impl<T: Default> Default for PerType<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

/// Who may call the simulator, and as whom the actions are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The tenant in the token endpoint's path (`/{tenant}/oauth2/v2.0/token`).
    pub tenant_id: String,
    /// The client id the token endpoint accepts.
    pub client_id: String,
    /// The client secret the token endpoint accepts.
    pub client_secret: String,
    /// A fixed bearer token the API always accepts; `None` derives one from the seed.
    pub token: Option<String>,
    /// Lifetime of the tokens the token endpoint issues (`expires_in`).
    pub token_lifetime: Duration,
    /// `requestor` of actions requested with the fixed token. Actions requested with an
    /// issued token name the client id, as app tokens do.
    pub requestor: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            tenant_id: "00000000-0000-0000-0000-00000000a11c".to_owned(),
            client_id: "5ca1ab1e-0000-4000-8000-000000000001".to_owned(),
            client_secret: "simulator-client-secret".to_owned(),
            token: None,
            token_lifetime: Duration::from_secs(3599),
            requestor: "analyst@contoso.com".to_owned(),
        }
    }
}

/// Everything a simulator starts with. `Config::default()` is a small fleet with fast
/// actions that always succeed, the documented quotas, and no faults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// Seeds every random choice: device ids, action ids, random outcomes, fault draws.
    pub seed: u64,
    /// How many devices to generate.
    pub machine_count: usize,
    /// Platforms the generated devices cycle through (all of them when empty).
    pub platforms: Vec<OsPlatform>,
    /// Extra devices, added after the generated ones.
    pub machines: Vec<Machine>,
    /// Whether a generated fleet of at least
    /// [`AMBIGUOUS_FLEET_MIN`](crate::machine::AMBIGUOUS_FLEET_MIN) devices holds the
    /// ambiguous host names a responder meets: a re-imaged device's old, `Inactive` record
    /// under the same name, and two `Active` devices with the same host name in different
    /// domains (see [`crate::machine`]). Default true.
    pub ambiguous_devices: bool,
    /// How the clock moves.
    pub clock: ClockMode,
    /// Wall-clock time at the simulator's time zero; `None` takes the real time at start.
    pub epoch: Option<OffsetDateTime>,
    /// How long actions stay `Pending` and `InProgress`, per type.
    pub timings: PerType<Timing>,
    /// How actions end, per type.
    pub outcomes: PerType<Outcome>,
    /// Tenant, app credentials and the fixed token.
    pub credentials: Credentials,
    /// Enforce the documented per-operation quotas (429 with `Retry-After`).
    pub rate_limits: bool,
    /// How long after it was sent the quotas count a request (the service counts arrivals):
    /// this delay, plus or minus [`Self::arrival_jitter`]. Nothing is slept: only the counting
    /// moves, so it works under a paused or manual clock too. Default zero.
    pub arrival_delay: Duration,
    /// How much the arrival delay varies, uniformly either way (drawn from the seed).
    pub arrival_jitter: Duration,
    /// How much longer than documented the quotas' windows are counted, as when the service's
    /// front ends count on clocks that disagree by that much. Default zero.
    pub rate_limit_skew: Duration,
    /// Largest page the listing returns before it adds `@odata.nextLink` (the service's is
    /// 10,000).
    pub page_size: usize,
    /// Live response sessions that may be unfinished at once in the tenant (documented: 50).
    pub max_live_response_sessions: usize,
    /// How long an investigation package link works (the docs say only "a short time").
    pub package_link_lifetime: Duration,
    /// How long a live response result link works (documented: 30 minutes).
    pub result_link_lifetime: Duration,
    /// Wrap the package URI in literal double quotes, as Microsoft's example does.
    pub quote_package_uri: bool,
    /// For this long after creation an action is unknown (404) to reads, as integrations
    /// report of the real service.
    pub visibility_delay: Duration,
    /// Refuse actions a device's platform does not support (400 `OsPlatformNotSupported`).
    pub enforce_os_support: bool,
    /// Fault rules, per route.
    pub faults: BTreeMap<Route, FaultRule>,
    /// How long a client may take to send a request's head (request line and headers),
    /// counted from the moment the server waits for it; a connection that takes longer is
    /// closed. This also closes keep-alive connections left idle that long. `None`: no limit.
    /// Measured on tokio's clock, so under paused time it passes as the test waits.
    pub header_read_timeout: Option<Duration>,
    /// How long a client may take to send a request's body once its head has arrived; a
    /// request that takes longer is answered 408 Request Timeout and its connection closed.
    /// `None`: no limit.
    pub body_read_timeout: Option<Duration>,
    /// How long [`Simulator::shutdown`](crate::Simulator::shutdown) lets requests that are
    /// being handled finish before it closes their connections. Requests still being read
    /// are not waited for.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 0,
            seed: 1,
            machine_count: 6,
            platforms: Vec::new(),
            machines: Vec::new(),
            ambiguous_devices: true,
            clock: ClockMode::Runtime,
            epoch: None,
            timings: PerType::default(),
            outcomes: PerType::default(),
            credentials: Credentials::default(),
            rate_limits: true,
            arrival_delay: Duration::ZERO,
            arrival_jitter: Duration::ZERO,
            rate_limit_skew: Duration::ZERO,
            page_size: 10_000,
            max_live_response_sessions: 50,
            package_link_lifetime: Duration::from_secs(10 * 60),
            result_link_lifetime: Duration::from_secs(30 * 60),
            quote_package_uri: true,
            visibility_delay: Duration::ZERO,
            enforce_os_support: true,
            faults: BTreeMap::new(),
            header_read_timeout: Some(DEFAULT_READ_TIMEOUT),
            body_read_timeout: Some(DEFAULT_READ_TIMEOUT),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// The default [`Config::header_read_timeout`] and [`Config::body_read_timeout`].
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Config {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`Self::port`].
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`Self::seed`].
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`Self::machine_count`].
    #[must_use]
    pub fn with_machine_count(mut self, count: usize) -> Self {
        self.machine_count = count;
        self
    }

    /// Sets [`Self::platforms`].
    #[must_use]
    pub fn with_platforms(mut self, platforms: impl Into<Vec<OsPlatform>>) -> Self {
        self.platforms = platforms.into();
        self
    }

    /// Sets [`Self::ambiguous_devices`].
    #[must_use]
    pub fn with_ambiguous_devices(mut self, ambiguous: bool) -> Self {
        self.ambiguous_devices = ambiguous;
        self
    }

    /// Adds a device.
    #[must_use]
    pub fn with_machine(mut self, machine: Machine) -> Self {
        self.machines.push(machine);
        self
    }

    /// Sets [`Self::clock`].
    #[must_use]
    pub fn with_clock(mut self, clock: ClockMode) -> Self {
        self.clock = clock;
        self
    }

    /// Sets [`Self::epoch`].
    #[must_use]
    pub fn with_epoch(mut self, epoch: OffsetDateTime) -> Self {
        self.epoch = Some(epoch);
        self
    }

    /// Sets the timing of every action type without an override.
    #[must_use]
    pub fn with_default_timing(mut self, timing: Timing) -> Self {
        self.timings.default = timing;
        self
    }

    /// Sets the timing of one action type.
    #[must_use]
    pub fn with_timing(mut self, kind: MachineActionType, timing: Timing) -> Self {
        self.timings.set(&kind, timing);
        self
    }

    /// Sets the outcome of one action type.
    #[must_use]
    pub fn with_outcome(mut self, kind: MachineActionType, outcome: Outcome) -> Self {
        self.outcomes.set(&kind, outcome);
        self
    }

    /// Sets [`Self::rate_limits`].
    #[must_use]
    pub fn with_rate_limits(mut self, enabled: bool) -> Self {
        self.rate_limits = enabled;
        self
    }

    /// Sets [`Self::arrival_delay`] and [`Self::arrival_jitter`]: the quotas count each request
    /// `delay` ± `jitter` after it was sent, as the network would deliver it.
    #[must_use]
    pub fn with_arrival_delay(mut self, delay: Duration, jitter: Duration) -> Self {
        self.arrival_delay = delay;
        self.arrival_jitter = jitter;
        self
    }

    /// Sets [`Self::rate_limit_skew`]: the quotas' windows are counted `skew` longer.
    #[must_use]
    pub fn with_rate_limit_skew(mut self, skew: Duration) -> Self {
        self.rate_limit_skew = skew;
        self
    }

    /// Sets [`Self::page_size`] (at least 1).
    #[must_use]
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sets [`Self::visibility_delay`].
    #[must_use]
    pub fn with_visibility_delay(mut self, delay: Duration) -> Self {
        self.visibility_delay = delay;
        self
    }

    /// Sets [`Self::header_read_timeout`] and [`Self::body_read_timeout`].
    #[must_use]
    pub fn with_read_timeouts(
        mut self,
        header: impl Into<Option<Duration>>,
        body: impl Into<Option<Duration>>,
    ) -> Self {
        self.header_read_timeout = header.into();
        self.body_read_timeout = body.into();
        self
    }

    /// Sets [`Self::shutdown_grace`].
    #[must_use]
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Sets the fault rule of `route` (a [`Route`], or the SDK's operation constant such as
    /// `&operations::ISOLATE_MACHINE`).
    #[must_use]
    pub fn with_fault(mut self, route: impl Into<Route>, rule: FaultRule) -> Self {
        self.faults.insert(route.into(), rule);
        self
    }
}
