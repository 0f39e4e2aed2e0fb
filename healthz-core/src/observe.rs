//! Hooks into the engine: every run and every status change, for metrics, logs and callbacks.

use std::fmt;
use std::time::Duration;

use crate::{Gate, Kind, ProbeInfo, Status};

/// How one probe run ended, finer than its [`Status`]: metrics count runs by outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The probe returned a passing check.
    Pass,
    /// The probe returned a warning.
    Warn,
    /// The probe returned a failure.
    Fail,
    /// The probe did not finish within its timeout and was cancelled.
    Timeout,
    /// The probe panicked.
    Panic,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Warn,
        Outcome::Fail,
        Outcome::Timeout,
        Outcome::Panic,
    ];

    /// `pass`, `warn`, `fail`, `timeout` or `panic`.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Timeout => "timeout",
            Outcome::Panic => "panic",
        }
    }

    pub(crate) fn of(status: Status) -> Self {
        match status {
            Status::Pass => Outcome::Pass,
            Status::Warn => Outcome::Warn,
            Status::Fail => Outcome::Fail,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finished probe run.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RunEvent<'a> {
    /// The probe's kind.
    pub kind: Kind,
    /// The probe's name.
    pub name: &'a str,
    /// How the run ended.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
    /// The status reported for the probe after this run (thresholds applied).
    pub status: Status,
}

/// A probe's reported status changed (or was reported for the first time).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct StatusChange<'a> {
    /// The probe's kind.
    pub kind: Kind,
    /// The probe's name.
    pub name: &'a str,
    /// The previous status, or `None` for the probe's first result.
    pub from: Option<Status>,
    /// The new status.
    pub to: Status,
    /// The output that came with the new status, credentials already redacted.
    pub output: Option<&'a str>,
}

/// Receives engine events. All methods have empty defaults; implement the ones you need and add
/// the observer with [`HealthBuilder::observer`](crate::HealthBuilder::observer).
///
/// Methods are called on the task that ran the probe: keep them quick and never block.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use healthz_core::{Observer, RunEvent};
///
/// #[derive(Debug, Default)]
/// struct CountRuns(AtomicUsize);
///
/// impl Observer for CountRuns {
///     fn on_run(&self, _: &RunEvent<'_>) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Observer: Send + Sync + 'static {
    /// A `Health` holding these probes was built. Called once per build, before any run.
    fn on_build(&self, probes: &[ProbeInfo<'_>]) {
        let _ = probes;
    }

    /// A probe run finished.
    fn on_run(&self, event: &RunEvent<'_>) {
        let _ = event;
    }

    /// A probe's reported status changed.
    fn on_change(&self, change: &StatusChange<'_>) {
        let _ = change;
    }

    /// A request was answered from a probe's cached or polled result without running it.
    fn on_cache_hit(&self, kind: Kind, name: &str) {
        let _ = (kind, name);
    }

    /// The aggregate status of a kind changed.
    fn on_aggregate(&self, kind: Kind, status: Status) {
        let _ = (kind, status);
    }

    /// The gate of a kind changed: `Some` while starting, refusing traffic or draining closes it,
    /// `None` once its probes decide again.
    fn on_gate(&self, kind: Kind, gate: Option<&Gate>) {
        let _ = (kind, gate);
    }
}
