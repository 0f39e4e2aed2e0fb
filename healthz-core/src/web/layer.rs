//! [`HealthLayer`]: the health paths in front of any tower service.

use std::fmt;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use futures_util::TryFutureExt as _;
use futures_util::future::{Either, MapOk};
use tower_layer::Layer;
use tower_service::Service;

use super::response::Body;
use super::{Endpoints, PeerAddr};
use crate::probe::BoxFuture;

/// A [`tower_layer::Layer`] that answers the health paths of its [`Endpoints`] and hands every
/// other request, untouched, to the service it wraps: one line adds `/livez` and `/readyz` to a
/// tonic server, a hyper service or any tower stack.
///
/// ```
/// use std::convert::Infallible;
/// use healthz_core::web::{Endpoints, HealthLayer};
/// use healthz_core::Health;
/// use tower::{Layer as _, Service as _, ServiceExt as _};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = tower::service_fn(|_: http::Request<()>| async {
///     Ok::<_, Infallible>(http::Response::new(String::from("the app")))
/// });
/// let health = Health::builder().without_registered().build()?;
/// let mut service = HealthLayer::new(Endpoints::new(health)).layer(app);
///
/// let readyz = http::Request::get("/readyz").body(())?;
/// assert_eq!(service.ready().await?.call(readyz).await?.status(), 200);
/// let other = http::Request::get("/orders").body(())?;
/// assert_eq!(service.ready().await?.call(other).await?.status(), 200, "the app's");
/// # Ok(()) }
/// ```
///
/// In front of a tonic server, gRPC and `/readyz` share one port (tonic must accept HTTP/1.1
/// for the kubelet's and load balancers' probes); tonic's connection info gives the client's
/// address:
///
/// ```text
/// tonic::transport::Server::builder()
///     .accept_http1(true)
///     .layer(HealthLayer::new(endpoints).peer(|extensions| {
///         extensions.get::<tonic::transport::server::TcpConnectInfo>()?.remote_addr()
///     }))
///     .add_service(your_service)
///     .serve(addr)
/// ```
///
/// Its responses' body is `http_body_util::Either<`[`Body`]`, B>`, with `B` the wrapped
/// service's.
#[derive(Clone)]
pub struct HealthLayer {
    endpoints: Endpoints,
    peer: Option<PeerFrom>,
}

/// Where the client's address is, when it is not a [`PeerAddr`].
type PeerFrom = fn(&http::Extensions) -> Option<SocketAddr>;

impl fmt::Debug for HealthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthLayer")
            .field("endpoints", &self.endpoints)
            .field("peer", &self.peer.is_some())
            .finish()
    }
}

impl HealthLayer {
    /// Answers the health paths of `endpoints`; every other request goes to the inner service.
    pub fn new(endpoints: Endpoints) -> Self {
        HealthLayer {
            endpoints,
            peer: None,
        }
    }

    /// Reads the client's address from the request's extensions with `peer` when it carries no
    /// [`PeerAddr`]: the server in front puts it there under its own type (tonic's
    /// `TcpConnectInfo`, axum's `ConnectInfo`). Without either the client is unknown, never
    /// loopback.
    #[must_use]
    pub fn peer(mut self, peer: fn(&http::Extensions) -> Option<SocketAddr>) -> Self {
        self.peer = Some(peer);
        self
    }
}

impl<S> Layer<S> for HealthLayer {
    type Service = WithHealth<S>;

    fn layer(&self, inner: S) -> WithHealth<S> {
        WithHealth {
            endpoints: self.endpoints.clone(),
            peer: self.peer,
            inner,
        }
    }
}

/// A service behind a [`HealthLayer`]: the health paths answered, everything else handed to `S`.
#[derive(Clone)]
pub struct WithHealth<S> {
    endpoints: Endpoints,
    peer: Option<PeerFrom>,
    inner: S,
}

impl<S: fmt::Debug> fmt::Debug for WithHealth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithHealth")
            .field("endpoints", &self.endpoints)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The response of a service behind the layer.
type Answer<B> = http::Response<http_body_util::Either<Body, B>>;

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for WithHealth<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Error: 'static,
{
    type Response = Answer<ResBody>;
    type Error = S::Error;
    type Future = Either<
        BoxFuture<'static, Result<Answer<ResBody>, S::Error>>,
        MapOk<S::Future, fn(http::Response<ResBody>) -> Answer<ResBody>>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        if !self.endpoints.serves(request.uri().path()) {
            let theirs: fn(http::Response<ResBody>) -> Answer<ResBody> =
                |response| response.map(http_body_util::Either::Right);
            return Either::Right(self.inner.call(request).map_ok(theirs));
        }
        if let Some(peer) = self.peer
            && request.extensions().get::<PeerAddr>().is_none()
            && let Some(addr) = peer(request.extensions())
        {
            request.extensions_mut().insert(PeerAddr(addr));
        }
        let ours = self.endpoints.call(request);
        Either::Left(Box::pin(async move {
            let response = match ours.await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            Ok(response.map(http_body_util::Either::Left))
        }))
    }
}
