//! [`Endpoints`] as a [`tower_service::Service`] over `http` 1 requests.

use std::convert::Infallible;
use std::task::{Context, Poll};

use tower_service::Service;

use super::request::Request;
use super::response::{Answer, Body};
use super::{Endpoints, PeerAddr, answer};
use crate::probe::BoxFuture;

/// Answers every request: the health paths as the [module docs](super) say, any other path 404.
/// The request's body is never read. The client's address is the request's [`PeerAddr`]
/// extension; without one the client is unknown.
///
/// Always ready; the future is `Send` and never fails.
impl<B> Service<http::Request<B>> for Endpoints {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let (parts, body) = request.into_parts();
        drop(body);
        let endpoints = self.clone();
        Box::pin(async move {
            let request = Request {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query().unwrap_or(""),
                headers: &parts.headers,
                peer: parts.extensions.get::<PeerAddr>().map(|peer| peer.0.ip()),
            };
            let answer: Answer = answer::answer(&endpoints, &request).await;
            Ok(answer.into_http())
        })
    }
}

impl Endpoints {
    /// Whether `path` is one the endpoints serve (for a layer that hands every other request on).
    pub(crate) fn serves(&self, path: &str) -> bool {
        self.shared.routes.serves(path)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::*;
    use crate::web::AccessPolicy;
    use crate::{Health, ProbeOptions};

    async fn call(endpoints: &mut Endpoints, uri: &str, peer: Option<[u8; 4]>) -> (u16, String) {
        let mut request = http::Request::get(uri).body(()).unwrap();
        if let Some(ip) = peer {
            request
                .extensions_mut()
                .insert(PeerAddr((ip, 40_000).into()));
        }
        let response = endpoints.call(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_service_routes_its_paths_and_reads_the_peer_from_the_extension() {
        let health = Health::builder()
            .without_registered()
            .readiness("db", ProbeOptions::new(), || async {
                Err::<(), _>("refused")
            })
            .build()
            .unwrap();
        let mut endpoints = Endpoints::builder(health)
            .access(AccessPolicy::new().details_on_loopback(true))
            .build()
            .unwrap();
        assert_eq!(
            call(&mut endpoints, "/readyz?verbose", Some([127, 0, 0, 1])).await,
            (
                503,
                "[-]db failed: refused\nreadyz check failed\n".to_owned()
            )
        );
        assert_eq!(
            call(&mut endpoints, "/readyz?verbose", None).await,
            (
                503,
                "[-]db failed: reason withheld\nreadyz check failed\n".to_owned()
            ),
            "no PeerAddr: an unknown client, not loopback"
        );
        assert_eq!(
            call(&mut endpoints, "/readyz/db?verbose", Some([127, 0, 0, 1]))
                .await
                .0,
            503
        );
        assert_eq!(
            call(&mut endpoints, "/readyz/%64b?verbose", Some([127, 0, 0, 1]))
                .await
                .0,
            503,
            "the name is percent-decoded once"
        );
        assert_eq!(
            call(&mut endpoints, "/readyz/nope", None).await,
            (404, "no readiness probe is named `nope`\n".to_owned())
        );
        for other in ["/", "/readyz/", "/readyz/db/more", "/metrics"] {
            assert_eq!(
                call(&mut endpoints, other, None).await,
                (404, "not found\n".to_owned()),
                "{other}"
            );
        }
    }
}
