//! The guide to healthz: from a first probe to a service in production. Its examples run as
//! doctests, so what it shows is what the crates do.
//!
//! A service depends on one crate: `healthz-actix`, `healthz-axum` or `healthz-tonic` for its
//! framework, or `healthz-core` alone with [`serve`], [`HealthLayer`] or another
//! tower stack. Each adapter re-exports the same names of `healthz-core`, so
//! `use healthz_actix::{liveness, readiness, startup, Check, Endpoints, Health};` (or the same
//! from `healthz_axum`, `healthz_tonic`) is all the importing there is. The examples here use
//! `healthz_core::` paths; everything but mounting applies to every adapter alike.
//!
//! | page | covers |
//! |---|---|
//! | [`probes`] | the three kinds, the attribute keys, return types, state, compile errors, probes in other crates |
//! | [`checks`] | ready-made checks: SQL, Redis, HTTP, TCP, disk, AMQP, NATS, MQTT, gRPC, the process |
//! | [`endpoints`] | paths, status codes, reports, query parameters, tags and groups, details |
//! | [`serving`] | actix-web, axum, any tower stack (`HealthLayer`), workers and admin ports (`serve`), gRPC, graceful shutdown |
//! | [`access`] | the access policy: allowlists, bearer tokens, reverse proxies, who sees details |
//! | [`traffic`] | refusing traffic, draining, startup, evaluating on demand, status changes |
//! | [`dashboard`] | the live dashboard and its event stream |
//! | [`testing`] | testing your probes under a paused clock |
//! | [`observability`] | Prometheus metrics, logs and traces |
//! | [`deployment`] | container health checks, Kubernetes, HAProxy |
//! | [`expand`] | what the attributes generate: `cargo expand` and `HEALTHZ_MACROS_DEBUG` |
//!
//! Each crate's front page has its `cargo add` line, a served `/readyz` and its feature flags:
//! [healthz-core](crate), [healthz-actix](https://docs.rs/healthz-actix),
//! [healthz-axum](https://docs.rs/healthz-axum), [healthz-tonic](https://docs.rs/healthz-tonic).
//! How fast it is: [BENCHMARKS.md](https://github.com/healthz-rs/healthz/blob/main/BENCHMARKS.md);
//! what each caller can see: [SECURITY.md](https://github.com/healthz-rs/healthz/blob/main/SECURITY.md);
//! how it is built: [ARCHITECTURE.md](https://github.com/healthz-rs/healthz/blob/main/ARCHITECTURE.md).
//!
//! [`serve`]: https://docs.rs/healthz-core/latest/healthz_core/fn.serve.html
//! [`HealthLayer`]: https://docs.rs/healthz-core/latest/healthz_core/web/struct.HealthLayer.html
//!
//! A page whose examples need a cargo feature is written out only when that feature is on (as on
//! docs.rs, which builds with every feature).

// Prose for people: product names (PostgreSQL, HAProxy) need no backticks.
#![allow(clippy::doc_markdown)]

#[cfg_attr(feature = "macros", doc = include_str!("guide/probes.md"))]
#[cfg_attr(
    not(feature = "macros"),
    doc = "Defining probes. This page needs the `macros` feature (docs.rs has it)."
)]
pub mod probes {}

#[cfg_attr(
    all(
        feature = "macros",
        feature = "sqlx-0_9",
        feature = "redis-1",
        feature = "lapin-4",
        feature = "nats-0_51",
        feature = "mqtt-0_25",
        feature = "process"
    ),
    doc = include_str!("guide/checks.md")
)]
#[cfg_attr(
    not(all(
        feature = "macros",
        feature = "sqlx-0_9",
        feature = "redis-1",
        feature = "lapin-4",
        feature = "nats-0_51",
        feature = "mqtt-0_25",
        feature = "process"
    )),
    doc = "Ready-made checks. This page needs the checks' features (docs.rs has them all)."
)]
pub mod checks {}

#[cfg_attr(feature = "web", doc = include_str!("guide/endpoints.md"))]
#[cfg_attr(
    not(feature = "web"),
    doc = "The HTTP endpoints. This page needs the `web` feature (docs.rs has it)."
)]
pub mod endpoints {}

#[cfg_attr(
    all(feature = "server", feature = "signal"),
    doc = include_str!("guide/serving.md")
)]
#[cfg_attr(
    not(all(feature = "server", feature = "signal")),
    doc = "Serving the probes. This page needs the `server` and `signal` features (docs.rs has them)."
)]
pub mod serving {}

#[cfg_attr(feature = "web", doc = include_str!("guide/access.md"))]
#[cfg_attr(
    not(feature = "web"),
    doc = "The access policy. This page needs the `web` feature (docs.rs has it)."
)]
pub mod access {}

#[cfg_attr(feature = "signal", doc = include_str!("guide/traffic.md"))]
#[cfg_attr(
    not(feature = "signal"),
    doc = "Gates and status changes. This page needs the `signal` feature (docs.rs has it)."
)]
pub mod traffic {}

#[cfg_attr(feature = "web", doc = include_str!("guide/dashboard.md"))]
#[cfg_attr(
    not(feature = "web"),
    doc = "The live dashboard. This page needs the `web` feature (docs.rs has it)."
)]
pub mod dashboard {}

#[cfg_attr(feature = "macros", doc = include_str!("guide/testing.md"))]
#[cfg_attr(
    not(feature = "macros"),
    doc = "Testing your probes. This page needs the `macros` feature (docs.rs has it)."
)]
pub mod testing {}

#[cfg_attr(feature = "prometheus", doc = include_str!("guide/observability.md"))]
#[cfg_attr(
    not(feature = "prometheus"),
    doc = "Metrics, logs and traces. This page needs the `prometheus` feature (docs.rs has it)."
)]
pub mod observability {}

#[cfg_attr(feature = "signal", doc = include_str!("guide/deployment.md"))]
#[cfg_attr(
    not(feature = "signal"),
    doc = "Containers, Kubernetes, HAProxy. This page needs the `signal` feature (docs.rs has it)."
)]
pub mod deployment {}

#[doc = include_str!("guide/expand.md")]
pub mod expand {}
