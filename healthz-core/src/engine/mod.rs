//! The engine: each probe's latest result and how it is refreshed. One rule per file:
//!
//! | file | rule |
//! |---|---|
//! | [`slot`] | one probe's state, and the read that decides between serving and running |
//! | [`freshness`] | how a stored result ages (`cache`, `interval`, `max_stale`) |
//! | [`flight`] | concurrent callers share one run |
//! | [`execute`] | one call under its timeout, panics caught, blocking probes on their pool |
//! | [`thresholds`] | `failure_threshold` and `success_threshold` |
//! | [`gate`] | starting and draining |
//! | [`poller`] | background refresh of `interval` probes |
//! | [`recent`] | each probe's ring of recent runs |
//!
//! The engine tells what happens through a [`Sink`] of its own definition, and the observers:
//! subscriptions ([`events`](crate::events)) and history build on it; it knows nothing of them.

pub(crate) mod execute;
pub(crate) mod flight;
pub(crate) mod freshness;
pub(crate) mod gate;
pub(crate) mod poller;
pub(crate) mod recent;
pub(crate) mod slot;
pub(crate) mod thresholds;

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::details::Sealed;
use crate::gate::Gate;
use crate::observe::{Observer, Outcome, RunEvent, StatusChange};
use crate::probe::ProbeMeta;
use crate::state::StateMap;
use crate::{Kind, Status};

pub use execute::PanicHook;
pub(crate) use execute::install_panic_hook;
pub(crate) use freshness::{Freshness, Now};
pub use recent::HistoryLimits;
pub(crate) use slot::{Read, Slot};

/// What one run (or a synthetic result, such as "pending") produced.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Unique per snapshot: a rendered report is reusable while its snapshots' ids are current.
    #[cfg_attr(
        not(feature = "web"),
        expect(dead_code, reason = "read by the render cache of feature `web`")
    )]
    pub(crate) id: u64,
    /// The status reported for the probe, after thresholds.
    pub(crate) status: Status,
    /// The output, credentials redacted.
    pub(crate) output: Option<Box<str>>,
    pub(crate) observed: Option<(f64, Cow<'static, str>)>,
    /// Structured details, redacted and bounded.
    pub(crate) details: Option<Sealed>,
    /// Wall-clock time the run finished, for `time`.
    pub(crate) time: SystemTime,
    pub(crate) duration: Duration,
    /// `None` for synthetic results that no run produced.
    pub(crate) outcome: Option<Outcome>,
    /// How it ages, from the monotonic time it was made.
    pub(crate) freshness: Freshness,
}

/// Locks `mutex`, whether or not a panic poisoned it: the run-time state's locks (the engine's,
/// the published statuses, the pollers' stop signal) guard no invariant that a panic could break
/// halfway (each is held for a read, a swap or a push).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The source of [`Snapshot::id`].
static NEXT_SNAPSHOT: AtomicU64 = AtomicU64::new(0);

pub(crate) fn next_id() -> u64 {
    NEXT_SNAPSHOT.fetch_add(1, Ordering::Relaxed)
}

impl Snapshot {
    /// A result no run produced: never fresh, so it is never reused.
    pub(crate) fn synthetic(status: Status, output: String) -> Self {
        Snapshot {
            id: next_id(),
            status,
            output: Some(output.into_boxed_str()),
            observed: None,
            details: None,
            time: SystemTime::now(),
            duration: Duration::ZERO,
            outcome: None,
            freshness: Freshness::never(Instant::now()),
        }
    }
}

/// Where the engine tells what its runs did, besides the observers: the event hub of
/// subscriptions implements it. Called on the task that ran the probe, after the result is
/// stored.
pub(crate) trait Sink: Send + Sync {
    /// A probe ran (a result served from the cache is not a run).
    fn ran(&self, probe: &ProbeMeta, snapshot: &Arc<Snapshot>);

    /// A probe's reported status changed, or it reported for the first time.
    fn changed(&self, change: &StatusChange<'_>, time: SystemTime);
}

/// Everything a run needs besides its slot: the state its probe reads, and who hears of it.
pub(crate) struct RunCtx {
    pub(crate) state: Arc<StateMap>,
    pub(crate) observers: Vec<Arc<dyn Observer>>,
    pub(crate) sink: Arc<dyn Sink>,
    pub(crate) history: HistoryLimits,
    /// What a probe's panic does beside failing it.
    pub(crate) panics: PanicHook,
    /// Per kind, how many times a result of the kind was stored or latched: a rendered body is
    /// reusable while the counts of the kinds it shows are as they were when its results were
    /// checked to be current (one load per kind, however many probes the body shows).
    pub(crate) changes: [AtomicU64; 3],
}

impl RunCtx {
    /// Counts a result of `kind` stored or latched, after the store.
    pub(crate) fn changed(&self, kind: Kind) {
        self.changes[kind.index()].fetch_add(1, Ordering::SeqCst);
    }

    /// How many results of `kind` were stored or latched so far.
    #[cfg(feature = "web")]
    pub(crate) fn changes(&self, kind: Kind) -> u64 {
        self.changes[kind.index()].load(Ordering::SeqCst)
    }

    pub(crate) fn notify_run(&self, event: &RunEvent<'_>) {
        for observer in &self.observers {
            observer.on_run(event);
        }
    }

    pub(crate) fn notify_change(&self, change: &StatusChange<'_>, time: SystemTime) {
        for observer in &self.observers {
            observer.on_change(change);
        }
        self.sink.changed(change, time);
    }

    pub(crate) fn notify_cache_hit(&self, kind: Kind, name: &str) {
        for observer in &self.observers {
            observer.on_cache_hit(kind, name);
        }
    }

    pub(crate) fn notify_aggregate(&self, kind: Kind, status: Status) {
        for observer in &self.observers {
            observer.on_aggregate(kind, status);
        }
    }

    pub(crate) fn notify_gate(&self, kind: Kind, gate: Option<&Gate>) {
        for observer in &self.observers {
            observer.on_gate(kind, gate);
        }
    }
}
