//! Runs the example binary as a user would, against the real `PostgreSQL` and Redis: `/readyz`
//! passes with both up, and with Redis unreachable the service still starts and `/readyz` says
//! that Redis is the problem.

use std::time::Duration;

use healthz_tests::example::Example;
use healthz_tests::{Needs, Proxy, Service};

/// Starts the example on an ephemeral port with the given URLs and returns it with its base URL.
fn start(database_url: &str, redis_url: &str) -> (Example, String) {
    let example = Example::start(
        env!("CARGO_BIN_EXE_example-postgres-redis"),
        "example-postgres-redis",
        &[("DATABASE_URL", database_url), ("REDIS_URL", redis_url)],
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

#[tokio::test]
async fn readiness_passes_with_postgres_and_redis_up() {
    let (Some(postgres), Some(redis)) = (Service::get(Needs::Postgres), Service::get(Needs::Redis))
    else {
        return;
    };
    let (_example, base) = start(postgres.url(), redis.url());
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 200, "{body}");
    for check in ["postgres", "redis"] {
        assert_eq!(body["checks"][check][0]["status"], "pass", "{body}");
        assert_eq!(body["checks"][check][0]["observedUnit"], "ms", "{body}");
    }
}

#[tokio::test]
async fn readiness_names_redis_when_redis_is_unreachable() {
    let (Some(postgres), Some(redis)) = (Service::get(Needs::Postgres), Service::get(Needs::Redis))
    else {
        return;
    };
    let proxy = Proxy::start(redis.addr()).await;
    proxy.refuse().await;
    let (_example, base) = start(postgres.url(), &redis.url_via(proxy.addr()));
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
