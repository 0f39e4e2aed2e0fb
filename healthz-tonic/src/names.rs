//! What a service name asks about, and what a status means to gRPC: the one place both `Check`
//! and `Watch` read them.

use healthz_core::web::Endpoint;
use healthz_core::{Health, Kind, Scope, Status};
use tonic_health::pb::HealthCheckResponse;
use tonic_health::pb::health_check_response::ServingStatus;

/// The endpoints whose default paths name the services, without their `/`.
const ENDPOINTS: [(Endpoint, Scope); 4] = [
    (Endpoint::Livez, Scope::Kind(Kind::Liveness)),
    (Endpoint::Readyz, Scope::Kind(Kind::Readiness)),
    (Endpoint::Startupz, Scope::Kind(Kind::Startup)),
    (Endpoint::Healthz, Scope::All),
];

/// What a service name asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target<N> {
    /// A kind, or everything.
    Scope(Scope),
    /// One probe.
    Probe(Kind, N),
}

impl<'a> Target<&'a str> {
    /// The target of a service name (see the crate documentation), or `None` for a name healthz
    /// does not serve. The names are the endpoints' default paths without their `/`.
    pub(crate) fn parse(health: &Health, service: &'a str) -> Option<Self> {
        if service.is_empty() {
            return Some(Target::Scope(Scope::Kind(Kind::Readiness)));
        }
        let (head, name) = match service.split_once('/') {
            Some((head, name)) => (head, Some(name)),
            None => (service, None),
        };
        let (_, scope) = ENDPOINTS
            .into_iter()
            .find(|(endpoint, _)| endpoint.default_path().strip_prefix('/') == Some(head))?;
        match (scope, name) {
            (scope, None) => Some(Target::Scope(scope)),
            (Scope::Kind(kind), Some(name)) if health.probes(kind).any(|p| p.name == name) => {
                Some(Target::Probe(kind, name))
            }
            _ => None,
        }
    }

    pub(crate) fn into_owned(self) -> Target<Box<str>> {
        match self {
            Target::Scope(scope) => Target::Scope(scope),
            Target::Probe(kind, name) => Target::Probe(kind, name.into()),
        }
    }
}

impl<N: AsRef<str>> Target<N> {
    /// Its status now, as the endpoints evaluate it (cache, single flight, gates). The
    /// evaluation is boxed, so this future (inside `Check`'s, which tonic boxes on every call)
    /// stays a few words long.
    pub(crate) async fn status(&self, health: &Health) -> Status {
        match self {
            Target::Scope(scope) => health.report(*scope).await.status(),
            Target::Probe(kind, name) => health
                .report(*kind)
                .probe(name.as_ref())
                .await
                .map_or(Status::Fail, |report| report.status()),
        }
    }
}

/// `pass` and `warn` serve; `fail` does not.
pub(crate) fn serving(status: Status) -> ServingStatus {
    if status.is_healthy() {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    }
}

pub(crate) fn response(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

#[cfg(test)]
mod tests {
    use healthz_core::ProbeOptions;

    use super::*;

    #[test]
    fn service_names_mirror_the_paths() {
        let health = Health::builder()
            .without_registered()
            .readiness("db", ProbeOptions::new(), || async {})
            .liveness("event_loop", ProbeOptions::new(), || async {})
            .build()
            .unwrap();
        let parse = |name| Target::parse(&health, name);
        let ready = Some(Target::Scope(Scope::Kind(Kind::Readiness)));
        assert_eq!(parse(""), ready);
        assert_eq!(parse("readyz"), ready);
        assert_eq!(
            parse("livez"),
            Some(Target::Scope(Scope::Kind(Kind::Liveness)))
        );
        assert_eq!(
            parse("startupz"),
            Some(Target::Scope(Scope::Kind(Kind::Startup)))
        );
        assert_eq!(parse("healthz"), Some(Target::Scope(Scope::All)));
        assert_eq!(
            parse("readyz/db"),
            Some(Target::Probe(Kind::Readiness, "db"))
        );
        assert_eq!(
            parse("livez/event_loop"),
            Some(Target::Probe(Kind::Liveness, "event_loop"))
        );
        for unknown in [
            "readyz/nope",
            "livez/db",
            "healthz/db",
            "readyz/",
            "/readyz",
            "Readyz",
            "grpc.health.v1.Health",
            "readyz/db/x",
        ] {
            assert_eq!(parse(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn warn_serves() {
        assert_eq!(serving(Status::Pass), ServingStatus::Serving);
        assert_eq!(serving(Status::Warn), ServingStatus::Serving);
        assert_eq!(serving(Status::Fail), ServingStatus::NotServing);
    }
}
