//! Ready-made checks of the usual dependencies, each behind a cargo feature.
//!
//! | check | feature | checks that |
//! |---|---|---|
//! | [`sql`] | `sqlx-0_9` | a sqlx 0.9 pool (`PostgreSQL`, `MySQL`/`MariaDB`, `SQLite`) hands out a connection that answers a ping |
//! | [`redis`](fn@redis) | `redis-1` | a redis 1.x `ConnectionManager` or `MultiplexedConnection` answers `PING` with `PONG` |
//! | [`http`](fn@http) | `reqwest-0_13` | an HTTP upstream answers `GET` with a 2xx status, through your reqwest 0.13 `Client` |
//! | [`tcp`] | `tcp` | an address accepts TCP connections |
//! | [`disk_space`] | `disk` | a file system has at least so many bytes free (fs4, on the blocking pool) |
//! | [`amqp`] | `lapin-4` | a lapin 4 `Connection` (RabbitMQ) is connected, and a channel opens and closes on it |
//! | [`nats`] | `nats-0_51` | an async-nats 0.51 `Client` is connected, and the server answers a request |
//! | [`jetstream`] | `nats-0_51` | a JetStream `Context`'s client is connected, and JetStream returns the account's information |
//! | [`mqtt`] | `mqtt-0_25` | a rumqttc 0.25 client's event loop is connected, and the broker answers a request (through an [`MqttMonitor`] the event loop feeds) |
//! | [`grpc`](fn@grpc) | `grpc` | a gRPC upstream answers the standard `grpc.health.v1` `Check` with `SERVING`, through your tonic 0.14 `Channel` |
//! | [`memory`] | `process` | the process's resident memory is at most so many bytes (Linux `/proc`) |
//! | [`open_files`] | `process` | the process's open file descriptors are at most a fraction of its limit (Linux `/proc`) |
//!
//! `healthz-actix` re-exports the same features.
//!
//! # One way to use them
//!
//! Every check is a function that returns a [`CheckFuture`]: a `'static` future of a
//! [`Check`] that owns what it needs (pools and clients are cloned, which for all of them
//! means an `Arc` clone). Await it inside your own probe, or hand it to the builder as the probe
//! itself:
//!
//! ```
//! use healthz_core::{Check, Health, Kind, ProbeOptions, Status, checks};
//! use sqlx::SqlitePool;
//!
//! // Inside your own probe (for example one declared with `#[readiness]`):
//! async fn database(pool: &SqlitePool) -> Check {
//!     checks::sql(pool).await
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pool = SqlitePool::connect("sqlite::memory:").await?;
//! assert_eq!(database(&pool).await.status(), Status::Pass);
//!
//! // Or registered directly on the builder:
//! let health = Health::builder()
//!     .readiness("database", ProbeOptions::new(), move || checks::sql(&pool))
//!     .build()?;
//! let report = health.report(Kind::Readiness).await;
//! let database = report.check("database").unwrap();
//! assert_eq!((database.status(), database.observation().1), (Status::Pass, "ms"));
//! # Ok(())
//! # }
//! ```
//!
//! # What every check does
//!
//! - **Latency**: a check reports its run time in milliseconds as the observed value
//!   (`observedValue`, `observedUnit: "ms"`), pass or fail. The checks that measure something
//!   report that instead: [`memory`] in `bytes`, [`open_files`] in `descriptors`.
//! - **Clear output**: a failure says what failed and why, for example
//!   `PostgreSQL: no connection within 500ms` or
//!   `GET http://payments:8080/healthz answered 503 Service Unavailable`.
//! - **No credentials**: passwords in URLs and `password=`-like pairs are replaced with `***` in
//!   every output, whether the check runs inside a [`Health`](crate::Health) or on its own.
//! - **Bounded**: inside a `Health` the probe's timeout cancels the check (its output is then
//!   `timed out after …`). Called on its own, a check gives up after
//!   5 s, or what [`CheckFuture::timeout`] sets. That matters: a redis
//!   `ConnectionManager` retries a dead server for a long time, and a sqlx pool retries refused
//!   connections until its `acquire_timeout` (30 s by default).
//!
//! # Version coupling
//!
//! The checks take your handles (pools, connections, clients), so they must be built against the
//! same major version of the client crate as your code. Each such feature names the major it
//! targets: `sqlx-0_9` (sqlx 0.9), `redis-1` (redis 1.x), `reqwest-0_13` (reqwest 0.13). When a
//! new major comes out, a new feature (`sqlx-0_10`, `redis-2`, `reqwest-0_14`) can be added beside
//! the old one, and both can be enabled at once. The version is written with `_` in place of `.`,
//! as in `serde_with`'s `chrono_0_4`, and names the major: `0_9` for a 0.x crate, `1` from 1.0 on.
//! The same holds for `lapin-4`, `nats-0_51` and `mqtt-0_25` (rumqttc 0.25). `grpc` is the
//! exception, named for the protocol as the issue asked: it targets tonic 0.14 and tonic-health
//! 0.14, and a later tonic major would get a feature of its own (`grpc-tonic-0_15`) beside it.
//!
//! The functions do not change when a major is added: [`sql`], [`redis`](fn@redis), [`http`](fn@http),
//! [`amqp`], [`nats`], [`jetstream`], [`grpc`](fn@grpc) and [`MqttMonitor`] accept anything that
//! implements the sealed traits [`SqlPool`], [`RedisConnection`], [`HttpClient`],
//! [`AmqpConnection`], [`NatsClient`], [`JetStreamContext`], [`GrpcChannel`], [`MqttClient`] and
//! [`MqttEvent`], which each feature
//! implements for its major's types. A program that moves from one major to the next changes its
//! features, not its calls.
//!
//! # Adding a family
//!
//! A new family is one file: its public trait, empty, over the crate-private
//! `sealed::Handle`; its function, which calls `Handle::check`; and, in a module named after the
//! client's major, the two impls for each accepted type and the run itself, an async fn of the
//! handle and a `Budget` that awaits each step with `Budget::step` (which bounds it by the
//! timeout and writes the failure `"{what}: {reason}: {driver error}"`) and returns
//! `Ok(Check::pass())`. `CheckFuture` does the rest: the timeout, the latency, the redaction.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use crate::{BoxFuture, Check, redact};

