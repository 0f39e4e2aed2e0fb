//! What both clients' tests share: the example, started on an ephemeral port, and tonic-health's
//! client calls on it.

#![allow(dead_code)] // each test binary uses its own part

use healthz_tests::example::Example;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;

pub(crate) const NAME: &str = "example-grpc";

pub(crate) fn start(env: &[(&str, &str)]) -> Example {
    Example::start(env!("CARGO_BIN_EXE_example-grpc"), NAME, env)
}

pub(crate) async fn channel(example: &Example) -> Channel {
    healthz_tests::grpc::channel(&example.base).await
}

pub(crate) async fn client(example: &Example) -> HealthClient<Channel> {
    healthz_tests::grpc::client(&example.base).await
}

/// Every service name the example answers `SERVING` to, as it starts.
pub(crate) const KNOWN: [&str; 9] = [
    "",
    "readyz",
    "livez",
    "startupz",
    "healthz",
    "readyz/database",
    "readyz/catalog",
    "livez/event_loop",
    "startupz/migrations",
];

/// Names it does not serve.
pub(crate) const UNKNOWN: [&str; 5] = [
    "nope",
    "readyz/nope",
    "readyz/maintenance",
    "livez/database",
    "healthz/database",
];

/// Calls `example.Maintenance/On` or `/Off`.
pub(crate) async fn maintenance(channel: Channel, on: bool) {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = if on {
        "/example.Maintenance/On"
    } else {
        "/example.Maintenance/Off"
    };
    let _: tonic::Response<()> = grpc
        .unary(
            tonic::Request::new(()),
            http::uri::PathAndQuery::from_static(path),
            tonic_prost::ProstCodec::<(), ()>::default(),
        )
        .await
        .unwrap();
}
