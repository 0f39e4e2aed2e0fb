//! `Watch`: the first status, then every change, from one subscription to the `Health`'s events.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, BoxStream, Stream, StreamExt as _};
use healthz_core::events::{Event, Subscription};
use healthz_core::{Health, Kind, Scope, Status};
use tonic_health::pb::HealthCheckResponse;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::names::{Target, response, serving};

/// The stream of a `Watch` call: the serving status at once, then a message each time it
/// changes. It ends when the server stops (after a [`Shutdown`](crate::Shutdown)'s grace
/// period); dropping it unsubscribes and leaves no task behind.
pub struct WatchStream {
    inner: BoxStream<'static, Result<HealthCheckResponse, tonic::Status>>,
}

impl fmt::Debug for WatchStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream").finish_non_exhaustive()
    }
}

impl Stream for WatchStream {
    type Item = Result<HealthCheckResponse, tonic::Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// The stream for `target` (`None`: a name healthz does not serve, which stays
/// `SERVICE_UNKNOWN`: the probes of a `Health` are fixed when it is built).
///
/// It subscribes before its first evaluation, so no change between the two is missed. After that
/// it runs nothing: it follows the events that requests, cache refreshes and `interval` polls
/// cause. No task is spawned: tonic polls the stream on the connection's task.
pub(crate) fn stream(health: Health, target: Option<Target<Box<str>>>) -> WatchStream {
    let watch = Watching {
        events: health.subscribe(),
        health,
        target,
        last: None,
    };
    WatchStream {
        inner: stream::unfold(watch, Watching::next).boxed(),
    }
}

struct Watching {
    health: Health,
    events: Subscription,
    target: Option<Target<Box<str>>>,
    /// The last status sent; `None` before the first.
    last: Option<ServingStatus>,
}

/// What an event means to one watch.
enum Reading {
    /// Nothing.
    Ignore,
    /// The target's status is now this.
    Status(Status),
    /// Events were missed: evaluate the target again.
    Evaluate,
    /// Everything together: the worst of every kind's last published status.
    Everything,
}

impl Watching {
    /// The next message: the first status, or the next one that differs from the last sent.
    /// `None` (the stream ends) once the subscriptions are ended, as the server stops.
    async fn next(mut self) -> Option<(Result<HealthCheckResponse, tonic::Status>, Self)> {
        loop {
            let status = if self.last.is_none() {
                self.evaluate().await
            } else {
                match self.events.recv().await {
                    Event::Ended => return None,
                    event => match self.reading(&event) {
                        Reading::Ignore => continue,
                        Reading::Status(status) => serving(status),
                        Reading::Evaluate => self.evaluate().await,
                        Reading::Everything => serving(self.everything()),
                    },
                }
            };
            if self.last != Some(status) {
                self.last = Some(status);
                return Some((Ok(response(status)), self));
            }
        }
    }

    async fn evaluate(&self) -> ServingStatus {
        match &self.target {
            Some(target) => serving(target.status(&self.health).await),
            None => ServingStatus::ServiceUnknown,
        }
    }

    /// The worst of every kind's last published status (a kind nothing has published yet
    /// counts as passing: the first evaluation published all three).
    fn everything(&self) -> Status {
        Kind::ALL
            .into_iter()
            .filter_map(|kind| self.health.last_status(kind))
            .max()
            .unwrap_or(Status::Pass)
    }

    fn reading(&self, event: &Event) -> Reading {
        let Some(target) = &self.target else {
            return Reading::Ignore;
        };
        match (target, event) {
            // Missed events: start again from the current status.
            (_, Event::Lagged { .. }) => Reading::Evaluate,
            (Target::Scope(Scope::All), Event::Aggregate(_)) => Reading::Everything,
            (Target::Probe(kind, name), Event::Probe(change))
                if change.kind == *kind && *change.name == **name =>
            {
                Reading::Status(change.to)
            }
            // A probe's new result (a polled probe's, say) is followed by its kind's aggregate,
            // worked out from the latest results when it changes.
            (Target::Scope(Scope::Kind(kind)), Event::Aggregate(change))
                if change.kind == *kind =>
            {
                Reading::Status(change.to)
            }
            _ => Reading::Ignore,
        }
    }
}
