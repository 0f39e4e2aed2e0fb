//! What is particular to actix-web: mounting in scopes beside the app's own routes, and peer
//! addresses as actix reports them (set per request through actix's test utilities). The HTTP
//! contract itself is `contract.rs`, run against every adapter over TCP.

use actix_web::http::{StatusCode, header};
use actix_web::{App, test, web};
use healthz_actix::{AccessPolicy, Endpoint, Endpoints, Health};
use healthz_tests::{healthy, troubled};

const REMOTE: &str = "203.0.113.9:40000";

async fn call(health: Health, req: test::TestRequest) -> (StatusCode, header::HeaderMap, String) {
    // Details for loopback callers, whose addresses these tests vary.
    let endpoints = Endpoints::builder(health)
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()
        .unwrap();
    let app = test::init_service(App::new().service(endpoints)).await;
    let res = test::call_service(&app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let body = test::read_body(res).await;
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn get(path: &str, peer: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .peer_addr(peer.parse().unwrap())
}

#[actix_web::test]
async fn remote_callers_get_statuses_only() {
    for peer in [Some(REMOTE), None] {
        let mut req = test::TestRequest::get().uri("/readyz");
        if let Some(peer) = peer {
            req = req.peer_addr(peer.parse().unwrap());
        }
        let (status, _, body) = call(troubled(), req).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], "fail");
        assert_eq!(json["checks"]["database"][0]["status"], "fail");
        for hidden in [
            "output",
            "observedValue",
            "version",
            "connection refused",
            "index is",
        ] {
            assert!(
                !body.contains(hidden),
                "{hidden} leaked to {peer:?}: {body}"
            );
        }
    }
}

#[actix_web::test]
async fn ipv4_mapped_loopback_counts_as_loopback() {
    let (_, _, body) = call(troubled(), get("/readyz", "[::ffff:127.0.0.1]:4000")).await;
    assert!(body.contains("connection refused"), "{body}");
    let (_, _, body) = call(troubled(), get("/readyz", "[::1]:4000")).await;
    assert!(body.contains("connection refused"), "{body}");
}

#[actix_web::test]
async fn paths_prefixes_and_scopes() {
    let app = test::init_service(
        App::new()
            .service(
                Endpoints::builder(healthy())
                    .prefix("/health")
                    .path(Endpoint::Livez, "/live")
                    .without(Endpoint::Healthz)
                    .build()
                    .unwrap(),
            )
            .service(web::scope("/internal").service(Endpoints::new(healthy()))),
    )
    .await;
    for (path, expected) in [
        ("/health/live", StatusCode::OK),
        ("/health/readyz", StatusCode::OK),
        ("/health/readyz/database", StatusCode::OK),
        ("/health/healthz", StatusCode::NOT_FOUND),
        ("/health/livez", StatusCode::NOT_FOUND),
        ("/internal/livez", StatusCode::OK),
        ("/livez", StatusCode::NOT_FOUND),
    ] {
        let res = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), expected, "{path}");
    }
}

#[actix_web::test]
async fn neighbouring_paths_are_left_to_the_app() {
    let app = test::init_service(
        App::new()
            .service(Endpoints::new(healthy()))
            .route("/readyzen", web::get().to(|| async { "app" }))
            .route("/livez-extra", web::get().to(|| async { "app" })),
    )
    .await;
    for (path, expected, body) in [
        ("/readyzen", StatusCode::OK, Some("app")),
        ("/livez-extra", StatusCode::OK, Some("app")),
        ("/readyz", StatusCode::OK, None),
        ("/readyz/database", StatusCode::OK, None),
        ("/readyz/", StatusCode::NOT_FOUND, None),
        ("/readyz/database/more", StatusCode::NOT_FOUND, None),
        ("/healthz/database", StatusCode::NOT_FOUND, None),
    ] {
        let res = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        assert_eq!(res.status(), expected, "{path}");
        if let Some(body) = body {
            assert_eq!(test::read_body(res).await, body.as_bytes(), "{path}");
        }
    }
}
