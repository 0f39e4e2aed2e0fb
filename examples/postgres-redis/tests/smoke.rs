//! Runs the example binary as a user would, against the real `PostgreSQL`, Redis and NATS:
//! `/readyz` passes with all up, and with Redis unreachable the service still starts and `/readyz`
//! says that Redis is the problem.

use std::time::Duration;

use healthz_tests::example::Example;
use healthz_tests::{Needs, Proxy, Service};

/// Starts the example on an ephemeral port with the given URLs and returns it with its base URL.
fn start(database_url: &str, redis_url: &str, nats_url: &str) -> (Example, String) {
    let example = Example::start(
        env!("CARGO_BIN_EXE_example-postgres-redis"),
        "example-postgres-redis",
        &[
            ("DATABASE_URL", database_url),
            ("REDIS_URL", redis_url),
            ("NATS_URL", nats_url),
        ],
    );
    let base = example.base.clone();
    (example, base)
}

async fn readyz(base: &str) -> (u16, serde_json::Value) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let res = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let body = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")),
    )
}

/// The three servers, or `None` (the test skips) when one is absent.
fn servers() -> Option<(Service, Service, Service)> {
    Some((
        Service::get(Needs::Postgres)?,
        Service::get(Needs::Redis)?,
        Service::get(Needs::Nats)?,
    ))
}

#[tokio::test]
async fn readiness_passes_with_postgres_redis_and_nats_up() {
    let Some((postgres, redis, nats)) = servers() else {
        return;
    };
    let (_example, base) = start(postgres.url(), redis.url(), nats.url());
    // NATS connects in the background: give it a moment.
    let mut tries = 0;
    let (status, body) = loop {
        let (status, body) = readyz(&base).await;
        tries += 1;
        if status == 200 || tries == 20 {
            break (status, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, 200, "{body}");
    for check in ["postgres", "redis", "nats"] {
        assert_eq!(body["checks"][check][0]["status"], "pass", "{body}");
        assert_eq!(body["checks"][check][0]["observedUnit"], "ms", "{body}");
    }
    assert_eq!(
        body["checks"]["memory"][0]["observedUnit"], "bytes",
        "{body}"
    );
}

#[tokio::test]
async fn readiness_names_redis_when_redis_is_unreachable() {
    let Some((postgres, redis, nats)) = servers() else {
        return;
    };
    let proxy = Proxy::start(redis.addr()).await;
    proxy.refuse().await;
    let (_example, base) = start(postgres.url(), &redis.url_via(proxy.addr()), nats.url());
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["checks"]["postgres"][0]["status"], "pass", "{body}");
    let redis = &body["checks"]["redis"][0];
    assert_eq!(redis["status"], "fail", "{body}");
    let output = redis["output"].as_str().unwrap_or_default();
    assert!(
        output.starts_with("Redis: ") || output == "timed out after 300ms",
        "{body}"
    );
}
