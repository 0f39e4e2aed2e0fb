//! `probe_url` / `healthcheck`, the container HEALTHCHECK helper, against real sockets.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

use healthz_actix::{Health, ProbeOptions, ProbeUrlError, healthcheck, probe_url};
use healthz_tests::TestServer;

const TIMEOUT: Duration = Duration::from_secs(5);

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[actix_web::test]
async fn reports_the_status_code_of_a_real_server() {
    let health = Health::builder()
        .without_registered()
        .liveness("loop", ProbeOptions::new(), || async {})
        .readiness("db", ProbeOptions::new(), || async { false })
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let (live, ready, missing) = (
        server.url("/livez"),
        server.url("/readyz"),
        server.url("/nope"),
    );
    let (l, r, m) = blocking(move || {
        (
            probe_url(&live, TIMEOUT),
            probe_url(&ready, TIMEOUT),
            probe_url(&missing, TIMEOUT),
        )
    })
    .await;
    assert_eq!(l.unwrap(), 200);
    assert_eq!(r.unwrap(), 503);
    assert_eq!(m.unwrap(), 404);
    let (live, ready) = (server.url("/livez"), server.url("/readyz"));
    let (ok, unhealthy) = blocking(move || (healthcheck(&live), healthcheck(&ready))).await;
    assert_eq!(ok, ExitCode::SUCCESS);
    assert_eq!(unhealthy, ExitCode::FAILURE);
}

#[test]
fn a_refused_connection_is_a_connect_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = probe_url(&format!("http://127.0.0.1:{port}/livez"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeUrlError::Connect(_)), "{error:?}");
    assert!(error.to_string().starts_with("cannot connect: "), "{error}");
    assert_eq!(
        healthcheck(&format!("http://127.0.0.1:{port}/livez")),
        ExitCode::FAILURE
    );
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept and hold the connection without answering.
    let holder = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
    let error = probe_url(
        &format!("http://127.0.0.1:{port}/livez"),
        Duration::from_millis(300),
    )
    .unwrap_err();
    assert!(matches!(error, ProbeUrlError::Timeout(_)), "{error:?}");
    assert_eq!(error.to_string(), "no answer within 300ms");
    drop(holder.join());
}

#[test]
fn a_non_http_answer_is_a_protocol_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0_u8; 1024];
        let n = stream.read(&mut request).unwrap();
        stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").unwrap();
        String::from_utf8_lossy(&request[..n]).into_owned()
    });
    let error = probe_url(&format!("http://127.0.0.1:{port}/readyz?verbose"), TIMEOUT).unwrap_err();
    assert!(matches!(error, ProbeUrlError::Protocol(_)), "{error:?}");
    let request = server.join().unwrap();
    assert!(
        request.starts_with("GET /readyz?verbose HTTP/1.1\r\nHost: 127.0.0.1:"),
        "{request}"
    );
    assert!(request.contains("Connection: close\r\n"), "{request}");
}

#[test]
fn a_connection_closed_without_an_answer_is_a_protocol_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || drop(listener.accept()));
    let error = probe_url(&format!("http://127.0.0.1:{port}/"), TIMEOUT).unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(&error, ProbeUrlError::Protocol(m) if m.contains("closed"))
            || matches!(error, ProbeUrlError::Connect(_)),
        "{error:?}"
    );
}
