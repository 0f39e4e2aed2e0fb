//! A panic inside a probe never reaches stderr raw: it is logged through `tracing`, redacted and
//! on one line, while panics elsewhere go to the panic hook that was there before, unchanged.
//! `build()` installs the hook, so a hook installed before it and one installed after it keep
//! working, each as `PanicHook` documents.
//!
//! A test binary of its own, because a panic hook is process-wide: each test runs this binary
//! again as a child process (with [`CHILD`] set to the test's name) and reads what that child
//! wrote to stderr.

use std::future::IntoFuture as _;
use std::process::Command;

use healthz_core::{Check, Health, Kind, PanicHook, ProbeOptions};

/// Set in the child process, to the test's name: run its probes instead of the parent's checks.
const CHILD: &str = "HEALTHZ_PANICS_TEST_CHILD";

/// Runs `test` again in a child process with [`CHILD`] set, and returns the child's stderr.
fn stderr_of(test: &str) -> String {
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the test binary runs again");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the child failed:\n{stderr}");
    stderr
}

/// Whether this process is the child of `test`.
fn is_child(test: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(test)
}

/// A plain-text log on stderr, and a runtime to run probes on.
fn child_setup() -> tokio::runtime::Runtime {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// A panic hook of the application's (a crash reporter's, say) that writes `MARK: message`.
fn own_hook(mark: &'static str) {
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                info.payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
            })
            .unwrap_or_default();
        eprintln!("{mark}: {message}");
    }));
}

/// A `Health` with one readiness probe, `name`, that panics with `message`.
fn panicking(name: &'static str, message: &'static str, panics: PanicHook) -> Health {
    Health::builder()
        .without_registered()
        .panic_hook(panics)
        .readiness(name, ProbeOptions::new(), move || async move {
            tokio::task::yield_now().await;
            assert!(std::hint::black_box(false), "{message}");
        })
        .build()
        .expect("probes without state build")
}

/// A panic on a thread of its own, outside any probe.
fn panic_outside(message: &'static str) {
    assert!(
        std::thread::spawn(move || panic!("{message}"))
            .join()
            .is_err()
    );
}

/// Whether `stderr` has the `probe panicked` ERROR event of readiness probe `probe`, with the
/// kind and name as fields of its own (and, when healthz's hook saw the panic, its location).
fn logged(stderr: &str, probe: &str) -> bool {
    stderr.lines().any(|line| {
        line.starts_with("ERROR")
            && line.contains(&format!(
                "probe panicked kind=readiness probe={probe} panic="
            ))
    })
}

#[test]
fn a_hook_installed_before_build_keeps_other_panics_and_sees_probe_panics_when_asked() {
    const TEST: &str =
        "a_hook_installed_before_build_keeps_other_panics_and_sees_probe_panics_when_asked";
    if is_child(TEST) {
        let runtime = child_setup();
        own_hook("REPORTER");
        let quiet = panicking("quiet", "quiet probe password=sekrit1", PanicHook::Log);
        let told = panicking(
            "told",
            "told probe password=sekrit2",
            PanicHook::LogAndForward,
        );
        runtime.block_on(async {
            quiet.report(Kind::Readiness).await;
            told.report(Kind::Readiness).await;
        });
        panic_outside("outside after build");
        return;
    }
    let stderr = stderr_of(TEST);
    assert!(
        stderr.contains("REPORTER: outside after build"),
        "the earlier hook still gets panics outside probes:\n{stderr}"
    );
    assert!(
        !stderr.contains("REPORTER: quiet probe"),
        "PanicHook::Log keeps probe panics from the earlier hook:\n{stderr}"
    );
    assert!(
        stderr.contains("REPORTER: told probe password=sekrit2"),
        "PanicHook::LogAndForward passes probe panics on, as they are:\n{stderr}"
    );
    assert!(
        logged(&stderr, "quiet") && logged(&stderr, "told"),
        "{stderr}"
    );
    assert!(!stderr.contains("sekrit1"), "{stderr}");
}

#[test]
fn a_hook_installed_after_build_replaces_healthz_hook_for_every_panic() {
    const TEST: &str = "a_hook_installed_after_build_replaces_healthz_hook_for_every_panic";
    if is_child(TEST) {
        let runtime = child_setup();
        let health = panicking("late", "late probe", PanicHook::Log);
        // Installed after build(), before the first run: healthz's hook is already in place, so
        // this one replaces it.
        own_hook("LATER");
        runtime.block_on(health.report(Kind::Readiness).into_future());
        panic_outside("outside, later hook");
        return;
    }
    let stderr = stderr_of(TEST);
    assert!(stderr.contains("LATER: outside, later hook"), "{stderr}");
    assert!(
        stderr.contains("LATER: late probe"),
        "a hook set after build() sees probe panics as they are:\n{stderr}"
    );
    assert!(
        logged(&stderr, "late"),
        "and the caught panic is still logged:\n{stderr}"
    );
}

#[test]
fn leave_installs_no_hook() {
    const TEST: &str = "leave_installs_no_hook";
    if is_child(TEST) {
        let runtime = child_setup();
        let health = panicking("left", "left probe", PanicHook::Leave);
        runtime.block_on(health.report(Kind::Readiness).into_future());
        return;
    }
    let stderr = stderr_of(TEST);
    let raw = stderr
        .lines()
        .position(|line| line.starts_with("thread '") && line.contains(" panicked at "))
        .expect("the default hook prints the probe's panic");
    assert_eq!(stderr.lines().nth(raw + 1), Some("left probe"), "{stderr}");
    assert!(logged(&stderr, "left"), "{stderr}");
}

/// The probes' credential; it must appear nowhere in the child's stderr.
const SECRET: &str = "hunter2-in-a-probe";

/// A panic outside any probe, which must reach stderr as the default hook prints it.
const OUTSIDE: &str = "outside any probe: password=hunter3 stays as it is";

#[test]
fn probe_panics_are_logged_redacted_and_other_panics_pass_through() {
    const TEST: &str = "probe_panics_are_logged_redacted_and_other_panics_pass_through";
    if is_child(TEST) {
        child();
        return;
    }
    let stderr = stderr_of(TEST);
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
        assert!(
            stderr.lines().any(|line| logged(line, probe)
                && line.contains("location=\"healthz-core/tests/panics.rs:")),
            "{probe}'s panic is logged with its kind, name and location:\n{stderr}"
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
    let runtime = child_setup();
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
