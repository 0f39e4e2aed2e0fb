//! What the benchmarks share: a `Health` of cached readiness probes.

use std::future::IntoFuture as _;
use std::time::Duration;

use healthz_core::{Health, Kind, ProbeOptions};

/// A `Health` with `n` readiness probes cached for an hour, each evaluated once, named
/// `probe-` and their index padded to `width` digits.
pub(crate) fn cached(n: usize, width: usize) -> (tokio::runtime::Runtime, Health) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut builder = Health::builder().without_registered();
    for i in 0..n {
        builder = builder.readiness(
            format!("probe-{i:0width$}"),
            ProbeOptions::new().cache(Duration::from_secs(3600)),
            || async {},
        );
    }
    let health = builder.build().unwrap();
    runtime.block_on(health.report(Kind::Readiness).into_future());
    (runtime, health)
}
