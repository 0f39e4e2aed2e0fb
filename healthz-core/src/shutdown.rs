//! [`Shutdown`]: drain readiness on SIGTERM or SIGINT, wait a grace period, then let the server
//! stop.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::{BoxFuture, Health};

/// A graceful shutdown, for any server that stops when a future completes: actix-web's
/// `HttpServer::shutdown_signal`, axum's `serve(..).with_graceful_shutdown`, tonic's
/// `Server::serve_with_shutdown`. The adapters re-export it.
///
/// On SIGTERM or SIGINT (Ctrl-C; on Windows, Ctrl-C only) it [drains](Health::drain) at once:
/// readiness answers 503 (`NOT_SERVING` over gRPC) while liveness and your other routes go on
/// serving. Load balancers and Kubernetes' endpoints then stop sending new traffic. After the
/// grace period (default [`DEFAULT_GRACE`](Self::DEFAULT_GRACE), 10 s: the kubelet's default
/// probe period) the future resolves, and the server stops gracefully: it stops accepting and
/// finishes the requests in flight. A second signal during the grace period ends it early.
/// Just before it resolves, it [ends every subscription](Health::end_subscriptions), so that
/// open streams (gRPC `Watch`, server-sent events) end and do not hold the server up.
///
/// With actix-web, passing a future to `shutdown_signal` turns off actix's own signal handling,
/// which would stop the server at once, before any load balancer noticed. In Kubernetes, keep
/// the pod's `terminationGracePeriodSeconds` above the grace period plus the server's own
/// shutdown timeout (actix: `HttpServer::shutdown_timeout`, 30 s by default).
///
/// ```no_run
/// use std::time::Duration;
/// use healthz_core::{Health, Shutdown};
///
/// # async fn serve(health: Health) {
/// let shutdown = Shutdown::new(health.clone()).grace(Duration::from_secs(5));
/// // actix-web: HttpServer::new(..).shutdown_signal(shutdown)
/// // axum:      axum::serve(listener, app).with_graceful_shutdown(shutdown)
/// // tonic:     Server::builder().add_service(..).serve_with_shutdown(addr, shutdown)
/// shutdown.await; // resolves after the signal and the grace period
/// # }
/// ```
pub struct Shutdown {
    health: Health,
    grace: Duration,
    trigger: Option<BoxFuture<'static, ()>>,
    running: Option<BoxFuture<'static, ()>>,
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("grace", &self.grace)
            .field("trigger", &self.trigger.as_ref().map(|_| "custom"))
            .field("running", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl Shutdown {
    /// The default grace period: 10 s, the kubelet's default `periodSeconds`, so that at least
    /// one readiness probe sees the 503 before the server stops.
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

    /// A shutdown that drains `health` on SIGTERM or SIGINT, then waits
    /// [`DEFAULT_GRACE`](Self::DEFAULT_GRACE).
    pub fn new(health: Health) -> Self {
        Shutdown {
            health,
            grace: Self::DEFAULT_GRACE,
            trigger: None,
            running: None,
        }
    }

    /// How long to keep serving between draining and stopping. `Duration::ZERO` stops at once
    /// (still after draining).
    #[must_use]
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Starts the shutdown when `trigger` completes instead of on a signal: for an admin
    /// endpoint, a service manager, or a test. No signal handler is installed then.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Health, Kind, Shutdown, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder().without_registered().build()?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let shutdown = Shutdown::new(health.clone())
    ///     .grace(Duration::from_secs(5))
    ///     .trigger(async move { let _ = stopped.await; });
    /// let waiting = tokio::spawn(shutdown);
    ///
    /// stop.send(()).unwrap();
    /// waiting.await.unwrap(); // five (paused) seconds later
    /// assert_eq!(health.report(Kind::Readiness).await.status(), Status::Fail);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn trigger(mut self, trigger: impl Future<Output = ()> + Send + 'static) -> Self {
        self.trigger = Some(Box::pin(trigger));
        self
    }
}

impl Future for Shutdown {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let running = this.running.get_or_insert_with(|| {
            Box::pin(run(this.health.clone(), this.grace, this.trigger.take()))
        });
        running.as_mut().poll(cx)
    }
}

async fn run(health: Health, grace: Duration, trigger: Option<BoxFuture<'static, ()>>) {
    if let Some(trigger) = trigger {
        trigger.await;
        drain(&health, "shutdown triggered", grace);
        tokio::time::sleep(grace).await;
    } else {
        let mut signals = match Signals::new() {
            Ok(signals) => signals,
            Err(error) => {
                // Without handlers, signals keep their default action: the process ends.
                tracing::error!(%error, "healthz: cannot listen for shutdown signals");
                return std::future::pending().await;
            }
        };
        let name = signals.recv().await;
        drain(&health, name, grace);
        tokio::select! {
            () = tokio::time::sleep(grace) => {}
            again = signals.recv() => {
                tracing::info!("{again} received again: ending the grace period now");
            }
        }
    }
    tracing::info!("healthz: grace period over; stopping the server gracefully");
    health.end_subscriptions();
}

fn drain(health: &Health, why: &str, grace: Duration) {
    health.drain();
    tracing::info!(
        ?grace,
        "{why}: readiness now fails; the server stops after the grace period"
    );
}

/// SIGTERM and SIGINT (Ctrl-C on Windows), listened to from the first call on.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// The name of the next signal.
    async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
