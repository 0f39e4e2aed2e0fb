//! `checks::tcp` against real listeners.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use healthz_actix::{Status, checks};
use healthz_tests::Proxy;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::{TIMED_OUT, assert_pass, evaluate, health};

/// A listener that accepts every connection and closes it at once.
async fn closing_listener() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    addr
}

/// A refused connection fails at once; a blackholed server still accepts connections, so the
/// check passes (it proves a listener, not a working server); a restored one passes.
#[tokio::test]
async fn tcp_outage_refused_and_recovered() {
    let proxy = Proxy::start(closing_listener().await).await;
    let addr = proxy.addr();
    let health = health(crate::TIMEOUT, move || checks::tcp(addr));
    assert_pass(&checks::tcp(addr).await);

    proxy.refuse().await;
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Fail);
    let refused = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(output.unwrap(), format!("TCP {addr}: {refused}"));

    proxy.blackhole().await;
    assert_pass(&checks::tcp(addr).await);

    proxy.restore().await;
    assert_pass(&checks::tcp(addr).await);
}

/// A listener whose accept queue is full drops new connection attempts (Linux), as a firewall
/// that drops packets does: the check fails at its timeout.
#[tokio::test]
async fn tcp_outage_with_dropped_packets_times_out() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((Ipv4Addr::LOCALHOST, 0).into()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(stream) => queued.push(stream.unwrap()),
            Err(_) => break,
        }
        assert!(queued.len() < 64, "the accept queue never filled");
    }

    let check = checks::tcp(addr).timeout(crate::TIMEOUT).await;
    assert_eq!(
        check.output().unwrap(),
        format!("TCP {addr}: no connection within 300ms")
    );
    let health = health(crate::TIMEOUT, move || checks::tcp(addr));
    let (status, output, elapsed) = evaluate(&health).await;
    assert_eq!((status, output.as_deref()), (Status::Fail, Some(TIMED_OUT)));
    assert!(elapsed < crate::TIMEOUT + crate::SLACK, "{elapsed:?}");
    drop(listener);
}

#[tokio::test]
async fn tcp_fails_clearly_on_a_bad_address() {
    let check = checks::tcp("no port here").await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(
        check.output(),
        Some("TCP no port here: invalid socket address")
    );
}
