//! `healthz_core::serve` over real TCP on loopback: keep-alive, the peer's address, the bounds
//! against careless and hostile clients, and graceful shutdown. The HTTP contract itself (every
//! path, form and error) runs against `serve` in the tests crate's shared list.
#![cfg(all(feature = "server", feature = "signal"))]

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use healthz_core::web::{AccessPolicy, Endpoints};
use healthz_core::{Health, ProbeOptions, Shutdown, serve};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a client may take to send a request's head (as `serve` documents it).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// The most connections served at once (as `serve` documents it).
const MAX_CONNECTIONS: usize = 256;

fn health() -> Health {
    Health::builder()
        .without_registered()
        .liveness("loop", ProbeOptions::new(), || async {})
        .readiness("db", ProbeOptions::new(), || async {
            Err::<(), _>("connection refused")
        })
        .build()
        .unwrap()
}

/// A server on `127.0.0.1:0` that stops when the sender is dropped or sent to.
async fn start(endpoints: Endpoints) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        serve(listener, endpoints)
            .with_graceful_shutdown(async {
                drop(stopped.await);
            })
            .await
            .unwrap();
    });
    (addr, stop, server)
}

/// A response read off a connection: status, headers (lower-cased names) and body.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response with a `Content-Length` body; `None` when the server closed first.
async fn read_response(reader: &mut BufReader<TcpStream>) -> Option<Response> {
    let mut line = String::new();
    if reader.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let status = line.split(' ').nth(1)?.parse().ok()?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Response {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    })
}

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(addr).await.unwrap())
}

async fn send(reader: &mut BufReader<TcpStream>, request: &[u8]) {
    reader.get_mut().write_all(request).await.unwrap();
}

/// Whether the server has closed the connection (reads end) within `within`.
async fn closed_within(reader: &mut BufReader<TcpStream>, within: Duration) -> bool {
    let mut rest = Vec::new();
    matches!(
        tokio::time::timeout(within, reader.read_to_end(&mut rest)).await,
        Ok(Ok(_) | Err(_))
    )
}

