//! Example binaries run as a user runs them: started on an ephemeral port, read for the URL they
//! print, signalled, and checked against the answers every example must give.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running example process; killed when dropped.
#[derive(Debug)]
pub struct Example {
    child: Child,
    /// Its base URL, `http://127.0.0.1:port`.
    pub base: String,
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Example {
    /// Starts the binary at `path` (`env!("CARGO_BIN_EXE_...")`) with `BIND=127.0.0.1:0`,
    /// `RUST_LOG=warn` and `env`, and waits for its first line, `<name> listening on <url>`.
    ///
    /// # Panics
    ///
    /// If it does not start or prints something else first.
    pub fn start(path: &str, name: &str, env: &[(&str, &str)]) -> Example {
        let mut child = Command::new(path)
            .env("BIND", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {name}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        let Some(base) = first
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(" listening on "))
        else {
            let _ = child.kill();
            panic!("unexpected first line of {name}: {first:?}");
        };
        let base = base.to_owned();
        // Keep draining stdout so the example never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Example { child, base }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM, as Kubernetes does to stop a pod.
    ///
    /// # Panics
    ///
    /// If `kill` fails.
    pub fn terminate(&self) {
        let status = Command::new("sh")
            .args([
                "-c",
                "kill -TERM \"$1\"",
                "sh",
                &self.child.id().to_string(),
            ])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill failed: {status}");
    }

    /// Waits up to `limit` for the process to exit.
    ///
    /// # Panics
    ///
    /// If it has not exited by then.
    pub async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the example did not exit within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Starts the example at `path` with `DRAIN_SECS=2`, sends SIGTERM, and checks what Kubernetes
/// relies on: `/readyz` answers 503 (`[-]shutdown failed: draining`) within 100 ms while
/// `/livez` stays 200, and the process exits 0, no sooner than the grace period.
///
/// # Panics
///
/// At the first of these that does not hold.
pub async fn assert_drains_on_sigterm(path: &str, name: &str) {
    let grace = Duration::from_secs(2);
    let mut example = Example::start(path, name, &[("DRAIN_SECS", "2")]);
    let client = client();
    let status = |response: reqwest::Response| response.status().as_u16();
    let ready = client.get(example.url("/readyz")).send().await.unwrap();
    assert_eq!(status(ready), 200, "ready before the signal");

    example.terminate();
    let signalled = Instant::now();
    loop {
        let ready = status(client.get(example.url("/readyz")).send().await.unwrap());
        if ready == 503 {
            break;
        }
        assert_eq!(ready, 200);
        assert!(
            signalled.elapsed() < Duration::from_millis(100),
            "/readyz still answered 200 {:?} after SIGTERM",
            signalled.elapsed()
        );
    }
    let drained = signalled.elapsed();
    assert!(drained < Duration::from_millis(100), "{drained:?}");
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
    assert_eq!(status(live), 200, "liveness stays up while draining");
    assert!(
        signalled.elapsed() < grace,
        "these requests must land inside the grace period"
    );
    drop(client);

    let exit = example.exit_within(Duration::from_secs(20)).await;
    let stopped = signalled.elapsed();
    assert!(exit.success(), "exit status {exit}");
    assert!(
        stopped >= grace,
        "the server stopped {stopped:?} after SIGTERM, before the {grace:?} grace period ended"
    );
}

/// The resident memory of the process `pid` (`VmRSS` in `/proc/PID/status`), in KiB.
///
/// # Panics
///
/// If it cannot be read (the process is gone, or this is not Linux).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("read /proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in /proc/{pid}/status"))
}

/// An HTTP client with a 10 s timeout.
///
/// # Panics
///
/// If reqwest cannot build one.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a reqwest client")
}

/// What every example serving `examples/probes` answers, whatever its server, to a loopback
/// caller: `(method, path, status, body)`, bodies exact. Times are in JSON bodies only, which
/// are left out. Maintenance mode is switched on, then off, in the middle.
pub const PROBES_ANSWERS: &[(&str, &str, u16, &str)] = &[
    (
        "GET",
        "/livez?verbose",
        200,
        "[+]event_loop ok\nlivez check passed\n",
    ),
    (
        "GET",
        "/readyz?verbose",
        200,
        "[+]catalog ok\n[+]database ok\nreadyz check passed\n",
    ),
    (
        "GET",
        "/startupz?verbose",
        200,
        "[+]migrations ok\nstartupz check passed\n",
    ),
    (
        "GET",
        "/readyz/database?verbose",
        200,
        "[+]database ok\nreadyz check passed\n",
    ),
    (
        "GET",
        "/readyz/nope",
        404,
        "no readiness probe is named `nope`\n",
    ),
    (
        "DELETE",
        "/readyz",
        405,
        "method DELETE is not allowed here: use GET or HEAD\n",
    ),
    (
        "GET",
        "/readyz?verbose=maybe",
        400,
        "`verbose` takes no value, `true` or `false`, not `maybe`\n",
    ),
    ("POST", "/maintenance/on", 200, "maintenance on\n"),
    (
        "GET",
        "/readyz?verbose",
        503,
        "[-]traffic failed: maintenance mode is on\nreadyz check failed\n",
    ),
    (
        "GET",
        "/readyz/database?verbose",
        200,
        "[+]database ok\nreadyz check passed\n",
    ),
    (
        "GET",
        "/healthz?verbose&exclude=catalog",
        503,
        "[-]traffic failed: maintenance mode is on\n[+]event_loop ok\n[+]migrations ok\nhealthz check failed\n",
    ),
    ("POST", "/maintenance/off", 200, "maintenance off\n"),
    ("GET", "/readyz", 200, ""),
];

/// Checks [`PROBES_ANSWERS`] against a running example, in order.
///
/// # Panics
///
/// At the first answer that differs.
pub async fn assert_probes_answers(example: &Example) {
    let client = client();
    for &(method, path, status, body) in PROBES_ANSWERS {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let response = client
            .request(method.clone(), example.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(response.status().as_u16(), status, "{method} {path}");
        let text = response.text().await.expect("a body");
        if !body.is_empty() {
            assert_eq!(text, body, "{method} {path}");
        }
    }
}
