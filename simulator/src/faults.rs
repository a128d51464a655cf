//! Fault injection: [`FaultRule`], switchable per route, and the per-request plan drawn
//! from it with the seeded generator.
//!
//! A rule can add latency, answer 5xx (before the request is processed, so nothing happened,
//! or after, so the action exists although the caller saw an error), drop the connection
//! (also before or after processing), truncate or corrupt the JSON body, rename enum values
//! the SDK knows to ones it does not, add unknown fields, and make `@odata.nextLink` point at
//! the page just served.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::reply::Json;
use crate::route::Route;

/// When an injected error or dropped connection happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultPhase {
    /// Before the request is processed: the service did nothing. The default.
    #[default]
    BeforeProcessing,
    /// After the request is processed: the service acted (an action exists), but the caller
    /// sees an error or a broken connection.
    AfterProcessing,
    /// Either, drawn per request with equal odds.
    Either,
}

/// The faults of one route. Rates are probabilities per request, drawn from the simulator's
/// seeded generator.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// Added to every answer.
    pub latency: Duration,
    /// Probability of an injected 5xx.
    pub error_rate: f64,
    /// Status of injected errors (500, 502, 503, ...).
    pub error_status: u16,
    /// When injected errors happen.
    pub error_phase: FaultPhase,
    /// Probability of closing the connection without an answer.
    pub drop_rate: f64,
    /// When connections are dropped.
    pub drop_phase: FaultPhase,
    /// Probability of cutting a JSON body in half.
    pub truncate_rate: f64,
    /// Probability of a JSON body that is not JSON (`json{...`, like a documented example).
    pub malformed_rate: f64,
    /// Probability of enum values the SDK does not know (`status` `Queued`/`Running`,
    /// `commandStatus` `Scheduled`, a device's `healthStatus` `Reporting`) in place of
    /// `Pending`, `InProgress`, `Created` and `Active`.
    pub unknown_enum_rate: f64,
    /// Probability of an extra member (`futureField`) in every JSON object of the answer.
    pub unknown_field_rate: f64,
    /// Listing pages carry an `@odata.nextLink` equal to the URL just requested.
    pub non_advancing_next_link: bool,
}

impl Default for FaultRule {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            error_rate: 0.0,
            error_status: 500,
            error_phase: FaultPhase::BeforeProcessing,
            drop_rate: 0.0,
            drop_phase: FaultPhase::BeforeProcessing,
            truncate_rate: 0.0,
            malformed_rate: 0.0,
            unknown_enum_rate: 0.0,
            unknown_field_rate: 0.0,
            non_advancing_next_link: false,
        }
    }
}

impl FaultRule {
    /// No faults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `latency` to every answer.
    #[must_use]
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Answers HTTP 500 with probability `rate`, at `phase`.
    #[must_use]
    pub fn with_errors(mut self, rate: f64, phase: FaultPhase) -> Self {
        self.error_rate = rate;
        self.error_phase = phase;
        self
    }

    /// Uses `status` for injected errors.
    #[must_use]
    pub fn with_error_status(mut self, status: u16) -> Self {
        self.error_status = status;
        self
    }

    /// Drops the connection with probability `rate`, at `phase`.
    #[must_use]
    pub fn with_drops(mut self, rate: f64, phase: FaultPhase) -> Self {
        self.drop_rate = rate;
        self.drop_phase = phase;
        self
    }

    /// Cuts JSON bodies in half with probability `rate`.
    #[must_use]
    pub fn with_truncation(mut self, rate: f64) -> Self {
        self.truncate_rate = rate;
        self
    }

    /// Sends JSON bodies that are not JSON with probability `rate`.
    #[must_use]
    pub fn with_malformed_json(mut self, rate: f64) -> Self {
        self.malformed_rate = rate;
        self
    }

    /// Sends unknown enum values with probability `rate`.
    #[must_use]
    pub fn with_unknown_enum_values(mut self, rate: f64) -> Self {
        self.unknown_enum_rate = rate;
        self
    }

    /// Adds unknown members with probability `rate`.
    #[must_use]
    pub fn with_unknown_fields(mut self, rate: f64) -> Self {
        self.unknown_field_rate = rate;
        self
    }

    /// Makes listing next links point at the page just served.
    #[must_use]
    pub fn with_non_advancing_next_links(mut self) -> Self {
        self.non_advancing_next_link = true;
        self
    }
}

/// What to do to one request, drawn once from its route's rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plan {
    pub latency: Duration,
    /// Injected error status and whether it comes after processing.
    pub error: Option<(u16, bool)>,
    /// Drop the connection; true: after processing.
    pub drop: Option<bool>,
    pub truncate: bool,
    pub malformed: bool,
    pub unknown_enums: bool,
    pub unknown_fields: bool,
    pub non_advancing_next_link: bool,
}

