//! Every supported return type, state by reference, and all three kinds.

use healthz_actix::{liveness, readiness, startup, Check, Health, Kind};

#[derive(Debug)]
struct Pool;

#[liveness]
async fn unit() {}

#[liveness(name = "bool-probe")]
async fn boolean() -> bool {
    true
}

#[readiness(timeout = "200ms", cache = "5s")]
async fn result(_pool: &Pool) -> Result<u32, std::io::Error> {
    Ok(1)
}

#[readiness(name = "search-index", critical = false, interval = "10s")]
async fn check() -> Check {
    Check::warn("3 min behind").observed(180.0, "s")
}

#[startup(timeout = "2s")]
async fn migrations(_pool: &Pool, _name: &String) -> bool {
    true
}

#[readiness(blocking = true)]
fn disk(_pool: &Pool) -> bool {
    true
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // The function stays callable.
    assert!(boolean().await);
    let health = Health::builder().state(Pool).state(String::from("x")).build().unwrap();
    assert_eq!(health.probes(Kind::Liveness).count(), 2);
    assert_eq!(health.probes(Kind::Readiness).count(), 3);
    assert_eq!(health.probes(Kind::Startup).count(), 1);
    assert!(health.report(Kind::Readiness).await.status().is_healthy());
}
