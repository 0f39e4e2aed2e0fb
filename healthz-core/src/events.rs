//! Status changes as a stream: [`Health::subscribe`](crate::Health::subscribe) for gRPC `Watch`, the dashboard's event
//! stream, or your own code.
//!
//! Every subscriber sees every change: a probe's reported status changing (or its first result),
//! and a kind's aggregate status or gate changing; and every probe run, changed or not.
//!
//! Watching runs nothing. Events come from the runs that happen anyway: requests, refreshes of
//! cached results and the polls of `interval` probes. When a run changes a probe's status, its
//! kind's aggregate is worked out again from every probe's latest result, without running any,
//! and published if it changed. A probe that nothing runs (an uncached one nobody requests) stays
//! as it last was, however long a dashboard tab or a gRPC `Watch` stays open. Give a probe an
//! [`interval`](crate::ProbeOptions::interval) when its changes must surface without requests.
//!
//! The buffer is bounded: a subscriber that falls behind gets [`Event::Lagged`] and should start
//! again from a fresh report.
//!
//! When the server stops (a `Shutdown`'s grace period is over: see
//! [`Health::end_subscriptions`](crate::Health::end_subscriptions)), every subscription gets [`Event::Ended`]: a stream built on one
//! (a gRPC `Watch`, server-sent events) should end then, or the server's graceful stop would wait
//! for it forever.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{broadcast, watch};

use crate::engine::{Sink, Snapshot};
use crate::gate::Gate;
use crate::history::Run;
use crate::observe::StatusChange;
use crate::probe::ProbeMeta;
use crate::{Kind, Status};

/// How many events a subscriber may fall behind before it gets [`Event::Lagged`].
pub(crate) const EVENT_BUFFER: usize = 256;

/// One change.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A probe's reported status changed, or it reported for the first time.
    Probe(ProbeEvent),
    /// A kind's aggregate status or gate changed.
    Aggregate(AggregateEvent),
    /// A probe ran (a result served from the cache is not a run), whether or not its status
    /// changed: what [`Health::history`](crate::Health::history) records.
    Run(ProbeRun),
    /// The subscriber fell behind and missed this many events: start again from a fresh report.
    Lagged {
        /// How many.
        missed: u64,
    },
    /// No event will follow: the server is stopping (see [`Health::end_subscriptions`](crate::Health::end_subscriptions)). End the
    /// stream built on this subscription, so that the server's graceful stop does not wait for
    /// it. Every later [`Subscription::recv`] returns this again at once.
    Ended,
}

/// A probe's status change.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ProbeEvent {
    /// The probe's kind.
    pub kind: Kind,
    /// The probe's name.
    pub name: Arc<str>,
    /// The previous status, or `None` for the probe's first result.
    pub from: Option<Status>,
    /// The new status.
    pub to: Status,
    /// The output that came with it, credentials redacted.
    pub output: Option<Arc<str>>,
    /// When the run that changed it finished.
    pub time: SystemTime,
}

/// A probe's run; see [`Event::Run`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ProbeRun {
    /// The probe's kind.
    pub kind: Kind,
    /// The probe's name.
    pub name: Arc<str>,
    /// The run: time, status, duration and output (credentials redacted).
    pub run: Run,
}

/// A kind's aggregate change.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AggregateEvent {
    /// The kind.
    pub kind: Kind,
    /// The previous status, or `None` for the kind's first evaluation.
    pub from: Option<Status>,
    /// The new status.
    pub to: Status,
    /// The gate that decided it (starting, draining), if one did.
    pub gate: Option<Gate>,
    /// When it changed.
    pub time: SystemTime,
}

/// A subscription to a `Health`'s [`Event`]s; see [`Health::subscribe`](crate::Health::subscribe).
/// It runs nothing, and costs nothing until an event is sent. Dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<Event>,
    ended: watch::Receiver<bool>,
}

impl Subscription {
    /// The next event. Waits for one; [`Event::Lagged`] when this subscriber fell behind,
    /// [`Event::Ended`] once the subscriptions were [ended](crate::Health::end_subscriptions).
    pub async fn recv(&mut self) -> Event {
        loop {
            let received = tokio::select! {
                biased;
                _ = self.ended.wait_for(|ended| *ended) => return Event::Ended,
                received = self.receiver.recv() => received,
            };
            match received {
                Ok(event) => return event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    return Event::Lagged { missed };
                }
                // The last `Health` clone is gone: nothing more will come.
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

/// The sending side, held by the `Health`.
pub(crate) struct Hub {
    sender: broadcast::Sender<Event>,
    /// `true` once [`Health::end_subscriptions`](crate::Health::end_subscriptions) was called.
    pub(crate) ended: watch::Sender<bool>,
}

impl Hub {
    pub(crate) fn new() -> Self {
        Hub {
            sender: broadcast::Sender::new(EVENT_BUFFER),
            ended: watch::Sender::new(false),
        }
    }

    /// Sends an event to every subscriber; nothing when there is none.
    pub(crate) fn send(&self, event: impl FnOnce() -> Event) {
        if self.sender.receiver_count() > 0 {
            // An error only says nobody listens any more.
            let _ = self.sender.send(event());
        }
    }

    /// A new subscription.
    pub(crate) fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.sender.subscribe(),
            ended: self.ended.subscribe(),
        }
    }
}

impl Sink for Hub {
    fn ran(&self, probe: &ProbeMeta, snapshot: &Arc<Snapshot>) {
        self.send(|| {
            Event::Run(ProbeRun {
                kind: probe.kind,
                name: probe.name.as_ref().into(),
                run: Run::new(Arc::clone(snapshot)),
            })
        });
    }

    fn changed(&self, change: &StatusChange<'_>, time: SystemTime) {
        self.send(|| {
            Event::Probe(ProbeEvent {
                kind: change.kind,
                name: change.name.into(),
                from: change.from,
                to: change.to,
                output: change.output.map(Into::into),
                time,
            })
        });
    }
}
