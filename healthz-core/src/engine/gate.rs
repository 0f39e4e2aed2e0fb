//! Gates: what makes readiness fail whatever its probes say (starting, draining). Decided here
//! once; reports carry the decision as a [`Gate`], and renderers read that.

use std::sync::atomic::{AtomicBool, Ordering};

/// Why a report answers `fail` whatever its probes say.
///
/// ```
/// use healthz_core::{Gate, Health, Kind};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), healthz_core::BuildError> {
/// let health = Health::builder().without_registered().build()?;
/// health.drain();
/// let report = health.check(Kind::Readiness).await;
/// assert_eq!(report.gate(), Some(&Gate::Draining));
/// assert_eq!(report.output(), Some("draining"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gate {
    /// Readiness, before every startup probe has passed once. The report then holds the startup
    /// probes' results.
    Starting,
    /// Readiness, once [`Health::drain`](crate::Health::drain) was called: no probe runs.
    Draining,
}

impl Gate {
    /// The report's top-level `output`.
    pub fn output(&self) -> &str {
        match self {
            Gate::Starting => "starting: the startup probes have not all passed yet",
            Gate::Draining => "draining",
        }
    }

    /// The name of the gate's line in the `?verbose` text (`[-]shutdown failed: draining`), as
    /// the Kubernetes API server names its own.
    pub fn check_name(&self) -> &'static str {
        match self {
            Gate::Starting => "startup",
            Gate::Draining => "shutdown",
        }
    }
}

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

/// The state behind the gates.
#[derive(Debug)]
pub(crate) struct Gates {
    started: AtomicBool,
    draining: AtomicBool,
}

impl Gates {
    /// `started` is true when there is no startup probe to wait for.
    pub(crate) fn new(started: bool) -> Self {
        Gates {
            started: AtomicBool::new(started),
            draining: AtomicBool::new(false),
        }
    }

    /// The gate of readiness, without running anything.
    pub(crate) fn readiness(&self) -> Readiness {
        if self.is_draining() {
            Readiness::Closed(Gate::Draining)
        } else if !self.is_started() {
            Readiness::Starting
        } else {
            Readiness::Open
        }
    }

    pub(crate) fn is_started(&self) -> bool {
        self.started.load(Ordering::Acquire)
    }

    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Latches startup complete; `true` the first time.
    pub(crate) fn start(&self) -> bool {
        !self.started.swap(true, Ordering::AcqRel)
    }

    /// Starts draining; `true` the first time.
    pub(crate) fn drain(&self) -> bool {
        !self.draining.swap(true, Ordering::AcqRel)
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
}
