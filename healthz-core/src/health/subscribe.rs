//! Following a [`Health`]'s changes: [`Health::subscribe`], and the monitor that re-evaluates a
//! subscribed `Health`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Health;
use crate::engine::lock;
use crate::events::{Monitor, Subscription};
use crate::selection::Scope;

impl Health {
    /// Subscribes to this `Health`'s status changes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::events::Event;
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new(), || async {})
    ///     .monitor_interval(Duration::from_millis(50))
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
        let hub = &self.inner().hub;
        let mut monitor = lock(&hub.monitor);
        let running = monitor.upgrade().or_else(|| {
            let started = self.start_monitor(hub.interval)?;
            *monitor = Arc::downgrade(&started);
            Some(started)
        });
        hub.subscribe(running)
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

    /// Spawns the monitor, if a Tokio runtime is running.
    fn start_monitor(&self, interval: Duration) -> Option<Arc<Monitor>> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (stop, mut stopped) = watch::channel(());
        let health = self.clone();
        runtime.spawn(async move {
            loop {
                tokio::select! {
                    _ = health.evaluate(Scope::All, &[]) => {}
                    _ = stopped.changed() => return,
                }
                tokio::select! {
                    () = tokio::time::sleep(interval) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Some(Arc::new(Monitor { _stop: stop }))
    }
}
