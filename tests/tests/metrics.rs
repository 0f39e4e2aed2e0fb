//! Prometheus metrics (feature `prometheus`): what the observer records, and an exposition that
//! the real `promtool check metrics` accepts.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use healthz_actix::metrics::Metrics;
use healthz_actix::{Check, Health, Kind, ProbeOptions};
use prometheus_client::registry::Registry;

fn health(registry: &mut Registry) -> Health {
    Health::builder()
        .without_registered()
        .observer(Metrics::new(registry))
        .readiness(
            "db",
            ProbeOptions::new().cache(Duration::from_secs(60)),
            || async {},
        )
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::fail("offline")
        })
        .readiness(
            "slow",
            ProbeOptions::new().timeout(Duration::from_millis(10)),
            || async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            },
        )
        .liveness("boom", ProbeOptions::new(), || async {
            assert!(!std::hint::black_box(true), "exploded");
        })
        .build()
        .unwrap()
}

fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
    text
}

/// The whole-number value of the line of the exposition for `series`.
fn value(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .unwrap_or_else(|| panic!("no series {series} in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn runs_outcomes_statuses_and_cache_hits_are_counted() {
    let mut registry = Registry::default();
    let health = health(&mut registry);
    let before = encode(&registry);
    assert_eq!(
        value(
            &before,
            r#"healthz_probe_runs_total{kind="readiness",probe="db",outcome="timeout"}"#
        ),
        0,
        "series exist from the start"
    );
    for _ in 0..3 {
        health.report(Kind::Readiness).await;
    }
    health.report(Kind::Liveness).await;
    let text = encode(&registry);
    let runs = |probe: &str, outcome: &str| {
        let kind = if probe == "boom" {
            "liveness"
        } else {
            "readiness"
        };
        value(
            &text,
            &format!(
                r#"healthz_probe_runs_total{{kind="{kind}",probe="{probe}",outcome="{outcome}"}}"#
            ),
        )
    };
    assert_eq!(runs("db", "pass"), 1, "cached: one run for three requests");
    assert_eq!(runs("search", "fail"), 3);
    assert_eq!(runs("slow", "timeout"), 3);
    assert_eq!(runs("boom", "panic"), 1);
    assert_eq!(runs("db", "fail"), 0);
    assert_eq!(
        value(
            &text,
            r#"healthz_probe_cache_hits_total{kind="readiness",probe="db"}"#
        ),
        2
    );
    assert_eq!(
        value(
            &text,
            r#"healthz_probe_status{kind="readiness",probe="db",status="pass"}"#
        ),
        1
    );
    assert_eq!(
        value(
            &text,
            r#"healthz_probe_status{kind="readiness",probe="search",status="fail"}"#
        ),
        1
    );
    assert_eq!(
        value(
            &text,
            r#"healthz_probe_status{kind="readiness",probe="search",status="pass"}"#
        ),
        0
    );
    assert_eq!(
        value(&text, r#"healthz_status{kind="readiness",status="fail"}"#),
        1
    );
    assert_eq!(
        value(&text, r#"healthz_status{kind="liveness",status="fail"}"#),
        1
    );
    assert_eq!(
        value(
            &text,
            r#"healthz_probe_duration_seconds_count{kind="readiness",probe="slow"}"#
        ),
        3
    );
}

#[tokio::test]
async fn promtool_accepts_the_exposition() {
    let Some(promtool) = healthz_tests::tool("promtool", "PROMTOOL", "--version") else {
        return;
    };
    let mut registry = Registry::default();
    let health = health(&mut registry);
    health.report(Kind::Readiness).await;
    health.report(Kind::Liveness).await;
    health.report(Kind::Readiness).await;
    // `/metrics` serves the Prometheus text format (0.0.4); promtool 2.x lints that format (it
    // reads OpenMetrics' `# HELP name` without `_total` as a counter with no help text).
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
    {
        let mut child = Command::new(&promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "promtool rejected the exposition:\n{report}\n{text}"
        );
        assert!(
            report.trim().is_empty(),
            "promtool has lint findings:\n{report}"
        );
    }
}
