//! The pitfall `library.rs` avoids: `healthz-test-probes` is a dependency of this binary, but
//! nothing here names it, so rustc never links it and its probes are not registered. The fix is
//! one line: `use healthz_test_probes as _;`.

use healthz_actix::{Health, Kind};

fn main() {
    let health = Health::builder().build().unwrap();
    assert!(!health.has_probe(Kind::Liveness, "library-liveness"));
    assert!(!health.has_probe(Kind::Readiness, "library-storage"));
}
