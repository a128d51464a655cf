//! [`Stats`]: what the simulator answered, per route and status, for assertions such as "no
//! 429 was ever sent".

use std::collections::BTreeMap;

use crate::route::Route;

/// Counts of answers by route and HTTP status, and of dropped connections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    answers: BTreeMap<(Route, u16), u64>,
    dropped: BTreeMap<Route, u64>,
    unmatched: u64,
}

impl Stats {
    pub(crate) fn record(&mut self, route: Option<Route>, status: u16) {
        match route {
            Some(route) => *self.answers.entry((route, status)).or_default() += 1,
            None => self.unmatched += 1,
        }
    }

    pub(crate) fn record_drop(&mut self, route: Route) {
        *self.dropped.entry(route).or_default() += 1;
    }

    /// Answers with `status` on `route` (a [`Route`], or the SDK's operation constant such
    /// as `&operations::ISOLATE_MACHINE`).
    pub fn count(&self, route: impl Into<Route>, status: u16) -> u64 {
        self.answers.get(&(route.into(), status)).copied().unwrap_or(0)
    }

    /// Answers with `status` on every route.
    pub fn with_status(&self, status: u16) -> u64 {
        self.answers.iter().filter(|((_, s), _)| *s == status).map(|(_, n)| n).sum()
    }

    /// Answers on `route`, whatever their status (dropped connections not included).
    pub fn requests(&self, route: impl Into<Route>) -> u64 {
        let route = route.into();
        self.answers.iter().filter(|((r, _), _)| *r == route).map(|(_, n)| n).sum()
    }

    /// Connections dropped on `route` by fault injection.
    pub fn dropped(&self, route: impl Into<Route>) -> u64 {
        self.dropped.get(&route.into()).copied().unwrap_or(0)
    }

    /// Every answer, dropped connections not included.
    pub fn total(&self) -> u64 {
        self.answers.values().sum::<u64>() + self.unmatched
    }

    /// Answers to requests that matched no route.
    pub fn unmatched(&self) -> u64 {
        self.unmatched
    }
}
