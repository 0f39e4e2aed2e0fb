//! [`Endpoints`]: the actix-web service that serves `/livez`, `/readyz`, `/startupz` and
//! `/healthz`.

use std::rc::Rc;

use actix_web::dev::{
    AppService, HttpServiceFactory, ResourceDef, ServiceRequest, ServiceResponse, fn_service,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{Error, HttpResponse};
use healthz_core::Health;
use healthz_core::web::adapter::{self, Header, Headers, Request};
use healthz_core::web::{self as core, Body, EndpointsBuilder};

/// The health endpoints, as an actix-web service: mount it with `App::service`.
///
/// Same paths, bodies, headers and status codes as every healthz adapter; see
/// [`healthz_core::web`] for what each path answers.
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
/// Configured, with every mistake reported before anything is served:
///
/// ```
/// use actix_web::App;
/// use healthz_actix::{AccessPolicy, Endpoint, Endpoints, Health};
///
/// # fn demo(health: Health) -> Result<(), Box<dyn std::error::Error>> {
/// let endpoints = Endpoints::builder(health)
///     .prefix("/ops")
///     .without(Endpoint::Healthz)
///     .access(AccessPolicy::new().allow("10.0.0.0/8")?.token("s3cr3t-t0ken-0123456789")?)
///     .build()?;
/// let app = App::new().service(endpoints);
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

/// What one mounted path answers for.
struct Mounted {
    endpoints: core::Endpoints,
    /// The mounted path's length: the path under the endpoints' mount point is that much of
    /// what actix matched, plus what it left unmatched.
    len: usize,
}

impl HttpServiceFactory for Endpoints {
    fn register(self, config: &mut AppService) {
        for route in adapter::routes(&self.0) {
            // One service per route, matched by comparing strings: the path itself, or for
            // `{path}/{name}` the path as a prefix (actix matches a prefix at a `/`). Not a scope
            // with a resource per pattern: its router, an app-data lookup and the handler's
            // extractors cost about 1,400 instructions of every `/readyz` (callgrind). Every
            // method and every path under a prefix reaches the endpoints, which decide.
            let rdef = if route.named {
                ResourceDef::prefix(route.path)
            } else {
                ResourceDef::new(route.path)
            };
            let mounted = Rc::new(Mounted {
                endpoints: self.0.clone(),
                len: route.path.len(),
            });
            let service = fn_service(move |req: ServiceRequest| serve(Rc::clone(&mounted), req));
            config.register_service(rdef, None, service, None);
        }
    }
}

/// actix's header map, as the endpoints read headers.
struct ActixHeaders<'a>(&'a HeaderMap);

/// The headers the endpoints read that actix has no constant for.
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_REAL_IP: HeaderName = HeaderName::from_static("x-real-ip");

impl Headers for ActixHeaders<'_> {
    fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
    where
        Self: 'a,
    {
        // The constants of the names the endpoints read (every request asks for the six that
        // say it was forwarded): parsing a name per request costs more.
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

/// actix's constant for a header the endpoints answer with.
fn header_name(name: Header) -> HeaderName {
    match name {
        Header::ContentType => header::CONTENT_TYPE,
        Header::CacheControl => header::CACHE_CONTROL,
        Header::XContentTypeOptions => header::X_CONTENT_TYPE_OPTIONS,
        Header::Allow => header::ALLOW,
        Header::WwwAuthenticate => header::WWW_AUTHENTICATE,
        other => HeaderName::from_static(other.as_str()),
    }
}

/// actix's value for a header value the endpoints answer with: those of every answer built at
/// compile time (actix is on `http` 0.2, whose constants are its own).
fn header_value(value: &'static str) -> HeaderValue {
    match value {
        "application/health+json" => const { HeaderValue::from_static("application/health+json") },
        "text/plain; charset=utf-8" => {
            const { HeaderValue::from_static("text/plain; charset=utf-8") }
        }
        "no-store" => const { HeaderValue::from_static("no-store") },
        "nosniff" => const { HeaderValue::from_static("nosniff") },
        other => HeaderValue::from_static(other),
    }
}

async fn serve(mounted: Rc<Mounted>, req: ServiceRequest) -> Result<ServiceResponse, Error> {
    let (req, _payload) = req.into_parts();
    let headers = ActixHeaders(req.headers());
    // The path under the endpoints' mount point, as actix matched it (escapes of `%`, `/` and
    // `+` kept): the mounted path and what follows it, the endpoints decoding a probe's name
    // once, as every adapter's do.
    let matched = req.match_info();
    let whole = matched.as_str();
    let path = whole
        .len()
        .checked_sub(mounted.len + matched.unprocessed().len())
        .and_then(|start| whole.get(start..))
        .unwrap_or("");
    let request = Request {
        method: req.method().as_str(),
        path,
        query: req.query_string(),
        headers: &headers,
        peer: req.peer_addr().map(|peer| peer.ip()),
    };
    let answer = adapter::answer(&mounted.endpoints, &request).await;
    let status =
        StatusCode::from_u16(answer.status.as_u16()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = HttpResponse::build(status);
    for (name, value) in answer.headers() {
        response.insert_header((header_name(name), header_value(value)));
    }
    let response = match answer.body {
        Body::Full(bytes) => response.body(bytes),
        Body::Events(stream) => response.streaming(stream),
    };
    Ok(ServiceResponse::new(req, response))
}
