//! The HTTP contract, through actix's test utilities: status codes, headers, forms, errors and
//! who sees details.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, test, web};
use healthz_actix::{Check, Endpoint, Endpoints, Health, ProbeOptions};
use healthz_tests::healthy;

fn health() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("connection refused by postgres://app:s3cret@db/app")
        })
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::warn("index is 3 min behind")
        })
        .startup("migrations", ProbeOptions::new(), || async { true })
        .version("1.2.3")
        .build()
        .unwrap()
}

const LOOPBACK: &str = "127.0.0.1:40000";
const REMOTE: &str = "203.0.113.9:40000";

async fn call(health: Health, req: test::TestRequest) -> (StatusCode, header::HeaderMap, String) {
    let app = test::init_service(App::new().service(Endpoints::new(health))).await;
    let res = test::call_service(&app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let body = test::read_body(res).await;
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn value<'a>(headers: &'a header::HeaderMap, name: &header::HeaderName) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn get(path: &str, peer: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .peer_addr(peer.parse().unwrap())
}

#[actix_web::test]
async fn passing_endpoints_answer_200_with_health_json() {
    for path in ["/livez", "/readyz", "/startupz", "/healthz"] {
        let (status, headers, body) = call(healthy(), get(path, LOOPBACK)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            value(&headers, &header::CONTENT_TYPE),
            "application/health+json",
            "{path}"
        );
        assert_eq!(
            value(&headers, &header::CACHE_CONTROL),
            "no-store",
            "{path}"
        );
        assert_eq!(
            value(&headers, &header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], "pass", "{path}: {body}");
    }
}

#[actix_web::test]
async fn a_failing_readiness_probe_is_503_with_its_reason_for_loopback() {
    let (status, _, body) = call(health(), get("/readyz", LOOPBACK)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "fail");
    assert_eq!(json["version"], "1.2.3");
    let database = &json["checks"]["database"][0];
    assert_eq!(database["status"], "fail");
    assert_eq!(
        database["output"],
        "connection refused by postgres://app:***@db/app"
    );
    assert_eq!(database["observedUnit"], "ms");
    assert!(database["time"].as_str().unwrap().ends_with('Z'));
    let search = &json["checks"]["search"][0];
    assert_eq!(search["status"], "warn");
    assert_eq!(search["output"], "index is 3 min behind");
    assert!(!body.contains("s3cret"));
}

#[actix_web::test]
async fn remote_callers_get_statuses_only() {
    for peer in [Some(REMOTE), None] {
        let mut req = test::TestRequest::get().uri("/readyz");
        if let Some(peer) = peer {
            req = req.peer_addr(peer.parse().unwrap());
        }
        let (status, _, body) = call(health(), req).await;
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
    let (_, _, body) = call(health(), get("/readyz", "[::ffff:127.0.0.1]:4000")).await;
    assert!(body.contains("connection refused"), "{body}");
    let (_, _, body) = call(health(), get("/readyz", "[::1]:4000")).await;
    assert!(body.contains("connection refused"), "{body}");
}

#[actix_web::test]
async fn verbose_is_kubernetes_text() {
    let (status, headers, body) = call(health(), get("/readyz?verbose", LOOPBACK)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        value(&headers, &header::CONTENT_TYPE),
        "text/plain; charset=utf-8"
    );
    assert_eq!(
        body,
        "[-]database failed: connection refused by postgres://app:***@db/app\n\
         [+]search warn: index is 3 min behind\n\
         readyz check failed\n"
    );
    let (_, _, body) = call(health(), get("/readyz?verbose", REMOTE)).await;
    assert_eq!(
        body,
        "[-]database failed: reason withheld\n[+]search warn: reason withheld\nreadyz check failed\n"
    );
    let (status, _, body) = call(health(), get("/livez?verbose", REMOTE)).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "[+]event_loop ok\nlivez check passed\n")
    );
}

#[actix_web::test]
async fn accept_text_plain_selects_the_text_form() {
    let req = get("/livez", LOOPBACK).insert_header((header::ACCEPT, "text/plain"));
    let (_, headers, body) = call(health(), req).await;
    assert_eq!(
        value(&headers, &header::CONTENT_TYPE),
        "text/plain; charset=utf-8"
    );
    assert_eq!(body, "[+]event_loop ok\nlivez check passed\n");
    let req =
        get("/livez", LOOPBACK).insert_header((header::ACCEPT, "application/json, text/plain"));
    let (_, headers, _) = call(health(), req).await;
    assert_eq!(
        value(&headers, &header::CONTENT_TYPE),
        "application/health+json"
    );
}

#[actix_web::test]
async fn exclude_leaves_probes_out_and_warns_about_unknown_names() {
    let (status, _, body) = call(
        health(),
        get("/readyz?verbose&exclude=database&exclude=nope", LOOPBACK),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "[+]database excluded: ok\n\
         [+]search warn: index is 3 min behind\n\
         warn: some health checks cannot be excluded: no matches for \"nope\"\n\
         readyz check passed\n",
        "as the Kubernetes API server words and orders it"
    );
    let (_, _, body) = call(
        health(),
        get("/readyz?exclude=zz&exclude=nope&exclude=zz", REMOTE),
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["notes"],
        serde_json::json!([
            "some health checks cannot be excluded: no matches for \"nope\",\"zz\""
        ])
    );
    let (_, _, body) = call(health(), get("/healthz?verbose&exclude=event_loop", REMOTE)).await;
    assert!(
        body.starts_with("[+]event_loop excluded: ok\n"),
        "/healthz excludes across kinds: {body}"
    );
}

