//! [`RetryPolicy`]: how often and how long to retry, and reading `Retry-After`.
//!
//! Which failures are retried is decided by the HTTP core from the operation's retry safety;
//! this module only bounds the attempts and computes the waits.

use std::time::{Duration, SystemTime};

/// Bounds on retrying one call.
///
/// ```
/// use std::time::Duration;
/// use mde_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(6)
///     .with_max_retry_after(Duration::from_secs(60));
/// assert_eq!(policy.max_attempts(), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 500 ms capped at 30 s, `Retry-After` honoured up to 5 minutes.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn never() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Total attempts per call, the first included (1: no retries).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// First backoff step; each later step doubles, up to [`max_backoff`](Self::max_backoff).
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Largest backoff step.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Longest `Retry-After` the client waits out; a longer one fails the call at once with
    /// [`Error::RateLimited`](crate::Error::RateLimited).
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Sets the total attempts per call, the first included (0 counts as 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff step.
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest backoff step.
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` the client waits out.
    #[must_use]
    pub fn with_max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The wait before retry number `retry` (1-based): "full jitter", a random duration between
    /// half the capped exponential step and the whole step.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let step = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        let half = step / 2;
        half + step.saturating_sub(half).mul_f64(fastrand::f64())
    }
}

/// Parses a `Retry-After` value: delay seconds (`120`) or an HTTP date, relative to `now`.
#[doc(hidden)]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 1..20 {
            let wait = policy.backoff(retry);
            let step = policy.initial_backoff.saturating_mul(1 << (retry - 1).min(16));
            assert!(wait <= step.min(policy.max_backoff), "retry {retry}: {wait:?}");
            assert!(wait >= step.min(policy.max_backoff) / 2, "retry {retry}: {wait:?}");
        }
    }
}
