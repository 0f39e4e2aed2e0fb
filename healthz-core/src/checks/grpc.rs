//! [`grpc`](fn@grpc): a gRPC upstream answers `grpc.health.v1.Health/Check` with `SERVING`.

use super::CheckFuture;
use super::sealed::Handle;

/// A gRPC channel that [`grpc`](fn@grpc) can ask.
///
/// Implemented, with the feature `grpc`, for tonic 0.14's `transport::Channel` (a cheap handle
/// over its connections; the check clones it), so the check goes through your channel's
/// endpoint, TLS, timeouts and load balancing. healthz enables only tonic's `channel` feature:
/// TLS is your own tonic dependency's. The trait is sealed: a later tonic major gets its own
/// implementation, and your calls stay the same.
pub trait GrpcChannel: for<'service> Handle<&'service str> {}

/// Checks that the upstream behind `channel` answers the standard health check
/// (`grpc.health.v1.Health/Check`) for `service` with `SERVING`. `""` asks about the whole
/// server, as load balancers do; a name asks about one of its services (healthz's own
/// `healthz-tonic` serves `"readyz"`, `"livez"`, `"readyz/NAME"` and the like).
///
/// Passes with the latency in milliseconds as the observed value. Fails with the service's name
/// and the answer: `gRPC payments: NOT_SERVING` (or `UNKNOWN`, `SERVICE_UNKNOWN`),
/// `gRPC payments: NOT_FOUND: unknown service payments` (the server has no such service),
/// `gRPC payments: UNAVAILABLE: …` (cannot connect: tonic's reason follows),
/// `gRPC payments: UNIMPLEMENTED: …` (the server serves no health service), or
/// `gRPC payments: no answer within 300ms`. For `""` the name is `gRPC server`.
///
/// The request carries the check's remaining time as its `grpc-timeout`, so an upstream that
/// honours deadlines gives up when the check does.
///
/// ```no_run
/// use healthz_core::{Health, ProbeOptions, checks};
/// use tonic::transport::Channel;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// // `connect_lazy`: the service starts while payments is down, and `/readyz` says so.
/// let payments = Channel::from_static("http://payments.internal:50051").connect_lazy();
/// let health = Health::builder()
///     .readiness("payments", ProbeOptions::new(), move || checks::grpc(&payments, "payments"))
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn grpc(channel: &impl GrpcChannel, service: &str) -> CheckFuture {
    channel.check(service)
}

/// tonic 0.14, with tonic-health 0.14's generated client. A later major goes in a module of its
/// own beside this one, behind its own feature.
mod tonic_0_14 {
    use tonic::transport::Channel;
    use tonic::{Code, Status};
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    use crate::Check;
    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome, chain};

    impl super::GrpcChannel for Channel {}

    impl Handle<&str> for Channel {
        fn check(&self, service: &str) -> CheckFuture {
            let channel = self.clone();
            let what = if service.is_empty() {
                "gRPC server".to_owned()
            } else {
                format!("gRPC {service}")
            };
            let service = service.to_owned();
            CheckFuture::new(what, move |budget| ask(channel, service, budget))
        }
    }

    async fn ask(channel: Channel, service: String, budget: Budget) -> Outcome {
        let mut request = tonic::Request::new(HealthCheckRequest { service });
        request.set_timeout(budget.remaining());
        let mut client = HealthClient::new(channel);
        let Some(answer) = budget.run(client.check(request)).await else {
            return Err(budget.fail(budget.missed("no answer")));
        };
        match answer {
            Ok(response) => match response.into_inner().status() {
                ServingStatus::Serving => Ok(Check::pass()),
                status => Err(budget.fail(status.as_str_name())),
            },
            // tonic gives up at the `grpc-timeout` itself ("Timeout expired"), as the budget
            // runs out: say so as every check does.
            Err(_) if budget.remaining().is_zero() => Err(budget.fail(budget.missed("no answer"))),
            Err(status) => Err(budget.fail(describe(&status))),
        }
    }

    /// `UNAVAILABLE: tcp connect error: Connection refused (os error 111)`: the code as the gRPC
    /// spec names it, the message, and the error's sources (tonic's `Display` for a `Status` is a
    /// debug dump of every field).
    fn describe(status: &Status) -> String {
        let mut text = code_name(status.code()).to_owned();
        if !status.message().is_empty() {
            text.push_str(": ");
            text.push_str(status.message());
        }
        if let Some(source) = std::error::Error::source(status) {
            let sources = chain(source);
            if !text.contains(&sources) {
                text.push_str(": ");
                text.push_str(&sources);
            }
        }
        text
    }

    /// The name the gRPC spec gives a status code.
    fn code_name(code: Code) -> &'static str {
        match code {
            Code::Ok => "OK",
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn statuses_read_as_the_spec_names_them() {
            assert_eq!(
                describe(&Status::not_found("unknown service payments")),
                "NOT_FOUND: unknown service payments"
            );
            assert_eq!(
                describe(&Status::new(Code::Unimplemented, "")),
                "UNIMPLEMENTED"
            );
            let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
            let status = Status::from_error(Box::new(refused));
            assert!(
                describe(&status).starts_with("UNKNOWN"),
                "{}",
                describe(&status)
            );
        }
    }
}
