//! Health checks for [actix-web](https://actix.rs): annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and mount [`Endpoints`].
//!
//! This crate re-exports everything from `healthz-core` (the runtime) and the attribute macros,
//! so it is the only healthz dependency an actix service needs.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod access;
mod endpoints;
mod forwarded;
mod query;
mod shutdown;

pub use access::{AccessError, AccessPolicy};
pub use endpoints::{Endpoint, Endpoints, HEALTH_JSON};
pub use forwarded::ProxyHeader;
pub use healthz_core::*;
pub use query::MAX_EXCLUDES;
pub use shutdown::Shutdown;
