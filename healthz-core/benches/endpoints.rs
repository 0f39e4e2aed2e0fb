//! Every endpoint form through the framework-free HTTP layer (`web::adapter::answer`), with
//! divan's allocation profiler: the time and the allocations one request costs healthz, without
//! a server around it.
//!
//! `cargo bench -p healthz-core --features web --bench endpoints`

use std::future::IntoFuture as _;
use std::time::Duration;

use divan::Bencher;
use futures_util::FutureExt as _;
use healthz_core::web::Endpoints;
use healthz_core::web::adapter::{self, Request};
use healthz_core::{Health, ProbeOptions, Scope};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// The bench server's service: one uncached liveness probe and ten readiness probes cached for
/// an hour, each evaluated once.
fn service() -> (tokio::runtime::Runtime, Endpoints) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut builder = Health::builder()
        .without_registered()
        .version("1.0.0")
        .liveness("event_loop", ProbeOptions::new(), || async {});
    for i in 0..10 {
        builder = builder.readiness(
            format!("dependency-{i:02}"),
            ProbeOptions::new().cache(Duration::from_secs(3600)),
            || async {},
        );
    }
    let health = builder.build().unwrap();
    runtime.block_on(health.report(Scope::All).into_future());
    let endpoints = Endpoints::new(health);
    (runtime, endpoints)
}

/// Answers `method path?query` from loopback, as many times
/// as divan asks; every answer must be ready at once.
fn answer(bencher: Bencher<'_, '_>, method: &str, path: &str, query: &str) {
    let (runtime, endpoints) = service();
    let headers = http::HeaderMap::new();
    let _context = runtime.enter();
    bencher.bench(|| {
        let request = Request {
            method,
            path,
            query,
            headers: &headers,
            peer: Some([127, 0, 0, 1].into()),
        };
        let answer = adapter::answer(&endpoints, &request)
            .now_or_never()
            .expect("probes that answer at once");
        divan::black_box(answer)
    });
}

/// `/livez`: its probe is not cached, so every request runs it and renders a fresh report.
#[divan::bench]
fn livez_uncached(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/livez", "");
}

/// `/readyz`: ten cached probes, the pre-rendered body reused.
#[divan::bench]
fn readyz_cached(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/readyz", "");
}

/// `/readyz?verbose`: the same, in the Kubernetes text form.
#[divan::bench]
fn readyz_verbose(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/readyz", "verbose");
}

/// `/healthz`: every kind; runs the liveness probe.
#[divan::bench]
fn healthz(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/healthz", "");
}

/// `/readyz/dependency-03`: one cached probe's own report.
#[divan::bench]
fn readyz_one_probe(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/readyz/dependency-03", "");
}

/// `/readyz?exclude=dependency-03`: a report evaluated, not reused.
#[divan::bench]
fn readyz_exclude(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/readyz", "exclude=dependency-03");
}

/// `/readyz/nope`: a 404.
#[divan::bench]
fn not_found(bencher: Bencher<'_, '_>) {
    answer(bencher, "GET", "/readyz/nope", "");
}

/// `POST /readyz`: a 405.
#[divan::bench]
fn method_not_allowed(bencher: Bencher<'_, '_>) {
    answer(bencher, "POST", "/readyz", "");
}
