//! The runtime of [healthz](https://github.com/healthz-rs/healthz): probe registry, concurrent
//! evaluation with timeouts, caches, single flight and panic isolation, and reports in
//! `application/health+json`. It knows no web framework: `healthz-actix` serves it over HTTP,
//! and any other server can evaluate a [`Health::report`] and render the [`Report`].
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
//! # Panics and `panic = "abort"`
//!
//! A panicking probe is reported as failed with the panic's message (credentials redacted), and
//! the service runs on. This relies on unwinding: under `panic = "abort"` a panicking probe aborts
//! the process like any other panic.
//!
//! The panic's message does not reach stderr raw: the first probe run puts a panic hook in front
//! of the one in place, which logs a panic in a probe's own code (its future, its closure, its
//! blocking call) as a `tracing` ERROR event in the probe's span, redacted and on one line, and
//! passes every other panic to the previous hook unchanged. A hook installed later with
//! `std::panic::set_hook` replaces it; a thread or task the probe spawns is not the probe's
//! own code.

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
mod health;
pub mod history;
#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub mod metrics;
mod observe;
mod options;
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
        IntoCheck, Kind, Location, Observer, Outcome, ProbeEvaluation, ProbeInfo, ProbeOptions,
        ProbeRef, ProbeState, Problem, Report, RunEvent, Scope, Status, StatusChange, events,
        healthcheck, history, redact, testing,
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
