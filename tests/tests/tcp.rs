//! The endpoints over a real TCP listener, with a real HTTP client.

use std::time::Duration;

use healthz_actix::{Health, ProbeOptions};
use healthz_tests::TestServer;
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[actix_web::test]
async fn serves_over_tcp() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("database is down")
        })
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let client = client();

    let live = client.get(server.url("/livez")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["content-type"], "application/health+json");
    assert_eq!(live.headers()["cache-control"], "no-store");

    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&ready.text().await.unwrap()).unwrap();
    assert_eq!(
        json["checks"]["database"][0]["output"], "database is down",
        "the test client is on loopback"
    );

    let head = client.head(server.url("/readyz")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(head.bytes().await.unwrap().is_empty(), "HEAD has no body");

    let post = client.post(server.url("/readyz")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.headers()["allow"], "GET, HEAD");

    let text = client
        .get(server.url("/readyz?verbose"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        "[-]database failed: database is down\nreadyz check failed\n"
    );
}

#[actix_web::test]
async fn a_hanging_probe_is_answered_at_its_timeout() {
    let health = Health::builder()
        .without_registered()
        .readiness(
            "hangs",
            ProbeOptions::new().timeout(Duration::from_millis(200)),
            || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            },
        )
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let started = std::time::Instant::now();
    let res = client()
        .get(server.url("/readyz?verbose"))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.text().await.unwrap(),
        "[-]hangs failed: timed out after 200ms\nreadyz check failed\n"
    );
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}
