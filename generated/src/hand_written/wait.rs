//! Waiting for an action to finish: [`Client::wait_for_completion`] polls an action until it
//! reaches a final status, with growing, capped intervals and a deadline.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Client;
use crate::models::{
    CommandStatus, LiveResponseCommandType, MachineAction, MachineActionId, MachineActionStatus,
};
use mde_runtime::Error;

/// How to poll: [`WaitOptions::default`], changed with the `with_*` setters.
///
/// ```
/// use std::time::Duration;
/// use mde_machine_actions::WaitOptions;
///
/// let options = WaitOptions::default().with_deadline(Duration::from_secs(10 * 60));
/// assert_eq!(options.deadline(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    initial_interval: Duration,
    max_interval: Duration,
    deadline: Duration,
    not_found_grace: Duration,
}

impl WaitOptions {
    /// Wait before the second poll; each later wait grows by half, up to
    /// [`max_interval`](Self::max_interval).
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval
    }

    /// Longest wait between polls.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// How long to wait in all before giving up.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// For this long from the start of the wait, a 404 means "not visible yet" rather than
    /// "does not exist": the service can take a moment to list an action it just created.
    pub fn not_found_grace(&self) -> Duration {
        self.not_found_grace
    }

    /// Sets the wait before the second poll.
    #[must_use]
    pub fn with_initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval;
        self
    }

    /// Sets the longest wait between polls.
    #[must_use]
    pub fn with_max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// Sets how long to wait in all.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets how long a 404 counts as "not visible yet".
    #[must_use]
    pub fn with_not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }
}

impl Default for WaitOptions {
    /// 5 s growing to 60 s, a 30-minute deadline, 60 s of 404 grace.
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
            deadline: Duration::from_secs(30 * 60),
            not_found_grace: Duration::from_secs(60),
        }
    }
}

/// A final status and how it was reached.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitOutcome {
    /// The action as last read, in a final status.
    pub action: MachineAction,
    /// Every live-response command's status and errors (empty for other actions).
    pub commands: Vec<CommandOutcome>,
    /// Statuses this version of the crate does not know that were seen on the way (each kept
    /// polling, since only known final statuses end the wait).
    pub unknown_statuses: Vec<String>,
    /// Number of reads that got an answer.
    pub polls: u32,
    /// Time from the first poll to the last.
    pub elapsed: Duration,
}

impl WaitOutcome {
    /// True when the action succeeded.
    pub fn succeeded(&self) -> bool {
        self.action.status == MachineActionStatus::Succeeded
    }
}

/// One live-response command at the end of the wait.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CommandOutcome {
    /// Position in the request's command list (what the result-download method takes).
    pub index: Option<i32>,
    /// What the command was.
    pub command_type: LiveResponseCommandType,
    /// How it ended.
    pub status: CommandStatus,
    /// The errors the service reported for it, as sent.
    pub errors: Vec<serde_json::Value>,
}

/// Why waiting ended without a final status.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// Reading the action failed (including a 404 after the grace period).
    Request(Error),
    /// The deadline passed first.
    #[non_exhaustive]
    DeadlineExceeded {
        /// The action as last read, if it was ever read.
        last: Option<Box<MachineAction>>,
        /// Unknown statuses seen.
        unknown_statuses: Vec<String>,
        /// Number of reads that got an answer (a read cut short by the deadline is not
        /// counted).
        polls: u32,
        /// Time spent.
        elapsed: Duration,
    },
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Request(error) => write!(f, "waiting for the action failed: {error}"),
            WaitError::DeadlineExceeded { last, polls, elapsed, .. } => {
                write!(f, "the action did not finish within {elapsed:.1?} ({polls} polls")?;
                if let Some(action) = last {
                    write!(f, ", last status {}", action.status)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Request(error) => Some(error),
            WaitError::DeadlineExceeded { .. } => None,
        }
    }
}

/// True for the statuses an action never leaves.
pub fn is_final(status: &MachineActionStatus) -> bool {
    matches!(
        status,
        MachineActionStatus::Succeeded
            | MachineActionStatus::Failed
            | MachineActionStatus::TimeOut
            | MachineActionStatus::Cancelled
    )
}

impl Client {
    /// Polls the action `id` until it is `Succeeded`, `Failed`, `TimeOut` or `Cancelled`.
    ///
    /// Intervals grow from `options.initial_interval` by half each time up to
    /// `options.max_interval`. The deadline also bounds a poll that is itself waiting out
    /// retries. A 404 within `options.not_found_grace` of the start is tolerated. A status this
    /// crate does not know keeps the wait going and is reported in the outcome. Dropping the
    /// returned future stops polling.
    ///
    /// Each poll is a [`get_machine_action`](Self::get_machine_action) call: it needs that
    /// operation's permissions and counts against its rate budget.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn example(client: &mde_machine_actions::Client, action: mde_machine_actions::models::MachineAction) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use mde_machine_actions::WaitOptions;
    ///
    /// let options = WaitOptions::default().with_deadline(Duration::from_secs(10 * 60));
    /// let outcome = client.wait_for_completion(&action.id, &options).await?;
    /// if !outcome.succeeded() {
    ///     for command in &outcome.commands {
    ///         println!("{command:?}");
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wait_for_completion(
        &self,
        id: &MachineActionId,
        options: &WaitOptions,
    ) -> Result<WaitOutcome, WaitError> {
        let start = Instant::now();
        let mut interval = options.initial_interval;
        let mut unknown = BTreeSet::new();
        let mut last = None;
        let mut polls = 0;
        loop {
            let remaining = options.deadline.saturating_sub(start.elapsed());
            let Ok(read) = tokio::time::timeout(remaining, self.get_machine_action(id)).await
            else {
                let unknown_statuses = unknown.into_iter().collect();
                return Err(WaitError::DeadlineExceeded {
                    last,
                    unknown_statuses,
                    polls,
                    elapsed: start.elapsed(),
                });
            };
            polls += 1;
            match read {
                Ok(action) if is_final(&action.status) => {
                    let elapsed = start.elapsed();
                    let unknown_statuses = unknown.into_iter().collect();
                    return Ok(outcome(action, unknown_statuses, polls, elapsed));
                }
                Ok(action) => {
                    if !action.status.is_known() && unknown.insert(action.status.to_string()) {
                        tracing::warn!(status = %action.status, "unknown action status; still waiting");
                    }
                    last = Some(Box::new(action));
                }
                Err(error) if error.is_not_found() && start.elapsed() < options.not_found_grace => {
                    tracing::debug!("action not visible yet; still waiting");
                }
                Err(error) => return Err(WaitError::Request(error)),
            }
            if start.elapsed() + interval > options.deadline {
                let unknown_statuses = unknown.into_iter().collect();
                return Err(WaitError::DeadlineExceeded {
                    last,
                    unknown_statuses,
                    polls,
                    elapsed: start.elapsed(),
                });
            }
            tokio::time::sleep(interval).await;
            interval = (interval + interval / 2).min(options.max_interval);
        }
    }
}

fn outcome(
    action: MachineAction,
    unknown_statuses: Vec<String>,
    polls: u32,
    elapsed: Duration,
) -> WaitOutcome {
    let commands = action
        .commands
        .iter()
        .flatten()
        .map(|entry| CommandOutcome {
            index: entry.index,
            command_type: entry.command.r#type.clone(),
            status: entry.command_status.clone(),
            errors: entry.errors.clone().unwrap_or_default(),
        })
        .collect();
    WaitOutcome { action, commands, unknown_statuses, polls, elapsed }
}
