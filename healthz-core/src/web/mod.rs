//! The framework-free HTTP layer (feature `web`): everything between "a request arrived" and
//! "a response leaves", written against no web framework.
//!
//! An adapter (`healthz-actix`, `healthz-axum`) mounts the [`Route`]s of an [`Endpoints`], and for
//! each request hands over the route's [`Target`], the `{name}` path segment if the route has one,
//! and a [`Request`]: peer address, method, query string and headers. [`Endpoints::answer`]
//! decides everything else, in this order, and returns a [`Response`]:
//!
//! 1. **Access** ([`AccessPolicy`]): who the client is (forwarded headers only from trusted
//!    proxies), whether it may call (403, 401), and whether it sees details. First, for every
//!    method, so a refused caller learns nothing else.
//! 2. **Method**: `GET` and `HEAD`; anything else is 405 with `Allow: GET, HEAD`.
//! 3. **Query** (`?verbose`, `?exclude=`): a malformed one is 400 with the reason.
//! 4. **Form**: `?verbose` or `Accept: text/plain` selects the Kubernetes text, otherwise
//!    `application/health+json`.
//! 5. **Evaluation** through the engine (cache, single flight, gates), and the status code:
//!    `pass` 200, `warn` 200 (or [`Endpoints::warn_status`]), `fail` 503; an unknown probe 404.
//!
//! Every answer carries `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`, and
//! every error a one-line `text/plain` reason. Nothing here panics on any input.
//!
//! ```
//! use healthz_core::web::{Endpoints, Request};
//! use healthz_core::{Health, ProbeOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), healthz_core::BuildError> {
//! let health = Health::builder()
//!     .without_registered()
//!     .readiness("db", ProbeOptions::new(), || async { Err::<(), _>("refused") })
//!     .build()?;
//! let endpoints = Endpoints::new(health);
//! let readyz = endpoints.routes().find(|r| r.path() == "/readyz").unwrap();
//!
//! let headers = http::HeaderMap::new();
//! let request = Request::new("GET", &headers).query("verbose").peer([127, 0, 0, 1].into());
//! let response = endpoints.answer(readyz.target(), None, &request).await;
//! assert_eq!(response.status(), 503);
//! assert_eq!(&response.body()[..], b"[-]db failed: refused\nreadyz check failed\n");
//! # Ok(()) }
//! ```

mod access;
mod dashboard;
mod forwarded;
mod query;
mod stream;

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;

pub use access::{AccessError, AccessPolicy, Denial, MIN_TOKEN_BYTES};

pub use forwarded::ProxyHeader;
/// `http`'s status code, as [`Endpoints::warn_status`] takes it.
#[doc(no_inline)]
pub use http::StatusCode;
use query::Query;
pub use query::{MAX_EXCLUDES, MAX_TAGS, QueryError};
use stream::Streams;
pub use stream::{EventStream, HEARTBEAT, MAX_EVENT_STREAMS};

use crate::{Format, Health, Kind, Scope, Selection, Status};

/// The media type of JSON health reports (IETF draft "Health Check Response Format for HTTP APIs").
pub const HEALTH_JSON: &str = "application/health+json";

/// The media type of the Kubernetes `?verbose` text and of every error.
pub const TEXT: &str = "text/plain; charset=utf-8";

/// The `Cache-Control` of every answer: a health answer is never cached on the way.
pub const NO_STORE: &str = "no-store";

/// The `X-Content-Type-Options` of every answer: bodies may echo what the caller sent, so they
/// are never sniffed.
pub const NOSNIFF: &str = "nosniff";

/// The request headers, whatever the framework's header map: every value of a header, by name.
///
/// Implemented for `http::HeaderMap` (axum, hyper, tonic); an adapter for another framework wraps
/// its own map.
pub trait Headers {
    /// Every value of the header `name` (lower case), in order.
    fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
    where
        Self: 'a;

    /// Whether the request carries any of the headers `names` (lower case). Asked on every
    /// request, for the six headers that say a request was forwarded; by default one
    /// [`values`](Self::values) per name. A map that is cheaper to walk once than to probe six
    /// times (a request carries a handful of headers) overrides it.
    fn contains_any(&self, names: &[&'static str]) -> bool {
        names.iter().any(|name| self.values(name).next().is_some())
    }
}

impl Headers for http::HeaderMap {
    fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
    where
        Self: 'a,
    {
        // The constants of the names the layer reads (every request asks for the six that say it
        // was forwarded): parsing a name per request costs more.
        const X_FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");
        const X_FORWARDED_HOST: http::HeaderName =
            http::HeaderName::from_static("x-forwarded-host");
        const X_FORWARDED_PROTO: http::HeaderName =
            http::HeaderName::from_static("x-forwarded-proto");
        const X_REAL_IP: http::HeaderName = http::HeaderName::from_static("x-real-ip");
        let values = match name {
            "accept" => self.get_all(http::header::ACCEPT),
            "authorization" => self.get_all(http::header::AUTHORIZATION),
            "forwarded" => self.get_all(http::header::FORWARDED),
            "x-forwarded-for" => self.get_all(X_FORWARDED_FOR),
            "x-forwarded-host" => self.get_all(X_FORWARDED_HOST),
            "x-forwarded-proto" => self.get_all(X_FORWARDED_PROTO),
            "x-real-ip" => self.get_all(X_REAL_IP),
            "via" => self.get_all(http::header::VIA),
            other => self.get_all(other),
        };
        values.iter().map(http::HeaderValue::as_bytes)
    }

