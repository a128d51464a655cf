//! [`Timestamp`]: an RFC 3339 date-time that is written back exactly as it was read.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, Sub};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time as the service writes it (`2019-01-02T14:39:38.2262283Z`).
///
/// Any number of fraction digits (0 to 9) and either `Z` or a numeric offset are accepted. The
/// original text is kept, so serializing gives back exactly what came in; comparisons use the
/// instant, so `…:38.5Z` equals `…:38.500Z` and `…T16:00:00+02:00` equals `…T14:00:00Z`.
#[derive(Clone)]
pub struct Timestamp {
    value: OffsetDateTime,
    text: Box<str>,
}

/// Why a string is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    text: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not an RFC 3339 timestamp", self.text)
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// The instant, with the offset it was written in.
    pub fn to_offset_date_time(&self) -> OffsetDateTime {
        self.value
    }

    /// The text exactly as received (or as formatted, for values built from an instant).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The current time, in UTC, written as the service writes times (7 fraction digits, `Z`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mde_runtime::Timestamp;
    ///
    /// let day_ago = Timestamp::now() - Duration::from_secs(24 * 60 * 60);
    /// assert!(day_ago < Timestamp::now());
    /// assert!(day_ago.as_str().ends_with('Z'));
    /// ```
    pub fn now() -> Self {
        Self::in_service_form(OffsetDateTime::now_utc())
    }

    /// This instant moved forward by `duration`; `None` past year 9999.
    pub fn checked_add(&self, duration: Duration) -> Option<Self> {
        let value = self.value.checked_add(time::Duration::try_from(duration).ok()?)?;
        Some(Self::in_service_form(value))
    }

    /// This instant moved back by `duration`; `None` before year 1.
    pub fn checked_sub(&self, duration: Duration) -> Option<Self> {
        let value = self.value.checked_sub(time::Duration::try_from(duration).ok()?)?;
        Some(Self::in_service_form(value))
    }

    /// The instant in UTC, to the 100 ns the service keeps, written with 7 fraction digits and
    /// `Z` (`2019-01-02T14:39:38.2262283Z`).
    fn in_service_form(value: OffsetDateTime) -> Self {
        let value = value.to_offset(time::UtcOffset::UTC);
        let value = value.replace_nanosecond(value.nanosecond() / 100 * 100).unwrap_or(value);
        let text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
            value.year(),
            u8::from(value.month()),
            value.day(),
            value.hour(),
            value.minute(),
            value.second(),
            value.nanosecond() / 100
        );
        Self { value, text: text.into() }
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;

    /// # Panics
    ///
    /// When the result is past year 9999 (see [`Timestamp::checked_add`]).
    fn add(self, duration: Duration) -> Timestamp {
        self.checked_add(duration).expect("timestamp out of range")
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;

    /// # Panics
    ///
    /// When the result is before year 1 (see [`Timestamp::checked_sub`]).
    fn sub(self, duration: Duration) -> Timestamp {
        self.checked_sub(duration).expect("timestamp out of range")
    }
}

impl From<SystemTime> for Timestamp {
    /// The instant in the service's form (UTC, 7 fraction digits).
    fn from(time: SystemTime) -> Self {
        Self::in_service_form(OffsetDateTime::from(time))
    }
}

impl From<Timestamp> for SystemTime {
    fn from(timestamp: Timestamp) -> Self {
        SystemTime::from(timestamp.value)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || TimestampError { text: text.to_owned() };
        let fraction_digits = text
            .split_once('.')
            .map_or(0, |(_, rest)| rest.bytes().take_while(u8::is_ascii_digit).count());
        if fraction_digits > 9 {
            return Err(error());
        }
        let value = OffsetDateTime::parse(text, &Rfc3339).map_err(|_| error())?;
        Ok(Self { value, text: text.into() })
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        // Formatting a valid `OffsetDateTime` as RFC 3339 only fails for years outside
        // 0..=9999 or offsets with seconds; fall back to the Display form for those.
        let text = value.format(&Rfc3339).unwrap_or_else(|_| value.to_string());
        Self { value, text: text.into() }
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.value
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.unix_timestamp_nanos().hash(state);
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(TimestampVisitor)
    }
}
