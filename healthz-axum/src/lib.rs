//! Health checks for [axum](https://docs.rs/axum) 0.8: annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and merge [`Endpoints`]
//! into your `Router`.
//!
//! This crate re-exports what a service names of `healthz-core` (the runtime and the attribute
//! macros), so it is the only healthz dependency an axum service needs. It is a thin adapter
//! around `healthz_core::web::Endpoints`, a tower service: it mounts its paths in the router and
//! hands it the client's address from `ConnectInfo`.
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

#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoints;

pub use endpoints::Endpoints;
#[doc(inline)]
pub use healthz_core::__adapter::*;
pub use healthz_core::web::{ConfigError, Endpoint, EndpointsBuilder};
