//! [`Endpoints`]: the actix-web service that serves `/livez`, `/readyz`, `/startupz` and
//! `/healthz`.

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
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

/// What each mounted resource answers for, as its app data.
#[derive(Clone)]
struct Mounted {
    endpoints: layer::Endpoints,
    target: Target,
}

impl HttpServiceFactory for Endpoints {
    fn register(self, config: &mut AppService) {
        for route in self.0.routes() {
            let mounted = Mounted {
                endpoints: self.0.clone(),
                target: route.target(),
            };
            // One scope per endpoint: a request for any other path costs one prefix comparison
            // per endpoint, and the `{name}` pattern (a regex) is only tried under its prefix.
            // (Measured with callgrind: flat resources cost a route mounted after these 6,900
            // instructions more per request, and `/readyz` 980 more.)
            // Every method reaches the handler: the layer decides access before the method.
            let mut scope = web::scope(route.path())
                .app_data(mounted)
                .service(web::resource("").to(serve));
            if route.has_name() {
                scope = scope.service(web::resource("/{name}").to(serve));
            }
            scope.register(config);
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

async fn serve(req: HttpRequest) -> HttpResponse {
    let Some(mounted) = req.app_data::<Mounted>() else {
        // Only `Endpoints::register` mounts this handler, always with its data.
        return HttpResponse::NotFound().finish();
    };
    let headers = ActixHeaders(req.headers());
    let mut request = Request::new(req.method().as_str(), &headers).query(req.query_string());
    if let Some(peer) = req.peer_addr() {
        request = request.peer(peer.ip());
    }
    let name = req.match_info().get("name");
    let mut answer = mounted
        .endpoints
        .answer(mounted.target, name, &request)
        .await;
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        response.insert_header((header_name(name), header_value(value)));
    }
    match answer.take_stream() {
        Some(stream) => response.streaming(stream),
        None => response.body(answer.into_body()),
    }
}
