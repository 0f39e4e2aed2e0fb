//! The basic example's probes on embedded `SQLite`, served by axum: `cargo run -p example-axum`,
//! then try the URLs it prints. It answers exactly as `example-basic` (actix-web) does: the same
//! paths, bodies, headers and status codes.
//!
//! - `/livez`, `/readyz`, `/startupz`, `/healthz` (and `?verbose`, `/readyz/{name}`);
//! - `POST /maintenance/on` and `/maintenance/off`, which refuse and accept traffic (readiness
//!   fails meanwhile);
//! - `/metrics`: Prometheus metrics of every probe.
//!
//! On SIGTERM or Ctrl-C, `/readyz` fails at once while everything else goes on serving; after
//! `DRAIN_SECS` (default 10) axum stops accepting and finishes the requests in flight. `BIND` sets
//! the address (default `127.0.0.1:8080`); `RUST_LOG` the log level (default `info`).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use example_probes::{DB_GROUP, DB_TAG, PATHS, Probes, bind, maintenance, seconds};
use healthz_axum::metrics::Metrics;
use healthz_axum::{AccessPolicy, Endpoints, Health, Kind, Shutdown};
use prometheus_client::registry::Registry;

async fn set_maintenance(
    State(app): State<AppState>,
    Path(on): Path<String>,
) -> (StatusCode, String) {
    match on.as_str() {
        "on" | "off" => {
            maintenance(&app.health, on == "on");
            (StatusCode::OK, format!("maintenance {on}\n"))
        }
        other => (
            StatusCode::BAD_REQUEST,
            format!("expected /maintenance/on or /maintenance/off, not {other:?}\n"),
        ),
    }
}

/// Serves the Prometheus text exposition of the registry.
async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    let mut text = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut text, &app.registry) {
        Ok(()) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        ),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("cannot encode metrics: {e}\n"),
        ),
    }
}

#[derive(Clone)]
struct AppState {
    health: Health,
    registry: Arc<Registry>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    example_probes::init_logging();
    let grace = seconds("DRAIN_SECS", Shutdown::DEFAULT_GRACE)?;

    let probes = Probes::open().await.map_err(std::io::Error::other)?;
    let mut registry = Registry::default();
    let health: Health = probes
        .state(Health::builder())
        .observer(Metrics::new(&mut registry))
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("example-axum")
        .build()
        .map_err(std::io::Error::other)?;

    let app = Router::new()
        .route("/maintenance/{on}", post(set_maintenance))
        .route("/metrics", get(metrics))
        .merge(
            Endpoints::builder(health.clone())
                // Outputs for this host's own `curl` only. Behind a same-host relay (`kubectl
                // port-forward`, a TCP sidecar) every caller is loopback: drop this there.
                .access(AccessPolicy::new().details_on_loopback(true))
                .dashboard(true)
                .group(DB_GROUP, Kind::Readiness, [DB_TAG])
                .build()
                .map_err(std::io::Error::other)?,
        )
        .with_state(AppState {
            health: health.clone(),
            registry: Arc::new(registry),
        });

    let listener = tokio::net::TcpListener::bind(bind()).await?;
    let addr = listener.local_addr()?;
    println!("example-axum listening on http://{addr}");
    println!("try:");
    for path in PATHS.iter().chain(&["/metrics"]) {
        println!("  curl -i http://{addr}{path}");
    }
    println!("  curl -X POST http://{addr}/maintenance/on    # then /readyz answers 503");
    println!("  open http://{addr}/healthz/ui    # the live dashboard");
    println!("on SIGTERM or Ctrl-C: /readyz answers 503 at once, the server stops {grace:?} later");
    // `ConnectInfo` tells healthz who the client is (loopback callers see details).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(Shutdown::new(health).grace(grace))
    .await
}
