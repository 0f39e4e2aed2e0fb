//! A small actix-web service with health checks, on an embedded `SQLite` database (nothing to
//! install): `cargo run -p example-basic`, then try the URLs it prints.
//!
//! - `/livez`: the liveness probe `event_loop`.
//! - `/readyz`: `database` (`SELECT 1`, cached for 2 s), `maintenance` (fails while maintenance
//!   mode is on) and the non-critical `catalog` (warns, but stays 200, when the catalog is
//!   empty), held back until the startup probe `migrations` has passed.
//! - `/startupz`, `/healthz`, and `?verbose` on each for the Kubernetes text form.
//! - `/metrics`: Prometheus metrics of every probe.
//!
//! On SIGTERM or Ctrl-C, `/readyz` fails at once while everything else goes on serving; the
//! server stops accepting after a grace period (`DRAIN_SECS`, default 10) and gives in-flight
//! requests `SHUTDOWN_TIMEOUT_SECS` (default 10) to finish.
//!
//! `BIND` sets the address (default `127.0.0.1:8080`); `RUST_LOG` the log level (default
//! `info`). `example-basic healthcheck [path]` probes the running service's `path` (default
//! `/livez`) on `BIND` and exits 0 if it answers 2xx: the container health check of images
//! without curl.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use healthz_actix::metrics::Metrics;
use healthz_actix::{
    Check, Endpoints, Health, Shutdown, healthcheck, liveness, readiness, startup,
};
use prometheus_client::registry::Registry;
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

/// An empty catalog is worth a look, not worth taking the instance out of the load balancer:
/// `critical = false` makes a failure (or this warning) count as `warn`, still HTTP 200.
#[readiness(critical = false, cache = "10s")]
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
    Ok(check.observed(items as f64, "items"))
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

/// Serves the Prometheus text exposition of `registry`.
async fn metrics(registry: web::Data<Registry>) -> HttpResponse {
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(e) => HttpResponse::InternalServerError().body(format!("cannot encode metrics: {e}\n")),
    }
}

/// A duration from the environment variable `name`, in seconds, or `default`.
fn seconds(name: &str, default: Duration) -> std::io::Result<Duration> {
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
fn bind() -> String {
    std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        None => match serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("example-basic: {e}");
                ExitCode::FAILURE
            }
        },
        Some("healthcheck") => {
            // Probe the running service on loopback, whatever interface it binds.
            let port = bind()
                .rsplit_once(':')
                .map_or("8080", |(_, port)| port)
                .to_owned();
            let path = args.next().unwrap_or_else(|| "/livez".to_owned());
            healthcheck(&format!("http://127.0.0.1:{port}{path}"))
        }
        Some(other) => {
            eprintln!(
                "example-basic: unknown argument {other:?}; run without arguments, or `healthcheck [path]`"
            );
            ExitCode::from(2)
        }
    }
}

#[actix_web::main]
async fn serve() -> std::io::Result<()> {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|level| level.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .init();
    let bind = bind();
    let grace = seconds("DRAIN_SECS", Shutdown::DEFAULT_GRACE)?;
    let shutdown_timeout = seconds("SHUTDOWN_TIMEOUT_SECS", Duration::from_secs(10))?;

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
    sqlx::query("INSERT INTO items (name) VALUES ('kettle'), ('teapot')")
        .execute(&pool)
        .await
        .map_err(std::io::Error::other)?;

    let mut registry = Registry::default();
    let maintenance = Arc::new(Maintenance::default());
    let health = Health::builder()
        .state(pool)
        .state(Arc::clone(&maintenance))
        .observer(Metrics::new(&mut registry))
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-basic")
        .build()
        .map_err(std::io::Error::other)?;

    let shutdown = Shutdown::new(health.clone()).grace(grace);
    let server = HttpServer::new({
        let maintenance = web::Data::new(maintenance);
        let registry = web::Data::new(registry);
        move || {
            App::new()
                .service(Endpoints::new(health.clone()))
                .app_data(maintenance.clone())
                .app_data(registry.clone())
                .route("/maintenance/{on}", web::post().to(set_maintenance))
                .route("/metrics", web::get().to(metrics))
        }
    })
    .shutdown_signal(shutdown)
    .shutdown_timeout(shutdown_timeout.as_secs())
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
            "/metrics",
        ] {
            println!("  curl -i http://{addr}{path}");
        }
        println!("  curl -X POST http://{addr}/maintenance/on    # then /readyz answers 503");
    }
    println!("on SIGTERM or Ctrl-C: /readyz answers 503 at once, the server stops {grace:?} later");
    server.run().await
}
