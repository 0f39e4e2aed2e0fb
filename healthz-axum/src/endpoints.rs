//! [`Endpoints`]: the axum routes that serve `/livez`, `/readyz`, `/startupz` and `/healthz`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use healthz_core::Health;
use healthz_core::web::{self as core, EndpointsBuilder, PeerAddr, adapter};
use tower_service::Service;

/// The health endpoints, as axum routes: `Router::new().merge(Endpoints::new(health))`.
///
/// Same paths, bodies, headers and status codes as every healthz adapter; see
/// [`healthz_core::web`] for what each path answers. Every method reaches the endpoints, which
/// answer 405 to all but `GET` and `HEAD`, after the access decision.
///
/// The client's address comes from `ConnectInfo<SocketAddr>`: serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`. Without it the client is unknown,
/// which is never taken for loopback: callers then see statuses only, and an allowlist refuses
/// them.
///
/// ```
/// use axum::Router;
/// use healthz_axum::{AccessPolicy, Endpoint, Endpoints, Health};
///
/// # fn demo(health: Health) -> Result<(), Box<dyn std::error::Error>> {
/// let endpoints = Endpoints::builder(health)
///     .prefix("/health")
///     .without(Endpoint::Healthz)
///     .access(AccessPolicy::new().allow("10.0.0.0/8, loopback")?)
///     .build()?;
/// let app: Router = Router::new().merge(endpoints);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Endpoints(core::Endpoints);

impl Endpoints {
    /// The four endpoints at their default paths, with the default access policy.
    pub fn new(health: Health) -> Self {
        Endpoints(core::Endpoints::new(health))
    }

    /// Configures the endpoints: see [`EndpointsBuilder`].
    pub fn builder(health: Health) -> EndpointsBuilder<Self> {
        EndpointsBuilder::new(health)
    }
}

impl From<core::Endpoints> for Endpoints {
    fn from(endpoints: core::Endpoints) -> Self {
        Endpoints(endpoints)
    }
}

impl<S: Clone + Send + Sync + 'static> From<Endpoints> for Router<S> {
    fn from(endpoints: Endpoints) -> Self {
        let mut router = Router::new();
        for route in adapter::routes(&endpoints.0) {
            let service = WithPeer(endpoints.0.clone());
            router = router.route_service(route.path, service.clone());
            if route.named {
                router = router.route_service(&format!("{}/{{name}}", route.path), service);
            }
        }
        router
    }
}

/// The endpoints, told the client's address by axum's `ConnectInfo`.
#[derive(Clone)]
struct WithPeer(core::Endpoints);

impl Service<Request> for WithPeer {
    type Response = <core::Endpoints as Service<Request>>::Response;
    type Error = Infallible;
    type Future = <core::Endpoints as Service<Request>>::Future;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
            let peer = PeerAddr(*peer);
            request.extensions_mut().insert(peer);
        }
        self.0.call(request)
    }
}
