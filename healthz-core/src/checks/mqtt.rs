//! [`mqtt`]: an MQTT client's event loop is connected and the broker answers it, as seen by an
//! [`MqttMonitor`] that the event loop feeds.

use std::fmt;
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::Arc;

use tokio::sync::watch;

use super::{Budget, CheckFuture, Outcome};
use crate::{BoxFuture, Check};

/// An MQTT client that an [`MqttMonitor`] can send its requests with.
///
/// Implemented, with the feature `mqtt-0_25`, for rumqttc 0.25's `AsyncClient` (MQTT 3.1.1). The
/// trait is sealed: a later rumqttc major gets its own feature and implementation, and your calls
/// stay the same.
///
/// ```
/// use healthz_core::checks::MqttMonitor;
/// use rumqttc::{AsyncClient, MqttOptions};
///
/// let (client, _event_loop) = AsyncClient::new(MqttOptions::new("orders", "127.0.0.1", 1883), 10);
/// let monitor = MqttMonitor::new(&client);
/// ```
pub trait MqttClient: private::Client + Clone + Send + Sync + 'static {}

/// What an MQTT event loop yields, which an [`MqttMonitor`] can [`observe`](MqttMonitor::observe).
///
/// Implemented, with the feature `mqtt-0_25`, for rumqttc 0.25's
/// `Result<Event, ConnectionError>` (what `EventLoop::poll` returns), and for `Event` and
/// `ConnectionError` on their own, for a loop that matches on the result first. Sealed, as
/// [`MqttClient`] is.
///
/// ```
/// use healthz_core::checks::MqttMonitor;
/// use rumqttc::{AsyncClient, ConnAck, ConnectReturnCode, Event, Incoming, MqttOptions};
///
/// let (client, _event_loop) = AsyncClient::new(MqttOptions::new("orders", "127.0.0.1", 1883), 10);
/// let monitor = MqttMonitor::new(&client);
/// let connack = ConnAck { session_present: false, code: ConnectReturnCode::Success };
/// monitor.observe(&Event::Incoming(Incoming::ConnAck(connack)));
/// assert!(format!("{monitor:?}").contains("Up"));
/// ```
pub trait MqttEvent: private::Event {}

mod private {
    /// The parts of [`MqttClient`](super::MqttClient) and [`MqttEvent`](super::MqttEvent) that
    /// users cannot implement or call.
    #[allow(unreachable_pub)] // public in a private module: nameable as a bound, not implementable
    pub trait Client: Send + Sync + 'static {
        /// Hands an UNSUBSCRIBE of `topic` to the event loop; fails with the client's error.
        fn unsubscribe(&self, topic: String) -> crate::BoxFuture<'static, Result<(), String>>;
    }

    #[allow(unreachable_pub)]
    pub trait Event {
        /// What the event says about the connection.
        fn seen(&self) -> Seen;
    }

    /// What one event of the event loop says about the connection.
    #[derive(Debug)]
    #[allow(unreachable_pub)]
    pub enum Seen {
        /// The broker accepted the connection (CONNACK).
        Connected,
        /// The connection is gone, and why.
        Lost(String),
        /// The broker answered an UNSUBSCRIBE (UNSUBACK).
        Answered,
        /// Nothing the monitor tracks.
        Other,
    }
}

use private::Seen;

/// The connection as the monitor has seen it.
#[derive(Clone, Debug, Default)]
enum Link {
    /// No CONNACK seen yet.
    #[default]
    NotYet,
    Up,
    Down(String),
}

#[derive(Clone, Debug, Default)]
struct State {
    link: Link,
    /// UNSUBACKs seen on this connection and earlier ones.
    answers: u64,
}

