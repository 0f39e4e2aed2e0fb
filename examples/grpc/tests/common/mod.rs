//! What both clients' tests share: the example, started on an ephemeral port, and tonic-health's
//! client calls on it.

#![allow(dead_code)] // each test binary uses its own part

use std::time::Duration;

use healthz_tests::example::Example;
use tonic::Code;
use tonic::codec::Streaming;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

pub(crate) const NAME: &str = "example-grpc";

pub(crate) fn start(env: &[(&str, &str)]) -> Example {
    Example::start(env!("CARGO_BIN_EXE_example-grpc"), NAME, env)
}

pub(crate) async fn channel(example: &Example) -> Channel {
    Endpoint::from_shared(example.base.clone())
        .unwrap()
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect to the example")
}

pub(crate) async fn client(example: &Example) -> HealthClient<Channel> {
    HealthClient::new(channel(example).await)
}

pub(crate) fn request(service: &str) -> tonic::Request<HealthCheckRequest> {
    tonic::Request::new(HealthCheckRequest {
        service: service.to_owned(),
    })
}

/// `Check`: the serving status, or the status code of the error.
pub(crate) async fn check(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Result<ServingStatus, Code> {
    check_request(client, request(service)).await
}

pub(crate) async fn check_request(
    client: &mut HealthClient<Channel>,
    request: tonic::Request<HealthCheckRequest>,
) -> Result<ServingStatus, Code> {
    client
        .check(request)
        .await
        .map(|response| response.into_inner().status())
        .map_err(|status| status.code())
}

pub(crate) async fn watch(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Streaming<HealthCheckResponse> {
    client.watch(request(service)).await.unwrap().into_inner()
}

/// The next message of a `Watch`, within `limit`; `None` when the stream ended.
pub(crate) async fn next(
    stream: &mut Streaming<HealthCheckResponse>,
    limit: Duration,
) -> Option<ServingStatus> {
    tokio::time::timeout(limit, stream.message())
        .await
        .unwrap_or_else(|_| panic!("no Watch message within {limit:?}"))
        .expect("the stream ends cleanly")
        .map(|response| response.status())
}

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

pub(crate) const SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::Serving);
pub(crate) const NOT_SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::NotServing);
