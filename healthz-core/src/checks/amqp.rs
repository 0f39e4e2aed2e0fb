//! [`amqp`]: an AMQP 0-9-1 connection (RabbitMQ) is connected and opens a channel.

use super::CheckFuture;
use super::sealed::Handle;

/// An AMQP connection that [`amqp`] can check.
///
/// Implemented, with the feature `lapin-4`, for lapin 4's `Arc<lapin::Connection>`: a lapin
/// `Connection` cannot be cloned, and a check must own what it uses, so share yours in an `Arc`
/// (which [`Health::builder().state(..)`](crate::HealthBuilder::state) needs anyway). The trait is
/// sealed: a later lapin major gets its own feature and implementation, and your calls stay the
/// same.
///
/// ```no_run
/// use std::sync::Arc;
/// use healthz_core::{Check, checks};
/// use lapin::Connection;
///
/// // A probe that takes the connection as state: `Health::builder().state(connection)`.
/// async fn rabbitmq(connection: &Arc<Connection>) -> Check {
///     checks::amqp(connection).await
/// }
/// ```
pub trait AmqpConnection: Handle {}

/// Checks that an AMQP connection is connected and that a channel opens on it and closes again
/// (two round trips to the broker).
///
/// Passes with the latency in milliseconds as the observed value. Fails with
/// `AMQP: not connected: …` when lapin knows the connection is down (then nothing is sent),
/// `AMQP: cannot open a channel: …` or `AMQP: cannot close the channel: …` with lapin's error,
/// or `AMQP: no channel within 500ms` and `AMQP: the channel did not close within 500ms` when the
/// broker does not answer.
///
/// The channel is opened and closed on a task of its own, which later checks of the same
/// connection join while it runs: a check that times out leaves it running instead of abandoning
/// a half-opened channel (lapin would keep it, reopen it when it recovers the connection, and
/// never close it). It ends when the broker answers or lapin gives the channel up.
///
/// **Recovery.** A lapin connection whose socket broke is over unless it was opened with
/// `ConnectionProperties::default().enable_auto_recover()`: then lapin reconnects on its own (with
/// back-off, 16 tries by default) and the check passes again once it has. Without it, the check
/// keeps failing with `AMQP: not connected: the connection failed, and lapin will not reconnect
/// it`. Even with it, lapin 4.12 gives up when a reconnection fails after its TCP connection was
/// made (a broker that accepts connections and does not answer them), and its recovery can stall
/// when a frame is written onto a connection that has just broken (amqp-rs/lapin#450). So keep the
/// connection where your probe reads it (an `RwLock<Arc<Connection>>`, say) and replace it when
/// its status says `errored()` or `closed()`, or when this check has kept failing for a while,
/// whatever lapin's status says; healthz's own tests do exactly that.
///
/// A silent broker (packets dropped) is not noticed by lapin until its heartbeat times out (60 s
/// by default, as RabbitMQ proposes); the check notices at once, since the broker must answer the
/// channel's opening within the check's time.
///
/// ```no_run
/// use std::sync::Arc;
/// use healthz_core::{Health, ProbeOptions, checks};
/// use lapin::{Connection, ConnectionProperties};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let properties = ConnectionProperties::default().enable_auto_recover();
/// let connection = Arc::new(Connection::connect("amqp://127.0.0.1:5672/%2f", properties).await?);
///
/// // In a probe of your own:
/// let check = checks::amqp(&connection).await;
///
/// // Or as the probe:
/// let health = Health::builder()
///     .readiness("rabbitmq", ProbeOptions::new(), move || checks::amqp(&connection))
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn amqp(connection: &impl AmqpConnection) -> CheckFuture {
    connection.check(())
}

/// lapin 4. A later major goes in a module of its own beside this one, behind its own feature.
mod lapin_4 {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};

    use futures_util::FutureExt as _;
    use futures_util::future::Shared;
    use lapin::protocol::constants::REPLY_SUCCESS;
    use lapin::{Connection, ConnectionStatus};

    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome, chain};
    use crate::{BoxFuture, Check};

    impl super::AmqpConnection for Arc<Connection> {}

    impl Handle for Arc<Connection> {
        fn check(&self, (): ()) -> CheckFuture {
            let connection = Arc::clone(self);
            CheckFuture::new("AMQP", move |budget| open_channel(connection, budget))
        }
    }

    async fn open_channel(connection: Arc<Connection>, budget: Budget) -> Outcome {
        if let Some(state) = not_connected(connection.status()) {
            return Err(budget.fail(format_args!("not connected: {state}")));
        }
        let Flight { opened, done } = flight(&connection);
        drop(connection);
        match budget.run(done).await {
            Some(Ok(())) => Ok(Check::pass()),
            Some(Err(reason)) => Err(budget.fail(reason)),
            None if opened.load(Ordering::Acquire) => {
                Err(budget.fail(budget.missed("the channel did not close")))
            }
            None => Err(budget.fail(budget.missed("no channel"))),
        }
    }

    /// A channel that a check opens and closes, on its own task, and whether it is open yet.
    #[derive(Clone)]
    struct Flight {
        opened: Arc<AtomicBool>,
        done: Shared<BoxFuture<'static, Result<(), String>>>,
    }

    /// The flights under way, by connection (its address: a flight holds its connection, so the
    /// address cannot be reused while it is here).
    static FLIGHTS: Mutex<BTreeMap<usize, Flight>> = Mutex::new(BTreeMap::new());

    /// The flight under way on `connection`, or a new one.
    ///
    /// A check that times out leaves its flight running instead of dropping a half-opened
    /// channel: lapin would keep that channel, reopen it when it recovers the connection (and
    /// recovery can stall on it), and never close it. The flight finishes when the broker
    /// answers or lapin gives the channel up, and closes what it opened; until then later checks
    /// of the connection wait for it instead of opening more channels.
    fn flight(connection: &Arc<Connection>) -> Flight {
        let mut flights = FLIGHTS.lock().unwrap_or_else(PoisonError::into_inner);
        let key = Arc::as_ptr(connection).addr();
        if let Some(flight) = flights.get(&key) {
            return flight.clone();
        }
        let opened = Arc::new(AtomicBool::new(false));
        let (connection, open) = (Arc::clone(connection), Arc::clone(&opened));
        // The task takes the lock to forget its flight, so it cannot do so before it is in.
        let task = tokio::spawn(async move {
            let result = async {
                let channel = connection
                    .create_channel()
                    .await
                    .map_err(|e| format!("cannot open a channel: {}", chain(&e)))?;
                open.store(true, Ordering::Release);
                channel
                    .close(REPLY_SUCCESS, "healthz check".into())
                    .await
                    .map_err(|e| format!("cannot close the channel: {}", chain(&e)))
            }
            .await;
            FLIGHTS
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&key);
            result
        });
        let done = async move {
            match task.await {
                Ok(result) => result,
                Err(e) => Err(format!("the channel's task failed: {e}")),
            }
        }
        .boxed()
        .shared();
        let flight = Flight { opened, done };
        flights.insert(key, flight.clone());
        flight
    }

    /// Why a connection that is not connected is not, in words; `None` when it is connected.
    fn not_connected(status: &ConnectionStatus) -> Option<&'static str> {
        Some(if status.connected() {
            return None;
        } else if status.reconnecting() {
            "the connection was lost; lapin is reconnecting"
        } else if status.connecting() {
            "lapin is connecting"
        } else if status.errored() {
            "the connection failed, and lapin will not reconnect it"
        } else if status.closing() || status.closed() {
            "the connection is closed"
        } else {
            "the connection is not open yet"
        })
    }
}
