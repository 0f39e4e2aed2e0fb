//! Runs the example binary as a user would, against the real `PostgreSQL` and Redis: `/readyz`
//! passes with both up, and with Redis unreachable the service still starts and `/readyz` says
//! that Redis is the problem.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use healthz_tests::{Needs, Proxy, Service};

/// The example process; killed when dropped.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the example on an ephemeral port with the given URLs and returns it with its base URL,
/// read from the "listening on" line it prints.
fn start(database_url: &str, redis_url: &str) -> (Example, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_example-postgres-redis"))
        .env("BIND", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("REDIS_URL", redis_url)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start example-postgres-redis");
    let stdout = child.stdout.take().expect("piped stdout");
    let example = Example(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let url = first
        .strip_prefix("example-postgres-redis listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Keep draining stdout so the example never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (example, url)
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
