//! Serving health over HTTP (feature `web`), for every Rust HTTP stack: [`Endpoints`] is a
//! [`tower_service::Service`] over `http` 1 requests, [`HealthLayer`] puts it in front of any
//! other service, and `healthz_core::serve` (feature `server`) is a server of its own for
//! workers and admin ports. The actix-web, axum and tonic adapters are thin shells around the
//! same decisions, made here once.
//!
//! | path | serves |
//! |---|---|
//! | `GET`/`HEAD /livez` | liveness probes |
//! | `GET`/`HEAD /readyz` | readiness probes (fails while starting, draining or refusing traffic) |
//! | `GET`/`HEAD /startupz` | startup probes (latched once passed) |
//! | `GET`/`HEAD /healthz` | everything together |
//! | `/livez/{name}`, `/readyz/{name}`, `/startupz/{name}` | one probe's own result; an unknown name is 404 |
//! | a [group](EndpointsBuilder::group)'s path | the probes of the group |
//! | `/healthz/ui`, `/healthz/events` | the [dashboard](EndpointsBuilder::dashboard) and its event stream, when on |
//!
//! Any other path is 404. Each request is decided in this order:
//!
//! 1. **Route**: the path, as above.
//! 2. **Access** ([`AccessPolicy`]): who the client is (forwarded headers only from trusted
//!    proxies), whether it may call (403, 401), and whether it sees details. Before the method,
//!    so a refused caller learns nothing else, whatever it sends.
//! 3. **Method**: `GET` and `HEAD`; anything else is 405 with `Allow: GET, HEAD`.
//! 4. **Query** (`?verbose`, `?exclude=`, `?tag=`): a malformed one is 400 with the reason.
//! 5. **Form**: `?verbose` or `Accept: text/plain` selects the Kubernetes text, otherwise
//!    `application/health+json`.
//! 6. **Evaluation** through the engine (cache, single flight, gates), and the status code:
//!    `pass` 200, `warn` 200 (or [`warn_status`](EndpointsBuilder::warn_status)), `fail` 503.
//!
//! Every answer carries `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`, and
//! every error a one-line `text/plain` reason. Nothing here panics on any input, and no request
//! gets a 500.
//!
//! The client's address is the [`PeerAddr`] request extension: `serve` and the adapters set it
//! from the socket. Without it the client is unknown, which is never taken for loopback: it sees
//! statuses only, and an allowlist refuses it.
//!
//! ```
//! use healthz_core::web::{Endpoints, PeerAddr};
//! use healthz_core::{Health, ProbeOptions};
//! use tower_service::Service as _;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), healthz_core::BuildError> {
//! let health = Health::builder()
//!     .without_registered()
//!     .readiness("db", ProbeOptions::new(), || async { Err::<(), _>("refused") })
//!     .build()?;
//! let mut endpoints = Endpoints::new(health);
//!
//! let mut request = http::Request::get("/readyz?verbose").body(()).unwrap();
//! request.extensions_mut().insert(PeerAddr(([127, 0, 0, 1], 40000).into()));
//! let response = endpoints.call(request).await.unwrap();
//! assert_eq!(response.status(), 503);
//! # Ok(()) }
//! ```
//!
//! Adapters for other frameworks start from [`adapter`].

mod access;
pub mod adapter;
mod answer;
mod builder;
mod dashboard;
mod forwarded;
mod layer;
mod negotiate;
mod query;
mod request;
mod response;
mod routes;
mod service;
mod stream;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

pub use access::{AccessError, AccessPolicy};
pub use builder::{ConfigError, EndpointsBuilder};
pub use forwarded::ProxyHeader;
pub use layer::{HealthLayer, WithHealth};
pub use response::Body;
pub use stream::EventStream;

use crate::{Health, Kind, Scope};
use routes::Routes;
use stream::Streams;

/// The address of the client's connection, as a request extension: what the access policy
/// judges (loopback, the allowlist, trusted proxies). `healthz_core::serve` and the adapters
/// insert it; a server of your own inserts it for each request:
///
/// ```
/// use healthz_core::web::PeerAddr;
///
/// let mut request = http::Request::get("/readyz").body(()).unwrap();
/// request.extensions_mut().insert(PeerAddr(([10, 0, 0, 7], 51234).into()));
/// ```
///
/// A request without one comes from an unknown client: never loopback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerAddr(pub SocketAddr);

