//! A small hyper service on the main port and its health on an admin port:
//! `cargo run -p example-admin-port`, then `curl localhost:8080/ping` and
//! `curl 'localhost:9090/readyz?verbose'`. `MAIN_ADDR` and `ADMIN_ADDR` set the addresses
//! (defaults `127.0.0.1:8080` and `127.0.0.1:9090`).
//!
//! On SIGTERM or Ctrl-C, `/readyz` fails at once while the main port goes on serving; after
//! `DRAIN_SECS` (default 10) both servers stop accepting and finish the requests in flight.

use std::time::Duration;

use healthz_core::web::{AccessPolicy, Endpoints};
use healthz_core::{Shutdown, serve};
use tokio::net::TcpListener;
use tokio::sync::watch;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let main_listener = TcpListener::bind(env_or("MAIN_ADDR", "127.0.0.1:8080")).await?;
    let admin_listener = TcpListener::bind(env_or("ADMIN_ADDR", "127.0.0.1:9090")).await?;
    let main_addr = main_listener.local_addr()?;
    let health = example_admin_port::health(main_addr)?;
    let drain = Duration::from_secs(env_or("DRAIN_SECS", "10").parse()?);
    println!("main port:  http://{main_addr}/ping");
    println!(
        "admin port: http://{}/readyz?verbose",
        admin_listener.local_addr()?
    );

    // One shutdown for both servers: readiness drains at once, and both stop after the grace.
    let (stopping, stop) = watch::channel(false);
    let shutdown = Shutdown::new(health.clone()).grace(drain);
    tokio::spawn(async move {
        shutdown.await;
        stopping.send_replace(true);
    });
    let stopped = |mut stop: watch::Receiver<bool>| async move {
        drop(stop.wait_for(|stopped| *stopped).await);
    };
    let main_server = tokio::spawn(example_admin_port::serve_main(
        main_listener,
        stopped(stop.clone()),
    ));
    // Outputs for this host's own `curl` only. Behind a same-host relay (`kubectl port-forward`,
    // a TCP sidecar) every caller is loopback: drop this there.
    let endpoints = Endpoints::builder(health)
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()?;
    serve(admin_listener, endpoints)
        .with_graceful_shutdown(stopped(stop))
        .await?;
    main_server.await?;
    Ok(())
}
