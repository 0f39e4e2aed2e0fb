//! `checks::http` against a real HTTP server (healthz's own endpoints, over TCP).

use healthz_actix::{Health, ProbeOptions, Status, checks};
use healthz_tests::{Proxy, TestServer};

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A server whose `/livez` answers 200 and whose `/readyz` answers 503.
fn upstream() -> TestServer {
    TestServer::start(
        Health::builder()
            .without_registered()
            .liveness("up", ProbeOptions::new(), || async {})
            .readiness("down", ProbeOptions::new(), || async { false })
            .build()
            .unwrap(),
    )
}

#[actix_web::test]
async fn http_passes_on_2xx_and_fails_on_other_statuses() {
    let server = upstream();
    let client = reqwest::Client::new();

    assert_pass(&checks::http(&client, &server.url("/livez")).await);

    let url = server.url("/readyz");
    let check = checks::http(&client, &url).await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(
        check.output().unwrap(),
        format!("GET {url} answered 503 Service Unavailable")
    );

    let check = checks::http(&client, "not a url").await;
    assert_eq!(
        check.output(),
        Some(r#"invalid URL "not a url": relative URL without a base"#)
    );

    let livez = server.url("/livez");
    let health = health(crate::TIMEOUT * 10, move || checks::http(&client, &livez));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
}

#[actix_web::test]
async fn http_outage_refused_blackholed_and_recovered() {
    let server = upstream();
    let proxy = Proxy::start(server.addr).await;
    let url = format!("http://{}/livez", proxy.addr());
    let refused = format!("GET {url}: error sending request");
    let no_response = format!("GET {url}: no response within 300ms");
    let client = reqwest::Client::new();
    outage_and_recovery(
        &proxy,
        move || checks::http(&client, &url),
        Expect {
            probe: &[&refused],
            alone: &[&refused],
        },
        Expect {
            probe: &[TIMED_OUT],
            alone: &[&no_response],
        },
    )
    .await;
}

#[actix_web::test]
async fn http_outputs_never_show_the_password() {
    let server = upstream();
    let proxy = Proxy::start(server.addr).await;
    proxy.refuse().await;
    let port = proxy.addr().port();
    let client = reqwest::Client::new();
    let url = format!("http://app:hunter2@127.0.0.1:{port}/livez?token=s3cret&x=1");
    let check = checks::http(&client, &url).await;
    assert_eq!(check.status(), Status::Fail);
    let output = check.output().unwrap();
    assert!(
        output.starts_with(&format!(
            "GET http://app:***@127.0.0.1:{port}/livez?token=***&x=1: error sending request"
        )),
        "{output}"
    );
    assert!(
        !output.contains("hunter2") && !output.contains("s3cret"),
        "{output}"
    );
}

/// A server that sends a 200 status line and headers, then never the promised body.
#[tokio::test]
async fn http_fails_when_the_body_never_ends() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0; 1024];
        let _ = stream.read(&mut request).await.unwrap();
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n")
            .await
            .unwrap();
        // Hold the connection open without sending the body.
        std::future::pending::<()>().await;
    });
    let url = format!("http://{addr}/livez");
    let check = checks::http(&reqwest::Client::new(), &url)
        .timeout(crate::TIMEOUT)
        .await;
    assert_eq!(
        check.output().unwrap(),
        format!("GET {url}: answered 200 OK, but the body did not end within 300ms")
    );
    server.abort();
}