    fn contains_any(&self, names: &[&'static str]) -> bool {
        // One walk over the names the request carries (`http` stores them lower case).
        self.keys().any(|key| names.contains(&key.as_str()))
    }
}

/// What [`Endpoints::answer`] needs of a request.
pub struct Request<'a, H: ?Sized> {
    method: &'a str,
    query: &'a str,
    headers: &'a H,
    peer: Option<IpAddr>,
}

impl<H: ?Sized> fmt::Debug for Request<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("query", &self.query)
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl<'a, H: Headers + ?Sized> Request<'a, H> {
    /// A request with this method (`GET`) and headers, no query string, and no known peer: a
    /// client whose address is unknown is never taken for loopback.
    pub fn new(method: &'a str, headers: &'a H) -> Self {
        Request {
            method,
            query: "",
            headers,
            peer: None,
        }
    }

    /// The query string, without the `?`.
    #[must_use]
    pub fn query(mut self, query: &'a str) -> Self {
        self.query = query;
        self
    }

    /// The address of the connection's peer (not of a forwarded header).
    #[must_use]
    pub fn peer(mut self, peer: IpAddr) -> Self {
        self.peer = Some(peer);
        self
    }
}

/// A header healthz answers with. Adapters map it to their framework's constant, so no name is
/// parsed per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseHeader {
    /// `content-type`.
    ContentType,
    /// `cache-control`.
    CacheControl,
    /// `x-content-type-options`.
    XContentTypeOptions,
    /// `allow`, on 405.
    Allow,
    /// `www-authenticate`, on 401 (and on 400 for several `Authorization` headers).
    WwwAuthenticate,
    /// `content-security-policy`, on the dashboard.
    ContentSecurityPolicy,
    /// `x-frame-options`, on the dashboard.
    XFrameOptions,
    /// `referrer-policy`, on the dashboard.
    ReferrerPolicy,
    /// `x-accel-buffering`, on the event stream: nginx would buffer it otherwise.
    XAccelBuffering,
}

impl ResponseHeader {
    /// The name, in lower case.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResponseHeader::ContentType => "content-type",
            ResponseHeader::CacheControl => "cache-control",
            ResponseHeader::XContentTypeOptions => "x-content-type-options",
            ResponseHeader::Allow => "allow",
            ResponseHeader::WwwAuthenticate => "www-authenticate",
            ResponseHeader::ContentSecurityPolicy => "content-security-policy",
            ResponseHeader::XFrameOptions => "x-frame-options",
            ResponseHeader::ReferrerPolicy => "referrer-policy",
            ResponseHeader::XAccelBuffering => "x-accel-buffering",
        }
    }

    /// The name as `http`'s constant.
    pub const fn http(self) -> http::HeaderName {
        match self {
            ResponseHeader::ContentType => http::header::CONTENT_TYPE,
            ResponseHeader::CacheControl => http::header::CACHE_CONTROL,
            ResponseHeader::XContentTypeOptions => http::header::X_CONTENT_TYPE_OPTIONS,
            ResponseHeader::Allow => http::header::ALLOW,
            ResponseHeader::WwwAuthenticate => http::header::WWW_AUTHENTICATE,
            ResponseHeader::ContentSecurityPolicy => http::header::CONTENT_SECURITY_POLICY,
            ResponseHeader::XFrameOptions => http::header::X_FRAME_OPTIONS,
            ResponseHeader::ReferrerPolicy => http::header::REFERRER_POLICY,
            ResponseHeader::XAccelBuffering => http::HeaderName::from_static("x-accel-buffering"),
        }
    }
}

