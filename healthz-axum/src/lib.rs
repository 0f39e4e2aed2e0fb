//! Health checks for [axum](https://docs.rs/axum) 0.8: annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and merge [`Endpoints`]
//! into your `Router`.
//!
//! This crate re-exports everything from `healthz-core` (the runtime, its framework-free HTTP
//! layer [`web`], and the attribute macros), so it is the only healthz dependency an axum
//! service needs. It is a thin adapter: every decision (access, method, query, form, status) is
//! [`web::Endpoints::answer`]'s, shared with `healthz-actix`, so both serve the same bytes.
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
pub use healthz_core::web::{
    AccessError, AccessPolicy, Endpoint, HEALTH_JSON, MAX_EXCLUDES, ProxyHeader,
};
pub use healthz_core::*;
