//! Shared helpers for the cross-crate tests: a real HTTP server on an ephemeral port, the real
//! servers some tests need ([`Service`]), a TCP proxy that cuts the path to one ([`Proxy`]), and
//! tonic-health's client in one-line calls ([`grpc`]), and headless Chromium over WebDriver
//! ([`Browser`]).
//!
//! The README's Rust examples are compiled as this crate's doctests (see [`readme`]); the guide's
//! are healthz-core's doctests.

mod adapter;
pub mod example;
pub mod grpc;
mod mqtt;
mod proxy;
mod service;
mod tool;
mod webdriver;

pub use adapter::{Adapter, Served};
pub use mqtt::Mqtt;
pub use proxy::{Mode, Proxy};
pub use service::{Needs, REQUIRE_SERVICES, Service};
pub use tool::{GRPC_PYTHON, grpc_python, tool};
pub use webdriver::{Browser, free_port};

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer};
use healthz_actix::{Check, Endpoints, Health, ProbeOptions};

/// A `Health` whose liveness probe `event_loop` and readiness probe `database` both pass.
///
/// # Panics
///
/// Never: the probes need no state.
pub fn healthy() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {})
        .build()
        .expect("probes without state always build")
}

/// A `Health` with something to report: a passing liveness probe `event_loop`, a failing
/// readiness probe `database` whose error holds a credential
/// (`connection refused by postgres://app:s3cret@db/app`), a warning non-critical readiness probe
/// `search` (`index is 3 min behind`), a passing startup probe `migrations`, and version `1.2.3`.
///
/// # Panics
///
/// Never: the probes need no state.
pub fn troubled() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("connection refused by postgres://app:s3cret@db/app")
        })
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::warn("index is 3 min behind")
        })
        .startup("migrations", ProbeOptions::new(), || async { true })
        .version("1.2.3")
        .build()
        .expect("probes without state always build")
}

/// A running actix server serving the health endpoints; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: ServerHandle,
}

impl TestServer {
    /// Serves `Endpoints::new(health)` on `127.0.0.1:0` with one worker. Call from inside an
    /// actix system (`#[actix_web::test]`).
    ///
    /// # Panics
    ///
    /// If the port cannot be bound.
    pub fn start(health: Health) -> Self {
        Self::start_with(move || Endpoints::new(health.clone()))
    }

    /// Serves the `Endpoints` that `endpoints` makes, on `127.0.0.1:0` with one worker.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound.
    pub fn start_with(endpoints: impl Fn() -> Endpoints + Send + Clone + 'static) -> Self {
        let server = HttpServer::new(move || App::new().service(endpoints()))
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind an ephemeral port");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestServer { addr, handle }
    }

    /// `http://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The README, whose Rust examples run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[allow(clippy::doc_markdown)] // prose for people, not rustdoc
pub mod readme {}
