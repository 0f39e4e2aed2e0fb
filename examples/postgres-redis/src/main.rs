//! An actix-web service whose readiness checks real `PostgreSQL`, Redis and NATS servers with
//! healthz's ready-made checks: `cargo run -p example-postgres-redis`, then try the URLs it prints.
//!
//! - `/readyz`: `postgres` (`checks::sql`), `redis` (`checks::redis`), `nats` (`checks::nats`),
//!   all cached for 1 s, and `disk` (`checks::disk_space`) and `memory` (`checks::memory`), both
//!   non-critical: a full disk or a fat process makes the report `warn`.
//! - `/livez`: the event loop.
//!
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`), `REDIS_URL` (default
//! `redis://127.0.0.1:6379`), `NATS_URL` (default `nats://127.0.0.1:4222`) and `BIND` (default
//! `127.0.0.1:8080`) configure it. Every connection is made lazily, so the service starts while a
//! dependency is down and `/readyz` says which one.

use std::time::Duration;

use actix_web::{App, HttpServer};
use healthz_actix::{
    AccessPolicy, Check, Endpoints, Health, ProbeOptions, checks, liveness, readiness, redact,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The free space below which `disk` warns.
const MIN_FREE_DISK: u64 = 512 * 1024 * 1024;

/// The resident memory above which `memory` warns.
const MAX_MEMORY: u64 = 1 << 30;

/// The event loop answers, so the process is alive.
#[liveness]
async fn event_loop() {}

/// `PostgreSQL` hands out a connection that answers a ping.
#[readiness(timeout = "300ms", cache = "1s")]
async fn postgres(pool: &PgPool) -> Check {
    checks::sql(pool).await
}

/// Redis answers `PING`.
#[readiness(timeout = "300ms", cache = "1s")]
async fn redis(connection: &ConnectionManager) -> Check {
    checks::redis(connection).await
}

/// NATS answers a request.
#[readiness(timeout = "300ms", cache = "1s")]
async fn nats(client: &async_nats::Client) -> Check {
    checks::nats(client).await
}

/// Reads a URL from `var`, or `default`.
fn url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

/// An error for `main`, naming the variable, with any password in the message hidden.
fn config_error(var: &str, error: &dyn std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{var}: {}", redact(&error.to_string())))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let database_url = url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test");
    let redis_url = url("REDIS_URL", "redis://127.0.0.1:6379");
    let nats_url = url("NATS_URL", "nats://127.0.0.1:4222");

    let pool = PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy(&database_url)
        .map_err(|e| config_error("DATABASE_URL", &e))?;
    let client =
        redis::Client::open(redis_url.as_str()).map_err(|e| config_error("REDIS_URL", &e))?;
    let connection =
        ConnectionManager::new_lazy_with_config(client, ConnectionManagerConfig::new())
            .map_err(|e| config_error("REDIS_URL", &e))?;
    // Connects in the background, and reconnects on its own after an outage.
    let nats_client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(nats_url.as_str())
        .await
        .map_err(|e| config_error("NATS_URL", &e))?;

    let health = Health::builder()
        .state(pool)
        .state(connection)
        .state(nats_client)
        .readiness(
            "disk",
            ProbeOptions::new()
                .critical(false)
                .cache(Duration::from_secs(10)),
            || checks::disk_space(".", MIN_FREE_DISK),
        )
        .readiness("memory", ProbeOptions::new().critical(false), || {
            checks::memory(MAX_MEMORY)
        })
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-postgres-redis")
        .build()
        .map_err(std::io::Error::other)?;

    // Outputs for this host's own `curl` only. Behind a same-host relay (`kubectl port-forward`,
    // a TCP sidecar) every caller is loopback: drop this there.
    let endpoints = Endpoints::builder(health)
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()
        .map_err(std::io::Error::other)?;
    let server = HttpServer::new(move || App::new().service(endpoints.clone())).bind(&bind)?;
    for addr in server.addrs() {
        println!("example-postgres-redis listening on http://{addr}");
        println!(
            "checking PostgreSQL at {}, Redis at {} and NATS at {}",
            redact(&database_url),
            redact(&redis_url),
            redact(&nats_url)
        );
        println!("try:");
        for path in ["/readyz?verbose", "/readyz", "/readyz/postgres", "/livez"] {
            println!("  curl -i http://{addr}{path}");
        }
    }
    server.run().await
}
