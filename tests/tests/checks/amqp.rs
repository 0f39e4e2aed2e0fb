//! `checks::amqp` against a real RabbitMQ, with lapin 4 connections with and without
//! auto-recovery.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use healthz_actix::Status;
use healthz_actix::checks;
use healthz_tests::{Needs, Proxy, Service};
use lapin::{Connection, ConnectionProperties};
use tokio::task::JoinHandle;

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A connection to `url`; with `recover`, lapin reconnects on its own, retrying every 50 to
/// 200 ms for as long as it takes (its default is 16 tries with a back-off of up to a minute).
pub(crate) async fn connect(url: &str, recover: bool) -> Arc<Connection> {
    let mut properties = ConnectionProperties::default();
    if recover {
        properties = properties
            .enable_auto_recover()
            .configure_backoff(|backoff| {
                backoff
                    .with_min_delay(Duration::from_millis(50))
                    .with_max_delay(Duration::from_millis(200))
                    .with_max_times(usize::MAX)
            });
    }
    let connection = Connection::connect(url, properties)
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}", healthz_actix::redact(url)));
    Arc::new(connection)
}

#[tokio::test]
async fn amqp_passes() {
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let connection = connect(rabbitmq.url(), false).await;
    assert_pass(&checks::amqp(&connection).await);

    let health = health(crate::TIMEOUT * 10, move || checks::amqp(&connection));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
}

/// A refused broker closes the connection, which lapin sees at once (or the check's channel meets
/// the closing socket); a blackholed one leaves lapin reconnecting into silence. Either way the
/// check fails within its timeout, and passes once lapin has reconnected.
const AMQP_DOWN: Expect<'static> = Expect {
    probe: &[
        "AMQP: not connected: the connection was lost; lapin is reconnecting",
        "AMQP: not connected: lapin is connecting",
        "AMQP: cannot open a channel: ",
        TIMED_OUT,
    ],
    alone: &[
        "AMQP: not connected: the connection was lost; lapin is reconnecting",
        "AMQP: not connected: lapin is connecting",
        "AMQP: cannot open a channel: ",
        "AMQP: no channel within 300ms",
    ],
};

/// What `checks::amqp`'s documentation tells a program to do, since lapin's auto-recovery gives
/// up on some outages and stalls in others: keep the connection where the probe finds it, and
/// replace it when lapin has given up on it, or when the check has kept failing for 2 s whatever
/// lapin's status says. Stops with the returned task.
async fn supervised(url: String) -> (Arc<RwLock<Arc<Connection>>>, JoinHandle<()>) {
    let current = Arc::new(RwLock::new(connect(&url, true).await));
    let watched = Arc::clone(&current);
    let supervisor = tokio::spawn(async move {
        let mut failing_since = None;
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let connection = Arc::clone(&watched.read().expect("not poisoned"));
            let check = checks::amqp(&connection).timeout(crate::TIMEOUT).await;
            if check.status() == Status::Pass {
                failing_since = None;
                continue;
            }
            let since = *failing_since.get_or_insert_with(std::time::Instant::now);
            let status = connection.status();
            let given_up = status.errored() || status.closed();
            if given_up || since.elapsed() > Duration::from_secs(2) {
                let properties = ConnectionProperties::default().enable_auto_recover();
                let attempt = Connection::connect(&url, properties);
                if let Ok(Ok(fresh)) = tokio::time::timeout(Duration::from_secs(3), attempt).await {
                    *watched.write().expect("not poisoned") = Arc::new(fresh);
                    failing_since = None;
                }
            }
        }
    });
    (current, supervisor)
}

#[tokio::test]
async fn amqp_outage_refused_blackholed_and_recovered() {
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let proxy = Proxy::start(rabbitmq.addr()).await;
    let (current, supervisor) = supervised(rabbitmq.url_via(proxy.addr())).await;
    outage_and_recovery(
        &proxy,
        move || checks::amqp(&*current.read().expect("not poisoned")),
        AMQP_DOWN,
        AMQP_DOWN,
    )
    .await;
    supervisor.abort();
}

/// A refused broker, back again: lapin's auto-recovery reconnects on its own (its TCP
/// connections are refused until then, which it retries).
#[tokio::test]
async fn amqp_auto_recovery_after_a_refused_broker() {
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let proxy = Proxy::start(rabbitmq.addr()).await;
    let connection = connect(&rabbitmq.url_via(proxy.addr()), true).await;
    assert_pass(&checks::amqp(&connection).await);
    proxy.refuse().await;
    crate::until("lapin sees the connection fail", || {
        !connection.status().connected()
    })
    .await;
    let check = checks::amqp(&connection).await;
    let output = check.output().unwrap_or_default();
    assert!(output.starts_with("AMQP: not connected: "), "{output}");

    proxy.restore().await;
    let health = health(crate::TIMEOUT, move || checks::amqp(&connection));
    crate::recovers(&health).await;
}

/// A broker that stops answering while the connection stays up: lapin still thinks it is
/// connected (its heartbeat would notice after a minute), so the check's channel is what meets
/// the silence, and it fails at the check's timeout. Once the broker is back, lapin reconnects, or
/// the supervisor replaces a connection whose recovery stalled.
#[tokio::test]
async fn amqp_silent_broker_fails_at_the_timeout() {
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let proxy = Proxy::start(rabbitmq.addr()).await;
    let (current, supervisor) = supervised(rabbitmq.url_via(proxy.addr())).await;
    let connection = Arc::clone(&current.read().expect("not poisoned"));
    assert_pass(&checks::amqp(&connection).await);

    proxy.blackhole().await;
    assert!(connection.status().connected(), "lapin noticed nothing");
    let silent = move || checks::amqp(&*current.read().expect("not poisoned"));
    let health = crate::fails_at_the_timeout(silent, "AMQP: no channel within 300ms").await;

    proxy.restore().await;
    crate::recovers(&health).await;
    supervisor.abort();
}

/// Without auto-recovery, lapin never reconnects: the check keeps failing after the broker is
/// back, saying so, and a new connection (what the program must open) passes.
#[tokio::test]
async fn amqp_without_auto_recovery_needs_a_new_connection() {
    const FAILED: &str =
        "AMQP: not connected: the connection failed, and lapin will not reconnect it";
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let proxy = Proxy::start(rabbitmq.addr()).await;
    let url = rabbitmq.url_via(proxy.addr());
    let connection = connect(&url, false).await;
    assert_pass(&checks::amqp(&connection).await);

    proxy.refuse().await;
    crate::until("lapin sees the connection fail", || {
        !connection.status().connected()
    })
    .await;
    proxy.restore().await;
    for _ in 0..3 {
        let check = checks::amqp(&connection).await;
        assert_eq!(check.output(), Some(FAILED));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let replacement = connect(&url, false).await;
    assert_pass(&checks::amqp(&replacement).await);
}