/// An answer: status, headers and body. Adapters copy it into their framework's response; the
/// body of an event stream comes with [`take_stream`](Self::take_stream).
#[derive(Debug)]
#[non_exhaustive]
pub struct Response {
    status: StatusCode,
    content_type: &'static str,
    extra: Option<(ResponseHeader, &'static str)>,
    /// The dashboard's and the event stream's own headers.
    more: Vec<(ResponseHeader, &'static str)>,
    body: Bytes,
    stream: Option<EventStream>,
}

/// The headers every answer carries besides its `Content-Type`: never cached, never sniffed
/// (bodies may echo what the caller sent).
const ALWAYS: [(ResponseHeader, &str); 2] = [
    (ResponseHeader::CacheControl, NO_STORE),
    (ResponseHeader::XContentTypeOptions, NOSNIFF),
];

/// A header value of an answer as `http`'s type.
///
/// The values most answers carry ([`HEALTH_JSON`], [`TEXT`], [`NO_STORE`], [`NOSNIFF`]) are
/// built at compile time; `HeaderValue::from_static` checks any other byte by byte, at run time
/// when its argument is not a constant (the three headers of every answer cost about 360
/// instructions that way). Every value the layer answers with is visible ASCII.
///
/// ```
/// use healthz_core::web::{HEALTH_JSON, http_value};
///
/// assert_eq!(http_value(HEALTH_JSON), "application/health+json");
/// assert_eq!(http_value("GET, HEAD"), "GET, HEAD");
/// ```
pub fn http_value(value: &'static str) -> http::HeaderValue {
    match value {
        HEALTH_JSON => const { http::HeaderValue::from_static(HEALTH_JSON) },
        TEXT => const { http::HeaderValue::from_static(TEXT) },
        NO_STORE => const { http::HeaderValue::from_static(NO_STORE) },
        NOSNIFF => const { http::HeaderValue::from_static(NOSNIFF) },
        other => http::HeaderValue::from_static(other),
    }
}

impl Response {
    fn new(status: StatusCode, content_type: &'static str, body: Bytes) -> Self {
        Response {
            status,
            content_type,
            extra: None,
            more: Vec::new(),
            body,
            stream: None,
        }
    }

    /// A one-line `text/plain` error, in one allocation (the text, fitted to its length: a
    /// `Bytes` made from a `String` with room to spare allocates a second block to share it).
    fn error(status: StatusCode, message: impl fmt::Display) -> Self {
        let text = format!("{message}\n").into_boxed_str().into_boxed_bytes();
        Response::new(status, TEXT, Bytes::from(text))
    }

    /// `404 not found`, allocating nothing.
    fn not_found() -> Self {
        Response::new(
            StatusCode::NOT_FOUND,
            TEXT,
            Bytes::from_static(b"not found\n"),
        )
    }

    /// `405` for `method`, with `Allow`. The methods HTTP defines besides `GET` and `HEAD` get a
    /// constant answer (no allocation for a scanner's `POST`); any other is echoed, escaped.
    fn method_not_allowed(method: &str) -> Self {
        macro_rules! known {
            ($($method:literal)*) => {
                match method {
                    $($method => Some(concat!(
                        "method ", $method, " is not allowed here: use GET or HEAD\n"
                    )),)*
                    _ => None,
                }
            };
        }
        let response = match known!("POST" "PUT" "DELETE" "PATCH" "OPTIONS" "TRACE" "CONNECT") {
            Some(text) => Response::new(
                StatusCode::METHOD_NOT_ALLOWED,
                TEXT,
                Bytes::from_static(text.as_bytes()),
            ),
            None => Response::error(
                StatusCode::METHOD_NOT_ALLOWED,
                format_args!(
                    "method {} is not allowed here: use GET or HEAD",
                    printable(method)
                ),
            ),
        };
        response.with(ResponseHeader::Allow, "GET, HEAD")
    }

    fn with(mut self, name: ResponseHeader, value: &'static str) -> Self {
        self.extra = Some((name, value));
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The status code, as `http`'s type.
    pub fn status_code(&self) -> StatusCode {
        self.status
    }

    /// Every header and its value: `content-type`, `cache-control`, `x-content-type-options`,
    /// `allow` or `www-authenticate` where they apply, and the dashboard's own.
    pub fn headers(&self) -> impl Iterator<Item = (ResponseHeader, &'static str)> + '_ {
        std::iter::once((ResponseHeader::ContentType, self.content_type))
            .chain(ALWAYS)
            .chain(self.extra)
            .chain(self.more.iter().copied())
    }

    /// The body of an event stream (`/healthz/events`), to send as it comes, chunk by chunk;
    /// `None` for every other answer, whose body is [`body`](Self::body).
    pub fn take_stream(&mut self) -> Option<EventStream> {
        self.stream.take()
    }

    /// The `Content-Type`.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, by value.
    pub fn into_body(self) -> Bytes {
        self.body
    }
}

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

/// What a [`Route`] serves. Opaque: adapters hand it back to [`Endpoints::answer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Target(Serves);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Serves {
    Endpoint(Endpoint),
    /// The group at this index of `Shared::groups`.
    Group(usize),
    /// The dashboard page.
    Dashboard,
    /// The event stream.
    Events,
}

impl Target {
    /// The endpoint it serves, if it serves one (not a group, the dashboard or its event
    /// stream).
    pub fn endpoint(self) -> Option<Endpoint> {
        match self.0 {
            Serves::Endpoint(endpoint) => Some(endpoint),
            Serves::Group(_) | Serves::Dashboard | Serves::Events => None,
        }
    }
}

/// A named group of probes at a path of its own; see [`Endpoints::group`].
#[derive(Clone, Debug)]
struct Group {
    path: String,
    selection: Selection,
}

/// Why [`Endpoints::group`] refused a group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupError {
    /// The path does not start with `/`, or ends with one.
    InvalidPath {
        /// The path given.
        path: String,
    },
    /// The path is an endpoint's.
    SameAsEndpoint {
        /// The full path.
        path: String,
        /// The endpoint.
        endpoint: Endpoint,
    },
    /// The path is one probe's own path (`/readyz/db` for a readiness probe `db`).
    SameAsProbe {
        /// The full path.
        path: String,
        /// The probe's kind.
        kind: Kind,
        /// The probe's name.
        name: String,
        /// Where the probe was defined.
        location: crate::Location,
    },
    /// Another group has the path.
    SameAsGroup {
        /// The full path.
        path: String,
    },
    /// The dashboard or its event stream has the path.
    SameAsDashboard {
        /// The full path.
        path: String,
    },
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::InvalidPath { path } => write!(
                f,
                "group path `{}` must start with `/` and not end with one, such as `/readyz/db`",
                printable(path)
            ),
            GroupError::SameAsEndpoint { path, endpoint } => write!(
                f,
                "group path `{path}` is the path of the endpoint {endpoint:?}: give the group another path"
            ),
            GroupError::SameAsProbe {
                path,
                kind,
                name,
                location,
            } => write!(
                f,
                "group path `{path}` is the path of the {kind} probe `{name}` at {location}: give the group or the probe another name"
            ),
            GroupError::SameAsDashboard { path } => write!(
                f,
                "group path `{path}` is the path of the dashboard or its event stream: give the group another path"
            ),
            GroupError::SameAsGroup { path } => {
                write!(
                    f,
                    "two groups have the path `{path}`: give one another path"
                )
            }
        }
    }
}

