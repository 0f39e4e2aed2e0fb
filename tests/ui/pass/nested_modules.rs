//! Probes in nested modules register with their module path; private modules are fine.

use healthz_actix::{Health, Kind};

#[derive(Debug)]
struct Pool;

mod outer {
    pub(crate) mod inner {
        use healthz_actix::readiness;

        #[readiness(timeout = "100ms")]
        async fn database(_pool: &crate::Pool) {}
    }

    mod private {
        #[healthz_actix::liveness(name = "private-loop")]
        async fn event_loop() {}
    }
}

fn main() {
    let health = Health::builder().state(Pool).build().unwrap();
    assert!(health.probes(Kind::Readiness).any(|probe| probe.name == "database"));
    assert!(health.probes(Kind::Liveness).any(|probe| probe.name == "private-loop"));
    let functions: Vec<&str> = health
        .probes(Kind::Readiness)
        .chain(health.probes(Kind::Liveness))
        .map(|p| p.location.function)
        .collect();
    let inner = concat!(module_path!(), "::outer::inner::database");
    let private = concat!(module_path!(), "::outer::private::event_loop");
    assert!(functions.contains(&inner), "{functions:?}");
    assert!(functions.contains(&private), "{functions:?}");
}