#[tokio::test]
async fn requests_share_a_kept_alive_connection_and_the_peer_is_the_socket() {
    let endpoints = Endpoints::builder(health())
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()
        .unwrap();
    let (addr, _stop, _server) = start(endpoints).await;
    let mut client = connect(addr).await;
    send(&mut client, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let live = read_response(&mut client).await.unwrap();
    assert_eq!(live.status, 200);
    assert!(
        live.body.starts_with(r#"{"status":"pass""#),
        "{}",
        live.body
    );
    assert_eq!(live.header("content-type"), Some("application/health+json"));
    assert_eq!(live.header("cache-control"), Some("no-store"));
    // The same connection: a loopback client, so the reason is shown.
    send(
        &mut client,
        b"GET /readyz?verbose HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    let ready = read_response(&mut client).await.unwrap();
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (
            503,
            "[-]db failed: connection refused\nreadyz check failed\n"
        )
    );
    send(&mut client, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let other = read_response(&mut client).await.unwrap();
    assert_eq!((other.status, other.body.as_str()), (404, "not found\n"));
}

#[tokio::test]
async fn malformed_and_oversized_requests_get_a_4xx_and_the_server_goes_on() {
    let (addr, _stop, _server) = start(Endpoints::new(health())).await;
    let bad: [(&[u8], u16); 3] = [
        (b"GET /readyz HTTP/1.1\r\nHost x\r\n\r\n", 400),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
        (b"G\0T /readyz HTTP/1.1\r\n\r\n", 400),
    ];
    for (request, status) in bad {
        let mut client = connect(addr).await;
        send(&mut client, request).await;
        let response = read_response(&mut client).await.unwrap();
        assert_eq!(
            response.status,
            status,
            "{:?}",
            String::from_utf8_lossy(request)
        );
    }
    // A head larger than 16 KiB, and one with more than 100 fields.
    let long = format!(
        "GET /readyz HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n",
        "a".repeat(17 * 1024)
    );
    let mut many = String::from("GET /readyz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..110 {
        many.push_str("X-");
        many.push_str(&i.to_string());
        many.push_str(": y\r\n");
    }
    many.push_str("\r\n");
    for request in [long, many] {
        let mut client = connect(addr).await;
        send(&mut client, request.as_bytes()).await;
        let response = read_response(&mut client).await.unwrap();
        assert_eq!(response.status, 431);
    }
    let mut client = connect(addr).await;
    send(&mut client, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(read_response(&mut client).await.unwrap().status, 200);
}

#[tokio::test]
async fn slow_and_idle_clients_are_closed_after_the_head_timeout() {
    let (addr, _stop, _server) = start(Endpoints::new(health())).await;
    let started = Instant::now();
    // A client that sends half a request head and stalls (slowloris).
    let mut slow = connect(addr).await;
    send(&mut slow, b"GET /livez HTTP/1.1\r\nHost:").await;
    // A client that is answered once, then keeps its connection open and silent.
    let mut idle = connect(addr).await;
    send(&mut idle, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(read_response(&mut idle).await.unwrap().status, 200);
    assert!(
        !closed_within(&mut slow, Duration::from_secs(1)).await,
        "open before the timeout"
    );
    let bound = HEAD_TIMEOUT + Duration::from_secs(3);
    assert!(closed_within(&mut slow, bound).await, "the slow client");
    assert!(closed_within(&mut idle, bound).await, "the idle client");
    assert!(started.elapsed() + Duration::from_millis(100) >= HEAD_TIMEOUT);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let (addr, _stop, _server) = start(Endpoints::new(health())).await;
    // Fill every slot with an answered, kept-alive connection.
    let mut open = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        let mut client = connect(addr).await;
        send(&mut client, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(read_response(&mut client).await.unwrap().status, 200);
        open.push(client);
    }
    // One more: the kernel completes the handshake, but the server does not take it yet.
    let mut waiting = connect(addr).await;
    send(&mut waiting, b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let early = tokio::time::timeout(Duration::from_millis(500), read_response(&mut waiting)).await;
    assert!(early.is_err(), "answered beyond the cap: {early:?}");
    // One closes: the waiting connection is served at once.
    drop(open.pop());
    let answered = tokio::time::timeout(Duration::from_secs(2), read_response(&mut waiting))
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert_eq!(answered.status, 200);
}

#[tokio::test]
async fn a_graceful_shutdown_finishes_the_request_in_flight_then_stops() {
    let health = Health::builder()
        .without_registered()
        .readiness("slow", ProbeOptions::new(), || async {
            tokio::time::sleep(Duration::from_millis(300)).await;
        })
        .build()
        .unwrap();
    let (addr, stop, server) = start(Endpoints::new(health)).await;
    let mut client = connect(addr).await;
    send(&mut client, b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    let answered = read_response(&mut client).await.unwrap();
    assert_eq!(answered.status, 200, "the request in flight is answered");
    assert!(closed_within(&mut client, Duration::from_secs(1)).await);
    tokio::time::timeout(Duration::from_secs(2), server)
        .await
        .expect("the server stops once its connections are done")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn shutdown_drains_readiness_ends_event_streams_and_stops_the_server() {
    let health = health();
    let endpoints = Endpoints::builder(health.clone())
        .access(AccessPolicy::new().details_on_loopback(true))
        .dashboard(true)
        .build()
        .unwrap();
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (trigger, triggered) = oneshot::channel::<()>();
    let shutdown = Shutdown::new(health.clone())
        .grace(Duration::from_millis(300))
        .trigger(async {
            drop(triggered.await);
        });
    let server = tokio::spawn(
        serve(listener, endpoints)
            .with_graceful_shutdown(shutdown)
            .into_future(),
    );
    let mut events = connect(addr).await;
    send(
        &mut events,
        b"GET /healthz/events HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    let mut status_line = String::new();
    events.read_line(&mut status_line).await.unwrap();
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");

    trigger.send(()).unwrap();
    // During the grace period readiness fails and the server still answers.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut client = connect(addr).await;
    send(
        &mut client,
        b"GET /readyz?verbose HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    let draining = read_response(&mut client).await.unwrap();
    assert_eq!(
        (draining.status, draining.body.as_str()),
        (503, "[-]shutdown failed: draining\nreadyz check failed\n")
    );
    // Then the event stream ends and the server stops, well before the 10 s drain limit.
    let stopped = Instant::now();
    tokio::time::timeout(Duration::from_secs(3), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(3));
    assert!(closed_within(&mut events, Duration::from_secs(1)).await);
}