impl std::error::Error for GroupError {}

/// A path an adapter mounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    path: String,
    target: Target,
    named: bool,
}

impl Route {
    /// The full path, prefix included: `/health/readyz`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What it serves.
    pub fn target(&self) -> Target {
        self.target
    }

    /// Whether `{path}/{name}` is served too, with the segment passed to
    /// [`Endpoints::answer`] as the probe's name.
    pub fn has_name(&self) -> bool {
        self.named
    }
}

/// The health endpoints, for any framework: which paths serve what, the status for `warn`, and
/// the [`AccessPolicy`]. Adapters wrap it (`healthz_actix::Endpoints`, `healthz_axum::Endpoints`)
/// with the same builder methods.
///
/// | path | serves |
/// |---|---|
/// | `GET`/`HEAD /livez` | liveness probes |
/// | `GET`/`HEAD /readyz` | readiness probes (fails while starting or draining) |
/// | `GET`/`HEAD /startupz` | startup probes (latched once passed) |
/// | `GET`/`HEAD /healthz` | everything together |
/// | `/livez/{name}`, `/readyz/{name}`, `/startupz/{name}` | one probe's own result; unknown name: 404 |
///
/// `pass` and `warn` answer 200 (see [`warn_status`](Self::warn_status)), `fail` 503, with
/// `Content-Type: application/health+json` and `Cache-Control: no-store`; bodies are at most
/// [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES). `?verbose` (or `Accept: text/plain`) answers the
/// Kubernetes text form; `?exclude=name` (repeatable) leaves a probe out. Other methods get 405
/// with `Allow: GET, HEAD`, bad query strings 400, each with a one-line reason.
///
/// Details (outputs, observed values, service metadata) are shown only to a loopback caller's own
/// requests (not to what a proxy on loopback forwards); others see statuses only. An
/// [`AccessPolicy`] changes who may call and who sees details.
#[derive(Clone)]
pub struct Endpoints {
    shared: Arc<Shared>,
}

#[derive(Clone)]
struct Shared {
    health: Health,
    prefix: String,
    paths: [Option<String>; 4],
    warn_status: StatusCode,
    access: AccessPolicy,
    groups: Vec<Group>,
    dashboard: bool,
    streams: Arc<Streams>,
}

impl fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("Endpoints")
            .field("prefix", &shared.prefix)
            .field("paths", &shared.paths)
            .field("warn_status", &shared.warn_status)
            .field("access", &shared.access)
            .finish_non_exhaustive()
    }
}

