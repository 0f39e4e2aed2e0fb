//! The runtime of [healthz](https://github.com/healthz-rs/healthz): probe registry, concurrent
//! evaluation with timeouts, caches, single flight and panic isolation, reports in
//! `application/health+json`, and health over HTTP for any server. **[The guide](guide)** covers
//! it all, from a first probe to Kubernetes.
//!
//! A service on actix-web, axum or tonic depends on its adapter (`healthz-actix`,
//! `healthz-axum`, `healthz-tonic`), which re-exports what it needs of this crate. A process with
//! no web framework (a queue consumer, a scheduler), or one that serves health on an admin port,
//! depends on `healthz-core` alone and serves with `serve` (feature `server`); another tower stack
//! mounts `web::Endpoints` or puts `web::HealthLayer` in front of its service (feature `web`).
//!
//! # From `cargo add` to `/readyz`
//!
//! ```sh
//! cargo add healthz-core --features server,signal
//! cargo add tokio --features macros,rt-multi-thread
//! ```
//!
//! ```rust,no_run,standalone_crate
//! use std::future::IntoFuture as _;
//! use healthz_core::web::Endpoints;
//! use healthz_core::{liveness, readiness, serve, Health, Shutdown};
//!
//! #[liveness]
//! async fn event_loop() {}
//!
//! #[readiness(timeout = "200ms", cache = "2s")]
//! async fn queue(url: &String) -> Result<(), std::io::Error> {
//!     let _ = url; // connect, ping
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().state(String::from("nats://127.0.0.1:4222")).build()?;
//!     let listener = tokio::net::TcpListener::bind("0.0.0.0:9090").await?;
//!     let server = serve(listener, Endpoints::new(health.clone()))
//!         .with_graceful_shutdown(Shutdown::new(health.clone())) // SIGTERM: drain, then stop
//!         .into_future();
//!     let worker = tokio::spawn(async move {
//!         health.ready().await; // the worker's own loop starts once ready
//!     });
//!     server.await?; // `curl http://127.0.0.1:9090/readyz`
//!     worker.abort();
//!     Ok(())
//! }
//! ```
//!
//! `serve` answers `/livez`, `/readyz`, `/startupz` and `/healthz` (and one probe's own path,
//! `/readyz/queue`) over HTTP/1.1, with the client's address from the socket, bounded heads and
//! slow clients, and never a panic on bad input. Without a server, evaluate on demand:
//!
//! ```rust,standalone_crate
//! use healthz_core::{readiness, Health, Kind, Status};
//!
//! #[derive(Debug)]
//! struct Database;
//! impl Database {
//!     async fn ping(&self) -> Result<(), std::io::Error> { Ok(()) }
//! }
//!
//! #[readiness(timeout = "200ms", cache = "5s")]
//! async fn database(db: &Database) -> Result<(), std::io::Error> {
//!     db.ping().await
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), healthz_core::BuildError> {
//! let health = Health::builder().state(Database).build()?;
//! let report = health.report(Kind::Readiness).await;
//! assert_eq!(report.status(), Status::Pass);
//! assert!(report.check("database").is_some());
//! # Ok(())
//! # }
//! ```
//!
//! # Feature flags
//!
//! The adapters forward the checks' and metrics' features under the same names.
//!
//! <!-- features: generated from Cargo.toml by tests/tests/docs.rs; HEALTHZ_BLESS_DOCS=1 rewrites it -->
//! | feature | default | enables |
//! |---|---|---|
//! | `macros` | yes | Re-export the `#[liveness]`, `#[readiness]` and `#[startup]` attributes. |
//! | `web` |  | `web`: health over HTTP for every Rust stack: `web::Endpoints` (a tower `Service` over `http` 1 requests), `web::HealthLayer`, the access policy, and the plumbing the adapters are made of. |
//! | `server` |  | `serve`: a small HTTP/1.1 server of its own for `web::Endpoints`, for workers and admin ports, on hyper 1 and hyper-util (the server beneath axum and tonic) and the caller's Tokio runtime. |
//! | `signal` |  | `Shutdown`: drain readiness on SIGTERM or SIGINT, wait a grace period, then let the server stop. |
//! | `prometheus` |  | Prometheus metrics (`metrics::Metrics`), with prometheus-client 0.26. |
//! | `sqlx-0_9` |  | `checks::sql` for sqlx 0.9 pools (PostgreSQL, MySQL/MariaDB, SQLite: the drivers are the ones your own sqlx dependency enables). Needs Rust 1.94, sqlx 0.9's minimum. |
//! | `redis-1` |  | `checks::redis` for the redis crate 1.x (`ConnectionManager`, `MultiplexedConnection`). |
//! | `reqwest-0_13` |  | `checks::http` for reqwest 0.13 clients. |
//! | `tcp` |  | `checks::tcp`: a TCP connect check (Tokio's `net`). |
//! | `disk` |  | `checks::disk_space`: free disk space through fs4, on the blocking pool. |
//! | `lapin-4` |  | `checks::amqp` for lapin 4 connections (RabbitMQ and other AMQP 0-9-1 brokers). healthz enables no lapin features (no TLS, no runtime): your own lapin dependency's apply. |
//! | `nats-0_51` |  | `checks::nats` and `checks::jetstream` for async-nats 0.51 clients and JetStream contexts. async-nats cannot be built without a crypto provider: this enables its `ring` (the lighter one) and `jetstream` features, nothing else. Needs Rust 1.89, async-nats 0.51's minimum. |
//! | `mqtt-0_25` |  | `checks::mqtt` for rumqttc 0.25 clients (MQTT 3.1.1), through a `checks::MqttMonitor` that your event loop feeds. healthz enables no rumqttc features (no TLS). |
//! | `process` |  | `checks::memory` and `checks::open_files`: the process's resident memory and open file descriptors, from Linux's `/proc` (elsewhere they warn that they are unsupported). |
//! | `grpc` |  | `checks::grpc`: an upstream's standard gRPC health check (`grpc.health.v1`), through your tonic 0.14 `Channel`, with tonic-health 0.14's generated client (no protoc). Enables tonic's `channel` feature only: TLS and the rest are your own tonic dependency's. |
//! <!-- /features -->
//!
//! # Panics and `panic = "abort"`
//!
//! A panicking probe is reported as failed with the panic's message (credentials redacted), and
//! the service runs on. This relies on unwinding: under `panic = "abort"` a panicking probe aborts
//! the process like any other panic.
//!
//! The panic's message does not reach stderr raw: [`HealthBuilder::build`] puts a panic hook in
//! front of the one in place, once per process, and a panic in a probe's own code (its future,
//! its closure, its blocking call) is logged as a `tracing` ERROR event naming the probe, redacted
//! and on one line, while every other panic goes to the previous hook unchanged. [`PanicHook`]
//! says how it composes with a crash reporter's hook, and how to leave the hook alone.

#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets `#[readiness]` expansions name `::healthz_core` inside this crate's own tests.
#[allow(unused_extern_crates)]
extern crate self as healthz_core;

mod builder;
mod check;
#[cfg(any(
    feature = "sqlx-0_9",
    feature = "redis-1",
    feature = "reqwest-0_13",
    feature = "tcp",
    feature = "disk",
    feature = "lapin-4",
    feature = "nats-0_51",
    feature = "mqtt-0_25",
    feature = "process",
    feature = "grpc"
))]
pub mod checks;
mod details;
mod engine;
mod escape;
pub mod events;
mod expansion;
mod gate;
pub mod guide;
mod health;
pub mod history;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub mod metrics;
mod observe;
mod options;
mod output;
mod probe;
mod redact;
mod report;
mod selection;
mod selfcheck;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "signal")]
mod shutdown;
mod state;
mod status;
pub mod testing;
#[cfg(feature = "web")]
#[cfg_attr(docsrs, doc(cfg(feature = "web")))]
pub mod web;

