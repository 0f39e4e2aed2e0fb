//! Health checks for [actix-web](https://actix.rs) 4: annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and mount [`Endpoints`].
//!
//! This crate re-exports what a service names of `healthz-core` (the runtime and the attribute
//! macros), so it is the only healthz dependency an actix service needs. It is a thin adapter:
//! every decision (access, method, query, form, status) is healthz-core's, shared with
//! `healthz-axum`, `healthz-tonic` and `healthz_core::serve`. **[The
//! guide](https://docs.rs/healthz-core/latest/healthz_core/guide/)** covers probes, checks,
//! endpoints, access, shutdown and operations for every adapter.
//!
//! # From `cargo add` to `/readyz`
//!
//! ```sh
//! cargo add healthz-actix
//! cargo add actix-web
//! ```
//!
//! ```rust,no_run
//! use std::time::Duration;
//! use actix_web::{App, HttpServer};
//! use healthz_actix::{AccessPolicy, Endpoints, Health, Shutdown, liveness, readiness};
//!
//! #[liveness]
//! async fn event_loop() {}
//!
//! #[readiness(timeout = "200ms", cache = "2s")]
//! async fn database() -> Result<(), std::io::Error> {
//!     Ok(()) // ping your pool here, taken as `pool: &PgPool` and given with `.state(pool)`
//! }
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().build()?;
//!     let endpoints = Endpoints::builder(health.clone())
//!         .access(AccessPolicy::new().allow("10.0.0.0/8, loopback")?) // optional; others: 403
//!         .build()?;
//!     // On SIGTERM: `/readyz` fails at once, the server keeps serving for the grace period,
//!     // then stops gracefully. `shutdown_signal` also turns off actix's own signal handling,
//!     // which would stop the server before any load balancer noticed.
//!     let shutdown = Shutdown::new(health).grace(Duration::from_secs(10));
//!     HttpServer::new(move || App::new().service(endpoints.clone()))
//!         .shutdown_signal(shutdown)
//!         .shutdown_timeout(15) // seconds to finish requests in flight after the grace period
//!         .bind(("0.0.0.0", 8080))?
//!         .run()
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! `curl -i http://127.0.0.1:8080/readyz` then answers `200` with an `application/health+json`
//! report, or `503` while a probe fails, the service starts or it drains. [`Endpoints`] also
//! mounts inside a `web::scope`; `Endpoints::builder` changes paths, adds groups and the
//! dashboard. In Kubernetes, keep `terminationGracePeriodSeconds` above the grace period plus the
//! shutdown timeout (30 > 10 + 15 here).
//!
//! # Feature flags
//!
//! <!-- features: generated from Cargo.toml by tests/tests/docs.rs; HEALTHZ_BLESS_DOCS=1 rewrites it -->
//! | feature | default | enables |
//! |---|---|---|
//! | `macros` | yes | Re-export the `#[liveness]`, `#[readiness]` and `#[startup]` attributes. |
//! | `prometheus` |  | Prometheus metrics: `healthz_actix::metrics::Metrics` (prometheus-client 0.26). |
//! | `sqlx-0_9` |  | Ready-made checks (`healthz_actix::checks`); see healthz-core's features. |
//! | `redis-1` |  | `checks::redis` for the redis crate 1.x. |
//! | `reqwest-0_13` |  | `checks::http` for reqwest 0.13 clients. |
//! | `tcp` |  | `checks::tcp`. |
//! | `disk` |  | `checks::disk_space`. |
//! | `lapin-4` |  | `checks::amqp` for lapin 4 connections. |
//! | `nats-0_51` |  | `checks::nats` and `checks::jetstream` for async-nats 0.51. |
//! | `mqtt-0_25` |  | `checks::mqtt` for rumqttc 0.25 clients. |
//! | `process` |  | `checks::memory` and `checks::open_files`. |
//! | `grpc` |  | `checks::grpc`: another gRPC server's health, through a tonic 0.14 `Channel`. |
//! <!-- /features -->

#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoints;

pub use endpoints::Endpoints;
#[doc(inline)]
pub use healthz_core::__adapter::*;
pub use healthz_core::web::{ConfigError, Endpoint, EndpointsBuilder};
#[cfg(doctest)]
mod readme;
