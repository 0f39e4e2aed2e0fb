//! The graceful shutdown helper: drain at once, wait the grace period, then let actix stop.
//! Timing runs on tokio's paused clock; the actix integration over real TCP. The real-signal,
//! real-process test is `examples/basic/tests/smoke.rs`.

use std::time::Duration;

use actix_web::{App, HttpServer};
use healthz_actix::{Endpoints, Health, Kind, Shutdown, Status};
use healthz_tests::healthy;
use tokio::sync::oneshot;
use tokio::time::Instant;

/// A shutdown started by sending on the returned channel.
fn triggered(health: &Health, grace: Duration) -> (Shutdown, oneshot::Sender<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = Shutdown::new(health.clone())
        .grace(grace)
        .trigger(async move {
            let _ = stopped.await;
        });
    (shutdown, stop)
}

#[tokio::test(start_paused = true)]
async fn drains_at_once_and_resolves_after_the_grace_period() {
    let health = healthy();
    let (shutdown, stop) = triggered(&health, Duration::from_secs(10));
    let waiting = tokio::spawn(shutdown);

    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(!health.is_draining(), "nothing happens before the trigger");
    assert!(!waiting.is_finished());
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);

    stop.send(()).unwrap();
    let triggered = Instant::now();
    while !health.is_draining() {
        tokio::task::yield_now().await;
    }
    assert_eq!(triggered.elapsed(), Duration::ZERO, "drained at once");
    let ready = health.report(Kind::Readiness).await;
    assert_eq!(
        (ready.status(), ready.output()),
        (Status::Fail, Some("draining"))
    );
    assert_eq!(
        health.report(Kind::Liveness).await.status(),
        Status::Pass,
        "liveness stays up"
    );
    assert!(!waiting.is_finished());

    waiting.await.unwrap();
    assert_eq!(triggered.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn the_default_grace_is_ten_seconds_and_zero_stops_at_once() {
    assert_eq!(Shutdown::DEFAULT_GRACE, Duration::from_secs(10));
    let health = healthy();
    let (shutdown, stop) = triggered(&health, Duration::ZERO);
    stop.send(()).unwrap();
    let started = Instant::now();
    shutdown.await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(health.is_draining(), "drained even without a grace period");
}

#[actix_web::test]
async fn an_actix_server_serves_through_the_grace_period_then_stops() {
    let health = healthy();
    let grace = Duration::from_millis(500);
    let (shutdown, stop) = triggered(&health, grace);
    let server = HttpServer::new({
        let health = health.clone();
        move || App::new().service(Endpoints::new(health.clone()))
    })
    .workers(1)
    .shutdown_signal(shutdown)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let base = format!("http://{}", server.addrs()[0]);
    let running = actix_web::rt::spawn(server.run());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let status = |path: &'static str| {
        let request = client.get(format!("{base}{path}"));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/readyz").await, 200);

    stop.send(()).unwrap();
    let stopping = std::time::Instant::now();
    while status("/readyz").await != 503 {
        assert!(stopping.elapsed() < grace, "/readyz never answered 503");
    }
    assert_eq!(status("/livez").await, 200, "still serving");
    assert!(stopping.elapsed() < grace);
    drop(client);

    let result = tokio::time::timeout(Duration::from_secs(20), running)
        .await
        .expect("the server stops after the grace period");
    result.unwrap().expect("a clean stop");
    assert!(stopping.elapsed() >= grace, "{:?}", stopping.elapsed());
}
