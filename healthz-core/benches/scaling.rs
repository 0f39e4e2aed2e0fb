//! How healthz's costs grow with the number of probes: the cached read path, a fresh report, and
//! `Health::build`. `bench/run --only scaling` runs it and plots the curves.
//!
//! `cargo bench -p healthz-core --bench scaling`

use std::time::Duration;

use divan::Bencher;
use futures_util::FutureExt as _;
use healthz_core::{Detail, Format, Health, Kind, ProbeOptions, Scope};

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

/// How the cached read path grows with the number of probes: `render` of `n` cached probes (the
/// body is capped at 8 KiB, so beyond a few dozen probes it holds only what fits). A hit compares
/// one counter per kind and one deadline, so this should stay flat.
#[divan::bench(args = [1, 10, 100, 1000])]
fn render_cached(bencher: Bencher<'_, '_>, n: usize) {
    let (runtime, health) = cached(n);
    let scope = Scope::Kind(Kind::Readiness);
    runtime.block_on(health.render(scope, Detail::Full, Format::Json));
    let _context = runtime.enter();
    bencher.bench(|| {
        let rendered = health
            .render(scope, Detail::Full, Format::Json)
            .now_or_never()
            .expect("cached: ready at once");
        divan::black_box(rendered)
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
            .check(Kind::Readiness)
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
