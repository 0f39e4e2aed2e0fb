//! [`HealthService`]: the `grpc.health.v1.Health` service over a [`Health`], and what each
//! service name means.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use healthz_core::Health;
use healthz_core::web::AccessPolicy;
use healthz_core::web::adapter::{Denial, Headers, check_access};
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::server::NamedService;
use tonic_health::pb::health_server::{self, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tower_service::Service;

use crate::names::{Target, response, serving};
use crate::watch::{self, WatchStream};

/// The standard gRPC health service, `grpc.health.v1.Health`, answering from a [`Health`]: add it
/// to a tonic server with `Server::builder().add_service(HealthService::new(health))`.
///
/// See the [crate documentation](crate) for the service names it answers, and
/// [`access`](Self::access) for who may call it.
///
/// ```
/// use healthz_tonic::{AccessPolicy, Health, HealthService};
///
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let health = Health::builder().without_registered().build()?;
/// let service = HealthService::new(health)
///     .access(AccessPolicy::new().allow("10.0.0.0/8, 127.0.0.1")?.require_token("s3cr3t-t0ken-0123456789")?);
/// // tonic::transport::Server::builder().add_service(service)
/// # drop(service);
/// # Ok(()) }
/// # demo().unwrap();
/// ```
#[derive(Clone)]
pub struct HealthService {
    handler: Arc<Handler>,
    server: HealthServer<Handler>,
}

impl fmt::Debug for HealthService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthService")
            .field("access", &self.handler.access)
            .finish_non_exhaustive()
    }
}

impl HealthService {
    /// Serves `health` to every caller (the default [`AccessPolicy`]: gRPC shows statuses only,
    /// so a policy matters only to refuse callers).
    pub fn new(health: Health) -> Self {
        Self::from_handler(Handler {
            health,
            access: AccessPolicy::new(),
        })
    }

    fn from_handler(handler: Handler) -> Self {
        let handler = Arc::new(handler);
        HealthService {
            server: HealthServer::from_arc(Arc::clone(&handler)),
            handler,
        }
    }

    /// Who may call the service: a client the policy refuses gets `PERMISSION_DENIED` (outside
    /// the allowlist), `UNAUTHENTICATED` (a required bearer token missing from the
    /// `authorization` metadata, or a wrong one) or `INVALID_ARGUMENT` (several `authorization`
    /// entries). The same [`AccessPolicy`] as the HTTP adapters' `Endpoints::access`.
    #[must_use]
    pub fn access(self, policy: AccessPolicy) -> Self {
        Self::from_handler(Handler {
            health: self.handler.health.clone(),
            access: policy,
        })
    }

    /// The `Health` served.
    pub fn health(&self) -> &Health {
        &self.handler.health
    }

    /// The access policy.
    pub fn access_policy(&self) -> &AccessPolicy {
        &self.handler.access
    }
}

impl NamedService for HealthService {
    /// `grpc.health.v1.Health`.
    const NAME: &'static str = health_server::SERVICE_NAME;
}

/// tonic-health's generated server does the HTTP/2 and protobuf work; this only hands it over.
impl<B> Service<http::Request<B>> for HealthService
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<http::Request<B>>::poll_ready(&mut self.server, cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        self.server.call(request)
    }
}

/// What the generated server calls.
struct Handler {
    health: Health,
    access: AccessPolicy,
}

#[tonic::async_trait]
impl health_server::Health for Handler {
    async fn check(
        &self,
        request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<HealthCheckResponse>, tonic::Status> {
        self.admit(&request)?;
        let Some(target) = Target::parse(&self.health, &request.get_ref().service) else {
            return Err(tonic::Status::not_found(UNKNOWN_SERVICE));
        };
        let status = target.status(&self.health).await;
        Ok(tonic::Response::new(response(serving(status))))
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        request: tonic::Request<HealthCheckRequest>,
    ) -> Result<tonic::Response<WatchStream>, tonic::Status> {
        self.admit(&request)?;
        let service = &request.get_ref().service;
        let target = Target::parse(&self.health, service).map(Target::into_owned);
        Ok(tonic::Response::new(watch::stream(
            self.health.clone(),
            target,
        )))
    }
}

/// Why `Check` answers `NOT_FOUND`. The name asked is not echoed: the caller knows it, and it
/// could be anything.
const UNKNOWN_SERVICE: &str = "unknown service: healthz serves \"\", \"readyz\", \"livez\", \
     \"startupz\", \"healthz\", and \"readyz/NAME\", \"livez/NAME\", \"startupz/NAME\" for a probe";

impl Handler {
    /// The access decision, before anything else: a refused caller learns nothing and runs no
    /// probe.
    fn admit<T>(&self, request: &tonic::Request<T>) -> Result<(), tonic::Status> {
        let peer = request.remote_addr().map(|addr| addr.ip());
        match check_access(&self.access, peer, &Metadata(request.metadata())) {
            Ok(_detail) => Ok(()),
            Err(denial) => Err(refused(denial)),
        }
    }
}

/// The gRPC answer to a refused caller.
fn refused(denial: Denial) -> tonic::Status {
    match denial {
        Denial::Forbidden => {
            tonic::Status::permission_denied("this client may not call the health service")
        }
        Denial::MissingToken => tonic::Status::unauthenticated(
            "a bearer token is required: send `authorization: Bearer <token>` metadata",
        ),
        Denial::InvalidToken => tonic::Status::unauthenticated("the bearer token is not valid"),
        Denial::RepeatedAuthorization => {
            tonic::Status::invalid_argument("send one `authorization` metadata entry, not several")
        }
        // A refusal added later: refused all the same.
        _ => tonic::Status::permission_denied("this client may not call the health service"),
    }
}

/// A request's metadata as the access policy reads headers, without copying it.
struct Metadata<'a>(&'a MetadataMap);

impl Headers for Metadata<'_> {
    fn values<'a>(&'a self, name: &'static str) -> impl Iterator<Item = &'a [u8]>
    where
        Self: 'a,
    {
        self.0
            .get_all(name)
            .iter()
            .map(MetadataValue::as_encoded_bytes)
    }
}
