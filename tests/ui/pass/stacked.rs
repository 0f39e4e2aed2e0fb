//! One function registered under two kinds.

use healthz_actix::{liveness, readiness, Health, Kind};

#[liveness]
#[readiness(cache = "1s")]
async fn event_loop() {}

fn main() {
    let health = Health::builder().build().unwrap();
    assert!(health.probes(Kind::Liveness).any(|probe| probe.name == "event_loop"));
    assert!(health.probes(Kind::Readiness).any(|probe| probe.name == "event_loop"));
}
