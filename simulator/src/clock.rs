//! [`Clock`]: the simulator's notion of time, which drives every action's progress, the rate
//! limits, token lifetimes and link expiry.
//!
//! In [`ClockMode::Runtime`] it follows tokio's clock (`tokio::time::Instant`): real time in a
//! normal program, virtual time in a test started with `#[tokio::test(start_paused = true)]`,
//! where tokio jumps ahead whenever every task is waiting on a timer. In
//! [`ClockMode::Manual`] it stands still until [`Clock::advance`] moves it. In both modes
//! `advance` adds to the time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use mde_machine_actions::Timestamp;
use time::OffsetDateTime;
use tokio::time::Instant;

/// How the simulator's clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// Follows tokio's clock: real time, or tokio's paused test time. The default.
    #[default]
    Runtime,
    /// Stands still; only [`Clock::advance`] moves it.
    Manual,
}

/// A shared, controllable clock. Cheap to clone; clones share the time.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    mode: ClockMode,
    start: Instant,
    epoch: OffsetDateTime,
    offset: Mutex<Duration>,
}

impl Clock {
    /// A clock in `mode` whose time zero is the wall-clock instant `epoch`.
    pub fn new(mode: ClockMode, epoch: OffsetDateTime) -> Self {
        let inner =
            Inner { mode, start: Instant::now(), epoch, offset: Mutex::new(Duration::ZERO) };
        Self { inner: Arc::new(inner) }
    }

    /// How the clock moves.
    pub fn mode(&self) -> ClockMode {
        self.inner.mode
    }

    /// Simulated time since the clock was created.
    pub fn elapsed(&self) -> Duration {
        let offset = *self.inner.offset.lock().unwrap_or_else(PoisonError::into_inner);
        match self.inner.mode {
            ClockMode::Runtime => offset + self.inner.start.elapsed(),
            ClockMode::Manual => offset,
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.inner.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
    }

    /// The wall-clock time now.
    pub fn wall(&self) -> OffsetDateTime {
        self.wall_at(self.elapsed())
    }

    /// The wall-clock time `elapsed` after time zero.
    pub fn wall_at(&self, elapsed: Duration) -> OffsetDateTime {
        self.inner
            .epoch
            .saturating_add(time::Duration::try_from(elapsed).unwrap_or(time::Duration::MAX))
    }
}

/// `at` as the service writes it: UTC with 7 fraction digits (`2019-01-02T14:39:38.2262283Z`),
/// or, with `trim`, without trailing zeros in the fraction (as recorded responses show for
/// `lastUpdateDateTimeUtc` and command times).
pub fn timestamp(at: OffsetDateTime, trim: bool) -> Timestamp {
    let at = at.to_offset(time::UtcOffset::UTC);
    let mut fraction = format!("{:07}", at.nanosecond() / 100);
    if trim {
        while fraction.len() > 1 && fraction.ends_with('0') {
            fraction.pop();
        }
    }
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{fraction}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    text.parse().unwrap_or_else(|_| Timestamp::from(at))
}

/// `at` to the second, as storage links write their expiry (`2021-02-04T16:13:50Z`).
pub fn seconds_text(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_seven_digits_and_trims() {
        let at = time::macros::datetime!(2019-01-02 14:39:38.226_228_300 UTC);
        assert_eq!(timestamp(at, false).as_str(), "2019-01-02T14:39:38.2262283Z");
        let round = time::macros::datetime!(2019-01-02 14:39:38.5 UTC);
        assert_eq!(timestamp(round, false).as_str(), "2019-01-02T14:39:38.5000000Z");
        assert_eq!(timestamp(round, true).as_str(), "2019-01-02T14:39:38.5Z");
        assert_eq!(seconds_text(round), "2019-01-02T14:39:38Z");
    }

    #[tokio::test]
    async fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::new(ClockMode::Manual, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(clock.elapsed(), Duration::ZERO);
        clock.advance(Duration::from_secs(90));
        assert_eq!(clock.elapsed(), Duration::from_secs(90));
        assert_eq!(clock.wall().unix_timestamp(), 90);
    }

    #[tokio::test(start_paused = true)]
    async fn runtime_clock_follows_paused_tokio_time() {
        let clock = Clock::new(ClockMode::Runtime, OffsetDateTime::UNIX_EPOCH);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(60));
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.elapsed(), Duration::from_secs(61));
    }
}
