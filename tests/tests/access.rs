//! The access policy through actix's test utilities: peer addresses set per request, CIDR
//! allowlist (403), bearer token (401 with `WWW-Authenticate`), forwarded headers from trusted
//! proxies only, and who sees details.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::{StatusCode, header};
use actix_web::{App, test};
use healthz_actix::{AccessPolicy, Endpoints, Health, ProbeOptions, ProxyHeader};

const SECRET: &str = "the database password is not this";
const TOKEN: &str = "c2VjcmV0LXRva2Vu";

fn health() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>(SECRET)
        })
        .build()
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn shows_details(&self) -> bool {
        self.body.contains(SECRET)
    }
}

async fn call(policy: AccessPolicy, req: test::TestRequest) -> Answer {
    let app = test::init_service(
        App::new().service(Endpoints::builder(health()).access(policy).build().unwrap()),
    )
    .await;
    let res = test::call_service(&app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

fn from(peer: &str, path: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .peer_addr(peer.parse().unwrap())
}

fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// The setup the guide shows (`healthz_core::guide::access`): an allowlist, and a token for details.
fn kubelet_and_token() -> AccessPolicy {
    AccessPolicy::new()
        .allow("10.0.0.0/8, 127.0.0.1")
        .unwrap()
        .token(TOKEN)
        .unwrap()
}

#[actix_web::test]
async fn clients_outside_the_allowlist_get_403() {
    for peer in ["192.0.2.1:5000", "[2001:db8::1]:5000", "[::1]:5000"] {
        let answer = call(
            kubelet_and_token(),
            from(peer, "/readyz").insert_header(bearer(TOKEN)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{peer}");
        assert_eq!(
            answer.body,
            "forbidden: this client may not call the health endpoints\n"
        );
        assert_eq!(answer.header(&header::WWW_AUTHENTICATE), None);
    }
    let answer = call(kubelet_and_token(), from("192.0.2.1:5000", "/readyz/nope")).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "probe names are not revealed by 404s"
    );
    let answer = call(kubelet_and_token(), test::TestRequest::get().uri("/livez")).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "no peer address: unknown client"
    );
}

#[actix_web::test]
async fn ipv4_mapped_ipv6_peers_are_matched_as_ipv4() {
    let answer = call(
        kubelet_and_token(),
        from("[::ffff:10.1.2.3]:5000", "/livez"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call(
        kubelet_and_token(),
        from("[::ffff:11.1.2.3]:5000", "/livez"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn allowed_clients_without_the_token_get_statuses_only() {
    let answer = call(kubelet_and_token(), from("10.1.2.3:5000", "/readyz")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(json["checks"]["database"][0]["status"], "fail");
    assert!(!answer.shows_details(), "{}", answer.body);

    let answer = call(
        kubelet_and_token(),
        from("10.1.2.3:5000", "/readyz?verbose"),
    )
    .await;
    assert_eq!(
        answer.body,
        "[-]database failed: reason withheld\nreadyz check failed\n"
    );
    let answer = call(kubelet_and_token(), from("127.0.0.1:5000", "/readyz")).await;
    assert!(
        !answer.shows_details(),
        "with a token configured, loopback needs it too"
    );
}

#[actix_web::test]
async fn the_right_token_shows_details() {
    let answer = call(
        kubelet_and_token(),
        from("10.1.2.3:5000", "/readyz?verbose").insert_header(bearer(TOKEN)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.body,
        format!("[-]database failed: {SECRET}\nreadyz check failed\n")
    );
    let answer = call(
        kubelet_and_token(),
        from("10.1.2.3:5000", "/readyz/database")
            .insert_header((header::AUTHORIZATION, format!("bearer {TOKEN}"))),
    )
    .await;
    assert!(answer.shows_details(), "the scheme is case-insensitive");
}

#[actix_web::test]
async fn a_wrong_token_is_401_with_a_bearer_challenge() {
    for token in ["c2VjcmV0LXRva2VU", "c2VjcmV0LXRva2Vu=", "", "x"] {
        let answer = call(
            kubelet_and_token(),
            from("10.1.2.3:5000", "/readyz").insert_header(bearer(token)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(
            answer.header(&header::WWW_AUTHENTICATE),
            Some(r#"Bearer realm="healthz", error="invalid_token""#)
        );
        assert_eq!(answer.body, "the bearer token is not valid\n");
    }
    let answer = call(
        kubelet_and_token(),
        from("10.1.2.3:5000", "/readyz")
            .append_header(bearer(TOKEN))
            .append_header(bearer(TOKEN)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body,
        "send one `Authorization` header, not several\n"
    );
}

#[actix_web::test]
async fn require_token_refuses_statuses_without_it() {
    let policy = AccessPolicy::new().require_token(TOKEN).unwrap();
    let answer = call(policy.clone(), from("10.1.2.3:5000", "/livez")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.header(&header::WWW_AUTHENTICATE),
        Some(r#"Bearer realm="healthz""#)
    );
    assert_eq!(
        answer.body,
        "a bearer token is required: send `Authorization: Bearer <token>`\n"
    );
    let answer = call(
        policy,
        from("10.1.2.3:5000", "/livez").insert_header(bearer(TOKEN)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let policy = AccessPolicy::new()
        .allow("198.51.100.0/24")
        .unwrap()
        .trust_proxies("10.0.0.0/8")
        .unwrap();
    let xff = |peer: &str, value: &str| {
        from(peer, "/livez").insert_header((
            header::HeaderName::from_static("x-forwarded-for"),
            value.to_owned(),
        ))
    };
    let answer = call(policy.clone(), xff("10.0.0.2:5000", "198.51.100.7")).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the proxy's client is allowed"
    );
    let answer = call(
        policy.clone(),
        xff("10.0.0.2:5000", "198.51.100.7, 192.0.2.1"),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "the nearest untrusted hop decides, not a claim further left"
    );
    let answer = call(policy.clone(), xff("192.0.2.1:5000", "198.51.100.7")).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "an untrusted peer cannot claim an address"
    );
    let forwarded = policy.proxy_header(ProxyHeader::Forwarded);
    let answer = call(
        forwarded.clone(),
        from("10.0.0.2:5000", "/livez")
            .insert_header((header::FORWARDED, "for=198.51.100.7;proto=https")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call(forwarded, xff("10.0.0.2:5000", "198.51.100.7")).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "only the configured header is read"
    );
}

fn xff(peer: &str, value: &str) -> test::TestRequest {
    from(peer, "/readyz").insert_header((
        header::HeaderName::from_static("x-forwarded-for"),
        value.to_owned(),
    ))
}

#[actix_web::test]
async fn by_default_no_one_sees_details_without_the_token() {
    for peer in ["127.0.0.1:5000", "[::1]:5000", "10.1.2.3:5000"] {
        let answer = call(AccessPolicy::new(), from(peer, "/readyz?verbose")).await;
        assert_eq!(
            answer.body, "[-]database failed: reason withheld\nreadyz check failed\n",
            "{peer}"
        );
    }
    let opted = AccessPolicy::new().details_on_loopback(true);
    assert!(
        call(opted.clone(), from("[::1]:5000", "/readyz"))
            .await
            .shows_details()
    );
    assert!(
        !call(opted, from("10.1.2.3:5000", "/readyz"))
            .await
            .shows_details()
    );
}

#[actix_web::test]
async fn a_local_proxy_does_not_make_its_clients_loopback() {
    // nginx's `proxy_pass http://localhost` connects over `::1` as often as over 127.0.0.1.
    for (policy, peer) in [
        (
            AccessPolicy::new().details_on_loopback(true),
            "127.0.0.1:5000",
        ),
        (AccessPolicy::new().details_on_loopback(true), "[::1]:5000"),
        (
            AccessPolicy::new()
                .details_on_loopback(true)
                .trust_proxies("127.0.0.1")
                .unwrap(),
            "[::1]:5000",
        ),
        (
            AccessPolicy::new()
                .details_on_loopback(true)
                .trust_proxies("::1")
                .unwrap(),
            "127.0.0.1:5000",
        ),
    ] {
        let answer = call(policy.clone(), xff(peer, "192.0.2.1")).await;
        assert!(
            !answer.shows_details(),
            "{policy:?} {peer}: an untrusted proxy's request is not its own: {}",
            answer.body
        );
        let answer = call(policy.clone(), from(peer, "/readyz")).await;
        assert!(
            answer.shows_details(),
            "{policy:?} {peer}: a local caller's own"
        );
    }
    let trusted = AccessPolicy::new()
        .details_on_loopback(true)
        .trust_proxies("loopback")
        .unwrap();
    for peer in ["127.0.0.1:5000", "127.9.9.9:5000", "[::1]:5000"] {
        for client in ["192.0.2.1", "127.0.0.1", "::1"] {
            let answer = call(trusted.clone(), xff(peer, client)).await;
            assert!(
                !answer.shows_details(),
                "{peer} for {client}: {}",
                answer.body
            );
        }
        let answer = call(trusted.clone(), from(peer, "/readyz")).await;
        assert!(answer.shows_details(), "{peer}: a local caller's own");
    }
}

#[actix_web::test]
async fn loopback_written_into_a_forwarded_header_is_not_loopback() {
    let policy = AccessPolicy::new()
        .details_on_loopback(true)
        .trust_proxies("127.0.0.1, 10.0.0.0/8")
        .unwrap();
    for value in [
        "127.0.0.3",
        "::1, 10.0.0.5",
        "127.0.0.1",
        "10.0.0.9, 127.0.0.1",
    ] {
        let answer = call(policy.clone(), xff("10.0.0.2:5000", value)).await;
        assert!(
            !answer.shows_details(),
            "X-Forwarded-For: {value}: {}",
            answer.body
        );
    }
    let forwarded = policy.proxy_header(ProxyHeader::Forwarded);
    for value in ["for=127.0.0.3", r#"for="[::1]";proto=https, for=10.0.0.5"#] {
        let answer = call(
            forwarded.clone(),
            from("10.0.0.2:5000", "/readyz").insert_header((header::FORWARDED, value)),
        )
        .await;
        assert!(
            !answer.shows_details(),
            "Forwarded: {value}: {}",
            answer.body
        );
    }
}

#[actix_web::test]
async fn a_forwarded_header_with_an_unclosed_quote_is_not_believed() {
    // The issue's attack: the client opens a quote, the trusted proxy at 10.0.0.2 appends the
    // real client's element.
    let policy = AccessPolicy::new()
        .allow("127.0.0.0/8, 203.0.113.0/24")
        .unwrap()
        .trust_proxies("10.0.0.0/8")
        .unwrap()
        .proxy_header(ProxyHeader::Forwarded);
    let answer = call(
        policy.clone(),
        from("10.0.0.2:5000", "/readyz")
            .insert_header((header::FORWARDED, r#"for=127.0.0.2;x=", for=203.0.113.9"#)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    let answer = call(
        policy,
        from("10.0.0.2:5000", "/readyz").insert_header((
            header::FORWARDED,
            r#"for=127.0.0.2;x="a,b", for=203.0.113.9"#,
        )),
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!answer.shows_details(), "{}", answer.body);
}

#[actix_web::test]
async fn refused_callers_run_no_probe() {
    let runs = Arc::new(AtomicUsize::new(0));
    let health = Health::builder()
        .without_registered()
        .readiness("counted", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                async {}
            }
        })
        .build()
        .unwrap();
    let policy = AccessPolicy::new()
        .allow("10.0.0.0/8")
        .unwrap()
        .require_token(TOKEN)
        .unwrap();
    let app = test::init_service(
        App::new().service(Endpoints::builder(health).access(policy).build().unwrap()),
    )
    .await;
    for (req, expected) in [
        (from("192.0.2.1:5000", "/readyz"), StatusCode::FORBIDDEN),
        (
            from("192.0.2.1:5000", "/readyz/counted"),
            StatusCode::FORBIDDEN,
        ),
        (from("10.0.0.1:5000", "/readyz"), StatusCode::UNAUTHORIZED),
        (
            from("10.0.0.1:5000", "/readyz").insert_header(bearer("wrong")),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), expected);
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        0,
        "no probe ran for a refused caller"
    );
    let res = test::call_service(
        &app,
        from("10.0.0.1:5000", "/readyz")
            .insert_header(bearer(TOKEN))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
