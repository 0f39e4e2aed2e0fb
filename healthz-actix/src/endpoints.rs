//! [`Endpoints`]: the actix-web service that serves `/livez`, `/readyz`, `/startupz` and
//! `/healthz`.

use std::fmt;
use std::sync::Arc;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, guard, web};
use healthz_core::{Format, Health, Kind, Scope, Status};

use crate::access::AccessPolicy;
use crate::query::{Query, printable};

/// The media type of JSON health reports (IETF draft "Health Check Response Format for HTTP APIs").
pub const HEALTH_JSON: &str = "application/health+json";

const TEXT: &str = "text/plain; charset=utf-8";

/// One of the four endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/livez`: liveness probes.
    Livez,
    /// `/readyz`: readiness probes; fails while starting or draining.
    Readyz,
    /// `/startupz`: startup probes, latched once they have all passed.
    Startupz,
    /// `/healthz`: everything together.
    Healthz,
}

impl Endpoint {
    /// All four, in mounting order.
    pub const ALL: [Endpoint; 4] = [
        Endpoint::Livez,
        Endpoint::Readyz,
        Endpoint::Startupz,
        Endpoint::Healthz,
    ];

    /// What the endpoint reports.
    pub const fn scope(self) -> Scope {
        match self {
            Endpoint::Livez => Scope::Kind(Kind::Liveness),
            Endpoint::Readyz => Scope::Kind(Kind::Readiness),
            Endpoint::Startupz => Scope::Kind(Kind::Startup),
            Endpoint::Healthz => Scope::All,
        }
    }

    /// The default path: `/livez`, `/readyz`, `/startupz` or `/healthz`.
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

/// The health endpoints, as an actix-web service: mount it with `App::service`.
///
/// | path | serves |
/// |---|---|
/// | `GET`/`HEAD /livez` | liveness probes |
/// | `GET`/`HEAD /readyz` | readiness probes (fails while starting or draining) |
/// | `GET`/`HEAD /startupz` | startup probes (latched once passed) |
/// | `GET`/`HEAD /healthz` | everything together |
/// | `/livez/{name}`, `/readyz/{name}`, `/startupz/{name}` | one probe; unknown name: 404 |
///
/// `pass` and `warn` answer 200 (see [`warn_status`](Self::warn_status)), `fail` 503, with
/// `Content-Type: application/health+json` and `Cache-Control: no-store`; bodies are at most
/// [`MAX_BODY_BYTES`](healthz_core::MAX_BODY_BYTES). `?verbose` (or `Accept: text/plain`)
/// answers the Kubernetes text form; `?exclude=name` (repeatable) leaves a probe out. Other
/// methods get 405 with `Allow: GET, HEAD`, bad query strings 400, each with a one-line reason.
///
/// Details (outputs, observed values, service metadata) are shown only to loopback callers;
/// others see statuses only. An [`AccessPolicy`] changes who may call and who sees details.
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
#[derive(Clone)]
pub struct Endpoints {
    health: Health,
    prefix: String,
    paths: [Option<String>; 4],
    warn_status: StatusCode,
    access: AccessPolicy,
}

impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoints")
            .field("prefix", &self.prefix)
            .field("paths", &self.paths)
            .field("warn_status", &self.warn_status)
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl Endpoints {
    /// All four endpoints at their default paths.
    pub fn new(health: Health) -> Self {
        Endpoints {
            health,
            prefix: String::new(),
            paths: Endpoint::ALL.map(|e| Some(e.default_path().to_owned())),
            warn_status: StatusCode::OK,
            access: AccessPolicy::new(),
        }
    }

    /// Puts every path under a prefix: `.prefix("/health")` serves `/health/livez`.
    ///
    /// # Panics
    ///
    /// If `prefix` is not empty and does not start with `/`, or ends with `/`: a
    /// programming error, caught the first time the service is built.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        assert!(
            prefix.is_empty() || (prefix.starts_with('/') && !prefix.ends_with('/')),
            "healthz prefix `{prefix}` must start with `/` and not end with one, such as `/health`"
        );
        self.prefix = prefix;
        self
    }

    /// Serves an endpoint at another path: `.path(Endpoint::Livez, "/live")`.
    ///
    /// # Panics
    ///
    /// If `path` does not start with `/` (a programming error).
    #[must_use]
    pub fn path(mut self, endpoint: Endpoint, path: impl Into<String>) -> Self {
        let path = path.into();
        assert!(
            path.starts_with('/'),
            "healthz path `{path}` must start with `/`"
        );
        self.paths[endpoint.index()] = Some(path);
        self
    }

    /// Does not mount an endpoint.
    #[must_use]
    pub fn without(mut self, endpoint: Endpoint) -> Self {
        self.paths[endpoint.index()] = None;
        self
    }

    /// The HTTP status for a `warn` report (default 200; some load balancers want 207 or 429).
    #[must_use]
    pub fn warn_status(mut self, status: StatusCode) -> Self {
        self.warn_status = status;
        self
    }

    /// Who may call the endpoints and who sees details (default: everyone may call, loopback
    /// callers see details). See [`AccessPolicy`].
    ///
    /// ```
    /// use actix_web::App;
    /// use healthz_actix::{AccessPolicy, Endpoints, Health};
    ///
    /// # fn demo(health: Health) -> Result<(), healthz_actix::AccessError> {
    /// let policy = AccessPolicy::new().allow("10.0.0.0/8")?.token("s3cr3t-t0ken")?;
    /// let app = App::new().service(Endpoints::new(health).access(policy));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn access(mut self, policy: AccessPolicy) -> Self {
        self.access = policy;
        self
    }
}

