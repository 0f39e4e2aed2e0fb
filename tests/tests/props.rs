//! Property tests over requests: whatever the path, query string, method, headers and peer,
//! the endpoints answer a health report or a short 4xx message; never a 500, never a panic, and
//! never details to a caller who may not see them.

use std::net::{IpAddr, SocketAddr};

use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode, header};
use actix_web::rt::System;
use actix_web::{App, test as actix_test};
use healthz_actix::{AccessPolicy, Check, Endpoints, Health, ProbeOptions};

/// The largest body a report is written to (the kubelet reads at most 10 KiB).
const MAX_BODY_BYTES: usize = 8 * 1024;
use proptest::prelude::*;

const SECRET: &str = "internal-detail-7f3a";
const TOKEN: &str = "dG9rZW4tZm9yLXByb3BlcnR5LXRlc3Rz";

fn health() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>(format!("{SECRET}: {}", "x".repeat(600)))
        })
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::warn(SECRET).observed(3.0, "s")
        })
        .startup("migrations", ProbeOptions::new(), || async { true })
        .version(SECRET)
        .build()
        .unwrap()
}

/// A request as the strategies describe it.
#[derive(Debug, Clone)]
struct Req {
    method: Method,
    uri: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    peer: Option<IpAddr>,
}

/// Bytes as a URI may carry them: unreserved characters as they are, the rest percent-encoded,
/// plus the separators that shape a query string.
fn uri_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z0-9_.~-]{1,8}",
        2 => any::<u8>().prop_map(|b| format!("%{b:02X}")),
        2 => prop::sample::select(vec![
            "&", "=", "+", ";", ",", "%", "%2", "/", "?", "verbose", "exclude", "exclude=", "verbose=",
            "=true", "=0", "database", "event_loop", "..", "%00", "%FF%FE", "%C3%28", "*", "!", "$",
        ])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|pieces| pieces.concat())
}

fn paths() -> impl Strategy<Value = String> {
    let base = prop_oneof![
        6 => prop::sample::select(vec![
            "/livez",
            "/readyz",
            "/startupz",
            "/healthz",
            "/readyz/database",
            "/livez/event_loop",
            "/startupz/migrations",
        ]),
        1 => prop::sample::select(vec![
            "/readyz/", "/livez/", "/healthz/", "/", "//readyz", "/readyz/nope", "/healthz/x",
        ]),
    ];
    // Mostly the real paths, so most requests reach the handler.
    let tail = prop_oneof![3 => Just(String::new()), 1 => uri_text(6)];
    (base, tail).prop_map(|(base, tail)| format!("{base}{tail}"))
}

/// A header value: any bytes a header may hold (visible ASCII, space, tab, obs-text), short or
/// long.
fn header_value() -> impl Strategy<Value = HeaderValue> {
    let bytes = prop_oneof![
        3 => prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..64),
        1 => prop::collection::vec(0x20u8..0x7f, 2000..6000),
        2 => prop::sample::select(vec![
            "text/plain", "application/json", "text/plain, application/json", "*/*",
            "Bearer ", "Bearer", "bearer dG9rZW4tZm9yLXByb3BlcnR5LXRlc3Rz", "Basic abc",
            "Bearer dG9rZW4tZm9yLXByb3BlcnR5LXRlc3Rz",
            "127.0.0.1", "10.0.0.1, 127.0.0.1", "::1", "[::1]:80", "unknown", "for=127.0.0.1",
            "for=\"[::1]:80\";proto=https, for=10.9.9.9", "for=\"unterminated", ",,,",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    bytes.prop_map(|b| HeaderValue::from_bytes(&b).expect("only valid header bytes"))
}

fn headers() -> impl Strategy<Value = Vec<(HeaderName, HeaderValue)>> {
    let name = prop::sample::select(vec![
        header::ACCEPT,
        header::AUTHORIZATION,
        header::FORWARDED,
        HeaderName::from_static("x-forwarded-for"),
        header::CONTENT_TYPE,
        HeaderName::from_static("x-odd"),
    ]);
    prop::collection::vec((name, header_value()), 0..6)
}

fn peers() -> impl Strategy<Value = Option<IpAddr>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::sample::select(vec![
            "127.0.0.1", "::1", "::ffff:127.0.0.1", "10.1.2.3", "::ffff:10.1.2.3", "192.0.2.1",
            "2001:db8::1", "0.0.0.0", "::",
        ])
        .prop_map(|ip| Some(ip.parse().unwrap())),
        1 => any::<[u8; 4]>().prop_map(|b| Some(IpAddr::from(b))),
    ]
}

fn methods() -> impl Strategy<Value = Method> {
    prop_oneof![
        6 => Just(Method::GET),
        2 => Just(Method::HEAD),
        1 => prop::sample::select(vec![
            Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS, Method::PATCH,
            Method::from_bytes(b"BREW").unwrap(),
        ]),
    ]
}

fn requests() -> impl Strategy<Value = Req> {
    (methods(), paths(), uri_text(40), headers(), peers()).prop_map(
        |(method, path, query, headers, peer)| Req {
            method,
            uri: if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            },
            headers,
            peer,
        },
    )
}

