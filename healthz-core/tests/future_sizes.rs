//! The futures a framework boxes on every request stay small.
//!
//! actix and axum box each handler's future per request. An evaluation's future is about a
//! kilobyte, and above 1,032 bytes glibc's `malloc` leaves its per-thread cache (and may
//! consolidate its free lists first): measured with wrk, `/readyz` served 0.856 of `/bare`
//! when the answer's future held the evaluation and 0.879 once it was boxed behind the cache
//! hit (BENCHMARKS.md). A future that grows back past these bounds fails here, not in a
//! benchmark nobody runs.
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
    let evaluate = size_of_val(&health.check(Kind::Readiness));
    assert!(answer <= 768, "Endpoints::answer's future: {answer} bytes");
    assert!(render <= 64, "Health::render's future: {render} bytes");
    assert!(
        evaluate > answer,
        "the evaluation ({evaluate} bytes) is what is kept out of the answer ({answer} bytes)"
    );
}