/// What each mounted resource knows, as its app data.
#[derive(Clone)]
struct Target {
    endpoint: Endpoint,
    shared: Arc<Shared>,
}

struct Shared {
    health: Health,
    warn_status: StatusCode,
    access: AccessPolicy,
}

impl HttpServiceFactory for Endpoints {
    fn register(self, config: &mut AppService) {
        let shared = Arc::new(Shared {
            health: self.health,
            warn_status: self.warn_status,
            access: self.access,
        });
        for endpoint in Endpoint::ALL {
            let Some(path) = &self.paths[endpoint.index()] else {
                continue;
            };
            let path = format!("{}{path}", self.prefix);
            let target = Target {
                endpoint,
                shared: Arc::clone(&shared),
            };
            // One scope per endpoint: a request for any other path costs one prefix comparison
            // per endpoint, and the `{name}` pattern (a regex) is only tried under its prefix.
            let mut scope = web::scope(&path).app_data(target).service(
                web::resource("")
                    .route(get_or_head().to(serve))
                    .default_service(web::to(method_not_allowed)),
            );
            if endpoint != Endpoint::Healthz {
                scope = scope.service(
                    web::resource("/{name}")
                        .route(get_or_head().to(serve))
                        .default_service(web::to(method_not_allowed)),
                );
            }
            scope.register(config);
        }
    }
}

fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let message = format!(
        "method {} is not allowed here: use GET or HEAD\n",
        printable(req.method().as_str())
    );
    respond(StatusCode::METHOD_NOT_ALLOWED)
        .insert_header((header::ALLOW, HeaderValue::from_static("GET, HEAD")))
        .content_type(TEXT)
        .body(message)
}

/// A response with the headers every answer carries: never cached, never sniffed (bodies may
/// echo what the caller sent).
fn respond(status: StatusCode) -> HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    response
}

fn error(status: StatusCode, message: String) -> HttpResponse {
    respond(status).content_type(TEXT).body(message)
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let Some(target) = req.app_data::<Target>() else {
        // Only `Endpoints::register` mounts this handler, always with its target.
        return error(StatusCode::NOT_FOUND, "not found\n".into());
    };
    // Decided before anything else, so a refused caller learns nothing and runs no probe.
    let peer = req.peer_addr().map(|addr| addr.ip());
    let detail = match target.shared.access.check(peer, req.headers()) {
        Ok(detail) => detail,
        Err(denial) => {
            tracing::debug!(?peer, ?denial, "healthz: request refused");
            let mut response = respond(denial.status());
            if let Some(challenge) = denial.challenge() {
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            return response.content_type(TEXT).body(denial.message());
        }
    };
    let query = match Query::parse(req.query_string()) {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message + "\n"),
    };
    let health = &target.shared.health;
    let scope = target.endpoint.scope();
    let (format, content_type) = if query.verbose || wants_text(&req) {
        (Format::Text, TEXT)
    } else {
        (Format::Json, HEALTH_JSON)
    };
    let (status, body) =
        if let (Some(name), Scope::Kind(kind)) = (req.match_info().get("name"), scope) {
            match health.check_probe(kind, name).await {
                Some(report) => (report.status(), report.to_bytes(detail, format)),
                None => {
                    return error(
                        StatusCode::NOT_FOUND,
                        format!("no {kind} probe is named `{}`\n", printable(name)),
                    );
                }
            }
        } else if query.exclude.is_empty() {
            // The hot path: a body reused while every result it shows is fresh.
            let rendered = health.render(scope, detail, format).await;
            (rendered.status(), rendered.into_body())
        } else {
            let exclude: Vec<&str> = query.exclude.iter().map(|e| &**e).collect();
            let report = health.evaluate(scope, &exclude).await;
            (report.status(), report.to_bytes(detail, format))
        };
    let status = match status {
        Status::Pass => StatusCode::OK,
        Status::Warn => target.shared.warn_status,
        Status::Fail => StatusCode::SERVICE_UNAVAILABLE,
    };
    respond(status).content_type(content_type).body(body)
}

/// Whether the caller asked for text with `Accept` (and not for JSON first).
fn wants_text(req: &HttpRequest) -> bool {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    for range in accept.split(',') {
        let media = range.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("text/plain") {
            return true;
        }
        if media.to_ascii_lowercase().contains("json") {
            return false;
        }
    }
    false
}
