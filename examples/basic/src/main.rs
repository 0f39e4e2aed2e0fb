//! A small actix-web service with health checks, on an embedded `SQLite` database (nothing to
//! install): `cargo run -p example-basic`, then try the URLs it prints.
//!
//! - `/livez`: the liveness probe `event_loop`.
//! - `/readyz`: `database` (`SELECT 1`, cached for 2 s) and `maintenance` (fails while maintenance
//!   mode is on), held back until the startup probe `migrations` has passed.
//! - `/startupz`, `/healthz`, and `?verbose` on each for the Kubernetes text form.
//!
//! On SIGTERM or Ctrl-C, `/readyz` fails at once while everything else goes on serving; the
//! server stops gracefully after a grace period (`DRAIN_SECS`, default 10).
//!
//! `BIND` sets the address (default `127.0.0.1:8080`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use healthz_actix::{Check, Endpoints, Health, Shutdown, liveness, readiness, startup};
use sqlx::SqlitePool;
use sqlx::sqlite::SqlitePoolOptions;

/// The event loop answers, so the process is alive.
#[liveness]
async fn event_loop() {}

/// The database answers a query within 200 ms. Results are reused for 2 s, so a burst of
/// requests makes one query.
#[readiness(timeout = "200ms", cache = "2s")]
async fn database(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(drop)
}

/// Maintenance mode takes the instance out of the load balancer while it stays alive.
#[derive(Debug, Default)]
struct Maintenance(AtomicBool);

#[readiness]
async fn maintenance(mode: &Arc<Maintenance>) -> Check {
    if mode.0.load(Ordering::Relaxed) {
        Check::fail("maintenance mode is on (POST /maintenance/off to end it)")
    } else {
        Check::pass()
    }
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

async fn set_maintenance(mode: web::Data<Arc<Maintenance>>, on: web::Path<String>) -> HttpResponse {
    match on.as_str() {
        "on" | "off" => {
            mode.0.store(on.as_str() == "on", Ordering::Relaxed);
            HttpResponse::Ok().body(format!("maintenance {on}\n"))
        }
        other => HttpResponse::BadRequest().body(format!(
            "expected /maintenance/on or /maintenance/off, not {other:?}\n"
        )),
    }
}

/// The grace period between draining and stopping: `DRAIN_SECS` seconds, default 10.
fn drain_grace() -> std::io::Result<Duration> {
    let Ok(secs) = std::env::var("DRAIN_SECS") else {
        return Ok(Shutdown::DEFAULT_GRACE);
    };
    secs.trim()
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "DRAIN_SECS must be a number of seconds such as `10` or `0.5`, not {secs:?}"
            ))
        })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let grace = drain_grace()?;

    // One connection to an in-memory database, so every query sees the same schema.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .map_err(std::io::Error::other)?;
    sqlx::query("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        .execute(&pool)
        .await
        .map_err(std::io::Error::other)?;

    let maintenance = Arc::new(Maintenance::default());
    let health = Health::builder()
        .state(pool)
        .state(Arc::clone(&maintenance))
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-basic")
        .build()
        .map_err(std::io::Error::other)?;

    let shutdown = Shutdown::new(health.clone()).grace(grace);
    let server = HttpServer::new({
        let maintenance = web::Data::new(maintenance);
        move || {
            App::new()
                .service(Endpoints::new(health.clone()))
                .app_data(maintenance.clone())
                .route("/maintenance/{on}", web::post().to(set_maintenance))
        }
    })
    .shutdown_signal(shutdown)
    .bind(&bind)?;

    for addr in server.addrs() {
        println!("example-basic listening on http://{addr}");
        println!("try:");
        for path in [
            "/livez",
            "/readyz",
            "/readyz?verbose",
            "/readyz/database",
            "/startupz",
            "/healthz",
        ] {
            println!("  curl -i http://{addr}{path}");
        }
        println!("  curl -X POST http://{addr}/maintenance/on    # then /readyz answers 503");
    }
    println!("on SIGTERM or Ctrl-C: /readyz answers 503 at once, the server stops {grace:?} later");
    server.run().await
}
