//! A service whose health is served on an admin port of its own, as kubert's admin server and
//! Spring Boot's management port do: the main port serves the application (here a small hyper
//! service), and `healthz_core::serve` serves `/livez`, `/readyz` and the rest on the admin port,
//! which the kubelet probes and which need not be exposed beyond the cluster.
//!
//! Spring's documentation names the trap of a separate port: the admin port can pass while the
//! main port is broken (its accept loop stuck, its server stopped). So readiness includes
//! [`main_port`], a probe that makes a real request to the main port and fails when no answer
//! comes: a TCP connect alone would pass, since the kernel completes the handshake from the
//! listener's backlog even when nobody accepts.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use healthz_core::{BuildError, Health, readiness};
use http_body_util::Full;
use hyper::body::Incoming;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The main port's address, the state of the [`main_port`] probe.
#[derive(Clone, Copy, Debug)]
pub struct MainPort(pub SocketAddr);

/// Readiness: the main port answers an HTTP request within the probe's timeout (1 s). It fails
/// when the port refuses connections, when nothing answers (an accept loop that is stuck), and
/// when the answer is a 5xx.
///
/// # Errors
///
/// Why the main port is not serving: no connection, no answer, or a 5xx.
#[readiness(timeout = "1s")]
pub async fn main_port(main: &MainPort) -> Result<(), String> {
    let mut stream = TcpStream::connect(main.0)
        .await
        .map_err(|e| format!("cannot connect to the main port {}: {e}", main.0))?;
    stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| format!("cannot send to the main port: {e}"))?;
    let mut head = [0; 12];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|e| format!("no answer from the main port: {e}"))?;
    match std::str::from_utf8(&head) {
        Ok(line) if line.starts_with("HTTP/1.") && !line[9..].starts_with('5') => Ok(()),
        _ => Err(format!(
            "the main port answered `{}`",
            String::from_utf8_lossy(&head).escape_debug()
        )),
    }
}

/// The service's `Health`: every probe registered in this crate, with the main port's address.
///
/// # Errors
///
/// The builder's, if a probe is misconfigured.
pub fn health(main: SocketAddr) -> Result<Health, BuildError> {
    Health::builder().state(MainPort(main)).build()
}

/// The application on the main port: `/ping` answers `pong`, any other path 404. Runs until
/// `stop` completes.
pub async fn serve_main(listener: TcpListener, stop: impl Future<Output = ()>) {
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            () = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
        };
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new().serve_connection(
                hyper_util::rt::TokioIo::new(stream),
                hyper::service::service_fn(app),
            );
            if let Err(error) = connection.await {
                tracing::debug!(%error, "main port connection ended");
            }
        });
    }
}

async fn app(request: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let (status, body) = match request.uri().path() {
        "/ping" => (200, "pong\n"),
        _ => (404, "not found\n"),
    };
    let response = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from_static(body.as_bytes())));
    Ok(response.unwrap_or_else(|_| http::Response::new(Full::default())))
}
