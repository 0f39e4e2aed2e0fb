//! The basic example's probes on embedded `SQLite`, served over gRPC by tonic:
//! `cargo run -p example-grpc`, then try the `grpcurl` lines it prints.
//!
//! - `grpc.health.v1.Health` (healthz-tonic's `HealthService`): `Check` and `Watch` on `""` and
//!   `"readyz"` (readiness: `database` and `catalog`, held back until the startup
//!   probe `migrations` has passed), `"livez"`, `"startupz"`, `"healthz"`, and `"readyz/NAME"` for
//!   one probe;
//! - `example.Maintenance/On` and `/Off` (`google.protobuf.Empty` in and out), which refuse and
//!   accept traffic (`""` and `"readyz"` are `NOT_SERVING` meanwhile): the application's own
//!   service, beside the health service.
//!
//! On SIGTERM or Ctrl-C, `""` and `"readyz"` turn `NOT_SERVING` at once while everything else goes
//! on serving; after `DRAIN_SECS` (default 10) tonic stops accepting and finishes the calls in
//! flight. `BIND` sets the address (default `127.0.0.1:8080`); `RUST_LOG` the log level (default
//! `info`). `HEALTHZ_ALLOW` (CIDRs, such as `10.0.0.0/8, 127.0.0.1`) and `HEALTHZ_TOKEN` (a bearer
//! token callers must send as `authorization: Bearer <token>` metadata) set an access policy on
//! the health service.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use example_probes::{Probes, bind, maintenance, seconds};
use healthz_tonic::{AccessPolicy, Health, HealthService, Shutdown};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_prost::ProstCodec;
use tower_service::Service;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    example_probes::init_logging();
    let grace = seconds("DRAIN_SECS", Shutdown::DEFAULT_GRACE)?;

    let probes = Probes::open().await?;
    let health: Health = probes
        .state(Health::builder())
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-grpc")
        .build()?;
    let health_service = HealthService::new(health.clone()).access(access_policy()?);

    let listener = tokio::net::TcpListener::bind(bind()).await?;
    let addr = listener.local_addr()?;
    println!("example-grpc listening on http://{addr}");
    println!("try:");
    for service in [
        "",
        "readyz",
        "readyz/database",
        "livez",
        "startupz",
        "healthz",
    ] {
        println!(
            "  grpcurl -plaintext -d '{{\"service\":\"{service}\"}}' {addr} grpc.health.v1.Health/Check"
        );
    }
    println!(
        "  grpcurl -plaintext -import-path examples/grpc -proto maintenance.proto {addr} example.Maintenance/On    # then \"\" is NOT_SERVING"
    );
    println!(
        "on SIGTERM or Ctrl-C: \"\" and \"readyz\" are NOT_SERVING at once, the server stops {grace:?} later"
    );

    Server::builder()
        .add_service(health_service)
        .add_service(MaintenanceService(health.clone()))
        .serve_with_incoming_shutdown(
            TcpIncoming::from(listener),
            Shutdown::new(health).grace(grace),
        )
        .await?;
    Ok(())
}

/// The access policy from `HEALTHZ_ALLOW` and `HEALTHZ_TOKEN` (none: everyone may call), with
/// outputs for this host's own calls. Behind a same-host relay (`kubectl port-forward`, a TCP
/// sidecar) every caller is loopback: drop `details_on_loopback` there.
fn access_policy() -> Result<AccessPolicy, healthz_tonic::AccessError> {
    let mut policy = AccessPolicy::new().details_on_loopback(true);
    if let Ok(networks) = std::env::var("HEALTHZ_ALLOW") {
        policy = policy.allow(&networks)?;
    }
    if let Ok(token) = std::env::var("HEALTHZ_TOKEN") {
        policy = policy.require_token(token)?;
    }
    Ok(policy)
}

/// `example.Maintenance`: `On` and `Off`, each `google.protobuf.Empty` in and out (`()` in
/// prost), written by hand as tonic's generated code would be, so that the example needs no
/// protoc. `maintenance.proto` beside this file describes it for `grpcurl`.
#[derive(Clone, Debug)]
struct MaintenanceService(Health);

impl NamedService for MaintenanceService {
    const NAME: &'static str = "example.Maintenance";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Infallible>> + Send>>;

impl<B> Service<http::Request<B>> for MaintenanceService
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let on = match request.uri().path() {
            "/example.Maintenance/On" => true,
            "/example.Maintenance/Off" => false,
            _ => {
                let unimplemented =
                    tonic::Status::unimplemented("example.Maintenance has On and Off");
                return Box::pin(async move { Ok(unimplemented.into_http()) });
            }
        };
        let switch = SetMaintenance {
            health: self.0.clone(),
            on,
        };
        Box::pin(async move {
            let mut grpc = Grpc::new(ProstCodec::<(), ()>::default());
            Ok(grpc.unary(switch, request).await)
        })
    }
}

/// One call of `On` or `Off`.
struct SetMaintenance {
    health: Health,
    on: bool,
}

impl UnaryService<()> for SetMaintenance {
    type Response = ();
    type Future = Ready<Result<tonic::Response<()>, tonic::Status>>;

    fn call(&mut self, _request: tonic::Request<()>) -> Self::Future {
        maintenance(&self.health, self.on);
        ready(Ok(tonic::Response::new(())))
    }
}
