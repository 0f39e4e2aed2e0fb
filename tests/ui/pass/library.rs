//! Probes defined in a library crate (`healthz-test-probes`, which depends on healthz renamed as
//! `hz`) reach a binary that references it.
//! `use healthz_test_probes as _;` is enough: it makes rustc link the crate, and with it the
//! registrations.

use healthz_actix::{Health, Kind};
use healthz_test_probes as _;

fn main() {
    let health = Health::builder().build().unwrap();
    assert!(health.probes(Kind::Liveness).any(|probe| probe.name == "library-liveness"));
    assert!(health.probes(Kind::Readiness).any(|probe| probe.name == "library-storage"));
    let storage = health.probes(Kind::Readiness).find(|p| p.name == "library-storage").unwrap();
    assert_eq!(storage.location.function, "healthz_test_probes::storage::storage");
    assert!(!storage.critical);
}