#[cfg(feature = "lapin-4")]
mod amqp;
#[cfg(feature = "disk")]
mod disk;
#[cfg(feature = "grpc")]
mod grpc;
#[cfg(feature = "reqwest-0_13")]
mod http;
#[cfg(feature = "mqtt-0_25")]
mod mqtt;
#[cfg(feature = "nats-0_51")]
mod nats;
#[cfg(feature = "process")]
mod process;
#[cfg(feature = "redis-1")]
mod redis;
#[cfg(feature = "sqlx-0_9")]
mod sql;
#[cfg(feature = "tcp")]
mod tcp;

#[cfg(feature = "lapin-4")]
pub use amqp::{AmqpConnection, amqp};
#[cfg(feature = "disk")]
pub use disk::disk_space;
#[cfg(feature = "grpc")]
pub use grpc::{GrpcChannel, grpc};
#[cfg(feature = "reqwest-0_13")]
pub use http::{HttpClient, http};
#[cfg(feature = "mqtt-0_25")]
pub use mqtt::{MqttClient, MqttEvent, MqttMonitor, mqtt};
#[cfg(feature = "nats-0_51")]
pub use nats::{JetStreamContext, NatsClient, jetstream, nats};
#[cfg(feature = "process")]
pub use process::{memory, open_files};
#[cfg(feature = "redis-1")]
pub use redis::{RedisConnection, redis};
#[cfg(feature = "sqlx-0_9")]
pub use sql::{SqlPool, sql};
#[cfg(feature = "tcp")]
pub use tcp::tcp;

/// The sealing of the traits through which the checks accept your handles ([`SqlPool`],
/// [`RedisConnection`], [`HttpClient`], ...): a family's public trait is an empty trait over
/// [`Handle`](sealed::Handle), which is public in this private module, so users can name the
/// public trait as a bound but can neither implement it nor call the check through it.
mod sealed {
    /// How healthz checks one kind of handle. A family implements it, beside its public marker
    /// trait, for each type of each client major it supports; its public function calls it.
    /// `Input` is what that function takes besides the handle: nothing for most, a URL for
    /// [`http`](fn@super::http).
    #[allow(unreachable_pub)] // public in a private module: nameable as a bound, not implementable
    #[allow(dead_code)] // when only families without handles (tcp, disk, process) are enabled
    pub trait Handle<Input = ()> {
        /// A check of this handle (cloned into the check, which owns it).
        fn check(&self, input: Input) -> super::CheckFuture;
    }
}

/// How long a check called on its own may take before it fails: 5 s. Inside a
/// [`Health`](crate::Health), the probe's own timeout (500 ms by default) comes first.
pub(crate) const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// How a check's run ends: with a [`Check`] (usually [`Check::pass`]; a check that measures
/// something attaches its own observed value), or with the reason it failed, which
/// [`Budget::fail`] and [`Budget::step`] write.
type Outcome = Result<Check, String>;

