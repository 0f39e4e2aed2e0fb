//! Health checks for [actix-web](https://actix.rs): annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and mount [`Endpoints`].
//!
//! This crate re-exports what a service names of `healthz-core` (the runtime and the attribute
//! macros), so it is the only healthz dependency an actix service needs. It is a thin adapter:
//! every decision (access, method, query, form, status) is healthz-core's, shared with
//! `healthz-axum`, `healthz-tonic` and `healthz_core::serve`.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoints;

pub use endpoints::Endpoints;
#[doc(inline)]
pub use healthz_core::__adapter::*;
pub use healthz_core::web::{ConfigError, Endpoint, EndpointsBuilder};
