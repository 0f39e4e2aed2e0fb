//! `checks::mqtt` against a real Mosquitto, with rumqttc 0.25's `AsyncClient` and an event loop
//! that feeds an `MqttMonitor`, as the documentation shows.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use healthz_actix::Status;
use healthz_actix::checks::{self, MqttMonitor};
use healthz_tests::{Needs, Proxy, Service};
use rumqttc::{AsyncClient, MqttOptions};
use tokio::task::JoinHandle;

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A client of the broker at `addr`, its monitor, and the task that polls its event loop (it
/// polls again 100 ms after an error, which reconnects), once the monitor has seen a CONNACK.
pub(crate) async fn connect(addr: SocketAddr) -> (AsyncClient, MqttMonitor, JoinHandle<()>) {
    // Unique: the broker drops a client when another connects with its id.
    static CLIENTS: AtomicUsize = AtomicUsize::new(0);
    let n = CLIENTS.fetch_add(1, Ordering::Relaxed);
    let id = format!("healthz-test-{}-{n}", std::process::id());
    let options = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    let (client, mut event_loop) = AsyncClient::new(options, 10);
    let monitor = MqttMonitor::new(&client);
    let observer = monitor.clone();
    let driver = tokio::spawn(async move {
        loop {
            let event = event_loop.poll().await;
            observer.observe(&event);
            if event.is_err() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let connected = checks::mqtt(&monitor);
    let started = std::time::Instant::now();
    let mut check = connected.await;
    while check.status() != Status::Pass && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        check = checks::mqtt(&monitor).await;
    }
    assert_pass(&check);
    (client, monitor, driver)
}

#[tokio::test]
async fn mqtt_passes() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let (_client, monitor, driver) = connect(mosquitto.addr()).await;
    assert_pass(&checks::mqtt(&monitor).await);
    let health = health(crate::TIMEOUT * 10, move || checks::mqtt(&monitor));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
    driver.abort();
}

/// A refused broker closes the connection, which the event loop reports (or the check's request
/// meets first); while blackholed, the event loop's reconnection waits for a CONNACK that never
/// comes, and the monitor still holds the last error.
const MQTT_DOWN: Expect<'static> = Expect {
    probe: &[
        "MQTT: not connected: ",
        "MQTT: the connection was lost: ",
        TIMED_OUT,
    ],
    alone: &[
        "MQTT: not connected: ",
        "MQTT: the connection was lost: ",
        "MQTT: no answer within 300ms",
    ],
};

#[tokio::test]
async fn mqtt_outage_refused_blackholed_and_recovered() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let proxy = Proxy::start(mosquitto.addr()).await;
    let (_client, monitor, driver) = connect(proxy.addr()).await;
    outage_and_recovery(&proxy, move || checks::mqtt(&monitor), MQTT_DOWN, MQTT_DOWN).await;
    driver.abort();
}

/// A broker that stops answering while the connection stays up: the event loop notices nothing
/// until its keep-alive ping goes unanswered (a minute and more), and the check's request is what
/// meets the silence.
#[tokio::test]
async fn mqtt_silent_broker_fails_at_the_timeout() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let proxy = Proxy::start(mosquitto.addr()).await;
    let (_client, monitor, driver) = connect(proxy.addr()).await;

    proxy.blackhole().await;
    let check = checks::mqtt(&monitor).timeout(crate::TIMEOUT).await;
    assert_eq!(check.output(), Some("MQTT: no answer within 300ms"));
    let probe = monitor.clone();
    let health = health(crate::TIMEOUT, move || checks::mqtt(&probe));
    let (status, output, elapsed) = evaluate(&health).await;
    assert_eq!((status, output.as_deref()), (Status::Fail, Some(TIMED_OUT)));
    assert!(elapsed < crate::TIMEOUT + crate::SLACK, "{elapsed:?}");

    proxy.restore().await;
    crate::recovers(&health).await;
    driver.abort();
}

/// When the task that polled the event loop is gone, the requests have nowhere to go: the check
/// says so instead of trusting the last CONNACK it saw.
#[tokio::test]
async fn mqtt_fails_when_the_event_loop_is_gone() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let (_client, monitor, driver) = connect(mosquitto.addr()).await;
    driver.abort();
    let _ = driver.await;
    let check = checks::mqtt(&monitor).await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(
        check.output(),
        Some("MQTT: cannot send a request: Failed to send mqtt requests to eventloop")
    );
}
