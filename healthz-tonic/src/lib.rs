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
//! caches, single flight, gates and access policy. **[The
//! guide](https://docs.rs/healthz-core/latest/healthz_core/guide/)** covers probes, checks,
//! access, shutdown and operations for every adapter.
//!
//! # From `cargo add` to a served readiness
//!
//! ```sh
//! cargo add healthz-tonic
//! cargo add tonic --features transport,router
//! cargo add tokio --features macros,rt-multi-thread
//! ```
//!
//! ```no_run
//! use healthz_tonic::{AccessPolicy, HealthService, Health, Shutdown, readiness};
//!
//! #[readiness(timeout = "200ms", cache = "2s")]
//! async fn database() -> Result<(), std::io::Error> {
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().build()?;
//!     let service = HealthService::new(health.clone())
//!         .access(AccessPolicy::new().allow("10.0.0.0/8, 127.0.0.1")?); // optional, as for HTTP
//!     tonic::transport::Server::builder()
//!         .add_service(service)
//!         // .add_service(your own services)
//!         .serve_with_shutdown("127.0.0.1:50051".parse()?, Shutdown::new(health))
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! Then `grpcurl -plaintext -d '{"service":"readyz"}' 127.0.0.1:50051 grpc.health.v1.Health/Check`
//! answers `SERVING`, or `NOT_SERVING` while a probe fails, the service starts or it drains.
//!
//! # HTTP `/readyz` on the gRPC port
//!
//! The kubelet's `httpGet` probes and HTTP load balancers ask `/readyz` over HTTP/1.1.
//! `healthz_core::web::HealthLayer` (healthz-core's feature `web`, which this crate enables)
//! answers the health paths in front of the tonic server and hands every other request to it, so
//! gRPC and `/readyz` share one port:
//!
//! ```no_run
//! use healthz_core::web::{Endpoints, HealthLayer};
//! use healthz_tonic::{Health, HealthService};
//! use tonic::transport::server::TcpConnectInfo;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let health = Health::builder().build()?;
//!     let layer = HealthLayer::new(Endpoints::new(health.clone()))
//!         .peer(|extensions| extensions.get::<TcpConnectInfo>()?.remote_addr());
//!     tonic::transport::Server::builder()
//!         .accept_http1(true) // the kubelet and load balancers probe over HTTP/1.1
//!         .layer(layer)
//!         .add_service(HealthService::new(health))
//!         // .add_service(your own services)
//!         .serve("0.0.0.0:8080".parse()?)
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
//!   changes. It is built on [`Health::subscribe`] and runs no probe after the first status:
//!   however long a client watches (client-side health checking never stops), it follows the
//!   runs that happen anyway (requests, cache refreshes, `interval` polls), and a probe's new
//!   result reaches the watchers of its kind as soon as it is known. Give a probe an `interval`
//!   when watchers must see its changes without requests. A stream the client drops leaves no
//!   task behind.
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
//!
//! # Feature flags
//!
//! <!-- features: generated from Cargo.toml by tests/tests/docs.rs; HEALTHZ_BLESS_DOCS=1 rewrites it -->
//! | feature | default | enables |
//! |---|---|---|
//! | `macros` | yes | Re-export the `#[liveness]`, `#[readiness]` and `#[startup]` attributes. |
//! | `prometheus` |  | Prometheus metrics: `healthz_tonic::metrics::Metrics` (prometheus-client 0.26). |
//! | `sqlx-0_9` |  | Ready-made checks (`healthz_tonic::checks`); see healthz-core's features. |
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

mod names;
mod service;
mod watch;

#[doc(inline)]
pub use healthz_core::__adapter::*;
pub use service::HealthService;
pub use watch::WatchStream;
#[cfg(doctest)]
mod readme;
