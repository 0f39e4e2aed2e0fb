//! tonic-health's generated client (code nobody here wrote), as the gRPC tests call it: one
//! `Check` or `Watch` in a line.

use std::time::Duration;

use tonic::Code;
use tonic::codec::Streaming;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// A `Check` that answered `SERVING`.
pub const SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::Serving);
/// A `Check` that answered `NOT_SERVING`.
pub const NOT_SERVING: Result<ServingStatus, Code> = Ok(ServingStatus::NotServing);

/// A connected channel to `url` (`http://host:port`), with a 10 s timeout on each call.
///
/// # Panics
///
/// If it cannot connect.
pub async fn channel(url: &str) -> Channel {
    Endpoint::from_shared(url.to_owned())
        .expect("a valid URL")
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

/// A health client over [`channel`].
///
/// # Panics
///
/// If it cannot connect.
pub async fn client(url: &str) -> HealthClient<Channel> {
    HealthClient::new(channel(url).await)
}

/// A request for `service`.
pub fn request(service: &str) -> tonic::Request<HealthCheckRequest> {
    tonic::Request::new(HealthCheckRequest {
        service: service.to_owned(),
    })
}

/// `Check`: the serving status.
///
/// # Errors
///
/// The status code of a failed call (`NOT_FOUND`, `PERMISSION_DENIED`, ...).
pub async fn check(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Result<ServingStatus, Code> {
    check_request(client, request(service)).await
}

/// [`check`] with a request of your own (metadata, say).
///
/// # Errors
///
/// As [`check`].
pub async fn check_request(
    client: &mut HealthClient<Channel>,
    request: tonic::Request<HealthCheckRequest>,
) -> Result<ServingStatus, Code> {
    client
        .check(request)
        .await
        .map(|response| response.into_inner().status())
        .map_err(|status| status.code())
}

/// A `Watch` of `service`.
///
/// # Panics
///
/// If the call is refused.
pub async fn watch(
    client: &mut HealthClient<Channel>,
    service: &str,
) -> Streaming<HealthCheckResponse> {
    client
        .watch(request(service))
        .await
        .expect("the Watch call is accepted")
        .into_inner()
}

/// The next message of a `Watch`, within `limit`; `None` when the stream ended.
///
/// # Panics
///
/// If no message comes within `limit`, or the stream ends with an error.
pub async fn next(
    stream: &mut Streaming<HealthCheckResponse>,
    limit: Duration,
) -> Option<ServingStatus> {
    tokio::time::timeout(limit, stream.message())
        .await
        .unwrap_or_else(|_| panic!("no Watch message within {limit:?}"))
        .expect("the stream ends cleanly")
        .map(|response| response.status())
}
