//! Live progress of a fleet run on standard error (standard output carries only the result):
//! a progress bar with running counts on a terminal, one line per event otherwise (logs, CI
//! jobs, `--no-progress`).

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mde_machine_actions::FleetEvent;

/// Where events go.
#[derive(Debug)]
pub enum Progress {
    /// A bar over the devices, events that matter printed above it.
    Bar {
        /// The bar.
        bar: ProgressBar,
        /// Running counts for its message.
        counts: Counts,
    },
    /// One line per event.
    Lines,
}

/// How many devices are where.
#[derive(Debug, Default)]
pub struct Counts {
    submitted: u64,
    done: u64,
    failed: u64,
}

impl Progress {
    /// A bar over `devices` devices on a terminal, lines otherwise.
    pub fn new(devices: usize, no_progress: bool, what: &str) -> Self {
        if no_progress || !std::io::stderr().is_terminal() {
            return Progress::Lines;
        }
        let bar = ProgressBar::with_draw_target(Some(devices as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress::Bar { bar, counts: Counts::default() }
    }

    /// Shows one event.
    pub fn event(&mut self, event: &FleetEvent) {
        match self {
            Progress::Lines => eprintln!("{event}"),
            Progress::Bar { bar, counts } => {
                match event {
                    FleetEvent::Submitted { .. } | FleetEvent::Adopted { .. } => {
                        counts.submitted += 1
                    }
                    FleetEvent::Finished { .. } => {
                        counts.done += 1;
                        bar.inc(1);
                    }
                    FleetEvent::Failed { .. } => {
                        counts.failed += 1;
                        bar.inc(1);
                        bar.println(event.to_string());
                    }
                    FleetEvent::Unresolved { .. }
                    | FleetEvent::Uncertain { .. }
                    | FleetEvent::Resubmitting { .. } => {
                        bar.println(event.to_string());
                    }
                    _ => {}
                }
                bar.set_message(format!(
                    "submitted {}, finished {}, failed {}",
                    counts.submitted, counts.done, counts.failed
                ));
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}
