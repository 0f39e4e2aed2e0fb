//! A small actix-web service with health checks, on an embedded `SQLite` database (nothing to
//! install): `cargo run -p example-basic`, then try the URLs it prints. Its probes are in
//! `examples/probes`, shared with the axum and gRPC examples:
//!
//! - `/livez`: the liveness probe `event_loop`.
//! - `/readyz`: `database` (`SELECT 1`, cached for 2 s) and the non-critical `catalog` (warns,
//!   but stays 200, when the catalog is empty), held back until the startup probe `migrations`
//!   has passed, and refused while maintenance mode is on (`POST /maintenance/on`, healthz's
//!   traffic switch).
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
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use example_probes::{DB_GROUP, DB_TAG, PATHS, Probes, bind, maintenance, seconds};
use healthz_actix::metrics::Metrics;
use healthz_actix::{AccessPolicy, Endpoints, Health, Kind, Shutdown, healthcheck};
use prometheus_client::registry::Registry;

async fn set_maintenance(health: web::Data<Health>, on: web::Path<String>) -> HttpResponse {
    match on.as_str() {
        "on" | "off" => {
            maintenance(&health, on.as_str() == "on");
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
    example_probes::init_logging();
    let bind = bind();
    let grace = seconds("DRAIN_SECS", Shutdown::DEFAULT_GRACE)?;
    let shutdown_timeout = seconds("SHUTDOWN_TIMEOUT_SECS", Duration::from_secs(10))?;

    let probes = Probes::open().await.map_err(std::io::Error::other)?;
    let mut registry = Registry::default();
    let health = probes
        .state(Health::builder())
        .observer(Metrics::new(&mut registry))
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-basic")
        .build()
        .map_err(std::io::Error::other)?;

    let endpoints = Endpoints::builder(health.clone())
        // Outputs for this host's own `curl` only. Behind a same-host relay (`kubectl
        // port-forward`, a TCP sidecar) every caller is loopback: drop this there, or set a token.
        .access(AccessPolicy::new().details_on_loopback(true))
        .dashboard(true)
        .group(DB_GROUP, Kind::Readiness, [DB_TAG])
        .build()
        .map_err(std::io::Error::other)?;
    let shutdown = Shutdown::new(health.clone()).grace(grace);
    let server = HttpServer::new({
        let maintenance = web::Data::new(health.clone());
        let registry = web::Data::new(registry);
        move || {
            App::new()
                .service(endpoints.clone())
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
        for path in PATHS.iter().chain(&["/metrics"]) {
            println!("  curl -i http://{addr}{path}");
        }
        println!("  curl -X POST http://{addr}/maintenance/on    # then /readyz answers 503");
        println!("  open http://{addr}/healthz/ui    # the live dashboard");
    }
    println!("on SIGTERM or Ctrl-C: /readyz answers 503 at once, the server stops {grace:?} later");
    server.run().await
}
