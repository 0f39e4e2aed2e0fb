//! The running example asked by Python's `grpcio` and `grpcio-health-checking` (from the Python package index, pinned
//! in `.ci/run`, which installs them in a venv under `target/` and names its Python in
//! `HEALTHZ_GRPC_PYTHON`): a gRPC stack nobody here wrote, with its own HTTP/2 and protobuf. It
//! drives `health_client.py` beside this file. Without that venv the tests skip, or fail under
//! `HEALTHZ_REQUIRE_SERVICES=1`.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{KNOWN, UNKNOWN, client, maintenance, start};
use healthz_tests::example::Example;
use healthz_tests::grpc::check;
use healthz_tests::grpc_python;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use tonic_health::pb::health_check_response::ServingStatus;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/health_client.py");

/// `host:port`, as grpcio takes it.
fn target(example: &Example) -> &str {
    example.base.trim_start_matches("http://")
}

fn python(python: &str, args: &[&str]) -> Command {
    let mut command = Command::new(python);
    command
        .arg(SCRIPT)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs the script to its end; its lines.
async fn run(python_path: &str, args: &[&str]) -> Vec<String> {
    let out = tokio::time::timeout(Duration::from_secs(30), python(python_path, args).output())
        .await
        .expect("the Python client finishes")
        .expect("the Python client runs");
    assert!(out.status.success(), "{args:?}: {}", out.status);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `SERVICE=STATUS` for each service, from one `check` run.
async fn checks(
    python_path: &str,
    example: &Example,
    services: &[&str],
    token: Option<&str>,
) -> Vec<String> {
    let mut args = vec!["check", target(example)];
    args.extend(services);
    if let Some(token) = token {
        args.extend(["--token", token]);
    }
    run(python_path, &args).await
}

/// A running `watch`, read line by line.
struct Watch {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Watch {
    fn start(python_path: &str, example: &Example, service: &str, token: Option<&str>) -> Watch {
        let mut args = vec!["watch", target(example), service];
        if let Some(token) = token {
            args.extend(["--token", token]);
        }
        let mut child = python(python_path, &args).spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Watch {
            _child: child,
            lines,
        }
    }

    async fn next(&mut self, limit: Duration) -> String {
        tokio::time::timeout(limit, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no line from the Python Watch within {limit:?}"))
            .unwrap()
            .expect("a line before the end")
    }
}

/// Python's client starts in a few hundred milliseconds; its first line may take that long.
const STARTING: Duration = Duration::from_secs(10);

#[tokio::test]
async fn python_checks_every_name_and_gets_not_found_for_others() {
    let Some(py) = grpc_python() else { return };
    let example = start(&[]);
    let (known, unknown) = (KNOWN, UNKNOWN);
    let names: Vec<&str> = known.iter().chain(&unknown).copied().collect();
    let expected: Vec<String> = known
        .iter()
        .map(|name| format!("{name}=SERVING"))
        .chain(unknown.iter().map(|name| format!("{name}=NOT_FOUND")))
        .collect();
    assert_eq!(checks(&py, &example, &names, None).await, expected);

    assert_eq!(
        run(&py, &["maintenance", target(&example), "on"]).await,
        ["ok"]
    );
    assert_eq!(
        checks(
            &py,
            &example,
            &["", "readyz", "readyz/database", "livez"],
            None
        )
        .await,
        [
            "=NOT_SERVING",
            "readyz=NOT_SERVING",
            "readyz/database=SERVING",
            "livez=SERVING"
        ]
    );
}

/// Python's `Watch` sees maintenance mode refuse and accept traffic within 100 ms, then SIGTERM's
/// drain within 100 ms, then its stream ends cleanly (`OK`) when the grace period is over.
#[tokio::test]
async fn python_watch_follows_the_traffic_switch_and_the_drain() {
    let Some(py) = grpc_python() else { return };
    let mut example = start(&[("DRAIN_SECS", "2")]);
    let mut watch = Watch::start(&py, &example, "", None);
    assert_eq!(watch.next(STARTING).await, "SERVING");
    let mut client = client(&example).await;
    let limit = Duration::from_millis(100);

    for (on, expected, line) in [
        (true, ServingStatus::NotServing, "NOT_SERVING"),
        (false, ServingStatus::Serving, "SERVING"),
    ] {
        let changed = Instant::now();
        maintenance(common::channel(&example).await, on).await;
        assert_eq!(check(&mut client, "").await, Ok(expected));
        assert_eq!(watch.next(limit).await, line);
        let seen = changed.elapsed();
        assert!(
            seen < limit,
            "Python's Watch saw the change {seen:?} after it"
        );
    }

    example.terminate();
    let signalled = Instant::now();
    assert_eq!(watch.next(limit).await, "NOT_SERVING");
    let drained = signalled.elapsed();
    assert!(drained < limit, "{drained:?}");
    assert_eq!(watch.next(Duration::from_secs(10)).await, "ended OK");
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "after the grace"
    );
    drop(client);
    let exit = example.exit_within(Duration::from_secs(10)).await;
    assert!(exit.success(), "exit status {exit}");
}

/// The access policy, as grpcio reports it: `PERMISSION_DENIED` outside the allowlist,
/// `UNAUTHENTICATED` without the required token or with a wrong one, `SERVING` with it.
#[tokio::test]
async fn python_meets_the_access_policy() {
    let Some(py) = grpc_python() else { return };
    let outside = start(&[("HEALTHZ_ALLOW", "192.0.2.0/24")]);
    assert_eq!(
        checks(&py, &outside, &["", "livez"], None).await,
        ["=PERMISSION_DENIED", "livez=PERMISSION_DENIED"]
    );
    let mut refused = Watch::start(&py, &outside, "", None);
    assert_eq!(refused.next(STARTING).await, "ended PERMISSION_DENIED");

    let guarded = start(&[("HEALTHZ_TOKEN", "s3cr3t-t0ken-0123456789")]);
    assert_eq!(
        checks(&py, &guarded, &[""], None).await,
        ["=UNAUTHENTICATED"]
    );
    assert_eq!(
        checks(&py, &guarded, &[""], Some("wrong")).await,
        ["=UNAUTHENTICATED"]
    );
    assert_eq!(
        checks(
            &py,
            &guarded,
            &["", "readyz/database"],
            Some("s3cr3t-t0ken-0123456789")
        )
        .await,
        ["=SERVING", "readyz/database=SERVING"]
    );
    let mut unauthenticated = Watch::start(&py, &guarded, "", Some("wrong"));
    assert_eq!(
        unauthenticated.next(STARTING).await,
        "ended UNAUTHENTICATED"
    );
    let mut allowed = Watch::start(&py, &guarded, "", Some("s3cr3t-t0ken-0123456789"));
    assert_eq!(allowed.next(STARTING).await, "SERVING");
}
