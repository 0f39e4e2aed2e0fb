//! `checks::mqtt` against a real Mosquitto, with rumqttc 0.25's `AsyncClient` and an event loop
//! that feeds an `MqttMonitor`, as the documentation shows.

use std::net::SocketAddr;
use std::time::Duration;

use healthz_actix::Status;
use healthz_actix::checks;
use healthz_tests::{Mqtt, Needs, Proxy, Service};

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A client of the broker at `addr`, once its monitor has seen it connect.
async fn connect(addr: SocketAddr) -> Mqtt {
    let mqtt = Mqtt::start(addr);
    let started = std::time::Instant::now();
    let mut check = checks::mqtt(&mqtt.monitor).await;
    while check.status() != Status::Pass && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        check = checks::mqtt(&mqtt.monitor).await;
    }
    assert_pass(&check);
    mqtt
}

#[tokio::test]
async fn mqtt_passes() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let mqtt = connect(mosquitto.addr()).await;
    assert_pass(&checks::mqtt(&mqtt.monitor).await);
    let monitor = mqtt.monitor.clone();
    let health = health(crate::TIMEOUT * 10, move || checks::mqtt(&monitor));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
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
    let mqtt = connect(proxy.addr()).await;
    let monitor = mqtt.monitor.clone();
    outage_and_recovery(&proxy, move || checks::mqtt(&monitor), MQTT_DOWN, MQTT_DOWN).await;
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
    let mqtt = connect(proxy.addr()).await;
    let monitor = mqtt.monitor.clone();

    proxy.blackhole().await;
    let silent = move || checks::mqtt(&monitor);
    let health = crate::fails_at_the_timeout(silent, "MQTT: no answer within 300ms").await;

    proxy.restore().await;
    crate::recovers(&health).await;
}

/// When the task that polled the event loop is gone, the requests have nowhere to go: the check
/// says so instead of trusting the last CONNACK it saw.
#[tokio::test]
async fn mqtt_fails_when_the_event_loop_is_gone() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let mut mqtt = connect(mosquitto.addr()).await;
    mqtt.stop_polling().await;
    let check = checks::mqtt(&mqtt.monitor).await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(
        check.output(),
        Some("MQTT: cannot send a request: Failed to send mqtt requests to eventloop")
    );
}
