//! Following a [`Health`]'s changes: [`Health::subscribe`] and [`Health::end_subscriptions`].

use super::Health;
use crate::events::Subscription;

impl Health {
    /// Subscribes to this `Health`'s status changes. Subscribing runs nothing: events come from
    /// the runs that requests, cache refreshes and `interval` polls make (see
    /// [`events`](crate::events)).
    ///
    /// ```
    /// use healthz_core::events::Event;
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new(), || async {})
    ///     .build()?;
    /// let mut events = health.subscribe();
    /// health.drain();
    /// loop {
    ///     if let Event::Aggregate(change) = events.recv().await {
    ///         if change.gate.is_some() {
    ///             assert_eq!((change.kind, change.to), (Kind::Readiness, Status::Fail));
    ///             break;
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn subscribe(&self) -> Subscription {
        self.inner().hub.subscribe()
    }

    /// Ends every subscription, present and future: their [`recv`](Subscription::recv) returns
    /// [`Event::Ended`](crate::events::Event::Ended) from now on, so the streams built on them (gRPC `Watch`, server-sent
    /// events) end and a graceful stop of the server does not wait for them. A
    /// `Shutdown` (feature `signal`) calls it when its grace period is over, just before it lets
    /// the server stop. It cannot be undone.
    ///
    /// ```
    /// use healthz_core::events::Event;
    /// use healthz_core::Health;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder().without_registered().build()?;
    /// let mut events = health.subscribe();
    /// health.end_subscriptions();
    /// assert_eq!(events.recv().await, Event::Ended);
    /// assert_eq!(health.subscribe().recv().await, Event::Ended);
    /// # Ok(()) }
    /// ```
    pub fn end_subscriptions(&self) {
        self.inner().hub.ended.send_replace(true);
    }
}
