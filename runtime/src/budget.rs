//! [`RateBudget`]: client-side pacing under each operation's documented quotas, so bulk work
//! waits its turn instead of collecting 429s. Clones of a client share one budget.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::operation::{Operation, RateLimit};

/// Per-operation sliding windows built from the spec's documented rate limits, with a safety
/// margin, and paused for everyone after a 429.
///
/// [`RateBudget::documented`] (the default) uses the whole documented quota but counts each
/// window **2.5 seconds longer** than documented. The service counts requests when they
/// arrive, the client when it sends them: a request sent 60.0 s after the first of a full
/// minute can arrive, after network latency, queueing and the skew between the service's
/// clocks, inside the service's window, and be refused. The allowance is 2 s of clock skew
/// between the service's front ends plus half a second of latency variation; it costs 4.2% of
/// the throughput of a one-minute quota (100 per 62.5 s) and 0.07% of an hourly one, far less
/// than a 429 and its `Retry-After` wait. (A test isolates 1,000 devices against the simulator
/// with windows 2 s longer and 50 ± 40 ms of latency: no 429, 1.04× the minimum time.)
/// The margin is in time, not in calls: a smaller share of each quota would only slow bulk work
/// further without making a single request safer. When other tools share the tenant's quota,
/// give this client its part with [`fraction_of_documented`](Self::fraction_of_documented).
///
/// When the service answers 429 with a `Retry-After`, the client [`pause`](Self::pause)s that
/// operation's budget: every clone of the client waits out the pause before sending that
/// operation again.
#[derive(Debug, Clone)]
pub struct RateBudget {
    /// Share of each documented quota this client may use (1.0 = all of it).
    fraction: f64,
    /// How much longer than documented each window is counted.
    skew: Duration,
    state: Arc<Mutex<BTreeMap<&'static str, OperationState>>>,
}

/// One operation's windows, and until when the service asked to wait.
#[derive(Debug, Default)]
struct OperationState {
    windows: Vec<Window>,
    paused_until: Option<Instant>,
}

#[derive(Debug)]
struct Window {
    calls: usize,
    per: Duration,
    sent: VecDeque<Instant>,
}

impl Default for RateBudget {
    /// [`RateBudget::documented`].
    fn default() -> Self {
        Self::documented()
    }
}

impl RateBudget {
    /// Share of each documented quota [`documented`](Self::documented) uses: all of it (the
    /// margin is [`DEFAULT_SKEW`](Self::DEFAULT_SKEW), in time).
    pub const DEFAULT_SHARE: f64 = 1.0;

    /// How much longer than documented [`documented`](Self::documented) counts each window:
    /// 2.5 seconds.
    pub const DEFAULT_SKEW: Duration = Duration::from_millis(2500);

    /// Paces every operation at its documented quotas, each window counted 2.5 s longer than
    /// documented (see the type's docs for why).
    pub fn documented() -> Self {
        Self::fraction_of_documented(Self::DEFAULT_SHARE)
    }

    /// Paces at exactly the documented quotas and windows, with no margin: a request can then
    /// land inside the service's window and be refused.
    pub fn exact() -> Self {
        Self::fraction_of_documented(1.0).with_skew(Duration::ZERO)
    }

    /// Paces at a share of the documented quotas (e.g. `0.45` when two processes share one
    /// tenant's quota), windows counted [`DEFAULT_SKEW`](Self::DEFAULT_SKEW) longer. Values
    /// outside `(0, 1]` are clamped.
    pub fn fraction_of_documented(fraction: f64) -> Self {
        let fraction =
            if fraction.is_finite() { fraction.clamp(f64::MIN_POSITIVE, 1.0) } else { 1.0 };
        Self { fraction, skew: Self::DEFAULT_SKEW, state: Arc::default() }
    }

    /// The same budget, each window counted `skew` longer than documented (for latency and
    /// clock skew between this machine and the service).
    #[must_use]
    pub fn with_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// No pacing at all: every call goes out at once (the service's 429s still apply, and
    /// still pause the operation for every clone).
    pub fn disabled() -> Self {
        Self { fraction: 0.0, skew: Duration::ZERO, state: Arc::default() }
    }

    /// True unless [`RateBudget::disabled`].
    pub fn is_enabled(&self) -> bool {
        self.fraction > 0.0
    }

    /// Share of each documented quota this budget uses (0 when disabled).
    pub fn share(&self) -> f64 {
        self.fraction
    }

    /// How much longer than documented each window is counted.
    pub fn skew(&self) -> Duration {
        self.skew
    }

    /// Holds back every request of `operation`, from every clone of the client, for `wait`
    /// (what a 429's `Retry-After` asked). A longer pause already in force is kept.
    pub fn pause(&self, operation: &Operation, wait: Duration) {
        let until = Instant::now() + wait;
        let mut all = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = all.entry(operation.name).or_default();
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
    }

