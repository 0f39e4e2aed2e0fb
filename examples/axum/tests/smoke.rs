//! Runs the axum example as a user would, over real TCP: it gives every example's answers (the
//! same bytes as `example-basic` on actix-web), and SIGTERM drains readiness at once, then stops
//! the server cleanly after the grace period.

use std::time::{Duration, Instant};

use healthz_tests::example::{Example, assert_probes_answers, client};

fn start(env: &[(&str, &str)]) -> Example {
    Example::start(env!("CARGO_BIN_EXE_example-axum"), "example-axum", env)
}

#[tokio::test]
async fn the_example_gives_every_examples_answers() {
    let example = start(&[]);
    assert_probes_answers(&example).await;
    let metrics = client()
        .get(example.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"healthz_status{kind="readiness",status="pass"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn sigterm_drains_readiness_at_once_then_exits_cleanly() {
    let grace = Duration::from_secs(2);
    let mut example = start(&[("DRAIN_SECS", "2")]);
    let client = client();
    let ready = client.get(example.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);

    example.terminate();
    let signalled = Instant::now();
    loop {
        let status = client
            .get(example.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 503 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            signalled.elapsed() < Duration::from_millis(100),
            "/readyz still answered 200 {:?} after SIGTERM",
            signalled.elapsed()
        );
    }
    let verbose = client
        .get(example.url("/readyz?verbose"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        verbose,
        "[-]shutdown failed: draining\nreadyz check failed\n"
    );
    let live = client.get(example.url("/livez")).send().await.unwrap();
    assert_eq!(
        live.status().as_u16(),
        200,
        "liveness stays up while draining"
    );
    assert!(
        signalled.elapsed() < grace,
        "these requests must land inside the grace period"
    );
    drop(client);

    let status = example.exit_within(Duration::from_secs(20)).await;
    let stopped = signalled.elapsed();
    assert!(status.success(), "exit status {status}");
    assert!(
        stopped >= grace,
        "the server stopped {stopped:?} after SIGTERM, before the {grace:?} grace period ended"
    );
}
