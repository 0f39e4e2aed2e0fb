//! How healthz's costs grow with the number of probes: the cached read path, a fresh report, and
//! `Health::build`. `bench/run --only scaling` runs it and plots the curves.
//!
//! `cargo bench -p healthz-core --features web --bench scaling`

use std::time::Duration;

use divan::Bencher;
use futures_util::FutureExt as _;
use std::future::IntoFuture as _;

use healthz_core::web::Endpoints;
use healthz_core::web::adapter::{self, Request};
use healthz_core::{Detail, Health, Kind, ProbeOptions};

mod common;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// A `Health` with `n` readiness probes cached for an hour, each evaluated once.
fn cached(n: usize) -> (tokio::runtime::Runtime, Health) {
    common::cached(n, 4)
}

/// How the cached read path grows with the number of probes: `/readyz` of `n` cached probes,
/// answered from loopback (the body is capped at 8 KiB, so beyond a few dozen probes it holds
/// only what fits). The pre-rendered body is reused: a hit compares one counter per kind and one
/// deadline, so this should stay flat.
#[divan::bench(args = [1, 10, 100, 1000])]
fn render_cached(bencher: Bencher<'_, '_>, n: usize) {
    let (runtime, health) = cached(n);
    let endpoints = Endpoints::new(health);
    let headers = http::HeaderMap::new();
    let request = Request {
        method: "GET",
        path: "/readyz",
        query: "",
        headers: &headers,
        peer: Some([127, 0, 0, 1].into()),
    };
    // The first request renders and stores the body; the benchmark measures the reuse.
    runtime.block_on(adapter::answer(&endpoints, &request));
    let _context = runtime.enter();
    bencher.bench(|| {
        let answer = adapter::answer(&endpoints, &request)
            .now_or_never()
            .expect("cached: ready at once");
        divan::black_box(answer)
    });
}

/// How a fresh report's cost grows: evaluating and serializing `n` cached probes, as
/// `?exclude` or a tag selection does (no reuse of the body).
#[divan::bench(args = [1, 10, 100, 1000])]
fn evaluate_and_render(bencher: Bencher<'_, '_>, n: usize) {
    let (runtime, health) = cached(n);
    let _context = runtime.enter();
    bencher.bench(|| {
        let report = health
            .report(Kind::Readiness)
            .into_future()
            .now_or_never()
            .expect("cached: ready at once");
        divan::black_box(report.to_json(Detail::Full))
    });
}

/// `Health::build()` for `n` probes added on the builder: time, and (with the allocation
/// profiler) memory per probe.
#[divan::bench(args = [10, 100, 1000, 10000])]
fn build(bencher: Bencher<'_, '_>, n: usize) {
    bencher
        .with_inputs(|| {
            (0..n).fold(Health::builder().without_registered(), |builder, i| {
                builder.readiness(
                    format!("probe-{i:05}"),
                    ProbeOptions::new().cache(Duration::from_secs(1)),
                    || async {},
                )
            })
        })
        .bench_values(|builder| divan::black_box(builder.build().unwrap()));
}

/// Callers waiting on one run: `n` requests (each a spawned task) arrive while a slow probe runs,
/// join its flight, and are answered when it ends: what an outage under load costs. Each caller
/// waits as its own entry in the flight's channel, joined and woken in constant time; what grows
/// beyond that is the runtime's own (spawning, scheduling, joining `n` tasks).
#[divan::bench(args = [1_000, 10_000], sample_count = 20, sample_size = 1)]
fn callers_waiting_on_one_run(bencher: Bencher<'_, '_>, n: usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    bencher
        .with_inputs(|| {
            let gate = std::sync::Arc::new(tokio::sync::Notify::new());
            let release = std::sync::Arc::clone(&gate);
            let health = Health::builder()
                .without_registered()
                .readiness(
                    "slow",
                    ProbeOptions::new().timeout(Duration::from_secs(60)),
                    move || {
                        let gate = std::sync::Arc::clone(&gate);
                        async move { gate.notified().await }
                    },
                )
                .build()
                .expect("a probe without state");
            (health, release)
        })
        .bench_values(|(health, release)| {
            runtime.block_on(async {
                let callers: Vec<_> = (0..n)
                    .map(|_| {
                        let health = health.clone();
                        tokio::spawn(async move { health.report(Kind::Readiness).await })
                    })
                    .collect();
                // Every caller joins the run and waits.
                tokio::task::yield_now().await;
                release.notify_waiters();
                for caller in callers {
                    divan::black_box(caller.await.expect("no panic"));
                }
            });
        });
}
