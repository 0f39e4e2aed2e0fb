//! Each probe's recent runs, for dashboards, your own pages and tests: [`Health::history`].
//!
//! The engine keeps, per probe, a ring of its latest runs, bounded by count and by memory
//! ([`HistoryLimits`], by default 120 runs and 64 KiB of outputs per probe). Only runs are
//! recorded: a request served from the cache adds nothing, and neither does a synthetic result
//! ("pending", "stale"). Outputs are stored as reported, credentials already redacted.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::engine::Snapshot;
use crate::{Health, Kind, Status};

/// The default number of runs kept per probe.
pub const DEFAULT_HISTORY_RUNS: usize = 120;

/// The default memory kept per probe for its runs: 64 KiB.
pub const DEFAULT_HISTORY_BYTES: usize = 64 * 1024;

/// How much of each probe's history is kept; see [`HealthBuilder::history`](crate::HealthBuilder::history).
///
/// ```
/// use healthz_core::history::HistoryLimits;
///
/// let limits = HistoryLimits::new().runs(30).bytes(16 * 1024);
/// assert_eq!((limits.max_runs(), limits.max_bytes()), (30, 16 * 1024));
/// assert_eq!(HistoryLimits::default().max_runs(), 120);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryLimits {
    runs: usize,
    bytes: usize,
}

impl Default for HistoryLimits {
    fn default() -> Self {
        HistoryLimits::new()
    }
}

impl HistoryLimits {
    /// The defaults: [`DEFAULT_HISTORY_RUNS`] runs and [`DEFAULT_HISTORY_BYTES`] per probe.
    pub const fn new() -> Self {
        HistoryLimits {
            runs: DEFAULT_HISTORY_RUNS,
            bytes: DEFAULT_HISTORY_BYTES,
        }
    }

    /// Keeps at most this many runs per probe; 0 keeps none.
    #[must_use]
    pub const fn runs(mut self, runs: usize) -> Self {
        self.runs = runs;
        self
    }

    /// Keeps at most about this many bytes per probe (each run counts its output and a fixed
    /// overhead); the oldest runs go first. The latest run is always kept while `runs` is not 0.
    #[must_use]
    pub const fn bytes(mut self, bytes: usize) -> Self {
        self.bytes = bytes;
        self
    }

    /// The number of runs kept per probe.
    pub const fn max_runs(&self) -> usize {
        self.runs
    }

    /// The memory kept per probe, in bytes.
    pub const fn max_bytes(&self) -> usize {
        self.bytes
    }
}

/// One recorded run of a probe.
#[derive(Clone)]
pub struct Run(Arc<Snapshot>);

impl PartialEq for Run {
    /// The same run: one recorded result, however many times it is handed out.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("time", &self.time())
            .field("status", &self.status())
            .field("duration", &self.duration())
            .field("output", &self.output())
            .finish()
    }
}

impl Run {
    pub(crate) fn new(snapshot: Arc<Snapshot>) -> Self {
        Run(snapshot)
    }

    /// When the run finished.
    pub fn time(&self) -> SystemTime {
        self.0.time
    }

    /// The status it reported, after thresholds.
    pub fn status(&self) -> Status {
        self.0.status
    }

    /// How long it took.
    pub fn duration(&self) -> Duration {
        self.0.duration
    }

    /// Its output, credentials redacted.
    pub fn output(&self) -> Option<&str> {
        self.0.output.as_deref()
    }
}

/// What one stored run counts against [`HistoryLimits::bytes`].
fn cost(snapshot: &Snapshot) -> usize {
    size_of::<Snapshot>() + snapshot.output.as_deref().map_or(0, str::len)
}

/// One probe's ring of runs, oldest first.
#[derive(Debug, Default)]
pub(crate) struct RunLog {
    runs: VecDeque<Arc<Snapshot>>,
    bytes: usize,
}

impl RunLog {
    /// Records a run, then forgets the oldest ones beyond the limits.
    pub(crate) fn push(&mut self, run: Arc<Snapshot>, limits: HistoryLimits) {
        if limits.runs == 0 {
            return;
        }
        self.bytes += cost(&run);
        self.runs.push_back(run);
        while self.runs.len() > limits.runs || (self.bytes > limits.bytes && self.runs.len() > 1) {
            if let Some(old) = self.runs.pop_front() {
                self.bytes -= cost(&old);
            }
        }
    }

    pub(crate) fn runs(&self) -> impl Iterator<Item = Run> + '_ {
        self.runs.iter().cloned().map(Run)
    }
}

impl Health {
    /// The recent runs of the probe `name` of this kind, oldest first; `None` when there is no
    /// such probe. A result served from the cache is not a run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let hour = Duration::from_secs(3600);
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new().cache(hour), || async { Err::<(), _>("refused") })
    ///     .build()?;
    /// health.check(Kind::Readiness).await;
    /// health.check(Kind::Readiness).await; // from the cache: not a run
    /// let runs = health.history(Kind::Readiness, "db").unwrap();
    /// assert_eq!(runs.len(), 1);
    /// assert_eq!(runs[0].status(), Status::Fail);
    /// assert_eq!(runs[0].output(), Some("refused"));
    /// assert!(health.history(Kind::Readiness, "nope").is_none());
    /// # Ok(()) }
    /// ```
    pub fn history(&self, kind: Kind, name: &str) -> Option<Vec<Run>> {
        self.slot(kind, name).map(|slot| slot.history())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(output: &str) -> Arc<Snapshot> {
        Arc::new(Snapshot::synthetic(Status::Pass, output.to_owned()))
    }

    fn outputs(log: &RunLog) -> Vec<String> {
        log.runs()
            .map(|r| r.output().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn keeps_the_latest_runs_by_count() {
        let mut log = RunLog::default();
        let limits = HistoryLimits::new().runs(3);
        for i in 0..5 {
            log.push(run(&i.to_string()), limits);
        }
        assert_eq!(outputs(&log), ["2", "3", "4"]);
        assert_eq!(log.bytes, 3 * (size_of::<Snapshot>() + 1));
    }

    #[test]
    fn keeps_the_latest_runs_by_memory_and_always_the_last() {
        let mut log = RunLog::default();
        let each = size_of::<Snapshot>() + 100;
        let limits = HistoryLimits::new().bytes(2 * each);
        for c in ['a', 'b', 'c'] {
            log.push(run(&c.to_string().repeat(100)), limits);
        }
        assert_eq!(log.runs.len(), 2);
        assert!(outputs(&log)[0].starts_with('b'));
        // One run larger than the budget is still kept, alone.
        log.push(run(&"d".repeat(10 * each)), limits);
        assert_eq!(log.runs.len(), 1);
        assert_eq!(log.bytes, cost(&log.runs[0]));
    }

    #[test]
    fn zero_runs_keeps_nothing() {
        let mut log = RunLog::default();
        log.push(run("x"), HistoryLimits::new().runs(0));
        assert_eq!(log.runs().count(), 0);
    }
}