impl Endpoints {
    /// All four endpoints at their default paths, with the default access policy.
    pub fn new(health: Health) -> Self {
        Endpoints {
            shared: Arc::new(Shared {
                health,
                prefix: String::new(),
                paths: Endpoint::ALL.map(|e| Some(e.default_path().to_owned())),
                warn_status: StatusCode::OK,
                access: AccessPolicy::new(),
                groups: Vec::new(),
                dashboard: false,
                streams: Arc::default(),
            }),
        }
    }

    fn edit(mut self, change: impl FnOnce(&mut Shared)) -> Self {
        change(Arc::make_mut(&mut self.shared));
        self
    }

    /// Puts every path under a prefix: `.prefix("/health")` serves `/health/livez`.
    ///
    /// # Panics
    ///
    /// If `prefix` is not empty and does not start with `/`, or ends with `/`: a programming
    /// error, caught when the service is set up.
    #[must_use]
    pub fn prefix(self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        assert!(
            prefix.is_empty() || (prefix.starts_with('/') && !prefix.ends_with('/')),
            "healthz prefix `{prefix}` must start with `/` and not end with one, such as `/health`"
        );
        self.edit(|s| s.prefix = prefix)
    }

    /// Serves an endpoint at another path: `.path(Endpoint::Livez, "/live")`.
    ///
    /// # Panics
    ///
    /// If `path` does not start with `/` (a programming error).
    #[must_use]
    pub fn path(self, endpoint: Endpoint, path: impl Into<String>) -> Self {
        let path = path.into();
        assert!(
            path.starts_with('/'),
            "healthz path `{path}` must start with `/`"
        );
        self.edit(|s| s.paths[endpoint.index()] = Some(path))
    }

    /// Does not mount an endpoint.
    #[must_use]
    pub fn without(self, endpoint: Endpoint) -> Self {
        self.edit(|s| s.paths[endpoint.index()] = None)
    }

    /// The HTTP status for a `warn` report (default 200; some load balancers want 207 or 429).
    #[must_use]
    pub fn warn_status(self, status: StatusCode) -> Self {
        self.edit(|s| s.warn_status = status)
    }

    /// Who may call the endpoints and who sees details (default: everyone may call, loopback
    /// callers see details). See [`AccessPolicy`].
    #[must_use]
    pub fn access(self, policy: AccessPolicy) -> Self {
        self.edit(|s| s.access = policy)
    }

    /// Mounts a named group of probes at a path of its own (under the [`prefix`](Self::prefix)),
    /// the way Spring Boot's health groups do: `/readyz/db` made of the readiness probes tagged
    /// `db`. It answers like the endpoints (`?verbose`, `?exclude`, `?tag` to narrow it further,
    /// the access policy, gates for readiness), with the group's probes only.
    ///
    /// ```
    /// use healthz_core::web::Endpoints;
    /// use healthz_core::{Health, Kind, ProbeOptions, Scope, Selection};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("primary", ProbeOptions::new().tags(&["db"]), || async {})
    ///     .readiness("search", ProbeOptions::new(), || async {})
    ///     .build()?;
    /// let endpoints = Endpoints::new(health.clone())
    ///     .group("/readyz/db", Selection::new(Scope::Kind(Kind::Readiness)).tags(["db"]))?;
    /// assert!(endpoints.routes().any(|r| r.path() == "/readyz/db"));
    ///
    /// // A group cannot take a probe's own path.
    /// let clash = Endpoints::new(health).group("/readyz/search", Selection::new(Scope::All));
    /// assert!(clash.unwrap_err().to_string().contains("readiness probe `search`"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// A [`GroupError`] when the path is not a path, or is already an endpoint's, a probe's own
    /// (`/readyz/{name}`) or another group's, naming both. Set paths and the prefix first: the
    /// check is made against them as they are.
    pub fn group(self, path: impl Into<String>, selection: Selection) -> Result<Self, GroupError> {
        let path = path.into();
        if !path.starts_with('/') || path.ends_with('/') {
            return Err(GroupError::InvalidPath { path });
        }
        let full = format!("{}{path}", self.shared.prefix);
        for route in self.routes() {
            if route.path == full {
                return Err(match route.target.0 {
                    Serves::Endpoint(endpoint) => GroupError::SameAsEndpoint {
                        path: full,
                        endpoint,
                    },
                    Serves::Group(_) => GroupError::SameAsGroup { path: full },
                    Serves::Dashboard | Serves::Events => {
                        GroupError::SameAsDashboard { path: full }
                    }
                });
            }
            let Some(Scope::Kind(kind)) = route.target.endpoint().map(Endpoint::scope) else {
                continue;
            };
            let Some(name) = full
                .strip_prefix(route.path())
                .and_then(|rest| rest.strip_prefix('/'))
            else {
                continue;
            };
            if let Some(probe) = self.shared.health.probes(kind).find(|p| p.name == name) {
                return Err(GroupError::SameAsProbe {
                    path: full,
                    kind,
                    name: probe.name.to_owned(),
                    location: *probe.location,
                });
            }
        }
        Ok(self.edit(|s| s.groups.push(Group { path, selection })))
    }

