//! Each probe's recent runs: a ring bounded by count and by memory ([`HistoryLimits`]). Only
//! runs are recorded: a request served from the cache adds nothing, and neither does a synthetic
//! result ("pending", "stale").

use std::collections::VecDeque;
use std::sync::Arc;

use super::Snapshot;

/// The default number of runs kept per probe.
const DEFAULT_HISTORY_RUNS: usize = 120;

/// The default memory kept per probe for its runs: 64 KiB.
const DEFAULT_HISTORY_BYTES: usize = 64 * 1024;

/// How much of each probe's history is kept; see [`HealthBuilder::history`](crate::HealthBuilder::history).
///
/// ```
/// use healthz_core::history::HistoryLimits;
///
/// let limits = HistoryLimits::default().runs(30).bytes(16 * 1024);
/// # drop(limits);
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
    /// The defaults: 120 runs and 64 KiB per probe.
    pub(crate) const fn new() -> Self {
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

    pub(crate) fn runs(&self) -> impl Iterator<Item = &Arc<Snapshot>> + '_ {
        self.runs.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    fn run(output: &str) -> Arc<Snapshot> {
        Arc::new(Snapshot::synthetic(Status::Pass, output.to_owned()))
    }

    fn outputs(log: &RunLog) -> Vec<String> {
        log.runs()
            .map(|r| r.output.as_deref().unwrap_or_default().to_owned())
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
