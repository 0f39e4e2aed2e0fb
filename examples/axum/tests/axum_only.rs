//! A crate whose only healthz dependency is healthz-axum (this package's `Cargo.toml` names no
//! other) defines probes with the attributes: the generated code reaches the runtime through
//! healthz-axum. That this file compiles is half the test; the other half is that the probe runs.

use healthz_axum::{Health, Kind, ProbeInfo, Status, liveness};

/// Defined here, not in `example-probes`, so the macro resolves its path for this package.
#[liveness]
async fn axum_only() -> Result<(), std::io::Error> {
    Err(std::io::Error::other("defined beside healthz-axum alone"))
}

#[tokio::test]
async fn a_probe_defined_with_only_healthz_axum_registers_and_runs() {
    let health = Health::builder()
        .filter_registered(|probe: &ProbeInfo<'_>| probe.name == "axum_only")
        .build()
        .unwrap();
    let report = health.report(Kind::Liveness).await;
    assert_eq!(report.status(), Status::Fail, "{report:?}");
    let result = report.check("axum_only").expect("the probe is registered");
    assert_eq!(
        result.output(),
        Some("defined beside healthz-axum alone"),
        "{report:?}"
    );
}