/// What [`mqtt`] checks: an MQTT connection as its event loop shows it, and a way to ask the
/// broker for an answer through the client.
///
/// An MQTT client is split in two: the client, which queues requests, and the event loop, which
/// your program polls to send them, receive packets, keep the connection alive and reconnect.
/// Only the event loop sees whether the connection is up, so the monitor needs it to show every
/// event it yields to [`observe`](Self::observe): one line in the loop you already have. The
/// monitor is cheap to clone; every clone shares what it has seen.
///
/// A check then asks the broker for an answer through the client, the same path your requests
/// take: it sends an UNSUBSCRIBE of a topic that no one subscribes to
/// (`healthz/unsubscribe/{random}`), which the broker must answer with an UNSUBACK even though
/// there is nothing to remove (MQTT 3.1.1 §3.10.4), and waits for the event loop to show that
/// answer. That is the round trip a PINGREQ would be, but the client cannot send a PINGREQ, and an
/// extra one while the event loop's keep-alive ping is unanswered makes rumqttc drop the
/// connection.
///
/// ```no_run
/// use std::time::Duration;
/// use healthz_core::{Health, ProbeOptions, checks};
/// use rumqttc::{AsyncClient, MqttOptions};
///
/// # async fn demo() -> Result<(), healthz_core::BuildError> {
/// let (client, mut event_loop) = AsyncClient::new(MqttOptions::new("orders", "127.0.0.1", 1883), 10);
/// let monitor = checks::MqttMonitor::new(&client);
///
/// let observer = monitor.clone();
/// tokio::spawn(async move {
///     loop {
///         let event = event_loop.poll().await;
///         observer.observe(&event);
///         match event {
///             Ok(_event) => { /* your handling of publishes, acks, ... */ }
///             // Polling again reconnects: wait a little first.
///             Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
///         }
///     }
/// });
///
/// let health = Health::builder()
///     .readiness("mqtt", ProbeOptions::new(), move || checks::mqtt(&monitor))
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MqttMonitor {
    state: Arc<watch::Sender<State>>,
    client: Arc<dyn private::Client>,
    /// The topic filter the checks unsubscribe from.
    topic: Arc<str>,
}

impl MqttMonitor {
    /// A monitor of the connection that `client`'s event loop makes. It has seen nothing yet:
    /// [`mqtt`] fails until the event loop shows it a CONNACK.
    pub fn new(client: &impl MqttClient) -> Self {
        let mut nonce = std::collections::hash_map::RandomState::new().build_hasher();
        nonce.write_u32(std::process::id());
        MqttMonitor {
            state: Arc::new(watch::Sender::new(State::default())),
            client: Arc::new(client.clone()),
            topic: format!("healthz/unsubscribe/{:016x}", nonce.finish()).into(),
        }
    }

    /// Takes note of what the event loop yielded: a CONNACK (connected), an error or a
    /// DISCONNECT (not connected, and why), an UNSUBACK (an answer to a check). Call it with
    /// every result of `EventLoop::poll`, before handling it.
    ///
    /// ```
    /// use healthz_core::{Status, checks};
    /// use rumqttc::{AsyncClient, ConnAck, ConnectReturnCode, Event, Incoming, MqttOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (client, _event_loop) = AsyncClient::new(MqttOptions::new("orders", "127.0.0.1", 1883), 10);
    /// let monitor = checks::MqttMonitor::new(&client);
    /// let check = checks::mqtt(&monitor).await;
    /// assert_eq!(
    ///     check.output(),
    ///     Some("MQTT: not connected yet: no CONNACK seen (show every event of the event loop to MqttMonitor::observe)")
    /// );
    ///
    /// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    /// monitor.observe(&rumqttc::ConnectionError::Io(refused));
    /// let check = checks::mqtt(&monitor).await;
    /// assert_eq!(check.status(), Status::Fail);
    /// assert_eq!(check.output(), Some("MQTT: not connected: I/O: connection refused"));
    /// # }
    /// ```
    pub fn observe(&self, event: &impl MqttEvent) {
        let seen = event.seen();
        self.state.send_if_modified(|state| match seen {
            Seen::Connected => {
                state.link = Link::Up;
                true
            }
            Seen::Lost(reason) => {
                state.link = Link::Down(reason);
                true
            }
            Seen::Answered => {
                state.answers += 1;
                true
            }
            Seen::Other => false,
        });
    }
}

impl fmt::Debug for MqttMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttMonitor")
            .field("state", &*self.state.borrow())
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

