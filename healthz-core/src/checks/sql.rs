//! [`sql`]: a sqlx pool hands out a connection that answers a ping.

use super::CheckFuture;
use super::sealed::Handle;

/// A connection pool that [`sql`] can check.
///
/// Implemented, with the feature `sqlx-0_9`, for sqlx 0.9's `Pool<DB>` of every database:
/// `PgPool`, `MySqlPool` (`MySQL` and `MariaDB`) and `SqlitePool`. The drivers are the ones your own
/// sqlx dependency enables; healthz enables none. The trait is sealed: a later sqlx major gets
/// its own feature and implementation, and your calls stay the same.
pub trait SqlPool: Handle {}

/// Checks that `pool` hands out a connection and that the connection answers a ping (one round
/// trip to the server; `SQLite` pings its worker thread).
///
/// Passes with the latency in milliseconds as the observed value, and details: the pool's
/// `pool_size` and `idle` connections, and the `server_version` (asked once per pool, with
/// `SHOW server_version`, `SELECT version()` or `SELECT sqlite_version()`, then remembered). Fails with the database's name
/// and the reason: `PostgreSQL: no connection within 500ms` (the server is down, refuses
/// connections, or every pooled connection is busy: sqlx retries refused connections until its
/// `acquire_timeout`), `PostgreSQL: cannot get a connection: …`, `PostgreSQL: ping failed: …` or
/// `PostgreSQL: no answer to a ping within 500ms`. `MariaDB` reports itself as `MySQL`.
///
/// A connection whose ping failed or was cut short by a timeout is closed instead of going back
/// to the pool, so a check never leaves a half-used connection behind.
///
/// ```
/// use std::time::Duration;
/// use healthz_core::{Status, checks};
/// use sqlx::sqlite::SqlitePoolOptions;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sqlx::Error> {
/// let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
/// let check = checks::sql(&pool).await;
/// assert_eq!(check.status(), Status::Pass);
/// assert_eq!(check.observation().map(|(_, unit)| unit), Some("ms"));
///
/// pool.close().await;
/// let check = checks::sql(&pool).timeout(Duration::from_millis(200)).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert_eq!(
///     check.output(),
///     Some("SQLite: cannot get a connection: attempted to acquire a connection on a closed pool")
/// );
/// # Ok(())
/// # }
/// ```
pub fn sql(pool: &impl SqlPool) -> CheckFuture {
    pool.check(())
}

/// sqlx 0.9. A later major goes in a module of its own beside this one, behind its own feature.
mod sqlx_0_9 {
    use sqlx::pool::PoolConnection;
    use std::sync::{Arc, Mutex, PoisonError};

    use sqlx::{Connection as _, Database, Pool};

    use crate::Check;
    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome};

    impl<DB: Database> super::SqlPool for Pool<DB> where Pool<DB>: Handle {}

    /// Every sqlx driver meets these bounds: they let the check ask the server's version.
    impl<DB: Database> Handle for Pool<DB>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        String: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
        DB::Arguments: sqlx::IntoArguments<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        fn check(&self, (): ()) -> CheckFuture {
            let pool = self.clone();
            CheckFuture::new(DB::NAME, move |budget| ping(pool, budget))
        }
    }

    async fn ping<DB: Database>(pool: Pool<DB>, budget: Budget) -> Outcome
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        String: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
        DB::Arguments: sqlx::IntoArguments<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        let connection = budget
            .step(pool.acquire(), "no connection", "cannot get a connection")
            .await?;
        let mut connection = CloseUnlessReleased(Some(connection));
        let Some(live) = connection.0.as_mut() else {
            return Err(budget.fail("the connection was lost"));
        };
        budget
            .step(live.ping(), "no answer to a ping", "ping failed")
            .await?;
        let version = server_version(&pool, live, &budget).await;
        connection.release();
        let mut check = Check::pass()
            .detail("pool_size", pool.size())
            .detail("idle", pool.num_idle());
        if let Some(version) = version {
            check = check.detail("server_version", &*version);
        }
        Ok(check)
    }

    /// Server versions by pool (the address of its connect options, shared by every clone).
    static VERSIONS: Mutex<Vec<(usize, Arc<str>)>> = Mutex::new(Vec::new());

    /// The server's version: asked once per pool, best effort (no version is no failure).
    async fn server_version<DB: Database>(
        pool: &Pool<DB>,
        connection: &mut DB::Connection,
        budget: &Budget,
    ) -> Option<Arc<str>>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
        String: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
        DB::Arguments: sqlx::IntoArguments<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        let key = Arc::as_ptr(&pool.connect_options()).cast::<()>() as usize;
        let versions = || VERSIONS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, version)) = versions().iter().find(|(k, _)| *k == key) {
            return Some(Arc::clone(version));
        }
        let query = match DB::NAME {
            "PostgreSQL" => "SHOW server_version",
            "SQLite" => "SELECT sqlite_version()",
            _ => "SELECT version()",
        };
        let version: Arc<str> = budget
            .run(sqlx::query_scalar::<DB, String>(query).fetch_one(connection))
            .await?
            .ok()?
            .into();
        let mut versions = versions();
        // A handful of pools per process; a pool made and dropped in a loop must not grow this.
        if versions.len() >= 64 {
            versions.remove(0);
        }
        versions.push((key, Arc::clone(&version)));
        Some(version)
    }

    /// Closes the connection when dropped, unless [`release`](Self::release)d back to the pool:
    /// a connection whose ping failed or was cancelled mid-flight is not reused.
    struct CloseUnlessReleased<DB: Database>(Option<PoolConnection<DB>>);

    impl<DB: Database> CloseUnlessReleased<DB> {
        fn release(mut self) {
            drop(self.0.take());
        }
    }

    impl<DB: Database> Drop for CloseUnlessReleased<DB> {
        fn drop(&mut self) {
            if let Some(mut connection) = self.0.take() {
                connection.close_on_drop();
            }
        }
    }
}