/// A ready-made check on its way: a `'static`, `Send` future of a [`Check`], returned by every
/// function in [`checks`](self).
///
/// Nothing happens until it is first polled; the clock for its latency and its timeout starts
/// then.
///
/// ```
/// use std::time::Duration;
/// use healthz_core::{Status, checks};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let check = checks::tcp(listener.local_addr().unwrap())
///     .timeout(Duration::from_secs(1))
///     .await;
/// assert_eq!(check.status(), Status::Pass);
/// # }
/// ```
#[must_use = "a check does nothing until it is awaited"]
pub struct CheckFuture {
    timeout: Duration,
    state: State,
}

type Start = Box<dyn FnOnce(Duration) -> BoxFuture<'static, Check> + Send>;

enum State {
    Idle(Start),
    Running(BoxFuture<'static, Check>),
    Done,
}

impl CheckFuture {
    /// A check of `what` (the name its outputs start with) that runs `run` with a [`Budget`].
    pub(crate) fn new<F, Fut>(what: impl Into<String>, run: F) -> Self
    where
        F: FnOnce(Budget) -> Fut + Send + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let what: Arc<str> = what.into().into();
        let start: Start = Box::new(move |timeout| finish(what, timeout, run).boxed());
        CheckFuture {
            timeout: DEFAULT_CHECK_TIMEOUT,
            state: State::Idle(start),
        }
    }

    /// Gives up after `timeout` instead of 5 s, with an output that says
    /// which step did not finish (for example `PostgreSQL: no connection within 200ms`). Set it
    /// before the check is first polled.
    ///
    /// Inside a [`Health`](crate::Health) the probe's timeout also applies; set this shorter than
    /// the probe's timeout to get this check's more specific output instead of
    /// `timed out after …`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl fmt::Debug for CheckFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckFuture")
            .field("timeout", &self.timeout)
            .field(
                "state",
                &match self.state {
                    State::Idle(_) => "idle",
                    State::Running(_) => "running",
                    State::Done => "done",
                },
            )
            .finish()
    }
}

impl Future for CheckFuture {
    type Output = Check;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Check> {
        let this = self.get_mut();
        let mut running = match std::mem::replace(&mut this.state, State::Done) {
            State::Idle(start) => start(this.timeout),
            State::Running(running) => running,
            State::Done => panic!("`CheckFuture` polled after it completed"),
        };
        match running.as_mut().poll(cx) {
            Poll::Ready(check) => Poll::Ready(check),
            Poll::Pending => {
                this.state = State::Running(running);
                Poll::Pending
            }
        }
    }
}

/// Runs a check under its timeout and turns its outcome into a [`Check`] with credentials redacted
/// from the output and, unless the check observed a value of its own, the latency as the observed
/// value.
async fn finish<F, Fut>(what: Arc<str>, timeout: Duration, run: F) -> Check
where
    F: FnOnce(Budget) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = Instant::now();
    let budget = Budget {
        deadline: started + timeout,
        timeout,
        what,
    };
    let outcome = budget
        .run(run(budget.clone()))
        .await
        .unwrap_or_else(|| Err(budget.fail(budget.missed("no answer"))));
    let millis = started.elapsed().as_secs_f64() * 1e3;
    let mut check = outcome.unwrap_or_else(Check::fail);
    if let Some(redacted) = check.output().map(redact).and_then(owned) {
        check.output = Some(redacted.into());
    }
    if check.observed.is_none() {
        check = check.observed(millis, "ms");
    }
    check
}

/// A passing check that says what it saw.
fn pass_with(output: impl Into<Cow<'static, str>>) -> Check {
    let mut check = Check::pass();
    check.output = Some(output.into());
    check
}

/// The text of a `Cow` that redaction changed.
fn owned(text: Cow<'_, str>) -> Option<String> {
    match text {
        Cow::Borrowed(_) => None,
        Cow::Owned(text) => Some(text),
    }
}

/// The time a check has (its deadline, and the timeout it came from, for messages) and what it
/// checks (the name its failures start with).
///
/// Every step of a check that waits on something goes through [`step`](Self::step) (or
/// [`run`](Self::run)), so no step outlives the check's timeout, and every failure through
/// [`fail`](Self::fail), so they all read `"{what}: {reason}"`.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    deadline: Instant,
    timeout: Duration,
    what: Arc<str>,
}

impl Budget {
    /// Awaits `future` until the deadline; `None` if the deadline came first (the future is
    /// dropped).
    pub(crate) async fn run<F: Future>(&self, future: F) -> Option<F::Output> {
        tokio::time::timeout_at(self.deadline, future).await.ok()
    }

