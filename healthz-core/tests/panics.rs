//! A panic inside a probe never reaches stderr raw: it is logged through `tracing`, redacted and
//! on one line, while panics elsewhere go to the panic hook that was there before, unchanged.
//!
//! A test binary of its own, because a panic hook is process-wide: the test runs itself again as a
//! child process (with [`CHILD`] set) and reads what that child wrote to stderr.

use std::future::IntoFuture as _;
use std::process::Command;

use healthz_core::{Check, Health, Kind, ProbeOptions};

/// Set in the child process: run the probes instead of the parent's checks.
const CHILD: &str = "HEALTHZ_PANICS_TEST_CHILD";

/// The probes' credential; it must appear nowhere in the child's stderr.
const SECRET: &str = "hunter2-in-a-probe";

/// A panic outside any probe, which must reach stderr as the default hook prints it.
const OUTSIDE: &str = "outside any probe: password=hunter3 stays as it is";

#[test]
fn probe_panics_are_logged_redacted_and_other_panics_pass_through() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "probe_panics_are_logged_redacted_and_other_panics_pass_through",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the test binary runs again");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the child failed:\n{stderr}");
    assert!(
        !stderr.contains(SECRET),
        "a probe's credential reached stderr:\n{stderr}"
    );
    assert!(
        !stderr.lines().any(|line| line.starts_with("[+]forged")),
        "a probe's panic message kept its line break:\n{stderr}"
    );
    for probe in ["async_panic", "closure_panic", "blocking_panic"] {
        assert!(
            stderr.lines().any(|line| line.starts_with("ERROR")
                && line.contains(&format!("{{kind=readiness probe={probe}}}"))
                && line.contains("password=***")),
            "{probe}'s panic is logged through tracing, redacted, in its span:\n{stderr}"
        );
    }
    let outside = stderr
        .lines()
        .position(|line| line.starts_with("thread '") && line.contains(" panicked at "))
        .expect("the default hook still prints panics outside probes");
    assert_eq!(
        stderr.lines().nth(outside + 1),
        Some(OUTSIDE),
        "a panic outside any probe is passed through unchanged:\n{stderr}"
    );
    assert_eq!(
        stderr.matches(" panicked at ").count(),
        1,
        "only the panic outside the probes reaches the default hook:\n{stderr}"
    );
}

/// Runs in the child: a plain-text log on stderr, three panicking probes (an async one, a
/// closure that panics before it returns its future, a blocking one), and a panic outside any
/// probe.
fn child() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let health = Health::builder()
        .without_registered()
        .readiness("async_panic", ProbeOptions::new(), || async {
            tokio::task::yield_now().await;
            assert!(
                std::hint::black_box(false),
                "cannot log in with password={SECRET}\n[+]forged ok"
            );
        })
        .readiness(
            "closure_panic",
            ProbeOptions::new(),
            || -> std::future::Ready<Check> { panic!("no future for you: password={SECRET}") },
        )
        .blocking_probe(
            Kind::Readiness,
            "blocking_panic",
            ProbeOptions::new(),
            || -> Check { panic!("{}", format!("blocking password={SECRET}")) },
        )
        .build()
        .expect("probes without state build");
    let report = runtime.block_on(health.report(Kind::Readiness).into_future());
    for check in report.checks() {
        let output = check.output().unwrap_or_default();
        assert!(
            output.starts_with("probe panicked: ") && output.contains("password=***"),
            "{}: {output}",
            check.name()
        );
    }
    let outside = std::thread::spawn(|| panic!("{OUTSIDE}")).join();
    assert!(outside.is_err());
}
