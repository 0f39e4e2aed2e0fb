//! Runs the axum example as a user would, over real TCP: it gives every example's answers (the
//! same bytes as `example-basic` on actix-web), and SIGTERM drains readiness at once, then stops
//! the server cleanly after the grace period.

use healthz_tests::example::{Example, assert_drains_on_sigterm, assert_probes_answers, client};

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
    assert_drains_on_sigterm(env!("CARGO_BIN_EXE_example-axum"), "example-axum").await;
}