#[actix_web::test]
async fn one_probe_by_name_and_404_for_unknown_names() {
    let (status, _, body) = call(health(), get("/readyz/database", LOOPBACK)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["checks"].as_object().unwrap().len(), 1);
    let (status, _, _) = call(health(), get("/livez/event_loop", LOOPBACK)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = call(health(), get("/readyz/nope", LOOPBACK)).await;
    assert_eq!(
        (status, body.as_str()),
        (
            StatusCode::NOT_FOUND,
            "no readiness probe is named `nope`\n"
        )
    );
    let (status, _, _) = call(health(), get("/livez/database", LOOPBACK)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "names are per kind");
}

#[actix_web::test]
async fn readiness_fails_until_startup_has_passed() {
    let health = Health::builder()
        .without_registered()
        .startup("migrations", ProbeOptions::new(), || async { false })
        .readiness("database", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let (status, _, body) = call(health.clone(), get("/readyz", LOOPBACK)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json["output"],
        "starting: the startup probes have not all passed yet"
    );
    let (status, _, _) = call(health, get("/startupz", LOOPBACK)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[actix_web::test]
async fn head_is_served_like_get() {
    let req = test::TestRequest::default()
        .method(Method::HEAD)
        .uri("/readyz");
    let (status, headers, _) = call(health(), req).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        value(&headers, &header::CONTENT_TYPE),
        "application/health+json"
    );
}

#[actix_web::test]
async fn other_methods_are_405_with_allow() {
    for method in [
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
    ] {
        for path in ["/readyz", "/readyz/database"] {
            let req = test::TestRequest::default()
                .method(method.clone())
                .uri(path);
            let (status, headers, body) = call(health(), req).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_eq!(value(&headers, &header::ALLOW), "GET, HEAD");
            assert!(body.contains("use GET or HEAD"), "{body}");
        }
    }
}

#[actix_web::test]
async fn bad_query_strings_are_400_with_a_message() {
    let (status, _, body) = call(health(), get("/readyz?verbose=maybe", LOOPBACK)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        "`verbose` takes no value, `true` or `false`, not `maybe`\n"
    );
    let (status, _, _) = call(health(), get("/readyz?exclude", LOOPBACK)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = call(health(), get("/readyz?%ZZ=%FF&x", LOOPBACK)).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "unknown parameters are ignored"
    );
}

#[actix_web::test]
async fn warn_status_is_configurable() {
    let health = Health::builder()
        .without_registered()
        .readiness("search", ProbeOptions::new(), || async {
            Check::warn("slow")
        })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new().service(Endpoints::new(health).warn_status(StatusCode::MULTI_STATUS)),
    )
    .await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
    assert_eq!(res.status(), StatusCode::MULTI_STATUS);
}

#[actix_web::test]
async fn paths_prefixes_and_scopes() {
    let app = test::init_service(
        App::new()
            .service(
                Endpoints::new(healthy())
                    .prefix("/health")
                    .path(Endpoint::Livez, "/live")
                    .without(Endpoint::Healthz),
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
async fn every_error_has_a_short_message() {
    for (req, expected) in [
        (
            get("/readyz?verbose=maybe", LOOPBACK),
            StatusCode::BAD_REQUEST,
        ),
        (get("/readyz/nope", LOOPBACK), StatusCode::NOT_FOUND),
        (
            test::TestRequest::delete().uri("/livez"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let (status, headers, body) = call(health(), req).await;
        assert_eq!(status, expected);
        assert_eq!(
            value(&headers, &header::CONTENT_TYPE),
            "text/plain; charset=utf-8"
        );
        assert_eq!(value(&headers, &header::CACHE_CONTROL), "no-store");
        assert!(
            body.ends_with('\n') && body.lines().count() == 1 && body.len() < 120,
            "{body:?}"
        );
    }
}

#[actix_web::test]
async fn bodies_with_many_long_outputs_stay_under_the_cap() {
    let mut builder = Health::builder().without_registered();
    for i in 0..300 {
        builder = builder.readiness(
            format!("dependency-{i:03}"),
            ProbeOptions::new(),
            move || async move {
                Err::<(), _>(format!("{i}: {}", "connection reset by peer; ".repeat(100)))
            },
        );
    }
    let health = builder.build().unwrap();
    for path in ["/readyz", "/readyz?verbose", "/healthz"] {
        let (status, _, body) = call(health.clone(), get(path, LOOPBACK)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            body.len() <= healthz_actix::MAX_BODY_BYTES,
            "{path}: {}",
            body.len()
        );
        assert!(
            body.contains("… [truncated ") && body.contains(" of 300 checks not shown"),
            "{path}: the cuts are marked"
        );
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