    /// Awaits one step of the check until the deadline: its value, or the failure
    /// `"{what}: {missed} within 200ms"` if the deadline came first, or
    /// `"{what}: {failed}: {error}"` (`"{what}: {error}"` when `failed` is empty) with the error's
    /// sources if it failed.
    #[allow(dead_code)] // unused when the only checks enabled are disk and process
    pub(crate) async fn step<T, E>(
        &self,
        future: impl Future<Output = Result<T, E>>,
        missed: &str,
        failed: &str,
    ) -> Result<T, String>
    where
        E: std::error::Error + 'static,
    {
        match self.run(future).await {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) if failed.is_empty() => Err(self.fail(chain(&e))),
            Some(Err(e)) => Err(self.fail(format_args!("{failed}: {}", chain(&e)))),
            None => Err(self.fail(self.missed(missed))),
        }
    }

    /// `"{what}: {reason}"`: the output of a failed check.
    pub(crate) fn fail(&self, reason: impl fmt::Display) -> String {
        format!("{}: {reason}", self.what)
    }

    /// What the check checks: the name its outputs start with.
    #[cfg_attr(not(feature = "reqwest-0_13"), allow(dead_code))]
    pub(crate) fn what(&self) -> &str {
        &self.what
    }

    /// The time left until the deadline (zero once it has passed).
    #[cfg_attr(not(feature = "grpc"), allow(dead_code))]
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// `"{what} within 200ms"`.
    pub(crate) fn missed(&self, what: &str) -> String {
        format!("{what} within {}", humantime::format_duration(self.timeout))
    }
}

#[cfg(any(feature = "disk", feature = "process"))]
/// `812.0 MiB`: a byte count in binary units, one decimal.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    #[allow(clippy::cast_precision_loss)] // one decimal is all that is shown
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// An error and its sources, joined with `": "`, leaving out a source whose text the message
/// already holds.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapped(std::io::Error);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("error sending request")
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn chains_sources_without_repeating_them() {
        let refused = || std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            chain(&Wrapped(refused())),
            format!("error sending request: {}", refused())
        );
        let plain = std::io::Error::other("disk on fire");
        assert_eq!(chain(&plain), "disk on fire");
    }

    #[cfg(any(feature = "disk", feature = "process"))]
    #[test]
    fn byte_counts() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (812 * 1024 * 1024, "812.0 MiB"),
            (5 << 30, "5.0 GiB"),
            (u64::MAX, "16.0 EiB"),
        ];
        for (n, text) in cases {
            assert_eq!(bytes(n), text, "{n}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn latency_timeout_and_redaction() {
        let slow = CheckFuture::new("Thing", |_| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(Check::pass())
        })
        .timeout(Duration::from_millis(200))
        .await;
        assert_eq!(slow.output(), Some("Thing: no answer within 200ms"));
        assert_eq!(slow.observation(), Some((200.0, "ms")));

        let leaky = CheckFuture::new("Thing", |_| async {
            Err("cannot reach redis://:hunter2@cache:6379".into())
        })
        .await;
        assert_eq!(leaky.output(), Some("cannot reach redis://:***@cache:6379"));

        let noted = CheckFuture::new("Thing", |budget| async move {
            tokio::time::sleep(Duration::from_millis(3)).await;
            Ok(pass_with(budget.missed("done")))
        })
        .await;
        assert_eq!(noted.status(), crate::Status::Pass);
        assert_eq!(noted.output(), Some("done within 5s"));
        assert_eq!(noted.observation().map(|(value, _)| value), Some(3.0));

        let measured = CheckFuture::new("Thing", |_| async {
            Ok(Check::warn("token=hunter2 is 3 MiB").observed(3.0, "MiB"))
        })
        .await;
        assert_eq!(measured.status(), crate::Status::Warn);
        assert_eq!(measured.output(), Some("token=*** is 3 MiB"));
        assert_eq!(measured.observation(), Some((3.0, "MiB")));
    }

    #[tokio::test(start_paused = true)]
    async fn steps_fail_with_the_name_the_reason_and_the_error() {
        let refused = || std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let budget = Budget {
            deadline: Instant::now() + Duration::from_millis(200),
            timeout: Duration::from_millis(200),
            what: "Thing".into(),
        };
        let failed = budget
            .step(
                async { Err::<(), _>(refused()) },
                "no answer",
                "cannot connect",
            )
            .await;
        assert_eq!(failed, Err(format!("Thing: cannot connect: {}", refused())));
        let bare = budget
            .step(async { Err::<(), _>(refused()) }, "no answer", "")
            .await;
        assert_eq!(bare, Err(format!("Thing: {}", refused())));
        let slow = budget
            .step(
                std::future::pending::<Result<(), std::io::Error>>(),
                "no answer",
                "",
            )
            .await;
        assert_eq!(slow, Err("Thing: no answer within 200ms".to_owned()));
        let done = budget
            .step(async { Ok::<_, std::io::Error>(7) }, "no answer", "")
            .await;
        assert_eq!(done, Ok(7));
    }
}