fn policy() -> AccessPolicy {
    AccessPolicy::new()
        .allow("10.0.0.0/8, 127.0.0.1, ::1")
        .unwrap()
        .token(TOKEN)
        .unwrap()
        .trust_proxies("10.0.0.0/8")
        .unwrap()
}

/// Whether the request carries exactly one `Authorization: Bearer <TOKEN>`.
fn has_token(req: &Req) -> bool {
    let auth: Vec<&HeaderValue> = req
        .headers
        .iter()
        .filter(|(name, _)| name == header::AUTHORIZATION)
        .map(|(_, value)| value)
        .collect();
    matches!(&auth[..], [value] if value.as_bytes().len() > 7
        && value.as_bytes()[..7].eq_ignore_ascii_case(b"bearer ")
        && value.as_bytes()[7..].trim_ascii_start() == TOKEN.as_bytes())
}

fn build(req: &Req) -> actix_test::TestRequest {
    let mut test = actix_test::TestRequest::default()
        .method(req.method.clone())
        .uri(&req.uri);
    for (name, value) in &req.headers {
        test = test.append_header((name.clone(), value.clone()));
    }
    if let Some(ip) = req.peer {
        test = test.peer_addr(SocketAddr::new(ip, 40000));
    }
    test
}

/// Checks one answer; `may_see_details` is whether this caller may see outputs.
async fn check(
    req: &Req,
    res: ServiceResponse,
    may_see_details: bool,
) -> Result<(), TestCaseError> {
    let status = res.status();
    let headers = res.headers().clone();
    let body = actix_test::read_body(res).await;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    prop_assert!(
        [200, 400, 401, 403, 404, 405, 503].contains(&status.as_u16()),
        "{status} for {req:?}"
    );
    prop_assert!(
        body.len() <= MAX_BODY_BYTES,
        "{} bytes for {req:?}",
        body.len()
    );
    // actix's own 404 for paths outside the endpoints (`/`, `/readyz/a/b`) is empty and bare;
    // every answer of ours carries a message and these headers.
    if status == StatusCode::NOT_FOUND && body.is_empty() {
        return Ok(());
    }
    prop_assert_eq!(
        headers
            .get(header::CACHE_CONTROL)
            .map(HeaderValue::as_bytes),
        Some(&b"no-store"[..]),
        "{:?}",
        req
    );
    if status.is_client_error() {
        let text = std::str::from_utf8(&body).expect("utf-8 message");
        prop_assert!(
            text.ends_with('\n') && text.lines().count() == 1 && text.len() <= 400,
            "{status} message {text:?} for {req:?}"
        );
        prop_assert_eq!(content_type.as_str(), "text/plain; charset=utf-8");
        if status == StatusCode::UNAUTHORIZED {
            prop_assert!(headers.contains_key(header::WWW_AUTHENTICATE));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            prop_assert_eq!(
                headers.get(header::ALLOW).map(HeaderValue::as_bytes),
                Some(&b"GET, HEAD"[..])
            );
        }
        return Ok(());
    }
    prop_assert!(
        req.method == Method::GET || req.method == Method::HEAD,
        "{status} for {req:?}"
    );
    let text = std::str::from_utf8(&body).expect("utf-8 body");
    if content_type == "application/health+json" {
        let json: serde_json::Value = serde_json::from_str(text).expect("JSON body");
        prop_assert!(["pass", "warn", "fail"].contains(&json["status"].as_str().unwrap_or("")));
    } else {
        prop_assert_eq!(content_type.as_str(), "text/plain; charset=utf-8");
        prop_assert!(
            text.ends_with(" check passed\n") || text.ends_with(" check failed\n"),
            "{text:?}"
        );
    }
    if !may_see_details {
        prop_assert!(!text.contains(SECRET), "details leaked to {req:?}: {text}");
    }
    Ok(())
}

#[test]
fn no_request_gives_a_500_a_panic_or_a_leak() {
    let system = System::new();
    let (open, guarded) = system.block_on(async {
        (
            actix_test::init_service(App::new().service(Endpoints::new(health()))).await,
            actix_test::init_service(
                App::new().service(
                    Endpoints::builder(health())
                        .access(policy())
                        .build()
                        .unwrap(),
                ),
            )
            .await,
        )
    });
    // A fixed seed keeps runs reproducible; PROPTEST_RNG_SEED and PROPTEST_CASES explore more.
    let config = ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0068_6561_6c74_687a),
        ..ProptestConfig::default()
    };
    proptest!(config, |(req in requests())| {
        system.block_on(async {
            // Without a policy: details for loopback peers' own requests only, never for what a
            // proxy on loopback forwards.
            let loopback = req.peer.is_some_and(|ip| ip.to_canonical().is_loopback())
                && !req.headers.iter().any(|(name, _)| {
                    name == header::FORWARDED || name.as_str() == "x-forwarded-for"
                });
            let res = actix_test::call_service(&open, build(&req).to_request()).await;
            check(&req, res, loopback).await?;
            // With one: details for the token only.
            let res = actix_test::call_service(&guarded, build(&req).to_request()).await;
            check(&req, res, has_token(&req)).await
        })?;
    });
}
