//! [`RateBudget`]: client-side pacing under each operation's documented quotas, so bulk work
//! waits its turn instead of collecting 429s. Clones of a client share one budget.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::operation::{Operation, RateLimit};

/// Per-operation sliding windows built from the spec's documented rate limits.
#[derive(Debug, Clone)]
pub struct RateBudget {
    /// Share of each documented quota this client may use (1.0 = all of it).
    fraction: f64,
    windows: Arc<Mutex<BTreeMap<&'static str, Vec<Window>>>>,
}

#[derive(Debug)]
struct Window {
    calls: usize,
    per: Duration,
    sent: VecDeque<Instant>,
}

impl Default for RateBudget {
    /// The documented quotas, in full.
    fn default() -> Self {
        Self::documented()
    }
}

impl RateBudget {
    /// Paces every operation at its documented quotas.
    pub fn documented() -> Self {
        Self::fraction_of_documented(1.0)
    }

    /// Paces at a share of the documented quotas (e.g. `0.5` when two processes share one
    /// tenant's quota). Values outside `(0, 1]` are clamped.
    pub fn fraction_of_documented(fraction: f64) -> Self {
        let fraction =
            if fraction.is_finite() { fraction.clamp(f64::MIN_POSITIVE, 1.0) } else { 1.0 };
        Self { fraction, windows: Arc::default() }
    }

    /// No pacing at all: every call goes out at once (the service's 429s still apply).
    pub fn disabled() -> Self {
        Self { fraction: 0.0, windows: Arc::default() }
    }

    /// True unless [`RateBudget::disabled`].
    pub fn is_enabled(&self) -> bool {
        self.fraction > 0.0
    }

    /// Waits until one more request of `operation` fits every one of its quotas, then counts
    /// it.
    pub async fn acquire(&self, operation: &Operation) {
        if !self.is_enabled() || operation.rate_limits.is_empty() {
            return;
        }
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
        let mut all = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let windows = all
            .entry(operation.name)
            .or_insert_with(|| operation.rate_limits.iter().map(|l| self.window(l)).collect());
        let mut wait = Duration::ZERO;
        for window in windows.iter_mut() {
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
        for window in windows.iter_mut() {
            window.sent.push_back(now);
        }
        None
    }

    fn window(&self, limit: &RateLimit) -> Window {
        let calls = ((f64::from(limit.calls) * self.fraction).floor() as usize).max(1);
        Window { calls, per: limit.per, sent: VecDeque::with_capacity(calls) }
    }
}