    /// Serves the live dashboard at `/healthz/ui` and its event stream at `/healthz/events`
    /// (under the [`prefix`](Self::prefix), beside the `/healthz` path if it was changed), with
    /// the same access policy as the reports: a caller without details sees statuses and no
    /// outputs. Off by default.
    ///
    /// The page is self-contained (no CDN, nothing fetched from outside) and served with a strict
    /// `Content-Security-Policy` and `X-Frame-Options: DENY`. The stream is Server-Sent Events:
    /// a snapshot first, then every status change and run, and a heartbeat after every
    /// [`HEARTBEAT`] without an event;
    /// see [`EventStream`]. At most [`MAX_EVENT_STREAMS`] are open at once.
    ///
    /// ```
    /// use healthz_core::web::Endpoints;
    /// use healthz_core::Health;
    ///
    /// # fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder().without_registered().build()?;
    /// let endpoints = Endpoints::new(health).prefix("/ops").dashboard(true);
    /// let paths: Vec<String> = endpoints.routes().map(|r| r.path().to_owned()).collect();
    /// assert!(paths.contains(&"/ops/healthz/ui".to_owned()));
    /// assert!(paths.contains(&"/ops/healthz/events".to_owned()));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn dashboard(self, on: bool) -> Self {
        self.edit(|s| s.dashboard = on)
    }

    /// The `Health` served.
    pub fn health(&self) -> &Health {
        &self.shared.health
    }

    /// The access policy.
    pub fn access_policy(&self) -> &AccessPolicy {
        &self.shared.access
    }

    /// The paths to mount, each with what it serves: groups first, then the dashboard, then the
    /// endpoints (a framework that tries routes in turn then finds a group such as `/readyz/db`
    /// before the endpoint's `/readyz/{name}`, and `/healthz/ui` before `/healthz`).
    pub fn routes(&self) -> impl Iterator<Item = Route> + '_ {
        let shared = &self.shared;
        let groups = shared.groups.iter().enumerate().map(|(i, group)| Route {
            path: format!("{}{}", shared.prefix, group.path),
            target: Target(Serves::Group(i)),
            named: false,
        });
        let base = shared.paths[Endpoint::Healthz.index()]
            .as_deref()
            .unwrap_or(Endpoint::Healthz.default_path());
        let dashboard = [("/ui", Serves::Dashboard), ("/events", Serves::Events)]
            .into_iter()
            .filter(|_| shared.dashboard)
            .map(move |(path, serves)| Route {
                path: format!("{}{base}{path}", shared.prefix),
                target: Target(serves),
                named: false,
            });
        let endpoints = Endpoint::ALL.into_iter().filter_map(move |endpoint| {
            let path = shared.paths[endpoint.index()].as_ref()?;
            Some(Route {
                path: format!("{}{path}", shared.prefix),
                target: Target(Serves::Endpoint(endpoint)),
                named: endpoint != Endpoint::Healthz,
            })
        });
        groups.chain(dashboard).chain(endpoints)
    }

    /// Answers a request for `target` (and the probe `name` under it, for `{path}/{name}`).
    pub async fn answer<H: Headers + ?Sized>(
        &self,
        target: Target,
        name: Option<&str>,
        request: &Request<'_, H>,
    ) -> Response {
        // Decided before anything else, so a refused caller learns nothing and runs no probe.
        let detail = match self.shared.access.check(request.peer, request.headers) {
            Ok(detail) => detail,
            Err(denial) => {
                tracing::debug!(peer = ?request.peer, ?denial, "healthz: request refused");
                let response = Response::new(
                    denial.status(),
                    TEXT,
                    Bytes::from_static(denial.message().as_bytes()),
                );
                return match denial.challenge() {
                    Some(challenge) => response.with(ResponseHeader::WwwAuthenticate, challenge),
                    None => response,
                };
            }
        };
        if !matches!(request.method, "GET" | "HEAD") {
            return Response::method_not_allowed(request.method);
        }
        match target.0 {
            Serves::Dashboard => return self.page(),
            Serves::Events => return self.events(detail, request.method == "HEAD"),
            Serves::Endpoint(_) | Serves::Group(_) => {}
        }
        let query = match Query::parse(request.query) {
            Ok(query) => query,
            Err(error) => return Response::error(StatusCode::BAD_REQUEST, error),
        };
        let (format, content_type) = if query.verbose || wants_text(request.headers) {
            (Format::Text, TEXT)
        } else {
            (Format::Json, HEALTH_JSON)
        };
        let health = &self.shared.health;
        let exclude: Vec<&str> = query.exclude.iter().map(|e| &**e).collect();
        let (status, body) = match (target.0, name) {
            (Serves::Endpoint(endpoint), Some(name)) => {
                let Scope::Kind(kind) = endpoint.scope() else {
                    return Response::not_found();
                };
                match health.check_probe(kind, name).await {
                    Some(report) => (report.status(), report.to_bytes(detail, format)),
                    None => {
                        return Response::error(
                            StatusCode::NOT_FOUND,
                            format_args!("no {kind} probe is named `{}`", printable(name)),
                        );
                    }
                }
            }
            (Serves::Endpoint(endpoint), None)
                if query.exclude.is_empty() && query.tags.is_empty() =>
            {
                // The hot path: a body reused while every result it shows is fresh.
                let rendered = health.render(endpoint.scope(), detail, format).await;
                (rendered.status(), rendered.into_body())
            }
            (serves, _) => {
                let mut selection = match serves {
                    Serves::Endpoint(endpoint) => Selection::new(endpoint.scope()),
                    Serves::Group(i) => match self.shared.groups.get(i) {
                        Some(group) => group.selection.clone(),
                        None => return Response::not_found(),
                    },
                    Serves::Dashboard | Serves::Events => {
                        return Response::not_found();
                    }
                };
                if !query.tags.is_empty() {
                    selection = selection.tags(query.tags.iter().map(|t| t.clone().into_owned()));
                }
                let report = health.select(&selection, &exclude).await;
                (report.status(), report.to_bytes(detail, format))
            }
        };
        let status = match status {
            Status::Pass => StatusCode::OK,
            Status::Warn => self.shared.warn_status,
            Status::Fail => StatusCode::SERVICE_UNAVAILABLE,
        };
        Response::new(status, content_type, body)
    }
}

