//! Each probe's recent runs, for dashboards, your own pages and tests: [`Health::history`].
//!
//! The engine keeps, per probe, a ring of its latest runs, bounded by count and by memory
//! ([`HistoryLimits`], by default 120 runs and 64 KiB of outputs per probe). Only runs are
//! recorded: a request served from the cache adds nothing, and neither does a synthetic result
//! ("pending", "stale"). Outputs are stored as every result keeps them: cut to 512 bytes where
//! they come in, credentials redacted.
//!
//! [`Health::history`]: crate::Health::history

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::Status;
pub use crate::engine::HistoryLimits;
use crate::engine::Snapshot;

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

    /// Its output: at most 512 bytes, credentials redacted.
    pub fn output(&self) -> Option<&str> {
        self.0.output.as_deref()
    }
}
