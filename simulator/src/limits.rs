//! Per-operation rate limits with the quotas the spec documents for each operation
//! (`Operation::rate_limits`: 100 calls a minute and 1,500 an hour for most methods, 2 a
//! minute and 120 an hour for the package URI, 10 a minute for live response), counted in
//! sliding windows on the simulator's clock. A call over a quota gets 429 with `Retry-After`
//! (seconds) and is not counted. The token and download routes have none.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::route::Route;

#[derive(Debug)]
struct Window {
    calls: usize,
    per: Duration,
    hits: VecDeque<Duration>,
}

/// Sliding windows per route.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    enabled: bool,
    windows: BTreeMap<Route, Vec<Window>>,
}

impl RateLimiter {
    pub fn new(enabled: bool) -> Self {
        Self { enabled, windows: BTreeMap::new() }
    }

    /// Counts a call to `route` at `now` if it fits every quota; otherwise returns how long
    /// until it would.
    pub fn check(&mut self, route: Route, now: Duration) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let windows = self.windows.entry(route).or_insert_with(|| {
            route
                .rate_limits()
                .iter()
                .map(|limit| Window {
                    calls: limit.calls as usize,
                    per: limit.per,
                    hits: VecDeque::new(),
                })
                .collect()
        });
        let mut wait = Duration::ZERO;
        for window in windows.iter_mut() {
            while window.hits.front().is_some_and(|hit| now.saturating_sub(*hit) >= window.per) {
                window.hits.pop_front();
            }
            if window.hits.len() >= window.calls {
                let oldest = window.hits[window.hits.len() - window.calls];
                wait = wait.max(window.per.saturating_sub(now.saturating_sub(oldest)));
            }
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for window in windows.iter_mut() {
            window.hits.push_back(now);
        }
        Ok(())
    }
}

/// `wait` as a `Retry-After` value: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::operations;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn package_uri_allows_two_a_minute() {
        let mut limiter = RateLimiter::new(true);
        let package = Route::from(&operations::GET_PACKAGE_URI);
        let t = Duration::from_secs(10);
        assert!(limiter.check(package, t).is_ok());
        assert!(limiter.check(package, t).is_ok());
        let wait = limiter.check(package, t + Duration::from_millis(500)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(59_500));
        assert_eq!(retry_after_seconds(wait), 60);
        assert!(limiter.check(package, t + MINUTE).is_ok());
        for _ in 0..1000 {
            assert!(limiter.check(Route::Token, t).is_ok());
        }
    }

    #[test]
    fn hundred_a_minute_then_hourly_quota() {
        let mut limiter = RateLimiter::new(true);
        let isolate = Route::from(&operations::ISOLATE_MACHINE);
        for minute in 0..15u32 {
            for _ in 0..100 {
                assert!(limiter.check(isolate, MINUTE * minute).is_ok());
            }
            assert!(limiter.check(isolate, MINUTE * minute).is_err());
        }
        // 1,500 calls in the hour: the next minute is refused by the hourly window.
        let wait = limiter.check(isolate, MINUTE * 15).unwrap_err();
        assert_eq!(wait, HOUR - MINUTE * 15);
        assert!(RateLimiter::new(false).check(isolate, Duration::ZERO).is_ok());
    }
}
