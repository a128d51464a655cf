//! The JSON configuration file of `mde-simulator --config FILE`, read into [`Settings`]: port,
//! seed, devices (with their IP, tags and health), per-type timings (milliseconds) and outcomes, page size, rate limits and
//! per-route fault rules. Unknown members, action types, routes and platforms are errors, so a
//! typo never goes unnoticed. The format is described in the README ("Try it without a
//! tenant"); `simulator/examples/config.json` is an example.

use std::collections::BTreeMap;
use std::time::Duration;

use mde_machine_actions::models::MachineActionType;
use mde_simulator::{
    Config, FaultPhase, FaultRule, HealthStatus, Machine, OsPlatform, Outcome, Route, Timing,
};
use serde::Deserialize;
use serde_json::Value;

/// The service's largest page, and the simulator's default page size.
pub(crate) const MAX_PAGE_SIZE: usize = 10_000;

/// What the configuration file, then the command line, ask for. Whatever is unset keeps the
/// simulator's default ([`Config::default`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Settings {
    /// The port to listen on; `None`: 7480, or a free one if it is taken.
    pub port: Option<u16>,
    pub seed: Option<u64>,
    /// Generated devices; `None`: 6, or none when `machines` lists some.
    pub machine_count: Option<usize>,
    /// Platforms the generated devices cycle through (all when empty).
    pub platforms: Vec<OsPlatform>,
    /// Whether a large generated fleet holds ambiguous host names; `None`: yes.
    pub ambiguous_devices: Option<bool>,
    /// Devices given one by one, added after the generated ones.
    pub machines: Vec<Machine>,
    pub page_size: Option<usize>,
    pub rate_limits: Option<bool>,
    /// `arrivalDelayMs`, `arrivalJitterMs` and `rateLimitSkewMs`, in milliseconds.
    pub arrival_delay_ms: Option<u64>,
    pub arrival_jitter_ms: Option<u64>,
    pub rate_limit_skew_ms: Option<u64>,
    /// Timings per action type; `None` is every type without its own.
    pub timings: Vec<(Option<MachineActionType>, Timing)>,
    /// Outcomes per action type; `None` is every type without its own.
    pub outcomes: Vec<(Option<MachineActionType>, Outcome)>,
    pub faults: BTreeMap<Route, FaultRule>,
}

impl Settings {
    /// The settings a configuration file's text asks for.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let value: Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if !value.is_object() {
            return Err("expected a JSON object (`{...}`) at the top".to_owned());
        }
        let raw: RawFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
        raw.settings()
    }

    /// The simulator's configuration; an error when there would be no device, or two devices
    /// share an id.
    pub fn config(&self) -> Result<Config, String> {
        let mut config = Config::default();
        if let Some(seed) = self.seed {
            config = config.with_seed(seed);
        }
        if let Some(port) = self.port {
            config = config.with_port(port);
        }
        let generated = match self.machine_count {
            Some(count) => count,
            None if self.machines.is_empty() => config.machine_count,
            None => 0,
        };
        if generated == 0 && self.machines.is_empty() {
            return Err("no devices: give --machines N (at least 1) or --machine ID".to_owned());
        }
        let mut ids = std::collections::BTreeSet::new();
        for machine in &self.machines {
            if !ids.insert(machine.id.as_str().to_ascii_lowercase()) {
                return Err(format!("two devices have the id `{}`", machine.id));
            }
        }
        let page_size = self.page_size.unwrap_or(config.page_size);
        config = config
            .with_machine_count(generated)
            .with_platforms(self.platforms.clone())
            .with_page_size(page_size);
        config.machines = self.machines.clone();
        if let Some(ambiguous) = self.ambiguous_devices {
            config = config.with_ambiguous_devices(ambiguous);
        }
        if let Some(enabled) = self.rate_limits {
            config = config.with_rate_limits(enabled);
        }
        let millis = |value: Option<u64>| Duration::from_millis(value.unwrap_or(0));
        config = config
            .with_arrival_delay(millis(self.arrival_delay_ms), millis(self.arrival_jitter_ms))
            .with_rate_limit_skew(millis(self.rate_limit_skew_ms));
        for (kind, timing) in &self.timings {
            match kind {
                Some(kind) => config.timings.set(kind, *timing),
                None => config.timings.default = *timing,
            }
        }
        for (kind, outcome) in &self.outcomes {
            match kind {
                Some(kind) => config.outcomes.set(kind, *outcome),
                None => config.outcomes.default = *outcome,
            }
        }
        config.faults = self.faults.clone();
        Ok(config)
    }
}

