//! Per-operation rate limits with the documented quotas, counted in sliding windows on the
//! simulator's clock: 100 calls a minute and 1,500 an hour for most methods, 2 a minute and
//! 120 an hour for the package URI, 10 a minute for live response. A call over a quota gets
//! 429 with `Retry-After` (seconds) and is not counted.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::route::Route;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// The documented quotas of `route`, as (calls, window); empty for the token and download
/// routes.
pub fn documented_quotas(route: Route) -> &'static [(u32, Duration)] {
    match route {
        Route::GetPackageUri => &[(2, MINUTE), (120, HOUR)],
        Route::RunLiveResponse => &[(10, MINUTE)],
        Route::Token | Route::Download => &[],
        _ => &[(100, MINUTE), (1500, HOUR)],
    }
}

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
            documented_quotas(route)
                .iter()
                .map(|&(calls, per)| Window { calls: calls as usize, per, hits: VecDeque::new() })
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
    use super::*;

    #[test]
    fn package_uri_allows_two_a_minute() {
        let mut limiter = RateLimiter::new(true);
        let t = Duration::from_secs(10);
        assert!(limiter.check(Route::GetPackageUri, t).is_ok());
        assert!(limiter.check(Route::GetPackageUri, t).is_ok());
        let wait = limiter.check(Route::GetPackageUri, t + Duration::from_millis(500)).unwrap_err();
        assert_eq!(wait, Duration::from_millis(59_500));
        assert_eq!(retry_after_seconds(wait), 60);
        assert!(limiter.check(Route::GetPackageUri, t + MINUTE).is_ok());
        assert!(limiter.check(Route::Token, t).is_ok());
    }

    #[test]
    fn hundred_a_minute_then_hourly_quota() {
        let mut limiter = RateLimiter::new(true);
        for minute in 0..15u64 {
            for _ in 0..100 {
                assert!(limiter.check(Route::IsolateMachine, MINUTE * minute as u32).is_ok());
            }
            assert!(limiter.check(Route::IsolateMachine, MINUTE * minute as u32).is_err());
        }
        // 1,500 calls in the hour: the next minute is refused by the hourly window.
        let wait = limiter.check(Route::IsolateMachine, MINUTE * 15).unwrap_err();
        assert_eq!(wait, HOUR - MINUTE * 15);
        assert!(RateLimiter::new(false).check(Route::IsolateMachine, Duration::ZERO).is_ok());
    }
}
