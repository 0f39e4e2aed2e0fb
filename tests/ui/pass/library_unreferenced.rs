//! The pitfall `library.rs` avoids: `healthz-test-probes` is a dependency of this binary, but
//! nothing here names it, so rustc never links it and its probes are not registered. The fix is
//! one line: `use healthz_test_probes as _;`.

use healthz_actix::{Health, Kind};

fn main() {
    let health = Health::builder().build().unwrap();
    assert!(!health.probes(Kind::Liveness).any(|probe| probe.name == "library-liveness"));
    assert!(!health.probes(Kind::Readiness).any(|probe| probe.name == "library-storage"));
}
