//! The ready-made checks against real servers (`PostgreSQL`, `MariaDB`, Redis, `SQLite`, RabbitMQ,
//! NATS with JetStream, Mosquitto, an HTTP server, a gRPC server, TCP listeners, the local disk,
//! this process),
//! with outages made by a TCP proxy in front of them.
//!
//! Every outage test walks the same path (see [`outage_and_recovery`]): the check passes, the
//! proxy refuses connections, then blackholes them (accepts and never answers), then forwards
//! again, and the check must fail with a clear output within its timeout and pass again.
//!
//! The no-leak tests are in `no_leak.rs`, a binary of their own, since they count the process's
//! file descriptors.

mod amqp;
mod disk;
mod grpc;
mod http;
mod mqtt;
mod nats;
mod process;
mod redis;
mod sql;
mod tcp;

use std::time::{Duration, Instant};

use healthz_actix::checks::CheckFuture;
use healthz_actix::{Check, Health, Kind, ProbeOptions, Status};
use healthz_tests::Proxy;

/// The probe timeout in outage tests.
const TIMEOUT: Duration = Duration::from_millis(300);

/// How late past its timeout a failing run may answer on a busy machine. Far below every retry
/// period of the clients (sqlx's 30 s `acquire_timeout`, redis's reconnect back-off), so a check
/// that waited for one of them still fails the test.
const SLACK: Duration = Duration::from_secs(1);

/// How long a client may take to reconnect once its server is back. A client with a back-off (or
/// a supervisor that replaces a stalled connection) needs a few seconds when the rest of the
/// suite holds both cores.
const RECOVERY: Duration = Duration::from_secs(15);

/// Makes a check on every call; what the builder takes as a probe.
trait MakeCheck: Fn() -> CheckFuture + Send + Sync + Clone + 'static {}
impl<F: Fn() -> CheckFuture + Send + Sync + Clone + 'static> MakeCheck for F {}

/// A `Health` whose only probe is `check`, a readiness probe named `dep` with `timeout`.
fn health(timeout: Duration, check: impl MakeCheck) -> Health {
    Health::builder()
        .without_registered()
        .readiness("dep", ProbeOptions::new().timeout(timeout), check)
        .build()
        .expect("one probe with valid options")
}

/// Evaluates readiness once: the probe's status, its output, and how long the evaluation took.
async fn evaluate(health: &Health) -> (Status, Option<String>, Duration) {
    let started = Instant::now();
    let report = health.report(Kind::Readiness).await;
    let elapsed = started.elapsed();
    let dep = report.check("dep").expect("the probe is in the report");
    assert_eq!(dep.observation().1, "ms", "checks report their latency");
    (dep.status(), dep.output().map(str::to_owned), elapsed)
}

/// Asserts that a check passed, with its latency in milliseconds and no output.
#[track_caller]
fn assert_pass(check: &Check) {
    assert_eq!(check.status(), Status::Pass, "{:?}", check.output());
    assert_eq!(check.observation().map(|(_, unit)| unit), Some("ms"));
    assert!(check.observation().is_some_and(|(ms, _)| ms >= 0.0));
}

/// What the outputs of a failing check may start with, in one phase of an outage.
#[derive(Clone, Copy, Debug)]
struct Expect<'a> {
    /// Run as a probe with [`TIMEOUT`]: the check's own error, or the probe's timeout.
    probe: &'a [&'a str],
    /// Run on its own with `.timeout(TIMEOUT)`.
    alone: &'a [&'a str],
}

/// The probe's timeout message for [`TIMEOUT`].
const TIMED_OUT: &str = "timed out after 300ms";

/// Runs the outage path on `check`, which must reach its server through `proxy`:
/// (a) refused, (b) blackholed, (c) restored. In each outage phase the check fails within
/// [`TIMEOUT`] (plus [`SLACK`]) with an output starting with one of the expected texts, both as a
/// probe and on its own; after the restore it passes again.
async fn outage_and_recovery(
    proxy: &Proxy,
    check: impl MakeCheck,
    refused: Expect<'_>,
    blackholed: Expect<'_>,
) {
    let health = health(TIMEOUT, check.clone());
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "before the outage: {output:?}");

    proxy.refuse().await;
    assert_fails(&health, &check, "refused", refused).await;

    proxy.blackhole().await;
    assert_fails(&health, &check, "blackholed", blackholed).await;

    proxy.restore().await;
    recovers(&health).await;
}

async fn assert_fails(health: &Health, check: &impl MakeCheck, phase: &str, expect: Expect<'_>) {
    for _ in 0..2 {
        let (status, output, elapsed) = evaluate(health).await;
        assert_eq!(status, Status::Fail, "{phase}: {output:?}");
        let output = output.unwrap_or_default();
        assert!(
            expect.probe.iter().any(|start| output.starts_with(start)),
            "{phase}, as a probe: {output:?} starts with none of {:?}",
            expect.probe
        );
        assert!(elapsed < TIMEOUT + SLACK, "{phase}: took {elapsed:?}");

        let started = Instant::now();
        let alone = check().timeout(TIMEOUT).await;
        let elapsed = started.elapsed();
        assert_eq!(
            alone.status(),
            Status::Fail,
            "{phase}: {:?}",
            alone.output()
        );
        let output = alone.output().unwrap_or_default();
        assert!(
            expect.alone.iter().any(|start| output.starts_with(start)),
            "{phase}, alone: {output:?} starts with none of {:?}",
            expect.alone
        );
        assert!(elapsed < TIMEOUT + SLACK, "{phase}: took {elapsed:?}");
    }
}

/// With a server gone silent on a live connection: `check` fails at [`TIMEOUT`] with `alone` on
/// its own, and with the probe's timeout as a probe. Returns that probe's `Health`, to see it
/// recover.
async fn fails_at_the_timeout(check: impl MakeCheck, alone: &str) -> Health {
    let output = check().timeout(TIMEOUT).await.output().map(str::to_owned);
    assert_eq!(output.as_deref(), Some(alone));
    let health = health(TIMEOUT, check);
    let (status, output, elapsed) = evaluate(&health).await;
    assert_eq!((status, output.as_deref()), (Status::Fail, Some(TIMED_OUT)));
    assert!(elapsed < TIMEOUT + SLACK, "{elapsed:?}");
    health
}

/// Waits (up to 3 s) until `done` holds.
async fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still not {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Passes again within a few runs after the path is restored: a client may first have to notice
/// that its old connection is gone.
async fn recovers(health: &Health) {
    let started = Instant::now();
    let mut outputs = Vec::new();
    while started.elapsed() < RECOVERY {
        let (status, output, _) = evaluate(health).await;
        if status == Status::Pass {
            return;
        }
        outputs.push(output);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no recovery within {RECOVERY:?} of the restore: {outputs:?}");
}
