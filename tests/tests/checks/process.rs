//! `checks::memory` and `checks::open_files` on this test process, compared with what Linux says
//! through other doors (`/proc/self/statm`, the shell's `ulimit`).
//!
//! Other tests of this binary open and close sockets meanwhile, so descriptor counts are compared
//! with some slack here; `no_leak.rs`, alone in its process, compares them exactly.

use std::process::Command;

use healthz_actix::{Check, Health, Kind, ProbeOptions, Status, checks};

/// The resident memory in bytes, from `/proc/self/statm` (pages) and the page size.
fn statm_rss() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: f64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    let out = Command::new("getconf").arg("PAGESIZE").output().unwrap();
    let page: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    pages * page
}

/// The soft limit on open files, as a shell started by this process sees it.
fn ulimit_n() -> String {
    let out = Command::new("sh")
        .args(["-c", "ulimit -Sn"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn open_fds() -> f64 {
    let count = std::fs::read_dir("/proc/self/fd").unwrap().count() - 1;
    f64::from(u32::try_from(count).unwrap())
}

#[track_caller]
fn observed(check: &Check, unit: &str) -> f64 {
    let (value, observed_unit) = check.observation().expect("an observed value");
    assert_eq!(observed_unit, unit, "{check:?}");
    value
}

#[tokio::test]
async fn memory_passes_under_a_generous_limit_and_reports_the_resident_bytes() {
    // The other tests of this process allocate meanwhile: the check's reading lies between a
    // reading of statm before it and one after it, give or take 10 %.
    let before = statm_rss();
    let check = checks::memory(64 << 30).await;
    let after = statm_rss();
    assert_eq!(check.status(), Status::Pass, "{:?}", check.output());
    let rss = observed(&check, "bytes");
    assert!(
        rss > before.min(after) * 0.9 && rss < before.max(after) * 1.1,
        "VmRSS {rss} bytes, statm {before} bytes before and {after} after"
    );
    let output = check.output().unwrap();
    assert!(output.ends_with(" resident, limit 64.0 GiB"), "{output}");
}

#[tokio::test]
async fn memory_fails_under_a_tiny_limit() {
    let check = checks::memory(1).await;
    assert_eq!(check.status(), Status::Fail);
    let rss = observed(&check, "bytes");
    assert!(
        rss > 1024.0 * 1024.0,
        "a test process holds megabytes: {rss}"
    );
    let output = check.output().unwrap();
    assert!(output.starts_with("memory: "), "{output}");
    assert!(
        output.ends_with(" resident, above the limit of 1 B"),
        "{output}"
    );

    // Twice what it holds is enough again.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let twice = (rss * 2.0) as u64;
    assert_eq!(checks::memory(twice).await.status(), Status::Pass);
}

#[tokio::test]
async fn open_files_passes_with_the_count_and_the_limit() {
    let before = open_fds();
    let check = checks::open_files(1.0).await;
    let after = open_fds();
    assert_eq!(check.status(), Status::Pass, "{:?}", check.output());
    let open = observed(&check, "descriptors");
    assert!(
        open >= before.min(after) - 32.0 && open <= before.max(after) + 32.0,
        "{open} descriptors, /proc/self/fd had {before} then {after}"
    );
    let limit = ulimit_n();
    let output = check.output().unwrap();
    assert!(
        output.starts_with(&format!("{open} of {limit} descriptors open (")),
        "{output} (ulimit -Sn: {limit})"
    );
}

#[tokio::test]
async fn open_files_fails_under_a_tiny_fraction() {
    for tiny in [0.0, f64::MIN_POSITIVE] {
        let check = checks::open_files(tiny).await;
        assert_eq!(check.status(), Status::Fail, "{tiny}");
        assert!(observed(&check, "descriptors") > 0.0);
        let output = check.output().unwrap();
        assert!(output.starts_with("open files: "), "{output}");
        assert!(output.ends_with("), above 0.0%"), "{output}");
    }
}

#[tokio::test]
async fn open_files_rejects_a_fraction_outside_zero_to_one() {
    for bad in [1.5, -0.1, f64::NAN] {
        let check = checks::open_files(bad).await;
        assert_eq!(check.status(), Status::Fail);
        assert_eq!(
            check.output(),
            Some(&*format!(
                "open files: the maximum fraction must be between 0 and 1, not {bad}"
            ))
        );
        assert_eq!(
            check.observation().map(|(_, unit)| unit),
            Some("ms"),
            "nothing measured"
        );
    }
}

/// As probes, the observed values and units reach the report.
#[tokio::test]
async fn process_checks_as_probes() {
    let health = Health::builder()
        .without_registered()
        .readiness("memory", ProbeOptions::new(), || checks::memory(64 << 30))
        .readiness("open-files", ProbeOptions::new(), || {
            checks::open_files(0.9)
        })
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    let memory = report.check("memory").unwrap();
    assert_eq!(
        (memory.status(), memory.observation().1),
        (Status::Pass, "bytes")
    );
    let files = report.check("open-files").unwrap();
    assert_eq!(
        (files.status(), files.observation().1),
        (Status::Pass, "descriptors")
    );
}
