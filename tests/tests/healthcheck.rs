//! `healthcheck`, the container HEALTHCHECK helper, against a real health server. How it reads
//! answers (timeouts, refused connections, what is not HTTP) is unit-tested beside it.

use std::process::ExitCode;

use healthz_actix::{Health, ProbeOptions, healthcheck};
use healthz_tests::TestServer;

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[actix_web::test]
async fn reports_the_status_code_of_a_real_server() {
    let health = Health::builder()
        .without_registered()
        .liveness("loop", ProbeOptions::new(), || async {})
        .readiness("db", ProbeOptions::new(), || async { false })
        .build()
        .unwrap();
    let server = TestServer::start(health);
    let (live, ready, missing) = (
        server.url("/livez"),
        server.url("/readyz"),
        server.url("/nope"),
    );
    let codes = blocking(move || [live, ready, missing].map(|url| healthcheck(&url))).await;
    assert_eq!(
        codes,
        [ExitCode::SUCCESS, ExitCode::FAILURE, ExitCode::FAILURE],
        "200 passes, 503 and 404 fail"
    );
}