/// The fault rules in force and the generator their draws come from.
#[derive(Debug)]
pub(crate) struct Faults {
    rules: BTreeMap<Route, FaultRule>,
    rng: fastrand::Rng,
}

impl Faults {
    pub fn new(rules: BTreeMap<Route, FaultRule>, seed: u64) -> Self {
        Self { rules, rng: fastrand::Rng::with_seed(seed ^ 0xFA17_FA17) }
    }

    pub fn set(&mut self, route: Route, rule: Option<FaultRule>) {
        match rule {
            Some(rule) => self.rules.insert(route, rule),
            None => self.rules.remove(&route),
        };
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Draws the plan of one request to `route`.
    pub fn plan(&mut self, route: Route) -> Plan {
        let Some(rule) = self.rules.get(&route) else { return Plan::default() };
        let rng = &mut self.rng;
        let mut hit = |rate: f64| rate > 0.0 && rng.f64() < rate;
        let error = hit(rule.error_rate).then_some(rule.error_status);
        let drop = hit(rule.drop_rate);
        let truncate = hit(rule.truncate_rate);
        let malformed = hit(rule.malformed_rate);
        let unknown_enums = hit(rule.unknown_enum_rate);
        let unknown_fields = hit(rule.unknown_field_rate);
        let mut after = |phase: FaultPhase| match phase {
            FaultPhase::BeforeProcessing => false,
            FaultPhase::AfterProcessing => true,
            FaultPhase::Either => rng.bool(),
        };
        Plan {
            latency: rule.latency,
            error: error.map(|status| (status.clamp(500, 599), after(rule.error_phase))),
            drop: drop.then(|| after(rule.drop_phase)),
            truncate,
            malformed,
            unknown_enums,
            unknown_fields,
            non_advancing_next_link: rule.non_advancing_next_link,
        }
    }
}

/// Replaces the transient enum values the SDK knows with ones it does not.
pub(crate) fn rename_enums(value: &mut Json) {
    match value {
        Json::Object(members) => {
            for (key, member) in members.iter_mut() {
                let replacement = match (key.as_str(), member.as_str()) {
                    ("status", Some("Pending")) => Some("Queued"),
                    ("status", Some("InProgress")) => Some("Running"),
                    ("commandStatus", Some("Created")) => Some("Scheduled"),
                    ("healthStatus", Some("Active")) => Some("Reporting"),
                    _ => None,
                };
                match replacement {
                    Some(text) => *member = Json::from(text),
                    None => rename_enums(member),
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(rename_enums),
        Json::Scalar(_) => {}
    }
}

/// Adds a member the SDK does not model to every object.
pub(crate) fn add_unknown_fields(value: &mut Json) {
    match value {
        Json::Object(members) => {
            members.iter_mut().for_each(|(_, member)| add_unknown_fields(member));
            let future = serde_json::json!({"addedBy": "mde-simulator", "nested": [1, 2]});
            members.retain(|(key, _)| key != "futureField");
            members.push(("futureField".to_owned(), Json::from(future)));
        }
        Json::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        Json::Scalar(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::operations;

    use super::*;

    #[test]
    fn plans_are_deterministic_and_follow_rates() {
        let isolate = Route::from(&operations::ISOLATE_MACHINE);
        let rules =
            BTreeMap::from([(isolate, FaultRule::new().with_errors(0.2, FaultPhase::Either))]);
        let draw = || {
            let mut faults = Faults::new(rules.clone(), 9);
            (0..1000).map(|_| faults.plan(isolate).error).collect::<Vec<_>>()
        };
        let plans = draw();
        assert_eq!(plans, draw());
        let errors = plans.iter().flatten().count();
        assert!((150..250).contains(&errors), "{errors}");
        assert!(plans.iter().flatten().any(|(_, after)| *after));
        assert!(plans.iter().flatten().any(|(_, after)| !*after));
        let mut faults = Faults::new(rules, 9);
        assert_eq!(faults.plan(Route::from(&operations::GET_MACHINE_ACTION)), Plan::default());
    }

    #[test]
    fn mutations() {
        let mut json = Json::from(serde_json::json!(
            {"status": "Pending", "commands": [{"commandStatus": "Created"}], "healthStatus": "Active"}
        ));
        rename_enums(&mut json);
        let value: serde_json::Value = serde_json::from_slice(&json.to_bytes()).unwrap();
        assert_eq!(value["status"], "Queued");
        assert_eq!(value["healthStatus"], "Reporting");
        assert_eq!(value["commands"][0]["commandStatus"], "Scheduled");
        add_unknown_fields(&mut json);
        let value: serde_json::Value = serde_json::from_slice(&json.to_bytes()).unwrap();
        assert!(value["futureField"].is_object());
        assert!(value["commands"][0]["futureField"].is_object());
    }
}
