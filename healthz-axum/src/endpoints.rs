//! [`Endpoints`]: the axum routes that serve `/livez`, `/readyz`, `/startupz` and `/healthz`.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{Response, StatusCode};
use axum::routing::any;
use healthz_core::web::{self as layer, Request as HealthRequest, Target, decode_segment};

/// The health endpoints, as axum routes: `Router::new().merge(Endpoints::new(health))`.
///
/// Same paths, bodies, headers and status codes as every healthz adapter; see
/// [`healthz_core::web::Endpoints`] for the table. Every method reaches the endpoints, which
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
/// # fn demo(health: Health) -> Result<(), healthz_axum::AccessError> {
/// let policy = AccessPolicy::new().allow("10.0.0.0/8, 127.0.0.1")?;
/// let app: Router = Router::new().merge(
///     Endpoints::new(health)
///         .prefix("/health")
///         .without(Endpoint::Healthz)
///         .access(policy),
/// );
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Endpoints(layer::Endpoints);

healthz_core::__endpoints_builder!(Endpoints, StatusCode);

impl<S: Clone + Send + Sync + 'static> From<Endpoints> for Router<S> {
    fn from(endpoints: Endpoints) -> Self {
        let mut router = Router::new();
        for route in endpoints.0.routes() {
            let mounted = Mounted {
                endpoints: endpoints.0.clone(),
                target: route.target(),
                path: route.path().into(),
            };
            let whole = mounted.clone();
            router = router.route(route.path(), any(move |req: Request| serve(whole, req)));
            if route.has_name() {
                let named = format!("{}/{{name}}", route.path());
                router = router.route(&named, any(move |req: Request| serve(mounted, req)));
            }
        }
        router
    }
}

/// What one route answers for.
#[derive(Clone)]
struct Mounted {
    endpoints: layer::Endpoints,
    target: Target,
    /// The route's path, to find the `{name}` segment after it.
    path: std::sync::Arc<str>,
}

async fn serve(mounted: Mounted, req: Request) -> Response<Body> {
    let (parts, _body) = req.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    // The segment after the route's path, as it came: axum's own extractors would answer
    // invalid UTF-8 with a rejection of their own, and the layer answers every request.
    let name = parts
        .uri
        .path()
        .strip_prefix(&*mounted.path)
        .and_then(|rest| rest.strip_prefix('/'))
        .map(decode_segment);
    let mut request = HealthRequest::new(parts.method.as_str(), &parts.headers)
        .query(parts.uri.query().unwrap_or(""));
    if let Some(peer) = peer {
        request = request.peer(peer);
    }
    let mut answer = mounted
        .endpoints
        .answer(mounted.target, name.as_deref(), &request)
        .await;
    let body = match answer.take_stream() {
        Some(stream) => Body::from_stream(stream),
        None => Body::from(answer.body().clone()),
    };
    let mut response = Response::new(body);
    *response.status_mut() = answer.status_code();
    let headers = response.headers_mut();
    for (name, value) in answer.headers() {
        headers.insert(name.http(), layer::http_value(value));
    }
    response
}
