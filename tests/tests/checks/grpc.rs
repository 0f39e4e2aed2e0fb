//! `checks::grpc` against a real tonic server whose health is tonic-health's own `HealthReporter`,
//! flipped between `SERVING` and `NOT_SERVING`, and cut by the proxy.

use std::net::SocketAddr;

use healthz_actix::{Status, checks};
use healthz_tests::Proxy;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A tonic server with tonic-health's reporter, `payments` serving; its address and reporter.
async fn upstream() -> (SocketAddr, HealthReporter) {
    let (reporter, service) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("payments", ServingStatus::Serving)
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        Server::builder()
            .add_service(service)
            .serve_with_incoming(TcpIncoming::from(listener)),
    );
    (addr, reporter)
}

fn channel(addr: SocketAddr) -> Channel {
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_lazy()
}

#[tokio::test]
async fn grpc_follows_the_upstreams_serving_status() {
    let (addr, reporter) = upstream().await;
    let channel = channel(addr);

    assert_pass(&checks::grpc(&channel, "payments").await);
    assert_pass(&checks::grpc(&channel, "").await);

    reporter
        .set_service_status("payments", ServingStatus::NotServing)
        .await;
    let check = checks::grpc(&channel, "payments").await;
    assert_eq!(check.status(), Status::Fail);
    assert_eq!(check.output(), Some("gRPC payments: NOT_SERVING"));
    assert_eq!(check.observation().map(|(_, unit)| unit), Some("ms"));

    reporter
        .set_service_status("", ServingStatus::NotServing)
        .await;
    let check = checks::grpc(&channel, "").await;
    assert_eq!(check.output(), Some("gRPC server: NOT_SERVING"));

    let check = checks::grpc(&channel, "ledger").await;
    assert_eq!(check.status(), Status::Fail);
    assert!(
        check
            .output()
            .unwrap()
            .starts_with("gRPC ledger: NOT_FOUND"),
        "{:?}",
        check.output()
    );

    // As a probe, flipped back and forth.
    let probe_channel = channel.clone();
    let health = health(crate::TIMEOUT * 10, move || {
        checks::grpc(&probe_channel, "payments")
    });
    for (status, expected) in [
        (ServingStatus::Serving, Status::Pass),
        (ServingStatus::NotServing, Status::Fail),
        (ServingStatus::Serving, Status::Pass),
    ] {
        reporter.set_service_status("payments", status).await;
        let (status, output, _) = evaluate(&health).await;
        assert_eq!(status, expected, "{output:?}");
    }
}

/// A server without a health service: `UNIMPLEMENTED`.
#[tokio::test]
async fn grpc_names_a_server_without_the_health_service() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // A server with no service at all answers every call `UNIMPLEMENTED`.
    let router = Server::builder().add_routes(tonic::service::Routes::default());
    tokio::spawn(router.serve_with_incoming(TcpIncoming::from(listener)));
    let check = checks::grpc(&channel(addr), "payments").await;
    assert_eq!(check.status(), Status::Fail);
    assert!(
        check
            .output()
            .unwrap()
            .starts_with("gRPC payments: UNIMPLEMENTED"),
        "{:?}",
        check.output()
    );
}

/// Refused, then blackholed (the connection open, nothing answered), then restored: fails fast,
/// then at the timeout with `no answer within 300ms`, then passes again.
#[tokio::test]
async fn grpc_outage_refused_blackholed_and_recovered() {
    let (addr, _reporter) = upstream().await;
    let proxy = Proxy::start(addr).await;
    let channel = channel(proxy.addr());
    // The call on the connection the proxy closed is cancelled by tonic; the next ones find no
    // server to connect to.
    let refused = [
        "gRPC payments: CANCELLED: operation was canceled: transport error",
        "gRPC payments: UNAVAILABLE: tcp connect error",
    ];
    outage_and_recovery(
        &proxy,
        move || checks::grpc(&channel, "payments"),
        Expect {
            probe: &refused,
            alone: &refused,
        },
        Expect {
            probe: &[TIMED_OUT],
            alone: &["gRPC payments: no answer within 300ms"],
        },
    )
    .await;
}
