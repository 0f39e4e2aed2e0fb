//! Runs the example binary as a user would, over real TCP: `/livez` and `/readyz` answer 200 with
//! the `SQLite` probe, maintenance mode turns `/readyz` into 503 with its reason, and SIGTERM
//! drains readiness at once, then stops the server cleanly after the grace period.

use std::process::Command;

use healthz_tests::example::{Example, assert_drains_on_sigterm, assert_probes_answers, client};

fn start(env: &[(&str, &str)]) -> (Example, String) {
    let example = Example::start(env!("CARGO_BIN_EXE_example-basic"), "example-basic", env);
    let base = example.base.clone();
    (example, base)
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, serde_json::Value) {
    let res = client.get(url).send().await.expect("request");
    let status = res.status().as_u16();
    let body = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")),
    )
}

#[tokio::test]
async fn the_example_serves_its_probes() {
    let (_example, base) = start(&[]);
    let client = client();

    let (status, live) = get(&client, &format!("{base}/livez")).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["checks"]["event_loop"][0]["status"], "pass");

    let (status, ready) = get(&client, &format!("{base}/readyz")).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["status"], "pass");
    assert_eq!(
        ready["checks"]["database"][0]["status"], "pass",
        "the SQLite probe is reported: {ready}"
    );

    assert_eq!(
        ready["checks"]["catalog"][0]["observedValue"], 2.0,
        "the non-critical catalog probe counts the seeded items: {ready}"
    );

    let (status, _) = get(&client, &format!("{base}/startupz")).await;
    assert_eq!(status, 200);

    let metrics = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    assert_eq!(
        metrics.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"healthz_probe_runs_total{kind="readiness",probe="database",outcome="pass"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"healthz_status{kind="readiness",status="pass"} 1"#),
        "{metrics}"
    );

    let res = client
        .post(format!("{base}/maintenance/on"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (status, ready) = get(&client, &format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(
        ready["output"], "maintenance mode is on",
        "a loopback caller sees the reason"
    );
    let (status, live) = get(&client, &format!("{base}/livez")).await;
    assert_eq!(status, 200, "liveness is unaffected: {live}");
}

#[tokio::test]
async fn the_example_gives_every_examples_answers() {
    let (example, _) = start(&[]);
    assert_probes_answers(&example).await;
}

#[tokio::test]
async fn sigterm_drains_readiness_at_once_then_exits_cleanly() {
    assert_drains_on_sigterm(env!("CARGO_BIN_EXE_example-basic"), "example-basic").await;
}

/// Runs `example-basic healthcheck [path]` with `BIND` set, as a container `HEALTHCHECK` would.
fn healthcheck(bind: &str, path: Option<&str>) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_example-basic"))
        .arg("healthcheck")
        .args(path)
        .env("BIND", bind)
        .output()
        .expect("run example-basic healthcheck")
}

#[tokio::test]
async fn the_binary_is_its_own_container_health_check() {
    let (_example, base) = start(&[]);
    let bind = base.strip_prefix("http://").unwrap();
    let live = healthcheck(bind, None);
    assert!(live.status.success(), "{live:?}");
    assert!(
        String::from_utf8_lossy(&live.stdout).contains("answered 200"),
        "{live:?}"
    );

    // Readiness fails in maintenance mode: the same check of /readyz exits 1 and says why.
    let res = client()
        .post(format!("{base}/maintenance/on"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ready = healthcheck(bind, Some("/readyz"));
    assert_eq!(ready.status.code(), Some(1), "{ready:?}");
    assert!(
        String::from_utf8_lossy(&ready.stderr).contains("answered 503"),
        "{ready:?}"
    );

    // Nothing listening: exit 1 with the reason.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = healthcheck(&format!("0.0.0.0:{port}"), None);
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("cannot connect"),
        "{down:?}"
    );

    let wrong = Command::new(env!("CARGO_BIN_EXE_example-basic"))
        .arg("heathcheck")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("unknown argument \"heathcheck\""));
}
