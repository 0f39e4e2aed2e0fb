//! The futures a framework boxes on every request stay small.
//!
//! actix and axum box each handler's future per request, and above 1,032 bytes glibc's `malloc`
//! leaves its per-thread cache (and may consolidate its free lists first). perf showed
//! `malloc_consolidate` under actix's handler box on `/readyz` when the answer's future was
//! 1,272 bytes; the rare evaluations (every kind at once, startup) are boxed inside the engine
//! since, and the usual one-kind evaluation stays small (BENCHMARKS.md). A future that grows
//! back past these bounds fails here, not in a benchmark nobody runs.
#![cfg(feature = "web")]

use std::future::IntoFuture;

use healthz_core::web::Endpoints;
use healthz_core::web::adapter::{self, Request};
use healthz_core::{Health, Kind, ProbeOptions};

#[test]
fn the_answer_and_report_futures_are_small() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let endpoints = Endpoints::new(health.clone());
    let headers = http::HeaderMap::new();
    let request = Request {
        method: "GET",
        path: "/livez",
        query: "",
        headers: &headers,
        peer: None,
    };
    let answer = size_of_val(&adapter::answer(&endpoints, &request));
    let report = size_of_val(&IntoFuture::into_future(health.report(Kind::Liveness)));
    assert!(answer <= 768, "adapter::answer's future: {answer} bytes");
    assert!(report <= 512, "an evaluation's future: {report} bytes");
}
