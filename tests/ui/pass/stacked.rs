//! One function registered under two kinds.

use healthz_actix::{liveness, readiness, Health, Kind};

#[liveness]
#[readiness(cache = "1s")]
async fn event_loop() {}

fn main() {
    let health = Health::builder().build().unwrap();
    assert!(health.has_probe(Kind::Liveness, "event_loop"));
    assert!(health.has_probe(Kind::Readiness, "event_loop"));
}
