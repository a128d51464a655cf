//! Tokio's paused clock, moved by the test only when no SDK request is in flight: the
//! [`VirtualClock`] that budget and fleet tests run on (why it is needed is explained in
//! `client_budget.rs`).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber, span};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// Follows the SDK's `mde_request` spans: which calls are asleep in the rate budget.
///
/// A call is asleep from the budget's `waiting for rate budget` event until its span is entered
/// again (the task was woken); finished calls are counted when their span closes.
#[derive(Debug, Clone, Default)]
pub(crate) struct BudgetWatch {
    /// Live `mde_request` spans, by id: asleep in the budget or not.
    asleep: Arc<Mutex<BTreeMap<u64, bool>>>,
    /// `mde_request` spans closed.
    closed: Arc<AtomicUsize>,
}

impl BudgetWatch {
    /// Calls finished plus calls asleep in the budget.
    fn settled(&self) -> usize {
        let asleep = self.asleep.lock().unwrap_or_else(PoisonError::into_inner);
        asleep.values().filter(|asleep| **asleep).count() + self.closed.load(Ordering::SeqCst)
    }

    /// Calls in flight: open and not asleep in the budget.
    fn awake(&self) -> usize {
        let asleep = self.asleep.lock().unwrap_or_else(PoisonError::into_inner);
        asleep.values().filter(|asleep| !**asleep).count()
    }

    fn set(&self, id: &span::Id, value: bool) {
        let mut asleep = self.asleep.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = asleep.get_mut(&id.into_u64()) {
            *state = value;
        }
    }
}

/// Reads an event's message.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for BudgetWatch {
    fn on_new_span(&self, attributes: &span::Attributes<'_>, id: &span::Id, _: Context<'_, S>) {
        if attributes.metadata().name() == "mde_request" {
            let mut asleep = self.asleep.lock().unwrap_or_else(PoisonError::into_inner);
            asleep.insert(id.into_u64(), false);
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        if message.0 == "waiting for rate budget"
            && let Some(id) = context.current_span().id()
        {
            self.set(id, true);
        }
    }

    fn on_enter(&self, id: &span::Id, _: Context<'_, S>) {
        self.set(id, false);
    }

    fn on_close(&self, id: span::Id, _: Context<'_, S>) {
        let mut asleep = self.asleep.lock().unwrap_or_else(PoisonError::into_inner);
        if asleep.remove(&id.into_u64()).is_some() {
            self.closed.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Tokio's paused clock with auto-advance switched off, moved only when no request is in
/// flight (see the module documentation).
#[derive(Debug)]
pub(crate) struct VirtualClock {
    /// Dropping it ends the blocking task that holds auto-advance off.
    _release: std::sync::mpsc::Sender<()>,
    /// Which calls are asleep in the budget; installed on this thread.
    watch: BudgetWatch,
    _watching: tracing::subscriber::DefaultGuard,
}

impl VirtualClock {
    /// Switches auto-advance off and starts following the calls. Call it on a paused
    /// current-thread runtime, before starting the work.
    pub(crate) fn hold() -> Self {
        let (release, held) = std::sync::mpsc::channel::<()>();
        // Tokio inhibits auto-advance from the moment a blocking task is spawned until it ends.
        drop(tokio::task::spawn_blocking(move || {
            let _ = held.recv();
        }));
        let watch = BudgetWatch::default();
        let watching =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(watch.clone()));
        Self { _release: release, watch, _watching: watching }
    }

    /// Runs `work`, which makes `calls` calls in all, to its end: waits until every call has
    /// finished or sleeps in the budget, advances the clock by a second, and again; fails after
    /// five minutes of virtual time.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        calls: usize,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        self.run_in_steps(calls, Duration::from_secs(1), Duration::from_secs(300), work).await
    }

    /// [`run`](Self::run) with the clock moved by `step` at a time, failing after `limit` of
    /// virtual time.
    pub(crate) async fn run_in_steps<T: Send + 'static>(
        &self,
        calls: usize,
        step: Duration,
        limit: Duration,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let task = tokio::spawn(work);
        let start = Instant::now();
        loop {
            self.settle(calls).await;
            if task.is_finished() {
                return match task.await {
                    Ok(value) => value,
                    Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                    Err(error) => panic!("the work was cancelled: {error}"),
                };
            }
            assert!(start.elapsed() < limit, "the work did not finish within {limit:?}");
            tokio::time::advance(step).await;
        }
    }

    /// Lets the runtime run (tasks and sockets; the clock stands still) until all `calls` have
    /// finished or sleep in the budget, three scheduler turns in a row, so that tasks woken
    /// by the last advance have been polled.
    async fn settle(&self, calls: usize) {
        let started = std::time::Instant::now();
        let mut in_a_row = 0;
        while in_a_row < 3 {
            tokio::task::yield_now().await;
            in_a_row = if self.watch.settled() == calls { in_a_row + 1 } else { 0 };
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{} of {calls} calls settled after 20 s of real time; does the SDK still trace \
                 `mde_request` spans and `waiting for rate budget` events?",
                self.watch.settled()
            );
        }
    }
}

impl VirtualClock {
    /// Runs `work` to its end, moving the clock by `step` whenever no request is in flight
    /// (every open `mde_request` span is asleep in the budget) three scheduler turns in a row;
    /// fails after `limit` of virtual time. For work whose number of calls is not known.
    pub(crate) async fn run_until_done<T: Send + 'static>(
        &self,
        step: Duration,
        limit: Duration,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let task = tokio::spawn(work);
        let start = Instant::now();
        loop {
            self.settle_idle().await;
            if task.is_finished() {
                return match task.await {
                    Ok(value) => value,
                    Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                    Err(error) => panic!("the work was cancelled: {error}"),
                };
            }
            assert!(start.elapsed() < limit, "the work did not finish within {limit:?}");
            tokio::time::advance(step).await;
        }
    }

    /// Lets the runtime run until no request is in flight, three scheduler turns in a row.
    async fn settle_idle(&self) {
        let started = std::time::Instant::now();
        let mut in_a_row = 0;
        while in_a_row < 3 {
            tokio::task::yield_now().await;
            in_a_row = if self.watch.awake() == 0 { in_a_row + 1 } else { 0 };
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} requests still in flight after 60 s of real time",
                self.watch.awake()
            );
        }
    }
}
