//! The probes every healthz example serves (actix-web, axum, gRPC), and the embedded `SQLite`
//! database they check: nothing to install.
//!
//! - liveness `event_loop`: the event loop answers;
//! - readiness `database` (tagged `db`): `SELECT 1` within 200 ms, cached for 2 s;
//! - readiness `catalog` (non-critical, tagged `db`): warns, but stays 200, when the catalog is
//!   empty; details: the pool's size and idle connections;
//! - startup `migrations`: the schema is in place; readiness waits for it.
//!
//! Every example mounts [`DB_GROUP`], the group of the `db`-tagged readiness probes, and a
//! maintenance switch ([`maintenance`]). The probes register themselves with `#[liveness]`,
//! `#[readiness]` and `#[startup]`; an example only needs to link this crate (it does, by calling
//! [`Probes::open`]) and supply the state with [`Probes::state`].

use std::time::Duration;

use healthz_core::{Check, Health, HealthBuilder, liveness, readiness, startup};
use sqlx::SqlitePool;
use sqlx::sqlite::SqlitePoolOptions;

/// The event loop answers, so the process is alive.
#[liveness]
async fn event_loop() {}

/// The database answers a query within 200 ms. Results are reused for 2 s, so a burst of
/// requests makes one query.
#[readiness(timeout = "200ms", cache = "2s", tags = ["db"])]
async fn database(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(drop)
}

/// Maintenance mode takes the instance out of the load balancer while it stays alive, with
/// healthz's traffic switch: `POST /maintenance/on` in every example calls this.
pub fn maintenance(health: &Health, on: bool) {
    if on {
        health.refuse_traffic(MAINTENANCE);
    } else {
        health.accept_traffic();
    }
}

/// The reason readiness gives while maintenance mode is on.
pub const MAINTENANCE: &str = "maintenance mode is on";

/// An empty catalog is worth a look, not worth taking the instance out of the load balancer:
/// `critical = false` makes a failure (or this warning) count as `warn`, still HTTP 200.
#[readiness(critical = false, cache = "10s", tags = ["db"])]
async fn catalog(pool: &SqlitePool) -> Result<Check, sqlx::Error> {
    let (items,): (i64,) = sqlx::query_as("SELECT count(*) FROM items")
        .fetch_one(pool)
        .await?;
    let check = if items == 0 {
        Check::warn("the catalog is empty")
    } else {
        Check::pass()
    };
    #[allow(clippy::cast_precision_loss)] // a count of items, far below 2^52
    Ok(check
        .observed(items as f64, "items")
        .detail("pool_size", pool.size())
        .detail("idle", pool.num_idle()))
}

/// The schema is in place: readiness waits for this once at start.
#[startup(timeout = "2s")]
async fn migrations(pool: &SqlitePool) -> Result<bool, sqlx::Error> {
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'items'",
    )
    .fetch_one(pool)
    .await?;
    Ok(tables == 1)
}

/// What the probes read: the database.
#[derive(Clone, Debug)]
pub struct Probes {
    /// The embedded database.
    pub pool: SqlitePool,
}

impl Probes {
    /// Opens the in-memory database (one connection, so every query sees the same schema) and
    /// fills its catalog.
    ///
    /// # Errors
    ///
    /// If `SQLite` cannot open or fill the database.
    pub async fn open() -> Result<Probes, sqlx::Error> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        sqlx::query("INSERT INTO items (name) VALUES ('kettle'), ('teapot')")
            .execute(&pool)
            .await?;
        Ok(Probes { pool })
    }

    /// Supplies the probes' state to a `Health` builder.
    pub fn state(&self, builder: HealthBuilder) -> HealthBuilder {
        builder.state(self.pool.clone())
    }
}

/// A duration from the environment variable `name`, in seconds, or `default`.
///
/// # Errors
///
/// If the variable is set to something that is not a number of seconds.
pub fn seconds(name: &str, default: Duration) -> std::io::Result<Duration> {
    let Ok(secs) = std::env::var(name) else {
        return Ok(default);
    };
    secs.trim()
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "{name} must be a number of seconds such as `10` or `0.5`, not {secs:?}"
            ))
        })
}

/// The address to listen on: `BIND`, default `127.0.0.1:8080`.
pub fn bind() -> String {
    std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
}

/// Logs through `tracing` to stderr, at the level `RUST_LOG` names (default `info`).
pub fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|level| level.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
}

/// The group every example mounts: `/readyz/db`, the readiness probes tagged `db`.
pub const DB_GROUP: &str = "/readyz/db";

/// The tag of the probes in [`DB_GROUP`].
pub const DB_TAG: &str = "db";

/// The paths every example prints for people to try.
pub const PATHS: [&str; 7] = [
    "/livez",
    "/readyz",
    "/readyz?verbose",
    "/readyz/database",
    "/readyz/db?verbose",
    "/startupz",
    "/healthz",
];

#[cfg(test)]
mod tests {
    use healthz_core::{Health, Problem};

    #[test]
    fn without_their_state_the_probes_name_what_is_missing() {
        let error = Health::builder().build().unwrap_err();
        let missing: Vec<(&str, &str)> = error
            .problems()
            .iter()
            .filter_map(|problem| match problem {
                Problem::MissingState { probe, type_name } => Some((&*probe.name, *type_name)),
                _ => None,
            })
            .collect();
        assert!(
            missing
                .iter()
                .any(|(name, ty)| *name == "database" && ty.contains("Sqlite")),
            "{missing:?}"
        );
        assert_eq!(
            missing.len(),
            3,
            "catalog, database, migrations: {missing:?}"
        );
        let database = error
            .problems()
            .iter()
            .map(ToString::to_string)
            .find(|p| p.contains("`database`"))
            .unwrap();
        println!("{error}");
        assert!(
            database.contains("examples/probes/src/lib.rs:"),
            "{database}"
        );
    }
}
