//! Per-operation rate limits with the quotas the spec documents for each operation
//! (`Operation::rate_limits`: 100 calls a minute and 1,500 an hour for most methods, 2 a
//! minute and 120 an hour for the package URI, 10 a minute for live response), counted in
//! sliding windows on the simulator's clock. A call over a quota gets 429 with `Retry-After`
//! (seconds) and is not counted. The token and download routes have none.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::route::Route;

/// How the service's counting differs from the client's clock: requests are counted when they
/// arrive (`delay` ± `jitter` after they were sent), and the service's windows, measured on
/// front ends whose clocks disagree by up to `skew`, can be that much longer than documented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counting {
    pub delay: Duration,
    pub jitter: Duration,
    pub skew: Duration,
}

#[derive(Debug)]
struct Window {
    calls: usize,
    per: Duration,
    /// Arrival times counted, in order.
    hits: VecDeque<Duration>,
}

impl Window {
    /// How long until a request arriving at `arrival` fits, or zero if it fits now: no span of
    /// `per` may hold more than `calls` arrivals, counting this one where it falls in order.
    fn wait(&self, arrival: Duration) -> Duration {
        let at = self.hits.partition_point(|hit| *hit <= arrival);
        let mut with: Vec<Duration> = Vec::with_capacity(self.calls * 2 + 1);
        let from = at.saturating_sub(self.calls);
        with.extend(self.hits.range(from..at));
        with.push(arrival);
        with.extend(self.hits.range(at..(at + self.calls).min(self.hits.len())));
        let mut wait = Duration::ZERO;
        for pair in with.windows(self.calls + 1) {
            let span = pair[self.calls].saturating_sub(pair[0]);
            if span < self.per {
                wait = wait.max(self.per - span);
            }
        }
        wait
    }

    fn count(&mut self, arrival: Duration, keep: Duration) {
        let at = self.hits.partition_point(|hit| *hit <= arrival);
        self.hits.insert(at, arrival);
        let latest = self.hits.back().copied().unwrap_or(arrival);
        while self.hits.front().is_some_and(|hit| latest.saturating_sub(*hit) >= keep) {
            self.hits.pop_front();
        }
    }
}

/// Sliding windows per route.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    enabled: bool,
    counting: Counting,
    rng: fastrand::Rng,
    windows: BTreeMap<Route, Vec<Window>>,
}

impl RateLimiter {
    pub fn new(enabled: bool, counting: Counting, seed: u64) -> Self {
        let rng = fastrand::Rng::with_seed(seed ^ 0x0071_3175);
        Self { enabled, counting, rng, windows: BTreeMap::new() }
    }

    /// When a request sent at `now` arrives: `delay` ± `jitter` later.
    fn arrival(&mut self, now: Duration) -> Duration {
        let Counting { delay, jitter, .. } = self.counting;
        let low = delay.saturating_sub(jitter);
        let spread = (delay + jitter).saturating_sub(low);
        now + low + spread.mul_f64(self.rng.f64())
    }

    /// Counts a call to `route` sent at `now` if it fits every quota when it arrives;
    /// otherwise returns how long until it would.
    pub fn check(&mut self, route: Route, now: Duration) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let arrival = self.arrival(now);
        let Counting { skew, jitter, .. } = self.counting;
        let windows = self.windows.entry(route).or_insert_with(|| {
            route
                .rate_limits()
                .iter()
                .map(|limit| Window {
                    calls: limit.calls as usize,
                    per: limit.per + skew,
                    hits: VecDeque::new(),
                })
                .collect()
        });
        let wait = windows.iter().map(|w| w.wait(arrival)).max().unwrap_or_default();
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for window in windows.iter_mut() {
            let keep = window.per + jitter * 2;
            window.count(arrival, keep);
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
        let mut limiter = RateLimiter::new(true, Counting::default(), 1);
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
        let mut limiter = RateLimiter::new(true, Counting::default(), 1);
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
        assert!(
            RateLimiter::new(false, Counting::default(), 1).check(isolate, Duration::ZERO).is_ok()
        );
    }

    #[test]
    fn arrivals_are_counted_in_order_over_windows_stretched_by_the_skew() {
        let counting = Counting {
            delay: Duration::from_millis(50),
            jitter: Duration::from_millis(40),
            skew: Duration::from_secs(2),
        };
        let mut limiter = RateLimiter::new(true, counting, 7);
        let isolate = Route::from(&operations::ISOLATE_MACHINE);
        for _ in 0..100 {
            assert!(limiter.check(isolate, Duration::ZERO).is_ok());
        }
        // 60 s later the documented window has passed, but the service's 62 s one has not.
        let wait = limiter.check(isolate, MINUTE).unwrap_err();
        assert!(
            wait > Duration::from_millis(1900) && wait < Duration::from_millis(2100),
            "{wait:?}"
        );
        // 62.1 s later every earlier arrival (at most 90 ms after 0) is out of the window.
        assert!(limiter.check(isolate, Duration::from_millis(62_100)).is_ok());
    }
}