/// A device from its id, optional host name (empty: the generated kind of name) and optional
/// platform (empty: `Windows11`).
pub(crate) fn machine(
    id: &str,
    dns_name: Option<&str>,
    platform: Option<&str>,
) -> Result<Machine, String> {
    if id.is_empty() {
        return Err("a device needs an id".to_owned());
    }
    if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        return Err(format!(
            "device id `{id}`: `{bad}` is not allowed (letters, digits, `-` and `_` are)"
        ));
    }
    let platform = match platform.filter(|p| !p.is_empty()) {
        Some(name) => OsPlatform::parse(name)
            .ok_or_else(|| format!("unknown platform `{name}` (known: {})", platform_names()))?,
        None => OsPlatform::Windows11,
    };
    match dns_name.filter(|name| !name.is_empty()) {
        Some(name) if name.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Err(format!("device {id}: host name `{name}` contains a space or control character"))
        }
        Some(name) => Ok(Machine::new(id, name, platform)),
        None => Ok(Machine::with_generated_name(id, platform)),
    }
}

/// Every platform name, as `--help` and the errors list them.
pub(crate) fn platform_names() -> String {
    OsPlatform::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

/// The routes `name` stands for: one route by the SDK's operation name (any case), or `*`
/// for every API route.
pub(crate) fn routes(name: &str) -> Result<Vec<Route>, String> {
    if name == "*" {
        return Ok(Route::all().filter(|route| route.is_api()).collect());
    }
    Route::all()
        .find(|route| route.name().eq_ignore_ascii_case(name))
        .map(|route| vec![route])
        .ok_or_else(|| format!("unknown route `{name}` (known: *, {})", route_names()))
}

/// Every route name, as `--help` and the errors list them.
pub(crate) fn route_names() -> String {
    Route::all().map(Route::name).collect::<Vec<_>>().join(", ")
}

/// `value` as a probability.
pub(crate) fn rate(what: &str, value: f64) -> Result<f64, String> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{what}: {value} is not a rate between 0 and 1"))
    }
}

/// `value` as a page size (1 to 10,000).
pub(crate) fn page_size(value: usize) -> Result<usize, String> {
    if (1..=MAX_PAGE_SIZE).contains(&value) {
        Ok(value)
    } else {
        Err(format!("page size {value} is not between 1 and {MAX_PAGE_SIZE}"))
    }
}

/// An action type key of `timings` or `outcomes`: `default`, or a type's wire name (any case).
fn action_type(section: &str, key: &str) -> Result<Option<MachineActionType>, String> {
    if key == "default" {
        return Ok(None);
    }
    MachineActionType::KNOWN
        .iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(key))
        .map_or_else(
            || {
                let known: Vec<_> = MachineActionType::KNOWN.iter().map(|k| k.as_str()).collect();
                Err(format!(
                    "{section}: unknown action type `{key}` (known: default, {})",
                    known.join(", ")
                ))
            },
            |kind| Ok(Some(kind.clone())),
        )
}

/// An outcome: `"Succeeded"`, `"Failed"`, `"TimeOut"`, or `{"failed": P, "timedOut": P}`
/// for one drawn per action.
fn outcome(what: &str, value: &Value) -> Result<Outcome, String> {
    let expected = || {
        format!(
            r#"{what}: expected "Succeeded", "Failed", "TimeOut" or {{"failed": P, "timedOut": P}}, not {value}"#
        )
    };
    match value {
        Value::String(name) => match name.to_ascii_lowercase().as_str() {
            "succeeded" => Ok(Outcome::Succeeded),
            "failed" => Ok(Outcome::Failed),
            "timeout" => Ok(Outcome::TimeOut),
            _ => Err(expected()),
        },
        Value::Object(members) => {
            let mut failed = 0.0;
            let mut timed_out = 0.0;
            for (key, member) in members {
                let slot = match key.as_str() {
                    "failed" => &mut failed,
                    "timedOut" => &mut timed_out,
                    _ => return Err(expected()),
                };
                *slot = rate(&format!("{what}.{key}"), member.as_f64().ok_or_else(expected)?)?;
            }
            if failed + timed_out > 1.0 {
                return Err(format!("{what}: failed + timedOut is more than 1"));
            }
            Ok(Outcome::Random { failed, timed_out })
        }
        _ => Err(expected()),
    }
}