impl Endpoints {
    /// The dashboard page, when it is on.
    fn page(&self) -> Response {
        if !self.shared.dashboard {
            return Response::not_found();
        }
        let mut page = Response::new(
            StatusCode::OK,
            dashboard::HTML,
            Bytes::from_static(dashboard::PAGE.as_bytes()),
        );
        page.more.extend(dashboard::page_headers());
        page
    }

    /// An event stream for a caller who sees `detail`; headers only for `HEAD`.
    fn events(&self, detail: crate::Detail, head: bool) -> Response {
        let shared = &self.shared;
        if !shared.dashboard {
            return Response::not_found();
        }
        let stream = if head {
            None
        } else {
            match EventStream::open(&shared.health, detail, &shared.streams) {
                Some(stream) => Some(stream),
                None => {
                    return Response::error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        format_args!(
                            "too many event streams are open ({MAX_EVENT_STREAMS}): try again later"
                        ),
                    );
                }
            }
        };
        let mut response = Response::new(StatusCode::OK, dashboard::EVENT_STREAM, Bytes::new());
        response.more.extend(dashboard::STREAM_HEADERS);
        response.stream = stream;
        response
    }
}

/// Whether the caller asked for text with `Accept` (and not for JSON first).
fn wants_text(headers: &(impl Headers + ?Sized)) -> bool {
    for value in headers.values("accept") {
        let Ok(accept) = std::str::from_utf8(value) else {
            continue;
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
    }
    false
}

/// A path segment with its `%XX` escapes decoded (bytes that do not form UTF-8 are replaced
/// with U+FFFD): how an adapter whose framework does not decode `{name}` passes it to
/// [`Endpoints::answer`].
///
/// ```
/// use healthz_core::web::decode_segment;
///
/// assert_eq!(decode_segment("search-index"), "search-index");
/// assert_eq!(decode_segment("%64b"), "db");
/// assert_eq!(decode_segment("a%2Fb+c"), "a/b+c");
/// assert_eq!(decode_segment("%FF%"), "\u{FFFD}%");
/// ```
pub fn decode_segment(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1)
            .copied()
            .and_then(hex)
            .zip(bytes.get(i + 2).copied().and_then(hex));
        match (bytes[i], escaped) {
            (b'%', Some((high, low))) => {
                // Two hex digits are at most 255.
                out.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `text` with control characters escaped, cut to 64 characters (escapes included, so the echo
/// stays short whatever the input), for echoing in an error. Borrowed when there is nothing to
/// escape or cut, as with most names and methods.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().nth(64).is_none() && text.chars().all(|c| c.escape_debug().len() == 1) {
        return Cow::Borrowed(text);
    }
    let mut escaped = text.chars().flat_map(char::escape_debug);
    let mut out: String = escaped.by_ref().take(64).collect();
    if escaped.next().is_some() {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Not public API: the builder methods of an adapter's `Endpoints`, a newtype over
/// [`Endpoints`], written once here. Each delegates to the method of the same name.
#[doc(hidden)]
#[macro_export]
macro_rules! __endpoints_builder {
    ($adapter:ident, $status:ty) => {
        impl $adapter {
            /// All four endpoints at their default paths, with the default access policy: see
            #[doc = "[`healthz_core::web::Endpoints`]."]
            pub fn new(health: $crate::Health) -> Self {
                $adapter($crate::web::Endpoints::new(health))
            }

            /// Puts every path under a prefix: `.prefix("/health")` serves `/health/livez`.
            ///
            /// # Panics
            ///
            /// If `prefix` is not empty and does not start with `/`, or ends with `/`: a
            /// programming error, caught when the service is set up.
            #[must_use]
            pub fn prefix(self, prefix: impl ::core::convert::Into<::std::string::String>) -> Self {
                $adapter(self.0.prefix(prefix))
            }

            /// Serves an endpoint at another path: `.path(Endpoint::Livez, "/live")`.
            ///
            /// # Panics
            ///
            /// If `path` does not start with `/` (a programming error).
            #[must_use]
            pub fn path(
                self,
                endpoint: $crate::web::Endpoint,
                path: impl ::core::convert::Into<::std::string::String>,
            ) -> Self {
                $adapter(self.0.path(endpoint, path))
            }

            /// Does not mount an endpoint.
            #[must_use]
            pub fn without(self, endpoint: $crate::web::Endpoint) -> Self {
                $adapter(self.0.without(endpoint))
            }

            /// The HTTP status for a `warn` report (default 200; some load balancers want 207
            /// or 429).
            #[must_use]
            pub fn warn_status(self, status: $status) -> Self {
                let status = $crate::web::StatusCode::from_u16(status.as_u16())
                    .unwrap_or($crate::web::StatusCode::OK);
                $adapter(self.0.warn_status(status))
            }

            /// Mounts a named group of probes at a path of its own: see
            #[doc = "[`healthz_core::web::Endpoints::group`]."]
            ///
            /// # Errors
            ///
            /// When the path is not a path, or is already an endpoint's, a probe's own or
            /// another group's.
            pub fn group(
                self,
                path: impl ::core::convert::Into<::std::string::String>,
                selection: $crate::Selection,
            ) -> ::core::result::Result<Self, $crate::web::GroupError> {
                self.0.group(path, selection).map($adapter)
            }

            /// Serves the live dashboard at `/healthz/ui` and its event stream at
            /// `/healthz/events`, with the same access policy as the reports. See
            #[doc = "[`healthz_core::web::Endpoints::dashboard`]."]
            #[must_use]
            pub fn dashboard(self, on: bool) -> Self {
                $adapter(self.0.dashboard(on))
            }

            /// Who may call the endpoints and who sees details (default: everyone may call,
            /// loopback callers see details). See
            #[doc = "[`AccessPolicy`](healthz_core::web::AccessPolicy)."]
            #[must_use]
            pub fn access(self, policy: $crate::web::AccessPolicy) -> Self {
                $adapter(self.0.access(policy))
            }
        }

        impl ::core::convert::From<$crate::web::Endpoints> for $adapter {
            fn from(endpoints: $crate::web::Endpoints) -> Self {
                $adapter(endpoints)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What `printable` wrote before it could borrow: the oracle for the proptest below.
    fn printable_owned(text: &str) -> String {
        let mut escaped = text.chars().flat_map(char::escape_debug);
        let mut out: String = escaped.by_ref().take(64).collect();
        if escaped.next().is_some() {
            out.push('…');
        }
        out
    }

    proptest! {
        #[test]
        fn printable_borrows_only_what_it_would_write_unchanged(text in any::<String>()) {
            let printed = printable(&text);
            prop_assert_eq!(&*printed, printable_owned(&text));
            prop_assert_eq!(matches!(printed, Cow::Borrowed(_)), *printed == *text);
        }

        #[test]
        fn printable_borrows_plain_names(text in "[a-zA-Z0-9_.-]{0,64}") {
            prop_assert!(matches!(printable(&text), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn a_known_method_gets_the_message_any_method_gets() {
        for method in [
            "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW", "P\nST",
        ] {
            let answer = Response::method_not_allowed(method);
            let formatted = format!(
                "method {} is not allowed here: use GET or HEAD\n",
                printable(method)
            );
            assert_eq!(answer.status(), 405);
            assert_eq!(answer.body().as_ref(), formatted.as_bytes(), "{method}");
            assert!(
                answer
                    .headers()
                    .any(|h| h == (ResponseHeader::Allow, "GET, HEAD")),
                "{method}"
            );
        }
        assert_eq!(Response::not_found().body().as_ref(), b"not found\n");
    }

    #[test]
    fn each_header_value_is_the_value_it_names() {
        for value in [HEALTH_JSON, TEXT, NO_STORE, NOSNIFF, "GET, HEAD", "no"] {
            assert_eq!(http_value(value), http::HeaderValue::from_static(value));
            assert_eq!(http_value(value).to_str().unwrap(), value);
        }
    }
}
