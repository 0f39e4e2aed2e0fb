//! Health checks for [axum](https://docs.rs/axum) 0.8: annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and merge [`Endpoints`]
//! into your `Router`.
//!
//! This crate re-exports what a service names of `healthz-core` (the runtime and the attribute
//! macros), so it is the only healthz dependency an axum service needs. It is a thin adapter
//! around `healthz_core::web::Endpoints`, a tower service: it mounts its paths in the router and
//! hands it the client's address from `ConnectInfo`. **[The
//! guide](https://docs.rs/healthz-core/latest/healthz_core/guide/)** covers probes, checks,
//! endpoints, access, shutdown and operations for every adapter.
//!
//! # From `cargo add` to `/readyz`
//!
//! ```sh
//! cargo add healthz-axum
//! cargo add axum
//! cargo add tokio --features macros,rt-multi-thread
//! ```
//!
//! ```no_run
//! use axum::Router;
//! use healthz_axum::{Endpoints, Health, Shutdown, liveness};
//!
//! #[liveness]
//! async fn event_loop() {}
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().build()?;
//!     let app = Router::new().merge(Endpoints::new(health.clone()));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     // `into_make_service_with_connect_info` tells healthz who the client is: without it, the
//!     // client is unknown, never loopback, and sees statuses only.
//!     axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
//!         .with_graceful_shutdown(Shutdown::new(health))
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! `curl -i http://127.0.0.1:8080/readyz` then answers `200` with an `application/health+json`
//! report, or `503` while a probe fails, the service starts or it drains. [`Endpoints`] merges
//! into a router with state of its own (`impl From<Endpoints> for Router<S>`) and nests under
//! `Router::nest`; `Endpoints::builder` changes paths, adds groups, the access policy and the
//! dashboard, with the same options as every adapter. [`Shutdown`] drains readiness on SIGTERM,
//! keeps serving for a grace period, then lets `with_graceful_shutdown` stop the server.
//!
//! Serve the app with `into_make_service_with_connect_info::<SocketAddr>()`: the client's address
//! comes from `ConnectInfo<SocketAddr>`. Without it the client is unknown, which is never taken
//! for loopback: it sees statuses only, and an allowlist refuses it.
//!
//! # Feature flags
//!
//! <!-- features: generated from Cargo.toml by tests/tests/docs.rs; HEALTHZ_BLESS_DOCS=1 rewrites it -->
//! | feature | default | enables |
//! |---|---|---|
//! | `macros` | yes | Re-export the `#[liveness]`, `#[readiness]` and `#[startup]` attributes. |
//! | `prometheus` |  | Prometheus metrics: `healthz_axum::metrics::Metrics` (prometheus-client 0.26). |
//! | `sqlx-0_9` |  | Ready-made checks (`healthz_axum::checks`); see healthz-core's features. |
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