/// One of the four endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/livez`: liveness probes.
    Livez,
    /// `/readyz`: readiness probes; fails while starting, draining or refusing traffic.
    Readyz,
    /// `/startupz`: startup probes, latched once they have all passed.
    Startupz,
    /// `/healthz`: everything together.
    Healthz,
}

impl Endpoint {
    /// All four, in mounting order.
    pub(crate) const ALL: [Endpoint; 4] = [
        Endpoint::Livez,
        Endpoint::Readyz,
        Endpoint::Startupz,
        Endpoint::Healthz,
    ];

    /// What the endpoint reports.
    pub(crate) const fn scope(self) -> Scope {
        match self {
            Endpoint::Livez => Scope::Kind(Kind::Liveness),
            Endpoint::Readyz => Scope::Kind(Kind::Readiness),
            Endpoint::Startupz => Scope::Kind(Kind::Startup),
            Endpoint::Healthz => Scope::All,
        }
    }

    /// The default path: `/livez`, `/readyz`, `/startupz` or `/healthz`.
    ///
    /// ```
    /// use healthz_core::web::Endpoint;
    ///
    /// assert_eq!(Endpoint::Readyz.default_path(), "/readyz");
    /// ```
    pub const fn default_path(self) -> &'static str {
        match self {
            Endpoint::Livez => "/livez",
            Endpoint::Readyz => "/readyz",
            Endpoint::Startupz => "/startupz",
            Endpoint::Healthz => "/healthz",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The health endpoints of a [`Health`]: their paths, the status for `warn`, the
/// [`AccessPolicy`], groups and the dashboard. Cheap to clone.
///
/// [`Endpoints::new`] serves the four endpoints at their default paths with the default policy;
/// [`Endpoints::builder`] configures them, and reports every mistake at
/// [`build`](EndpointsBuilder::build), before anything is served. See the [module docs](self)
/// for what each path answers.
///
/// It is a [`tower_service::Service`] for `http::Request<B>` of any body `B`, answering
/// `http::Response<`[`Body`]`>`, so it serves from hyper, tonic's router, tower stacks and every
/// framework that takes a tower service; the adapters `healthz-actix` and `healthz-axum` mount
/// it in their routers.
///
/// ```
/// use healthz_core::web::{AccessPolicy, Endpoint, Endpoints};
/// use healthz_core::{Health, Kind};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let health = Health::builder().without_registered().build()?;
/// let endpoints = Endpoints::builder(health)
///     .prefix("/ops")
///     .path(Endpoint::Livez, "/live")
///     .group("/readyz/db", Kind::Readiness, ["db"])
///     .access(AccessPolicy::new().allow("10.0.0.0/8, loopback")?)
///     .build()?;
/// # drop(endpoints);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Endpoints {
    shared: Arc<Shared>,
}

/// What every clone of an [`Endpoints`] shares.
struct Shared {
    health: Health,
    routes: Routes,
    warn_status: http::StatusCode,
    access: AccessPolicy,
    streams: Arc<Streams>,
}

impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Endpoints")
            .field("routes", &shared.routes)
            .field("warn_status", &shared.warn_status)
            .field("access", &shared.access)
            .finish_non_exhaustive()
    }
}

impl Endpoints {
    /// The four endpoints at their default paths, with the default [`AccessPolicy`]: a
    /// configuration that cannot be wrong.
    ///
    /// ```
    /// use healthz_core::web::Endpoints;
    /// use healthz_core::Health;
    ///
    /// # fn main() -> Result<(), healthz_core::BuildError> {
    /// let endpoints = Endpoints::new(Health::builder().without_registered().build()?);
    /// # drop(endpoints);
    /// # Ok(()) }
    /// ```
    pub fn new(health: Health) -> Self {
        EndpointsBuilder::new(health).defaults()
    }

    /// Configures the endpoints; see [`EndpointsBuilder`].
    pub fn builder(health: Health) -> EndpointsBuilder {
        EndpointsBuilder::new(health)
    }

    fn from_parts(
        health: Health,
        routes: Routes,
        warn_status: http::StatusCode,
        access: AccessPolicy,
    ) -> Self {
        Endpoints {
            shared: Arc::new(Shared {
                health,
                routes,
                warn_status,
                access,
                streams: Arc::default(),
            }),
        }
    }
}
