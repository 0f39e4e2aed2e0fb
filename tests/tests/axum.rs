//! What is particular to axum: merging into a router that has state of its own, nesting under a
//! prefix, and the app's own routes beside the endpoints. The HTTP contract itself is
//! `contract.rs`, run against every adapter over TCP.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use healthz_axum::{Endpoints, Health};
use healthz_tests::healthy;

/// Serves `app` on `127.0.0.1:0` with `ConnectInfo`, until the returned sender is dropped.
async fn serve(app: Router) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            drop(stopped.await);
        })
        .await
        .unwrap();
    });
    (addr, stop)
}

async fn status_and_body(addr: SocketAddr, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

async fn hello(State(state): State<AppState>) -> &'static str {
    state.greeting
}

#[tokio::test]
async fn endpoints_merge_into_a_router_with_state_beside_its_routes() {
    let health: Health = healthy();
    let app = Router::new()
        .route("/hello", get(hello))
        .route("/readyzen", get(|| async { "app" }))
        .merge(Endpoints::new(health))
        .with_state(AppState { greeting: "hi" });
    let (addr, _stop) = serve(app).await;
    for (path, expected, body) in [
        ("/hello", 200, Some("hi")),
        ("/readyzen", 200, Some("app")),
        ("/readyz", 200, None),
        ("/readyz/database", 200, None),
        ("/readyz/", 404, None),
        ("/readyz/database/more", 404, None),
        ("/healthz/database", 404, None),
    ] {
        let (status, text) = status_and_body(addr, path).await;
        assert_eq!(status, expected, "{path}");
        if let Some(body) = body {
            assert_eq!(text, body, "{path}");
        }
    }
}

#[tokio::test]
async fn endpoints_nest_under_a_prefix() {
    let app = Router::new().nest("/internal", Endpoints::new(healthy()).into());
    let (addr, _stop) = serve(app).await;
    assert_eq!(status_and_body(addr, "/internal/livez").await.0, 200);
    let (status, body) = status_and_body(addr, "/internal/livez/event_loop?verbose").await;
    assert_eq!(
        (status, body.as_str()),
        (200, "[+]event_loop ok\nlivez check passed\n"),
        "the probe's name is found under the nested path"
    );
    assert_eq!(status_and_body(addr, "/livez").await.0, 404);
}
