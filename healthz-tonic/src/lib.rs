//! Health checks for [tonic](https://docs.rs/tonic) 0.14: annotate async functions with
//! `#[liveness]`, `#[readiness]` or `#[startup]`, build a [`Health`], and add a
//! [`HealthService`] to your tonic server. It serves the standard
//! [`grpc.health.v1.Health`](https://github.com/grpc/grpc/blob/master/doc/health-checking.md)
//! service, which is what Kubernetes' `grpc:` probes, Envoy, `grpc_health_probe`, `grpcurl` and
//! gRPC load balancers ask.
//!
//! This crate re-exports what a service uses of `healthz-core` (the runtime, the
//! [`AccessPolicy`], and the attribute macros), the same set as every healthz adapter, so it is
//! the only healthz dependency a tonic service needs. It implements tonic-health 0.14's generated service (its types, not a
//! copy of the proto; no protoc), and answers from the same engine as the HTTP adapters: the same
//! caches, single flight, gates and access policy.
//!
//! ```no_run
//! use healthz_tonic::{HealthService, Health, Shutdown, readiness};
//!
//! #[readiness(timeout = "200ms", cache = "2s")]
//! async fn database() -> Result<(), std::io::Error> {
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().build()?;
//!     tonic::transport::Server::builder()
//!         .add_service(HealthService::new(health.clone()))
//!         // .add_service(your own services)
//!         .serve_with_shutdown("127.0.0.1:50051".parse()?, Shutdown::new(health))
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! # Service names
//!
//! The names a client asks about mirror the HTTP paths:
//!
//! | service | status of |
//! |---|---|
//! | `""` | readiness, gates included (starting, draining, refusing traffic): the whole server, which is what load balancers and Kubernetes ask by default |
//! | `"readyz"` | the same |
//! | `"livez"` | liveness |
//! | `"startupz"` | startup (latched once passed) |
//! | `"healthz"` | everything together |
//! | `"readyz/NAME"`, `"livez/NAME"`, `"startupz/NAME"` | one probe, its own result |
//!
//! `pass` and `warn` are `SERVING`, `fail` is `NOT_SERVING`. An unknown name is the status code
//! `NOT_FOUND` for `Check`, and the serving status `SERVICE_UNKNOWN` for `Watch`, as the
//! specification says. gRPC carries statuses only: no output, no detail.
//!
//! - **`Check`** on a whole scope goes through [`Health::render`], so it shares the HTTP
//!   endpoints' render cache and single flight: a cached answer costs no probe run.
//! - **`Watch`** sends the current status at once, then a message each time the serving status
//!   changes. It is built on [`Health::subscribe`]: one shared monitor re-evaluates the probes
//!   while someone watches, not one poll per client, and a probe's new result reaches the
//!   watchers of its kind as soon as it is known. A stream the client drops leaves no task behind.
//! - **`List`** is not served: tonic-health 0.14 does not define it (its proto predates the
//!   method), so this service cannot add it.
//!
//! # Access
//!
//! [`HealthService::access`] takes the same [`AccessPolicy`] as the HTTP adapters, decided before
//! anything else: a client outside the allowlist gets `PERMISSION_DENIED`; a missing bearer
//! token where one is required, or a wrong one, in the `authorization` metadata
//! (`authorization: Bearer <token>`), gets `UNAUTHENTICATED`; several `authorization` entries get
//! `INVALID_ARGUMENT`. The client is the connection's peer (tonic's `Request::remote_addr`), read
//! through forwarded metadata only from the policy's trusted proxies.
//!
//! # Shutdown
//!
//! [`Shutdown`] (healthz-core's, re-exported) plugs into tonic's `serve_with_shutdown`: on
//! SIGTERM or SIGINT, `""` and `"readyz"` turn `NOT_SERVING` at once (and every `Watch` of them
//! says so), while `"livez"` and your own services go on serving; after the grace period the open
//! `Watch` streams end and tonic stops gracefully.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod names;
mod service;
mod watch;

#[doc(inline)]
pub use healthz_core::__adapter::*;
pub use service::HealthService;
pub use watch::WatchStream;
