//! For authors of adapters: what `healthz-actix` and `healthz-tonic` are written with, to serve
//! [`Endpoints`] from a framework that is not built on `http` 1 and tower.
//!
//! A framework on `http` 1 and tower needs none of this: [`Endpoints`] is a tower service
//! (axum's adapter only turns `ConnectInfo` into [`PeerAddr`](super::PeerAddr)). Another one
//! mounts the [`routes`], and for each request that reaches them fills a [`Request`] (borrowing
//! its own method, path, query, headers and peer address), awaits [`answer`], and copies the
//! [`Answer`] into its own response: the status, the [`Header`]s (a fixed set, which it maps to
//! its own constants once), and the body. Every decision (access, method, query, form, status,
//! every error) is `answer`'s, so all adapters serve the same bytes.
//!
//! ```
//! use healthz_core::web::adapter::{self, Request};
//! use healthz_core::web::{Body, Endpoints};
//! use healthz_core::Health;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), healthz_core::BuildError> {
//! let endpoints = Endpoints::new(Health::builder().without_registered().build()?);
//! let paths: Vec<&str> = adapter::routes(&endpoints).map(|route| route.path).collect();
//! assert_eq!(paths, ["/livez", "/readyz", "/startupz", "/healthz"]);
//!
//! let headers = http::HeaderMap::new();
//! let request = Request { method: "GET", path: "/readyz", query: "", headers: &headers, peer: None };
//! let answer = adapter::answer(&endpoints, &request).await;
//! assert_eq!(answer.status, 200);
//! for (name, value) in answer.headers() {
//!     println!("{}: {value}", name.as_str());
//! }
//! let Body::Full(body) = answer.body else { unreachable!("only the event stream streams") };
//! assert_eq!(&body[..], br#"{"status":"pass","checks":{}}"#);
//! # Ok(()) }
//! ```

use std::net::IpAddr;

pub use super::access::Denial;
pub use super::request::{Headers, Request};
pub use super::response::{Answer, Header};
use super::{AccessPolicy, Endpoints};
use crate::Detail;

/// A path to mount; see [`routes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route<'a> {
    /// The full path, prefix included: `/ops/readyz`.
    pub path: &'a str,
    /// Whether `{path}/{name}` is served too (one probe): mount the path as a prefix.
    pub named: bool,
}

/// The paths to mount, in the order to try them: groups, then the dashboard, then the endpoints
/// (so that `/readyz/db`, a group, comes before the endpoint `/readyz` and its `{name}`s).
pub fn routes(endpoints: &Endpoints) -> impl Iterator<Item = Route<'_>> {
    endpoints.shared.routes.iter().map(|route| Route {
        path: &route.path,
        named: route.named,
    })
}

/// Answers a request, making every decision in the order of the [`web`](super) docs: route
/// (404 for a path that is not one of the endpoints'), access, method, query, form, evaluation.
/// Never panics, whatever the request holds.
pub async fn answer<H: Headers + ?Sized>(
    endpoints: &Endpoints,
    request: &Request<'_, H>,
) -> Answer {
    super::answer::answer(endpoints, request).await
}

/// The access decision alone, for a protocol that answers in its own terms (gRPC's status
/// codes): how much a request from `peer` (the connection's peer, `None` when unknown) with
/// `headers` may see, or why it is refused.
///
/// ```
/// use healthz_core::Detail;
/// use healthz_core::web::AccessPolicy;
/// use healthz_core::web::adapter::{Denial, check_access};
///
/// let policy = AccessPolicy::new().allow("10.0.0.0/8").unwrap();
/// let headers = http::HeaderMap::new();
/// assert_eq!(check_access(&policy, Some([10, 1, 2, 3].into()), &headers), Ok(Detail::Minimal));
/// assert_eq!(check_access(&policy, Some([192, 0, 2, 1].into()), &headers), Err(Denial::Forbidden));
/// ```
///
/// # Errors
///
/// The [`Denial`] when the request is refused.
pub fn check_access(
    policy: &AccessPolicy,
    peer: Option<IpAddr>,
    headers: &(impl Headers + ?Sized),
) -> Result<Detail, Denial> {
    policy.check(peer, headers)
}
