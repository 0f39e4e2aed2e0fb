//! The hot path of a health endpoint: evaluating cached probes and serializing the report (what
//! an endpoint serves, pre-rendered body and all, is `--bench endpoints`).
//!
//! `cargo bench -p healthz-core --bench hot_path` (bench/run also builds it as
//! `cargo bench -p healthz-bench-server --bench hot_path`, without Tokio's `test-util`). Divan's
//! allocation profiler counts the allocations of each iteration.

use divan::Bencher;
use futures_util::FutureExt as _;
use std::future::IntoFuture as _;

use healthz_core::{Detail, Health, Kind, Report};

mod common;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// A `Health` with `n` readiness probes cached for an hour, each evaluated once.
fn cached(n: usize) -> (tokio::runtime::Runtime, Health) {
    common::cached(n, 2)
}

/// Evaluating ten cached probes: one lock-free read each, no probe runs. The future completes on
/// its first poll, so it is polled once without an executor.
#[divan::bench(threads = [1, 2])]
fn evaluate_ten_cached(bencher: Bencher<'_, '_>) {
    let (runtime, health) = cached(10);
    let _context = runtime.enter();
    bencher.bench(|| {
        let report = health
            .report(Kind::Readiness)
            .into_future()
            .now_or_never()
            .expect("cached: ready at once");
        divan::black_box(report)
    });
}

fn report(n: usize) -> Report {
    let (runtime, health) = cached(n);
    runtime.block_on(health.report(Kind::Readiness).into_future())
}

/// Serializing a ten-probe report to `application/health+json`.
#[divan::bench]
fn to_json_ten(bencher: Bencher<'_, '_>) {
    let report = report(10);
    bencher.bench(|| divan::black_box(report.to_json(Detail::Full)));
}

/// The same report with statuses only, as remote callers get it.
#[divan::bench]
fn to_json_ten_minimal(bencher: Bencher<'_, '_>) {
    let report = report(10);
    bencher.bench(|| divan::black_box(report.to_json(Detail::Minimal)));
}

/// The Kubernetes `?verbose` text of a ten-probe report.
#[divan::bench]
fn to_text_ten(bencher: Bencher<'_, '_>) {
    let report = report(10);
    bencher.bench(|| divan::black_box(report.to_text(Detail::Full)));
}
