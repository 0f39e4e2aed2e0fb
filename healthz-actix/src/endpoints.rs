//! [`Endpoints`]: the actix-web service that serves `/livez`, `/readyz`, `/startupz` and
//! `/healthz`.

use std::rc::Rc;

use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{Error, HttpResponse};
use healthz_core::web::{self as layer, Headers, Request, ResponseHeader, Target};

/// The health endpoints, as an actix-web service: mount it with `App::service`.
///
/// Same paths, bodies, headers and status codes as every healthz adapter; see
/// [`healthz_core::web::Endpoints`] for the table.
///
/// ```no_run
/// use actix_web::{App, HttpServer};
/// use healthz_actix::{Endpoints, Health};
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let health = Health::builder().build().map_err(std::io::Error::other)?;
///     HttpServer::new(move || App::new().service(Endpoints::new(health.clone())))
///         .bind(("127.0.0.1", 8080))?
///         .run()
///         .await
/// }
/// ```
///
/// With an access policy:
///
/// ```
/// use actix_web::App;
/// use healthz_actix::{AccessPolicy, Endpoints, Health};
///
/// # fn demo(health: Health) -> Result<(), healthz_actix::AccessError> {
/// let policy = AccessPolicy::new().allow("10.0.0.0/8")?.token("s3cr3t-t0ken-0123456789")?;
/// let app = App::new().service(Endpoints::new(health).access(policy));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Endpoints(layer::Endpoints);

healthz_core::__endpoints_builder!(Endpoints, StatusCode);

/// What each mounted path answers for.
struct Mounted {
    endpoints: layer::Endpoints,
    target: Target,
    /// `{path}/{name}` is served too: the rest of the path after the mounted one names a probe.
    named: bool,
}

impl HttpServiceFactory for Endpoints {
    fn register(self, config: &mut AppService) {
        for route in self.0.routes() {
            // One service per endpoint, matched by comparing strings: the path itself, or for
            // `{path}/{name}` the path as a prefix (actix matches a prefix at a `/`), the name
            // read from what follows. Not a scope holding a resource for the path and one for a
            // `{name}` pattern, as before: the scope's own router, an app-data lookup and the
            // handler's extractors cost about 1,400 instructions of every `/readyz` (callgrind).
            // A request for any other path still costs one comparison per endpoint. Like the
            // scope, the prefix claims every path under it: one that is not `{path}/{name}`
            // (`/readyz/`, `/readyz/a/b`) gets the 404 actix gives a path no route matches.
            // Every method reaches the handler: the layer decides access before the method.
            let rdef = if route.has_name() {
                ResourceDef::prefix(route.path())
            } else {
                ResourceDef::new(route.path())
            };
            let mounted = Rc::new(Mounted {
                endpoints: self.0.clone(),
                target: route.target(),
                named: route.has_name(),
            });
            let service = fn_service(move |req: ServiceRequest| serve(Rc::clone(&mounted), req));
            config.register_service(rdef, None, service, None);
        }
    }
}

/// actix's header map, as the layer reads headers.
struct ActixHeaders<'a>(&'a HeaderMap);

/// The headers the layer reads that actix has no constant for.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

impl Headers for ActixHeaders<'_> {
    fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
    where
        Self: 'a,
    {
        // The constants of the names the layer reads (every request asks for the six that say it
        // was forwarded): parsing a name per request costs more.
        let values = match name {
            "accept" => self.0.get_all(header::ACCEPT),
            "authorization" => self.0.get_all(header::AUTHORIZATION),
            "x-forwarded-for" => self.0.get_all(X_FORWARDED_FOR),
            "forwarded" => self.0.get_all(header::FORWARDED),
            "x-forwarded-host" => self.0.get_all(X_FORWARDED_HOST),
            "x-forwarded-proto" => self.0.get_all(X_FORWARDED_PROTO),
            "x-real-ip" => self.0.get_all(X_REAL_IP),
            "via" => self.0.get_all(header::VIA),
            other => self.0.get_all(other),
        };
        values.map(HeaderValue::as_bytes)
    }

    fn contains_any(&self, names: &[&'static str]) -> bool {
        // One walk over the names the request carries (actix stores them lower case).
        self.0.keys().any(|key| names.contains(&key.as_str()))
    }
}

/// actix's constant for a header the layer answers with.
fn header_name(name: ResponseHeader) -> HeaderName {
    match name {
        ResponseHeader::ContentType => header::CONTENT_TYPE,
        ResponseHeader::CacheControl => header::CACHE_CONTROL,
        ResponseHeader::XContentTypeOptions => header::X_CONTENT_TYPE_OPTIONS,
        ResponseHeader::Allow => header::ALLOW,
        ResponseHeader::WwwAuthenticate => header::WWW_AUTHENTICATE,
        other => HeaderName::from_static(other.as_str()),
    }
}

/// actix's value for a header value the layer answers with: the common ones built at compile
/// time, as `healthz_core::web::http_value` builds `http` 1's (actix uses `http` 0.2).
fn header_value(value: &'static str) -> HeaderValue {
    match value {
        layer::HEALTH_JSON => const { HeaderValue::from_static(layer::HEALTH_JSON) },
        layer::TEXT => const { HeaderValue::from_static(layer::TEXT) },
        layer::NO_STORE => const { HeaderValue::from_static(layer::NO_STORE) },
        layer::NOSNIFF => const { HeaderValue::from_static(layer::NOSNIFF) },
        other => HeaderValue::from_static(other),
    }
}

async fn serve(mounted: Rc<Mounted>, req: ServiceRequest) -> Result<ServiceResponse, Error> {
    let (req, _payload) = req.into_parts();
    let headers = ActixHeaders(req.headers());
    let mut request = Request::new(req.method().as_str(), &headers).query(req.query_string());
    if let Some(peer) = req.peer_addr() {
        request = request.peer(peer.ip());
    }
    // What follows the mounted path, as actix left it (escapes of `%`, `/` and `+` kept): nothing,
    // or one segment naming a probe, decoded once as every adapter decodes it. Anything else
    // (`/readyz/`, `/readyz/a/b`) is no health endpoint's path: answered as actix answers a path
    // no route matches, as the axum adapter's router leaves it to axum.
    let name = match mounted.named.then(|| req.match_info().unprocessed()) {
        None | Some("") => None,
        Some(rest) => match rest.strip_prefix('/') {
            Some(segment) if !segment.is_empty() && !segment.contains('/') => {
                Some(layer::decode_segment(segment))
            }
            _ => return Ok(ServiceResponse::new(req, HttpResponse::NotFound().finish())),
        },
    };
    let mut answer = mounted
        .endpoints
        .answer(mounted.target, name.as_deref(), &request)
        .await;
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        response.insert_header((header_name(name), header_value(value)));
    }
    let response = match answer.take_stream() {
        Some(stream) => response.streaming(stream),
        None => response.body(answer.into_body()),
    };
    Ok(ServiceResponse::new(req, response))
}
