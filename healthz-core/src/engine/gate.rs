//! Gates: what makes readiness fail whatever its probes say (starting, refusing traffic,
//! draining). Decided here once; reports carry the decision as a [`Gate`], and renderers read
//! that.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use arc_swap::ArcSwapOption;

use crate::gate::Gate;

/// Whether readiness may look at its probes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// Yes.
    Open,
    /// No: it fails with this gate.
    Closed(Gate),
    /// Only once every startup probe has passed: evaluate them to find out.
    Starting,
}

/// Bits of [`Gates::state`].
const STARTED: u8 = 1;
const DRAINING: u8 = 2;
const REFUSING: u8 = 4;

/// The state behind the gates: one atomic for the question every cached read asks (is readiness
/// open?), and the reason traffic is refused.
#[derive(Debug)]
pub(crate) struct Gates {
    state: AtomicU8,
    /// The reason traffic is refused, while it is (with the `REFUSING` bit).
    refusing: ArcSwapOption<Arc<str>>,
}

impl Gates {
    /// `started` is true when there is no startup probe to wait for.
    pub(crate) fn new(started: bool) -> Self {
        Gates {
            state: AtomicU8::new(if started { STARTED } else { 0 }),
            refusing: ArcSwapOption::empty(),
        }
    }

    /// The gate of readiness, without running anything. Draining wins over refusing traffic,
    /// which wins over starting.
    pub(crate) fn readiness(&self) -> Readiness {
        let state = self.state.load(Ordering::Acquire);
        if state == STARTED {
            return Readiness::Open;
        }
        if state & DRAINING != 0 {
            return Readiness::Closed(Gate::Draining);
        }
        if state & REFUSING != 0
            && let Some(reason) = self.refusing.load().as_deref()
        {
            return Readiness::Closed(Gate::RefusingTraffic(Arc::clone(reason)));
        }
        if state & STARTED == 0 {
            Readiness::Starting
        } else {
            Readiness::Open
        }
    }

    /// Whether readiness is open: the one atomic load a cached read pays.
    #[cfg(feature = "web")]
    pub(crate) fn is_open(&self) -> bool {
        self.state.load(Ordering::Acquire) == STARTED
    }

    pub(crate) fn is_started(&self) -> bool {
        self.state.load(Ordering::Acquire) & STARTED != 0
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.state.load(Ordering::Acquire) & DRAINING != 0
    }

    /// Latches startup complete; `true` the first time.
    pub(crate) fn start(&self) -> bool {
        self.state.fetch_or(STARTED, Ordering::AcqRel) & STARTED == 0
    }

    /// Starts draining; `true` the first time.
    pub(crate) fn drain(&self) -> bool {
        self.state.fetch_or(DRAINING, Ordering::AcqRel) & DRAINING == 0
    }

    /// Refuses traffic with `reason` (replacing an earlier reason); the previous reason.
    pub(crate) fn refuse(&self, reason: Arc<str>) -> Option<Arc<str>> {
        let previous = self.refusing.swap(Some(Arc::new(reason)));
        self.state.fetch_or(REFUSING, Ordering::AcqRel);
        previous.map(|previous| Arc::clone(&*previous))
    }

    /// Accepts traffic again; the reason it was refused with, if it was.
    pub(crate) fn accept(&self) -> Option<Arc<str>> {
        self.state.fetch_and(!REFUSING, Ordering::AcqRel);
        self.refusing
            .swap(None)
            .map(|previous| Arc::clone(&*previous))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_wins_over_starting_and_both_latch() {
        let gates = Gates::new(false);
        assert_eq!(gates.readiness(), Readiness::Starting);
        assert!(gates.drain());
        assert!(!gates.drain(), "draining once is enough");
        assert_eq!(gates.readiness(), Readiness::Closed(Gate::Draining));
        assert!(gates.start());
        assert!(!gates.start());
        assert_eq!(gates.readiness(), Readiness::Closed(Gate::Draining));
        assert_eq!(Gates::new(true).readiness(), Readiness::Open);
    }

    #[test]
    fn refusing_traffic_is_reversible_and_drain_wins_over_it() {
        let gates = Gates::new(false);
        assert_eq!(gates.refuse("maintenance".into()), None);
        let refusing = Readiness::Closed(Gate::RefusingTraffic("maintenance".into()));
        assert_eq!(gates.readiness(), refusing, "refusing wins over starting");
        assert_eq!(gates.accept().as_deref(), Some("maintenance"));
        assert_eq!(gates.readiness(), Readiness::Starting);
        gates.refuse("failover".into());
        gates.drain();
        assert_eq!(gates.readiness(), Readiness::Closed(Gate::Draining));
        gates.accept();
        assert_eq!(gates.readiness(), Readiness::Closed(Gate::Draining));
    }
}
