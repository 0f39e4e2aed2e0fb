//! Runs the example binary as a user would, over real TCP: `/livez` and `/readyz` answer 200 with
//! the `SQLite` probe, and maintenance mode turns `/readyz` into 503 with its reason.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The example process; killed when dropped.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the example on an ephemeral port and returns it with its base URL, read from the
/// "listening on" line it prints.
fn start() -> (Example, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_example-basic"))
        .env("BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start example-basic");
    let stdout = child.stdout.take().expect("piped stdout");
    let example = Example(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let url = first
        .strip_prefix("example-basic listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    // Keep draining stdout so the example never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (example, url)
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
    let (_example, base) = start();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

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

    let (status, _) = get(&client, &format!("{base}/startupz")).await;
    assert_eq!(status, 200);

    let res = client
        .post(format!("{base}/maintenance/on"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (status, ready) = get(&client, &format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(
        ready["checks"]["maintenance"][0]["output"],
        "maintenance mode is on (POST /maintenance/off to end it)",
        "a loopback caller sees the reason"
    );
    let (status, live) = get(&client, &format!("{base}/livez")).await;
    assert_eq!(status, 200, "liveness is unaffected: {live}");
}
