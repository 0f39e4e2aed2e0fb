//! The endpoints over a real TCP listener, with a real HTTP client.

use std::time::Duration;

use healthz_actix::{Health, ProbeOptions};
use healthz_tests::TestServer;
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[actix_web::test]
async fn serves_over_tcp() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("database is down")
        })
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let client = client();

    let live = client.get(server.url("/livez")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.headers()["content-type"], "application/health+json");
    assert_eq!(live.headers()["cache-control"], "no-store");

    let ready = client.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let json: serde_json::Value = serde_json::from_str(&ready.text().await.unwrap()).unwrap();
    assert_eq!(
        json["checks"]["database"][0]["output"], "database is down",
        "the test client is on loopback"
    );

    let head = client.head(server.url("/readyz")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(head.bytes().await.unwrap().is_empty(), "HEAD has no body");

    let post = client.post(server.url("/readyz")).send().await.unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.headers()["allow"], "GET, HEAD");

    let text = client
        .get(server.url("/readyz?verbose"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text,
        "[-]database failed: database is down\nreadyz check failed\n"
    );
}

#[actix_web::test]
async fn a_hanging_probe_is_answered_at_its_timeout() {
    let health = Health::builder()
        .without_registered()
        .readiness(
            "hangs",
            ProbeOptions::new().timeout(Duration::from_millis(200)),
            || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            },
        )
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let started = std::time::Instant::now();
    let res = client()
        .get(server.url("/readyz?verbose"))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.text().await.unwrap(),
        "[-]hangs failed: timed out after 200ms\nreadyz check failed\n"
    );
    assert!(
        elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

/// Sends raw bytes and returns the status code of the answer (0 if the server closed without
/// one) and the answer.
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers and closes");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .get(9..12)
        .filter(|_| answer.starts_with("HTTP/1."))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn failing_health() -> Health {
    Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("database is down")
        })
        .build()
        .unwrap()
}

#[actix_web::test]
async fn raw_requests_with_odd_bytes_never_get_a_500() {
    let server = TestServer::start(failing_health());
    let long_query = format!(
        "GET /readyz?{} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "exclude=a&".repeat(20_000)
    );
    let long_header = format!(
        "GET /readyz HTTP/1.1\r\nHost: a\r\nAccept: {}\r\nConnection: close\r\n\r\n",
        "x".repeat(100_000)
    );
    let headers = |n| {
        format!(
            "GET /readyz?verbose HTTP/1.1\r\nHost: a\r\n{}Connection: close\r\n\r\n",
            "X-Forwarded-For: 127.0.0.1\r\nAccept: text/plain\r\n".repeat(n)
        )
    };
    let (some_headers, too_many_headers) = (headers(20), headers(100));
    // actix refuses what it cannot parse (400) or hold (431) before the handler runs; what it
    // passes on, the handler answers with a report (503) or a short message.
    let cases: [(&str, &[u8], u16, &str); 10] = [
        (
            "raw invalid UTF-8 in the query",
            b"GET /readyz?exclude=\xff\xfe&verbose HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            400,
            "",
        ),
        (
            "raw invalid UTF-8 in the path",
            b"GET /readyz/\xc3\x28 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            400,
            "",
        ),
        (
            "percent-encoded invalid UTF-8",
            b"GET /readyz/%C3%28?exclude=%FF HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            404,
            "no readiness probe is named",
        ),
        (
            "percent-encoded invalid UTF-8 in the query",
            b"GET /readyz?verbose&exclude=%FF%C3%28 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            503,
            "no matches for \"\u{fffd}\u{fffd}(\"",
        ),
        ("a 200 KB query string", long_query.as_bytes(), 431, ""),
        ("a 100 KB header", long_header.as_bytes(), 503, "\"status\":\"fail\""),
        ("20 repeated header pairs", some_headers.as_bytes(), 503, "readyz check failed"),
        ("100 repeated header pairs", too_many_headers.as_bytes(), 431, ""),
        (
            "obs-text bytes in headers",
            b"GET /readyz HTTP/1.1\r\nHost: a\r\nAccept: \xff\xfetext/plain\r\nX-Forwarded-For: \x80\x81\r\nConnection: close\r\n\r\n",
            503,
            "\"status\":\"fail\"",
        ),
        ("garbage", b"\x00\x01\x02 garbage\r\n\r\n", 400, ""),
    ];
    for (what, request, expected, body) in cases {
        let (status, answer) = raw(server.addr, request).await;
        let head = answer.lines().next().unwrap_or_default();
        assert_eq!(status, expected, "{what}: {head:?}");
        assert!(answer.contains(body), "{what}: {answer}");
    }
    let (status, answer) = raw(server.addr, b"GET /livez?verbose HTTP/1.0\r\n\r\n").await;
    assert_eq!(status, 200, "HTTP/1.0 without Host: {answer}");
    let (status, answer) = raw(
        server.addr,
        b"GET /livez?verbose HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "the server still serves: {answer}");
    assert!(
        answer.ends_with("[+]event_loop ok\nlivez check passed\n"),
        "{answer}"
    );
}

#[actix_web::test]
async fn the_access_policy_over_tcp() {
    use healthz_actix::{AccessPolicy, Endpoints};
    const TOKEN: &str = "dGNwLXRva2Vu";

    let health = failing_health();
    let elsewhere = {
        let health = health.clone();
        TestServer::start_with(move || {
            Endpoints::new(health.clone())
                .access(AccessPolicy::new().allow("192.0.2.0/24").unwrap())
        })
    };
    let res = client().get(elsewhere.url("/livez")).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "127.0.0.1 is not listed"
    );

    let local = {
        let health = health.clone();
        TestServer::start_with(move || {
            let policy = AccessPolicy::new()
                .allow("127.0.0.1")
                .unwrap()
                .token(TOKEN)
                .unwrap();
            Endpoints::new(health.clone()).access(policy)
        })
    };
    let client = client();
    let res = client
        .get(local.url("/readyz?verbose"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        res.text().await.unwrap(),
        "[-]database failed: reason withheld\nreadyz check failed\n"
    );
    let res = client
        .get(local.url("/readyz?verbose"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.text().await.unwrap(),
        "[-]database failed: database is down\nreadyz check failed\n"
    );
    let res = client
        .get(local.url("/readyz"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        r#"Bearer realm="healthz", error="invalid_token""#
    );

    let proxied = TestServer::start_with(move || {
        let policy = AccessPolicy::new()
            .allow("198.51.100.0/24")
            .unwrap()
            .trust_proxies("127.0.0.1")
            .unwrap();
        Endpoints::new(health.clone()).access(policy)
    });
    let res = client
        .get(proxied.url("/livez"))
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the trusted proxy's client is allowed"
    );
    let res = client.get(proxied.url("/livez")).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the proxy itself is not"
    );
}