fn phase(what: &str, name: &str) -> Result<FaultPhase, String> {
    match name.to_ascii_lowercase().as_str() {
        "before" => Ok(FaultPhase::BeforeProcessing),
        "after" => Ok(FaultPhase::AfterProcessing),
        "either" => Ok(FaultPhase::Either),
        _ => Err(format!(r#"{what}: expected "before", "after" or "either", not "{name}""#)),
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFile {
    port: Option<u16>,
    seed: Option<u64>,
    machine_count: Option<usize>,
    #[serde(default)]
    platforms: Vec<String>,
    ambiguous_devices: Option<bool>,
    #[serde(default)]
    machines: Vec<RawMachine>,
    page_size: Option<usize>,
    rate_limits: Option<bool>,
    arrival_delay_ms: Option<u64>,
    arrival_jitter_ms: Option<u64>,
    rate_limit_skew_ms: Option<u64>,
    #[serde(default)]
    timings: BTreeMap<String, RawTiming>,
    #[serde(default)]
    outcomes: BTreeMap<String, Value>,
    #[serde(default)]
    faults: BTreeMap<String, RawFault>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawMachine {
    id: String,
    dns_name: Option<String>,
    platform: Option<String>,
    ip: Option<String>,
    tags: Option<Vec<String>>,
    health: Option<String>,
}

impl RawMachine {
    /// The device, with the IP, tags and health the file gives.
    fn machine(&self) -> Result<Machine, String> {
        let mut machine = machine(&self.id, self.dns_name.as_deref(), self.platform.as_deref())?;
        if let Some(ip) = &self.ip {
            let address =
                ip.trim().parse().map_err(|_| format!("ip `{ip}` is not an IP address"))?;
            machine = machine.with_ip(address);
        }
        if let Some(tags) = &self.tags {
            if let Some(bad) = tags.iter().find(|tag| tag.trim().is_empty()) {
                return Err(format!("tags: `{bad}` is not a tag"));
            }
            machine = machine.with_tags(tags.iter().cloned());
        }
        if let Some(health) = &self.health {
            let known: Vec<_> = HealthStatus::ALL.iter().map(|h| h.as_str()).collect();
            let health = HealthStatus::parse(health).ok_or_else(|| {
                format!("unknown health `{health}` (known: {})", known.join(", "))
            })?;
            machine = machine.with_health(health);
        }
        Ok(machine)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTiming {
    pending_ms: u64,
    in_progress_ms: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFault {
    latency_ms: Option<u64>,
    error_rate: Option<f64>,
    error_status: Option<u16>,
    error_phase: Option<String>,
    drop_rate: Option<f64>,
    drop_phase: Option<String>,
    truncate_rate: Option<f64>,
    malformed_rate: Option<f64>,
    unknown_enum_rate: Option<f64>,
    unknown_field_rate: Option<f64>,
    #[serde(default)]
    non_advancing_next_link: bool,
}

impl RawFile {
    fn settings(self) -> Result<Settings, String> {
        let platforms = self
            .platforms
            .iter()
            .map(|name| {
                OsPlatform::parse(name).ok_or_else(|| {
                    format!("platforms: unknown platform `{name}` (known: {})", platform_names())
                })
            })
            .collect::<Result<_, _>>()?;
        let machines = self
            .machines
            .iter()
            .enumerate()
            .map(|(i, m)| m.machine().map_err(|error| format!("machines[{i}]: {error}")))
            .collect::<Result<_, _>>()?;
        let page_size =
            self.page_size.map(page_size).transpose().map_err(|e| format!("pageSize: {e}"))?;
        let timings = self
            .timings
            .iter()
            .map(|(key, t)| {
                let timing = Timing::new(
                    Duration::from_millis(t.pending_ms),
                    Duration::from_millis(t.in_progress_ms),
                );
                Ok((action_type("timings", key)?, timing))
            })
            .collect::<Result<_, String>>()?;
        let outcomes = self
            .outcomes
            .iter()
            .map(|(key, value)| {
                Ok((action_type("outcomes", key)?, outcome(&format!("outcomes.{key}"), value)?))
            })
            .collect::<Result<_, String>>()?;
        // `*` first, so that a route's own entry replaces it.
        let mut entries: Vec<_> = self.faults.iter().collect();
        entries.sort_by_key(|(name, _)| name.as_str() != "*");
        let mut faults = BTreeMap::new();
        for (name, raw) in entries {
            let rule = raw.rule(&format!("faults.{name}"))?;
            for route in routes(name).map_err(|e| format!("faults: {e}"))? {
                faults.insert(route, rule.clone());
            }
        }
        Ok(Settings {
            port: self.port,
            seed: self.seed,
            machine_count: self.machine_count,
            platforms,
            ambiguous_devices: self.ambiguous_devices,
            machines,
            page_size,
            rate_limits: self.rate_limits,
            arrival_delay_ms: self.arrival_delay_ms,
            arrival_jitter_ms: self.arrival_jitter_ms,
            rate_limit_skew_ms: self.rate_limit_skew_ms,
            timings,
            outcomes,
            faults,
        })
    }
}

impl RawFault {
    fn rule(&self, what: &str) -> Result<FaultRule, String> {
        let rate = |name: &str, value: Option<f64>| {
            value.map_or(Ok(0.0), |value| rate(&format!("{what}.{name}"), value))
        };
        let phase = |name: &str, value: &Option<String>| {
            value.as_deref().map_or(Ok(FaultPhase::BeforeProcessing), |value| {
                phase(&format!("{what}.{name}"), value)
            })
        };
        let error_status = self.error_status.unwrap_or(500);
        if !(500..=599).contains(&error_status) {
            return Err(format!("{what}.errorStatus: {error_status} is not a 5xx status"));
        }
        let mut rule = FaultRule::new()
            .with_latency(Duration::from_millis(self.latency_ms.unwrap_or(0)))
            .with_errors(
                rate("errorRate", self.error_rate)?,
                phase("errorPhase", &self.error_phase)?,
            )
            .with_error_status(error_status)
            .with_drops(rate("dropRate", self.drop_rate)?, phase("dropPhase", &self.drop_phase)?)
            .with_truncation(rate("truncateRate", self.truncate_rate)?)
            .with_malformed_json(rate("malformedRate", self.malformed_rate)?)
            .with_unknown_enum_values(rate("unknownEnumRate", self.unknown_enum_rate)?)
            .with_unknown_fields(rate("unknownFieldRate", self.unknown_field_rate)?);
        if self.non_advancing_next_link {
            rule = rule.with_non_advancing_next_links();
        }
        Ok(rule)
    }
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::operations;

    use super::*;

    /// The example file of the README parses, and says what the README says it does.
    #[test]
    fn the_example_file_is_valid() {
        let text = include_str!("../../examples/config.json");
        let settings = Settings::parse(text).expect("examples/config.json");
        let config = settings.config().expect("config");
        assert_eq!(config.machines.len(), 3);
        assert_eq!(config.machine_count, 0, "listed devices only");
        assert_eq!(config.machines[0].computer_dns_name, "web-01.contoso.local");
        assert_eq!(config.machines[0].os_platform, OsPlatform::WindowsServer2022);
        assert_eq!(config.page_size, 2);
        assert_eq!(
            config.timings.get(&MachineActionType::RunAntiVirusScan),
            &Timing::new(Duration::from_secs(5), Duration::from_secs(60))
        );
        assert_eq!(*config.outcomes.get(&MachineActionType::RunAntiVirusScan), Outcome::TimeOut);
        assert!(matches!(
            config.outcomes.get(&MachineActionType::LiveResponse),
            Outcome::Random { .. }
        ));
        assert_eq!(*config.outcomes.get(&MachineActionType::Isolate), Outcome::Succeeded);
        let rule = &config.faults[&Route::Api(&operations::GET_MACHINE_ACTION)];
        assert_eq!((rule.error_rate, rule.error_status), (0.1, 503));
        assert_eq!(rule.latency, Duration::from_millis(300));
    }

    #[test]
    fn every_setting() {
        let text = r#"{
            "port": 8080,
            "seed": 42,
            "machineCount": 2,
            "platforms": ["linux", "macOS"],
            "ambiguousDevices": false,
            "machines": [
                {"id": "AbC-1", "dnsName": "a.example", "platform": "WindowsServer2019"},
                {"id": "def_2"},
                {"id": "ghi3", "dnsName": "", "platform": "linux"},
                {"id": "jkl4", "ip": "10.1.2.3", "tags": ["VIP", "Prod-Web"], "health": "inactive"}
            ],
            "pageSize": 5,
            "rateLimits": false,
            "timings": {
                "default": {"pendingMs": 10, "inProgressMs": 20},
                "isolate": {"pendingMs": 1500, "inProgressMs": 0}
            },
            "outcomes": {
                "default": "failed",
                "Isolate": "Succeeded",
                "RunAntiVirusScan": {"failed": 0.25, "timedOut": 0.5},
                "Offboard": "TimeOut"
            },
            "faults": {
                "*": {"latencyMs": 5},
                "isolateMachine": {"errorRate": 0.5, "errorPhase": "either", "dropRate": 1, "dropPhase": "after"},
                "listMachineActions": {"nonAdvancingNextLink": true, "truncateRate": 0.1,
                    "malformedRate": 0.2, "unknownEnumRate": 0.3, "unknownFieldRate": 0.4}
            }
        }"#;
        let settings = Settings::parse(text).expect("parses");
        assert_eq!(settings.port, Some(8080));
        let config = settings.config().expect("config");
        assert_eq!((config.port, config.seed, config.machine_count), (8080, 42, 2));
        assert_eq!(config.platforms, [OsPlatform::Linux, OsPlatform::MacOs]);
        assert_eq!(
            config.machines,
            [
                Machine::new("AbC-1", "a.example", OsPlatform::WindowsServer2019),
                Machine::new("def_2", "desktop-def_2.contoso.local", OsPlatform::Windows11),
                Machine::new("ghi3", "ubuntu-ghi3.contoso.local", OsPlatform::Linux),
                Machine::new("jkl4", "desktop-jkl4.contoso.local", OsPlatform::Windows11)
                    .with_ip("10.1.2.3".parse().expect("IP"))
                    .with_tags(["VIP", "Prod-Web"])
                    .with_health(HealthStatus::Inactive),
            ]
        );
        assert!(!config.ambiguous_devices);
        assert_eq!(config.machines[3].health_status, HealthStatus::Inactive);
        assert_eq!(config.page_size, 5);
        assert!(!config.rate_limits);
        let ms = Duration::from_millis;
        assert_eq!(config.timings.default, Timing::new(ms(10), ms(20)));
        assert_eq!(config.timings.get(&MachineActionType::Isolate), &Timing::new(ms(1500), ms(0)));
        assert_eq!(config.timings.get(&MachineActionType::Offboard), &Timing::new(ms(10), ms(20)));
        assert_eq!(config.outcomes.default, Outcome::Failed);
        assert_eq!(*config.outcomes.get(&MachineActionType::Isolate), Outcome::Succeeded);
        assert_eq!(*config.outcomes.get(&MachineActionType::Offboard), Outcome::TimeOut);
        assert_eq!(
            *config.outcomes.get(&MachineActionType::RunAntiVirusScan),
            Outcome::Random { failed: 0.25, timed_out: 0.5 }
        );
        assert_eq!(
            config.faults.len(),
            Route::all().filter(|route| route.is_api()).count(),
            "`*` covers the API routes, not token and download"
        );
        assert_eq!(
            config.faults[&Route::Api(&operations::GET_PACKAGE_URI)],
            FaultRule::new().with_latency(ms(5))
        );
        assert_eq!(
            config.faults[&Route::Api(&operations::ISOLATE_MACHINE)],
            FaultRule::new()
                .with_errors(0.5, FaultPhase::Either)
                .with_drops(1.0, FaultPhase::AfterProcessing),
            "a route's own entry replaces `*`"
        );
        assert_eq!(
            config.faults[&Route::Api(&operations::LIST_MACHINE_ACTIONS)],
            FaultRule::new()
                .with_non_advancing_next_links()
                .with_truncation(0.1)
                .with_malformed_json(0.2)
                .with_unknown_enum_values(0.3)
                .with_unknown_fields(0.4)
        );
    }

    #[test]
    fn an_empty_file_keeps_the_defaults() {
        let config = Settings::parse("{}").expect("parses").config().expect("config");
        let defaults = Config::default();
        assert_eq!((config.seed, config.machine_count), (defaults.seed, defaults.machine_count));
        assert_eq!(config.page_size, defaults.page_size);
        assert!(config.machines.is_empty() && config.faults.is_empty());
        assert_eq!(config.timings, defaults.timings);
        assert_eq!(config.outcomes, defaults.outcomes);
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("", "EOF while parsing"),
            ("[]", "expected a JSON object"),
            (r#"{"seed": 1,}"#, "trailing comma at line 1 column 12"),
            (r#"{"machine": []}"#, "unknown field `machine`"),
            (r#"{"seed": -1}"#, "invalid value"),
            (r#"{"port": 70000}"#, "invalid value"),
            (r#"{"machines": [{"dnsName": "x"}]}"#, "missing field `id`"),
            (
                r#"{"machines": [{"id": "a/b"}]}"#,
                "machines[0]: device id `a/b`: `/` is not allowed",
            ),
            (
                r#"{"machines": [{"id": "a", "platform": "Windows7"}]}"#,
                "unknown platform `Windows7`",
            ),
            (r#"{"machines": [{"id": "a", "dnsName": "a b"}]}"#, "contains a space"),
            (r#"{"machines": [{"id": "a", "ip": "10.1.2"}]}"#, "machines[0]: ip `10.1.2` is not"),
            (r#"{"machines": [{"id": "a", "tags": ["x", " "]}]}"#, "tags: ` ` is not a tag"),
            (r#"{"machines": [{"id": "a", "health": "Sleepy"}]}"#, "unknown health `Sleepy`"),
            (r#"{"ambiguousDevices": "no"}"#, "invalid type"),
            (r#"{"platforms": ["BeOS"]}"#, "platforms: unknown platform `BeOS`"),
            (r#"{"pageSize": 0}"#, "pageSize: page size 0 is not between 1 and 10000"),
            (r#"{"pageSize": 10001}"#, "page size 10001"),
            (r#"{"timings": {"Isolate": {"pendingMs": 1}}}"#, "missing field `inProgressMs`"),
            (
                r#"{"timings": {"Isolation": {"pendingMs": 1, "inProgressMs": 1}}}"#,
                "timings: unknown action type `Isolation`",
            ),
            (r#"{"outcomes": {"Isolate": "Done"}}"#, "outcomes.Isolate: expected"),
            (r#"{"outcomes": {"Isolate": {"failed": 2}}}"#, "outcomes.Isolate.failed: 2"),
            (r#"{"outcomes": {"Isolate": {"failed": 0.6, "timedOut": 0.6}}}"#, "more than 1"),
            (r#"{"outcomes": {"Isolate": {"fail": 0.5}}}"#, "outcomes.Isolate: expected"),
            (r#"{"faults": {"isolate": {}}}"#, "faults: unknown route `isolate`"),
            (r#"{"faults": {"isolateMachine": {"errorRate": 1.5}}}"#, "errorRate: 1.5"),
            (r#"{"faults": {"isolateMachine": {"errorStatus": 404}}}"#, "not a 5xx status"),
            (r#"{"faults": {"isolateMachine": {"errorPhase": "later"}}}"#, "errorPhase"),
            (r#"{"faults": {"isolateMachine": {"latency": 5}}}"#, "unknown field `latency`"),
        ];
        for (text, expected) in cases {
            let error = Settings::parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
        let config = |text| Settings::parse(text).expect(text).config().expect_err(text);
        assert!(config(r#"{"machineCount": 0}"#).starts_with("no devices"));
        assert!(config(r#"{"machines": [{"id": "a"}, {"id": "A"}]}"#).contains("two devices"));
    }
}
