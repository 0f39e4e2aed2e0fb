//! Ready-made checks of the usual dependencies, each behind a cargo feature.
//!
//! | check | feature | checks that |
//! |---|---|---|
//! | [`sql`] | `sqlx-0_9` | a sqlx 0.9 pool (`PostgreSQL`, `MySQL`/`MariaDB`, `SQLite`) hands out a connection that answers a ping |
//! | [`redis`](fn@redis) | `redis-1` | a redis 1.x `ConnectionManager` or `MultiplexedConnection` answers `PING` with `PONG` |
//! | [`http`] | `reqwest-0_13` | an HTTP upstream answers `GET` with a 2xx status, through your reqwest 0.13 `Client` |
//! | [`tcp`] | `tcp` | an address accepts TCP connections |
//! | [`disk_space`] | `disk` | a file system has at least so many bytes free (fs4, on the blocking pool) |
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
//! let report = health.check(Kind::Readiness).await;
//! let database = report.check("database").unwrap();
//! assert_eq!((database.status(), database.observed_unit()), (Status::Pass, "ms"));
//! # Ok(())
//! # }
//! ```
//!
//! # What every check does
//!
//! - **Latency**: a check reports its run time in milliseconds as the observed value
//!   (`observedValue`, `observedUnit: "ms"`), pass or fail.
//! - **Clear output**: a failure says what failed and why, for example
//!   `PostgreSQL: no connection within 500ms` or
//!   `GET http://payments:8080/healthz answered 503 Service Unavailable`.
//! - **No credentials**: passwords in URLs and `password=`-like pairs are replaced with `***` in
//!   every output, whether the check runs inside a [`Health`](crate::Health) or on its own.
//! - **Bounded**: inside a `Health` the probe's timeout cancels the check (its output is then
//!   `timed out after …`). Called on its own, a check gives up after
//!   [`DEFAULT_CHECK_TIMEOUT`] (5 s), or what [`CheckFuture::timeout`] sets. That matters: a redis
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
//!
//! The functions do not change when a major is added: [`sql`], [`redis`](fn@redis) and [`http`]
//! accept anything that implements the sealed traits [`SqlPool`], [`RedisConnection`] and
//! [`HttpClient`], which each feature implements for its major's types. A program that moves
//! from one major to the next changes its features, not its calls.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use crate::{BoxFuture, Check, redact};

#[cfg(feature = "disk")]
mod disk;
#[cfg(feature = "reqwest-0_13")]
mod http;
#[cfg(feature = "redis-1")]
mod redis;
#[cfg(feature = "sqlx-0_9")]
mod sql;
#[cfg(feature = "tcp")]
mod tcp;

#[cfg(feature = "disk")]
pub use disk::disk_space;
#[cfg(feature = "reqwest-0_13")]
pub use http::{HttpClient, http};
#[cfg(feature = "redis-1")]
pub use redis::{RedisConnection, redis};
#[cfg(feature = "sqlx-0_9")]
pub use sql::{SqlPool, sql};
#[cfg(feature = "tcp")]
pub use tcp::tcp;

/// How long a check called on its own may take before it fails: 5 s. Inside a
/// [`Health`](crate::Health), the probe's own timeout (500 ms by default) comes first.
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a check failed, or an optional note when it passed.
type Outcome = Result<Option<String>, String>;

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
        let what = what.into();
        let start: Start = Box::new(move |timeout| finish(what, timeout, run).boxed());
        CheckFuture {
            timeout: DEFAULT_CHECK_TIMEOUT,
            state: State::Idle(start),
        }
    }

    /// Gives up after `timeout` instead of [`DEFAULT_CHECK_TIMEOUT`], with an output that says
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

/// Runs a check under its timeout and turns its outcome into a [`Check`] with the latency as the
/// observed value and credentials redacted from the output.
async fn finish<F, Fut>(what: String, timeout: Duration, run: F) -> Check
where
    F: FnOnce(Budget) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let started = Instant::now();
    let budget = Budget {
        deadline: started + timeout,
        timeout,
    };
    let outcome = budget
        .run(run(budget))
        .await
        .unwrap_or_else(|| Err(format!("{what}: {}", budget.missed("no answer"))));
    let millis = started.elapsed().as_secs_f64() * 1e3;
    let check = match outcome {
        Ok(None) => Check::pass(),
        Ok(Some(note)) => Check::pass().with_output(redact(&note).into_owned()),
        Err(reason) => Check::fail(redact(&reason).into_owned()),
    };
    check.observed(millis, "ms")
}

/// The time a check has: its deadline, and the timeout it came from (for messages).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    deadline: Instant,
    timeout: Duration,
}

impl Budget {
    /// Awaits `future` until the deadline; `None` if the deadline came first (the future is
    /// dropped).
    pub(crate) async fn run<F: Future>(self, future: F) -> Option<F::Output> {
        tokio::time::timeout_at(self.deadline, future).await.ok()
    }

    /// `"{what} within 200ms"`.
    pub(crate) fn missed(self, what: &str) -> String {
        format!("{what} within {}", humantime::format_duration(self.timeout))
    }
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

    #[tokio::test(start_paused = true)]
    async fn latency_timeout_and_redaction() {
        let slow = CheckFuture::new("Thing", |_| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(None)
        })
        .timeout(Duration::from_millis(200))
        .await;
        assert_eq!(slow.output(), Some("Thing: no answer within 200ms"));
        assert_eq!(slow.observed_unit(), Some("ms"));
        assert_eq!(slow.observed_value(), Some(200.0));

        let leaky = CheckFuture::new("Thing", |_| async {
            Err("cannot reach redis://:hunter2@cache:6379".into())
        })
        .await;
        assert_eq!(leaky.output(), Some("cannot reach redis://:***@cache:6379"));

        let noted = CheckFuture::new("Thing", |budget| async move {
            tokio::time::sleep(Duration::from_millis(3)).await;
            Ok(Some(budget.missed("done")))
        })
        .await;
        assert_eq!(noted.status(), crate::Status::Pass);
        assert_eq!(noted.output(), Some("done within 5s"));
        assert_eq!(noted.observed_value(), Some(3.0));
    }
}
