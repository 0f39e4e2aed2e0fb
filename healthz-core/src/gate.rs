//! [`Gate`]: why readiness fails whatever its probes say.

use std::sync::Arc;

/// Why a report answers `fail` whatever its probes say.
///
/// ```
/// use healthz_core::{Gate, Health, Kind};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), healthz_core::BuildError> {
/// let health = Health::builder().without_registered().build()?;
/// health.drain();
/// let report = health.report(Kind::Readiness).await;
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
    /// Readiness, while [`Health::refuse_traffic`](crate::Health::refuse_traffic) is in force,
    /// with its reason: no readiness probe runs.
    RefusingTraffic(Arc<str>),
    /// Readiness, once [`Health::drain`](crate::Health::drain) was called: no probe runs.
    Draining,
}

impl Gate {
    /// The report's top-level `output`.
    pub(crate) fn output(&self) -> &str {
        match self {
            Gate::Starting => "starting: the startup probes have not all passed yet",
            Gate::RefusingTraffic(reason) => reason,
            Gate::Draining => "draining",
        }
    }

    /// A short name: `starting`, `refusing_traffic` or `draining` (metrics label it so).
    #[cfg_attr(
        not(any(feature = "web", feature = "prometheus")),
        expect(dead_code, reason = "the event stream's and the metrics' label")
    )]
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Gate::Starting => "starting",
            Gate::RefusingTraffic(_) => "refusing_traffic",
            Gate::Draining => "draining",
        }
    }

    /// The name of the gate's line in the `?verbose` text (`[-]shutdown failed: draining`), as
    /// the Kubernetes API server names its own.
    pub(crate) fn check_name(&self) -> &'static str {
        match self {
            Gate::Starting => "startup",
            Gate::RefusingTraffic(_) => "traffic",
            Gate::Draining => "shutdown",
        }
    }
}
