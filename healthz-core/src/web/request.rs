//! What the endpoints read of a request, whatever the framework: [`Request`] and [`Headers`].

use std::fmt;
use std::net::IpAddr;

/// The request headers, whatever the framework's header map: every value of a header, by name.
///
/// Implemented for `http::HeaderMap` (hyper, axum, tonic, tower); an adapter for a framework on
/// another map (actix-web's, a gRPC metadata map) wraps it.
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

/// What the endpoints read of a request: method, path, query string, headers and the peer's
/// address. An adapter fills it from its framework's request, borrowing everything.
///
/// ```
/// use healthz_core::web::adapter::Request;
///
/// let headers = http::HeaderMap::new();
/// let request = Request {
///     method: "GET",
///     path: "/readyz",
///     query: "verbose",
///     headers: &headers,
///     peer: Some([127, 0, 0, 1].into()),
/// };
/// # drop(request);
/// ```
pub struct Request<'a, H: ?Sized> {
    /// The method, as sent (`GET`).
    pub method: &'a str,
    /// The path under the endpoints' mount point, still percent-encoded: `/readyz`,
    /// `/readyz/db`. A framework that strips a prefix it nests the endpoints under passes what
    /// is left.
    pub path: &'a str,
    /// The query string, without the `?`; empty when there is none.
    pub query: &'a str,
    /// The headers.
    pub headers: &'a H,
    /// The address of the connection's peer (not of a forwarded header); `None` when unknown,
    /// which is never taken for loopback.
    pub peer: Option<IpAddr>,
}

impl<H: ?Sized> fmt::Debug for Request<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}