    /// Waits until one more request of `operation` fits every one of its quotas, then counts
    /// it.
    pub async fn acquire(&self, operation: &Operation) {
        loop {
            let wait = self.try_take(operation);
            match wait {
                None => return,
                Some(wait) => {
                    tracing::debug!(
                        operation = operation.name,
                        wait_ms = wait.as_millis() as u64,
                        "waiting for rate budget"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Counts a request if it fits now; otherwise returns how long until it might.
    fn try_take(&self, operation: &Operation) -> Option<Duration> {
        let now = Instant::now();
        let mut all = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let state = all.entry(operation.name).or_default();
        if let Some(until) = state.paused_until {
            if until > now {
                return Some(until - now);
            }
            state.paused_until = None;
        }
        if !self.is_enabled() || operation.rate_limits.is_empty() {
            return None;
        }
        if state.windows.is_empty() {
            state.windows = operation.rate_limits.iter().map(|l| self.window(l)).collect();
        }
        let mut wait = Duration::ZERO;
        for window in state.windows.iter_mut() {
            while window.sent.front().is_some_and(|t| now.duration_since(*t) >= window.per) {
                window.sent.pop_front();
            }
            if window.sent.len() >= window.calls {
                let oldest = window.sent[window.sent.len() - window.calls];
                wait = wait.max(window.per.saturating_sub(now.duration_since(oldest)));
            }
        }
        if wait > Duration::ZERO {
            return Some(wait);
        }
        for window in state.windows.iter_mut() {
            window.sent.push_back(now);
        }
        None
    }

    fn window(&self, limit: &RateLimit) -> Window {
        let calls = ((f64::from(limit.calls) * self.fraction).floor() as usize).max(1);
        Window { calls, per: limit.per + self.skew, sent: VecDeque::with_capacity(calls) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Verb;

    const LIMITS: &[RateLimit] = &[
        RateLimit::new(100, Duration::from_secs(60)),
        RateLimit::new(1500, Duration::from_secs(3600)),
    ];
    const ISOLATE: Operation =
        Operation::new("isolateMachine", Verb::Post, "/api/machines/{id}/isolate")
            .with_rate_limits(LIMITS);

    /// Acquires `count` times in a row; returns the virtual instant of each, from the start.
    async fn acquire_times(budget: &RateBudget, count: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            budget.acquire(&ISOLATE).await;
            times.push(start.elapsed());
        }
        times
    }

    #[tokio::test(start_paused = true)]
    async fn the_hourly_window_holds_with_the_margin() {
        let budget = RateBudget::documented();
        let times = acquire_times(&budget, 1501).await;
        // 100 per 62.5 s: the first 1,500 go in 15 windows...
        assert_eq!(times[99], Duration::ZERO);
        assert_eq!(times[100], Duration::from_millis(62_500));
        assert_eq!(times[1499], Duration::from_millis(14 * 62_500));
        // ...and the next waits for the first to leave the hour (plus the skew allowance).
        assert_eq!(times[1500], Duration::from_millis(3_602_500));
        // Never more than the documented quotas within any documented window.
        for (i, at) in times.iter().enumerate() {
            let in_hour = times[i..].iter().take_while(|t| **t - *at < Duration::from_secs(3600));
            assert!(in_hour.count() <= 1500);
            let in_minute = times[i..].iter().take_while(|t| **t - *at < Duration::from_secs(60));
            assert!(in_minute.count() <= 100);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_exact_budget_uses_the_whole_hourly_quota() {
        let budget = RateBudget::exact();
        let times = acquire_times(&budget, 1501).await;
        assert_eq!(times[99], Duration::ZERO);
        assert_eq!(times[100], Duration::from_secs(60));
        assert_eq!(times[1499], Duration::from_secs(14 * 60));
        assert_eq!(times[1500], Duration::from_secs(3600));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_clone_and_only_that_operation() {
        let budget = RateBudget::documented();
        let clone = budget.clone();
        const OTHER: Operation = Operation::new("getMachineAction", Verb::Get, "/x");
        budget.pause(&ISOLATE, Duration::from_secs(30));
        budget.pause(&ISOLATE, Duration::from_secs(5)); // a shorter pause keeps the longer one
        let start = Instant::now();
        clone.acquire(&OTHER).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        clone.acquire(&ISOLATE).await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        // A disabled budget still honours the service's pause.
        let disabled = RateBudget::disabled();
        disabled.pause(&OTHER, Duration::from_secs(7));
        disabled.clone().acquire(&OTHER).await;
        assert_eq!(start.elapsed(), Duration::from_secs(37));
    }

    #[test]
    fn defaults_are_ninety_percent_and_two_seconds() {
        let budget = RateBudget::default();
        assert_eq!((budget.share(), budget.skew()), (1.0, Duration::from_millis(2500)));
        let exact = RateBudget::exact();
        assert_eq!((exact.share(), exact.skew()), (1.0, Duration::ZERO));
        assert!(!RateBudget::disabled().is_enabled());
        assert_eq!(RateBudget::fraction_of_documented(7.0).share(), 1.0);
    }
}