/// Checks that an MQTT client's event loop is connected and that the broker answers a request
/// sent through the client (one round trip), as [`MqttMonitor`] explains.
///
/// Passes with the latency in milliseconds as the observed value. Fails with
/// `MQTT: not connected: …` and the event loop's last error while it is down (nothing is sent
/// then; the event loop reconnects when you poll it again),
/// `MQTT: not connected yet: no CONNACK seen …` before the first connection (or when the event
/// loop's events never reach the monitor), `MQTT: cannot send a request: …` when the event loop
/// is gone, `MQTT: the event loop took no request within 500ms` when it is not being polled or
/// its queue stays full, `MQTT: no answer within 500ms` when the broker is silent, and
/// `MQTT: the connection was lost: …` when it breaks meanwhile.
///
/// ```
/// use healthz_core::{Status, checks};
/// use rumqttc::{AsyncClient, ConnectionError, MqttOptions};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (client, _event_loop) = AsyncClient::new(MqttOptions::new("orders", "127.0.0.1", 1883), 10);
/// let monitor = checks::MqttMonitor::new(&client);
/// monitor.observe(&ConnectionError::NetworkTimeout);
///
/// let check = checks::mqtt(&monitor).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert_eq!(check.output(), Some("MQTT: not connected: Network timeout"));
/// assert_eq!(check.observation().map(|(_, unit)| unit), Some("ms"));
/// # }
/// ```
pub fn mqtt(monitor: &MqttMonitor) -> CheckFuture {
    let monitor = monitor.clone();
    CheckFuture::new("MQTT", move |budget| round_trip(monitor, budget))
}

async fn round_trip(monitor: MqttMonitor, budget: Budget) -> Outcome {
    let mut state = monitor.state.subscribe();
    let before = match &*state.borrow_and_update() {
        State {
            link: Link::Up,
            answers,
        } => *answers,
        State {
            link: Link::Down(reason),
            ..
        } => {
            return Err(budget.fail(format_args!("not connected: {reason}")));
        }
        State {
            link: Link::NotYet, ..
        } => {
            return Err(budget.fail(
                "not connected yet: no CONNACK seen \
                 (show every event of the event loop to MqttMonitor::observe)",
            ));
        }
    };
    let sent: BoxFuture<'static, _> = monitor.client.unsubscribe(monitor.topic.to_string());
    match budget.run(sent).await {
        None => return Err(budget.fail(budget.missed("the event loop took no request"))),
        Some(Err(e)) => return Err(budget.fail(format_args!("cannot send a request: {e}"))),
        Some(Ok(())) => {}
    }
    let answered = state.wait_for(|now| !matches!(now.link, Link::Up) || now.answers > before);
    let lost = match budget.run(answered).await {
        None => return Err(budget.fail(budget.missed("no answer"))),
        Some(Err(_)) => unreachable!("the monitor outlives its checks: this one holds it"),
        Some(Ok(now)) => match &now.link {
            Link::Up => None,
            Link::Down(reason) => Some(reason.clone()),
            Link::NotYet => Some("the monitor forgot the connection".to_owned()),
        },
    };
    match lost {
        Some(reason) => Err(budget.fail(format_args!("the connection was lost: {reason}"))),
        None => Ok(Check::pass()),
    }
}

/// rumqttc 0.25 (MQTT 3.1.1). A later major goes in a module of its own beside this one, behind
/// its own feature.
mod rumqttc_0_25 {
    use futures_util::FutureExt as _;
    use rumqttc::{AsyncClient, ConnectionError, Event, Outgoing, Packet};

    use super::private::{self, Seen};
    use crate::checks::chain;

    impl super::MqttClient for AsyncClient {}

    impl private::Client for AsyncClient {
        fn unsubscribe(&self, topic: String) -> crate::BoxFuture<'static, Result<(), String>> {
            let client = self.clone();
            async move { client.unsubscribe(topic).await.map_err(|e| chain(&e)) }.boxed()
        }
    }

    impl super::MqttEvent for Result<Event, ConnectionError> {}
    impl super::MqttEvent for Event {}
    impl super::MqttEvent for ConnectionError {}

    impl private::Event for Result<Event, ConnectionError> {
        fn seen(&self) -> Seen {
            match self {
                Ok(event) => event.seen(),
                Err(e) => e.seen(),
            }
        }
    }

    impl private::Event for Event {
        fn seen(&self) -> Seen {
            match self {
                Event::Incoming(Packet::ConnAck(_)) => Seen::Connected,
                Event::Incoming(Packet::UnsubAck(_)) => Seen::Answered,
                Event::Incoming(Packet::Disconnect) => {
                    Seen::Lost("the broker sent DISCONNECT".to_owned())
                }
                Event::Outgoing(Outgoing::Disconnect) => {
                    Seen::Lost("the client sent DISCONNECT".to_owned())
                }
                _ => Seen::Other,
            }
        }
    }

    impl private::Event for ConnectionError {
        fn seen(&self) -> Seen {
            Seen::Lost(chain(self))
        }
    }
}
