//! Health checks for [actix-web](https://actix.rs): annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and mount [`Endpoints`].
//!
//! This crate re-exports everything from `healthz-core` (the runtime, its framework-free HTTP
//! layer [`web`], and the attribute macros), so it is the only healthz dependency an actix
//! service needs. It is a thin adapter: every decision (access, method, query, form, status) is
//! [`web::Endpoints::answer`]'s, shared with `healthz-axum`.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod endpoints;

pub use endpoints::Endpoints;
pub use healthz_core::web::{
    AccessError, AccessPolicy, Endpoint, HEALTH_JSON, MAX_EXCLUDES, ProxyHeader,
};
pub use healthz_core::*;
