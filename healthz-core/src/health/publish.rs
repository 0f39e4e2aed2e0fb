//! Each kind's aggregate, published to watchers, observers and subscribers: by the evaluations
//! that requests make, by the gates, and, when a run changes a probe's status, from every probe's
//! latest result without running any ([`Republish`]). That last path is what lets a subscriber
//! see a polled probe's change without a request, and why watching runs nothing.

use std::sync::{Arc, Weak};
use std::time::SystemTime;

use super::{Health, Inner};
use crate::engine::gate::Readiness;
use crate::engine::{Sink, Snapshot, lock};
use crate::events::{AggregateEvent, Event, Hub};
use crate::gate::Gate;
use crate::observe::StatusChange;
use crate::probe::ProbeMeta;
use crate::report::CheckResult;
use crate::{Kind, Status};

/// The engine's sink: the event hub, and on a probe's status change, its kind's aggregate worked
/// out again from the latest results. It holds the `Health` weakly: the `Health` holds it.
pub(super) struct Republish {
    hub: Arc<Hub>,
    health: Weak<Inner>,
}

impl Republish {
    pub(super) fn new(hub: Arc<Hub>, health: Weak<Inner>) -> Self {
        Republish { hub, health }
    }
}

impl Sink for Republish {
    fn ran(&self, probe: &ProbeMeta, snapshot: &Arc<Snapshot>) {
        self.hub.ran(probe, snapshot);
    }

    fn changed(&self, change: &StatusChange<'_>, time: SystemTime) {
        self.hub.changed(change, time);
        // Readiness is not worked out again on a startup probe's change: the gate opens only when
        // an evaluation latches the last startup probe, and that evaluation publishes readiness
        // itself (republishing here would announce the closed gate it is about to open).
        if let Some(inner) = self.health.upgrade() {
            Health { inner }.republish(change.kind);
        }
    }
}

impl Health {
    /// `kind`'s aggregate status as it was last published, running nothing: by the latest
    /// evaluation of the whole kind, a gate, or a run that changed one of its probes. `None`
    /// before any of these. What a watcher reads on hearing of a change.
    ///
    /// ```
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new(), || async {})
    ///     .build()?;
    /// assert_eq!(health.last_status(Kind::Readiness), None);
    /// health.report(Kind::Readiness).await;
    /// assert_eq!(health.last_status(Kind::Readiness), Some(Status::Pass));
    /// health.drain();
    /// assert_eq!(health.last_status(Kind::Readiness), Some(Status::Fail));
    /// # Ok(()) }
    /// ```
    pub fn last_status(&self, kind: Kind) -> Option<Status> {
        lock(&self.inner.published)[kind.index()]
            .as_ref()
            .map(|(status, _)| *status)
    }

    /// Publishes `kind`'s aggregate as its probes' latest results and the gates make it, running
    /// nothing; nothing while one of its probes has no result yet.
    pub(super) fn republish(&self, kind: Kind) {
        if let Some((status, gate)) = self.latest_aggregate(kind) {
            self.publish(kind, status, gate.as_ref());
        }
    }

    /// `kind`'s aggregate from its probes' latest results (a startup probe's latched pass first),
    /// with readiness's gates: `None` while a probe has no result.
    fn latest_aggregate(&self, kind: Kind) -> Option<(Status, Option<Gate>)> {
        if kind == Kind::Readiness {
            match self.inner.gates.readiness() {
                Readiness::Open => {}
                Readiness::Closed(gate) => return Some((Status::Fail, Some(gate))),
                Readiness::Starting => return Some((Status::Fail, Some(Gate::Starting))),
            }
        }
        let mut status = Status::Pass;
        for slot in &self.inner.slots[kind.index()] {
            let snapshot = match slot.latched() {
                Some(latched) => Arc::clone(latched),
                None => slot.latest()?,
            };
            let check = CheckResult::new(Arc::clone(&slot.probe), snapshot);
            status = status.worst(check.contribution());
        }
        Some((status, None))
    }

    /// Records a kind's aggregate (and the gate that decided it) for watchers, observers and
    /// subscribers.
    pub(super) fn publish(&self, kind: Kind, status: Status, gate: Option<&Gate>) {
        let inner = &self.inner;
        let previous = {
            let mut published = lock(&inner.published);
            let last = &mut published[kind.index()];
            if last
                .as_ref()
                .is_some_and(|(s, g)| *s == status && g.as_ref() == gate)
            {
                None
            } else {
                Some(last.replace((status, gate.cloned())))
            }
        };
        let Some(previous) = previous else {
            return;
        };
        if previous.as_ref().map(|(_, g)| g.as_ref()) != Some(gate)
            && (previous.is_some() || gate.is_some())
        {
            inner.ctx.notify_gate(kind, gate);
        }
        let previous = previous.map(|(s, _)| s);
        let from = previous;
        if from != Some(status) {
            tracing::info!(kind = %kind, status = %status, "aggregate status changed");
            inner.ctx.notify_aggregate(kind, status);
            if kind == Kind::Readiness && status.is_healthy() {
                inner
                    .ready
                    .send_if_modified(|ready| !std::mem::replace(ready, true));
            }
        }
        inner.hub.send(|| {
            Event::Aggregate(AggregateEvent {
                kind,
                from,
                to: status,
                gate: gate.cloned(),
                time: SystemTime::now(),
            })
        });
    }
}
