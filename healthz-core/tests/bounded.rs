//! An output is cut where it comes in: a probe that fails with a 10 MiB message, run 1,000
//! times, leaves the heap as it found it, and every log line it causes is short.
//!
//! A test binary of its own, run again as a child process (with [`CHILD`] set) under
//! `MALLOC_MMAP_THRESHOLD_`: glibc then serves every large allocation by `mmap` and returns it on
//! `free`, so the child's resident set measures what is kept, not what the allocator caches.

use std::future::IntoFuture as _;
use std::io::Write as _;
use std::process::Command;
use std::sync::{Arc, Mutex};

use healthz_core::{Check, Health, Kind, ProbeOptions};

/// Set in the child process: run the probes and print what was measured.
const CHILD: &str = "HEALTHZ_BOUNDED_TEST_CHILD";

/// The failing probes' message: 10 MiB.
const MESSAGE_BYTES: usize = 10 << 20;

#[test]
fn a_huge_output_run_a_thousand_times_keeps_the_heap_and_the_logs_small() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            "a_huge_output_run_a_thousand_times_keeps_the_heap_and_the_logs_small",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("MALLOC_MMAP_THRESHOLD_", "131072")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let figure = |name: &str| -> usize {
        stdout
            .lines()
            .find_map(|l| l.split(name).nth(1)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{stdout}"))
    };
    let growth = figure("rss-growth-kib:");
    assert!(
        growth < 1024,
        "the heap grew by {growth} KiB over 1,000 runs"
    );
    let longest = figure("longest-log-line:");
    assert!(longest < 2048, "a log line of {longest} bytes");
    assert!(figure("log-lines:") > 0, "the failure was logged");
    assert!(!stdout.contains("LEAKED"), "{stdout}");
}

/// An error whose message is 10 MiB (an upstream's HTML error page, a long chain), with a
/// credential where a cut at 512 bytes would fall.
struct Huge;

impl std::fmt::Display for Huge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&"x".repeat(500))?;
        f.write_str(" password=hunter2-hunter2 ")?;
        let page = "<html>".repeat(1024);
        for _ in 0..MESSAGE_BYTES / page.len() {
            f.write_str(&page)?;
        }
        Ok(())
    }
}

/// What the subscriber wrote, measured as it comes (kept whole, the log would weigh on the heap
/// being measured): how many events, the longest, and whether the credential was in one.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<LogStats>>);

#[derive(Default)]
struct LogStats {
    lines: usize,
    longest: usize,
    leaked: bool,
}

impl std::io::Write for Lines {
    // The fmt subscriber writes each event, newline included, in one call.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut stats = self.0.lock().unwrap();
        stats.lines += 1;
        stats.longest = stats.longest.max(buf.len());
        stats.leaked |= buf.windows(7).any(|w| w == b"hunter2");
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn rss_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn child() {
    let lines = Lines::default();
    let writer = lines.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    let health = Health::builder()
        .without_registered()
        .readiness("warm", ProbeOptions::new(), || async {
            Check::fail("a short failure")
        })
        .readiness("huge", ProbeOptions::new(), || async { Err::<(), _>(Huge) })
        .readiness("huge-string", ProbeOptions::new(), || async {
            // The same, already a `String`: the probe pays for it, healthz keeps none of it.
            Err::<(), _>(Huge.to_string())
        })
        .build()
        .expect("probes without state build");
    // Everything a run touches, made once, before the baseline.
    runtime.block_on(health.report(Kind::Readiness).probe("warm").into_future());
    let before = rss_kib();
    for i in 0..1_000 {
        // Mostly the error that displays itself; every tenth run the one already a `String`
        // (10 MiB made by the probe itself each time).
        let probe = if i % 10 == 0 { "huge-string" } else { "huge" };
        let report = runtime
            .block_on(health.report(Kind::Readiness).probe(probe).into_future())
            .expect("the probe exists");
        let output = report.checks()[0].output().unwrap_or_default().to_owned();
        if output.contains("hunter2") || output.len() > 1024 {
            println!("LEAKED: {} bytes: {output:.80}", output.len());
        }
    }
    let after = rss_kib();
    let stats = lines.0.lock().unwrap();
    if stats.leaked {
        println!("LEAKED into the log");
    }
    println!("rss-growth-kib: {}", after.saturating_sub(before));
    println!("longest-log-line: {}", stats.longest);
    println!("log-lines: {}", stats.lines);
    std::io::stdout().flush().unwrap();
}