pub use builder::{BuildError, HealthBuilder, ProbeRef, Problem};
pub use check::{Check, IntoCheck};
pub use engine::PanicHook;
pub use gate::Gate;
pub use health::{Evaluation, Health, ProbeEvaluation};
/// The three kinds of probe (from the rule book, `healthz-rules`).
pub use healthz_rules::Kind;
pub use observe::{Observer, Outcome, RunEvent, StatusChange};
pub use options::ProbeOptions;
#[allow(unused_imports)] // the `checks` features use it
pub(crate) use probe::BoxFuture;
pub use probe::{Location, ProbeInfo};
pub use redact::redact;
pub use report::{CheckResult, Detail, Report};
pub use selection::Scope;
pub use selfcheck::healthcheck;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use server::{Serve, serve};
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
pub use shutdown::Shutdown;
pub use state::ProbeState;
pub(crate) use state::{MissingState, StateKey, StateMap};
pub use status::Status;

#[cfg(feature = "macros")]
#[doc(inline)]
pub use healthz_macros::{liveness, readiness, startup};

/// Not public API: what every adapter crate (`healthz-actix`, `healthz-axum`, `healthz-tonic`)
/// re-exports, written once so that they re-export the same: the names a service uses, and the
/// paths the attributes' expansions reach through whichever crate the service depends on.
#[doc(hidden)]
pub mod __adapter {
    #[cfg(feature = "signal")]
    pub use crate::Shutdown;
    #[cfg(any(
        feature = "sqlx-0_9",
        feature = "redis-1",
        feature = "reqwest-0_13",
        feature = "tcp",
        feature = "disk",
        feature = "lapin-4",
        feature = "nats-0_51",
        feature = "mqtt-0_25",
        feature = "process",
        feature = "grpc"
    ))]
    pub use crate::checks;
    #[cfg(feature = "prometheus")]
    pub use crate::metrics;
    #[cfg(feature = "web")]
    pub use crate::web::{AccessError, AccessPolicy, ProxyHeader};
    pub use crate::{
        __private, BuildError, Check, CheckResult, Detail, Evaluation, Gate, Health, HealthBuilder,
        IntoCheck, Kind, Location, Observer, Outcome, PanicHook, ProbeEvaluation, ProbeInfo,
        ProbeOptions, ProbeRef, ProbeState, Problem, Report, RunEvent, Scope, Status, StatusChange,
        events, healthcheck, history, redact, testing,
    };
    #[cfg(feature = "macros")]
    pub use crate::{liveness, readiness, startup};
}

/// Not public API: the paths that `#[liveness]`, `#[readiness]` and `#[startup]` expansions use.
/// Anything here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use ::core::column;
    pub use ::core::concat;
    pub use ::core::file;
    pub use ::core::future::Future;
    pub use ::core::line;
    pub use ::core::marker::Send;
    pub use ::core::module_path;
    pub use ::core::option::Option;
    pub use ::core::result::Result::{self, Ok};
    pub use ::core::time::Duration;
    pub use ::inventory;
    pub use ::std::boxed::Box;

    pub use crate::probe::{AsyncRun, BlockingRun, BoxFuture, ProbeDef, Run};
    pub use crate::state::{MissingState, StateKey, StateMap};
    pub use crate::{Check, IntoCheck, Kind, Location, ProbeOptions, ProbeState};

    // One spanned error per mistake in a probe's signature; see the module.
    pub use crate::expansion::{
        AcceptState, Accepted, Both, Lookup, RejectState, Rejected, Select, StateType, state_arg,
    };
}

#[cfg(all(doctest, feature = "server", feature = "signal"))]
mod readme;
