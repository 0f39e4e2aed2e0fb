//! The admin port's readiness follows the main port: it passes while the main port answers, and
//! fails, with the reason, when the main port stops accepting or refuses connections, while
//! liveness on the admin port goes on passing.

use std::future::IntoFuture as _;
use std::time::Duration;

use healthz_core::serve;
use healthz_core::web::{AccessPolicy, Endpoints};
use tokio::net::TcpListener;

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn readiness_on_the_admin_port_fails_when_the_main_port_does() {
    let main = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let main_addr = main.local_addr().unwrap();
    let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin_addr = admin.local_addr().unwrap();
    let health = example_admin_port::health(main_addr).unwrap();
    let endpoints = Endpoints::builder(health)
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()
        .unwrap();
    tokio::spawn(serve(admin, endpoints).into_future());

    // The main port answers: ready.
    let (stop_main, main_stopped) = tokio::sync::oneshot::channel::<()>();
    let main_server = tokio::spawn(example_admin_port::serve_main(main, async {
        drop(main_stopped.await);
    }));
    assert_eq!(get(main_addr, "/ping").await, (200, "pong\n".to_owned()));
    assert_eq!(
        get(admin_addr, "/readyz?verbose").await,
        (200, "[+]main_port ok\nreadyz check passed\n".to_owned())
    );

    // The main port's listener is open but nobody accepts (a stuck accept loop): a TCP connect
    // would pass, the probe's request gets no answer and times out.
    stop_main.send(()).unwrap();
    main_server.await.unwrap();
    let stuck = std::net::TcpListener::bind(main_addr).unwrap();
    let (status, body) = get(admin_addr, "/readyz?verbose").await;
    assert_eq!(
        (status, body.as_str()),
        (
            503,
            "[-]main_port failed: timed out after 1s\nreadyz check failed\n"
        )
    );
    assert_eq!(
        get(admin_addr, "/livez").await.0,
        200,
        "liveness is not the main port's"
    );

    // The main port is gone: connections are refused.
    drop(stuck);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, body) = get(admin_addr, "/readyz?verbose").await;
    assert_eq!(status, 503);
    assert!(
        body.starts_with(&format!(
            "[-]main_port failed: cannot connect to the main port {main_addr}: "
        )),
        "{body}"
    );
}
