//! [`redis`](fn@redis): a Redis connection answers `PING` with `PONG`.

use super::CheckFuture;
use super::sealed::Handle;

/// A Redis connection that [`redis`](fn@redis) can check.
///
/// Implemented, with the feature `redis-1`, for the redis crate 1.x's
/// `redis::aio::ConnectionManager` and `redis::aio::MultiplexedConnection` (both are cheap
/// handles to one shared connection; the check clones the handle). The trait is sealed: a later
/// redis major gets its own feature and implementation, and your calls stay the same.
///
/// Prefer a `ConnectionManager`: it reconnects after an outage. A `MultiplexedConnection` whose
/// connection broke stays broken, and so does the check.
pub trait RedisConnection: Handle {}

/// Checks that Redis answers `PING` with `PONG` on `connection`.
///
/// Passes with the latency in milliseconds as the observed value, and the server's
/// `redis_version` as a detail (`INFO server`, pipelined with the `PING`: one round trip). Fails
/// with
/// `Redis: PING failed: …`, `Redis: no answer to PING within 500ms` or
/// `Redis: unexpected answer to PING: …`.
///
/// A `ConnectionManager` retries a dead server several times with back-off before it gives up
/// (and a lazy one waits for its first connection); the check's timeout, or the probe's, ends
/// the wait.
///
/// ```no_run
/// use healthz_core::{Health, ProbeOptions, checks};
/// use redis::aio::ConnectionManager;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let redis = ConnectionManager::new(client).await?;
///
/// // In a probe of your own:
/// let check = checks::redis(&redis).await;
///
/// // Or as the probe:
/// let health = Health::builder()
///     .readiness("redis", ProbeOptions::new(), move || checks::redis(&redis))
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn redis(connection: &impl RedisConnection) -> CheckFuture {
    connection.check(())
}

/// redis 1.x. A later major goes in a module of its own beside this one, behind its own feature.
mod redis_1 {
    use redis::aio::{ConnectionLike, ConnectionManager, MultiplexedConnection};

    use crate::Check;
    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome};

    impl super::RedisConnection for ConnectionManager {}
    impl super::RedisConnection for MultiplexedConnection {}

    impl Handle for ConnectionManager {
        fn check(&self, (): ()) -> CheckFuture {
            let connection = self.clone();
            CheckFuture::new("Redis", move |budget| ping(connection, budget))
        }
    }

    impl Handle for MultiplexedConnection {
        fn check(&self, (): ()) -> CheckFuture {
            let connection = self.clone();
            CheckFuture::new("Redis", move |budget| ping(connection, budget))
        }
    }

    async fn ping(mut connection: impl ConnectionLike + Send, budget: Budget) -> Outcome {
        let mut pipeline = redis::pipe();
        pipeline.cmd("PING").cmd("INFO").arg("server");
        let (pong, info) = budget
            .step(
                pipeline.query_async::<(String, String)>(&mut connection),
                "no answer to PING",
                "PING failed",
            )
            .await?;
        if pong != "PONG" {
            return Err(budget.fail(format_args!("unexpected answer to PING: {pong:?}")));
        }
        let version = info
            .lines()
            .find_map(|line| line.strip_prefix("redis_version:"))
            .map(str::trim);
        Ok(match version {
            Some(version) => Check::pass().detail("redis_version", version),
            None => Check::pass(),
        })
    }
}
