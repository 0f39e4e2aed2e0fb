//! The futures a framework boxes on every request stay small.
//!
//! actix and axum box each handler's future per request, and above 1,032 bytes glibc's `malloc`
//! leaves its per-thread cache (and may consolidate its free lists first). perf showed
//! `malloc_consolidate` under actix's handler box on `/readyz` when the answer's future was
//! 1,272 bytes; the rare evaluations (every kind at once, startup) are boxed inside the engine
//! since, and the usual one-kind evaluation stays small (BENCHMARKS.md). A future that grows
//! back past these bounds fails here, not in a benchmark nobody runs.
#![cfg(feature = "web")]

use healthz_core::web::{Endpoints, Request};
use healthz_core::{Detail, Format, Health, Kind, ProbeOptions, Scope};

#[test]
fn the_answer_and_render_futures_are_small() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let endpoints = Endpoints::new(health.clone());
    let target = endpoints.routes().next().unwrap().target();
    let headers = http::HeaderMap::new();
    let request = Request::new("GET", &headers);
    let answer = size_of_val(&endpoints.answer(target, None, &request));
    let render = size_of_val(&health.render(Scope::All, Detail::Full, Format::Json));
    let check = size_of_val(&health.check(Kind::Liveness));
    assert!(answer <= 768, "Endpoints::answer's future: {answer} bytes");
    assert!(render <= 512, "Health::render's future: {render} bytes");
    assert!(check <= 512, "Health::check's future: {check} bytes");
}
