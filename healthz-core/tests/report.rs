//! Report bodies: the Kubernetes `?verbose` text with excluded probes, and the cap that keeps
//! every body under the 10 KiB the kubelet reads, however many and however long the outputs.

use healthz_core::{
    Check, Detail, Health, HealthBuilder, Kind, ProbeOptions, Report, Scope, Status,
};

/// The most bytes of a probe's output that a report shows (as documented on [`Report`]).
const MAX_OUTPUT_BYTES: usize = 512;
/// The most bytes of a report's body (as documented on [`Report`]).
const MAX_BODY_BYTES: usize = 8 * 1024;

fn builder() -> HealthBuilder {
    Health::builder().without_registered()
}

/// A readiness probe named `name` that ends with `status` and `output`.
fn probe(builder: HealthBuilder, name: String, status: Status, output: String) -> HealthBuilder {
    builder.readiness(name, ProbeOptions::new(), move || {
        let check = match status {
            Status::Pass => Check::pass(),
            Status::Warn => Check::warn(output.clone()),
            Status::Fail => Check::fail(output.clone()),
        };
        async move { check }
    })
}

/// `failing` probes with outputs of `output_len` bytes, then `passing` passing ones.
async fn readiness(failing: usize, passing: usize, output_len: usize) -> Report {
    let mut health = builder();
    for i in 0..failing {
        // Multi-byte characters, so every cut must find a character boundary.
        let output = format!("{i:03}:{}", "é".repeat(output_len / 2));
        health = probe(health, format!("failing-{i:03}"), Status::Fail, output);
    }
    for i in 0..passing {
        // Named to sort before the failing ones: what is left out must not follow name order.
        health = probe(health, format!("able-{i:03}"), Status::Pass, String::new());
    }
    health.build().unwrap().report(Kind::Readiness).await
}

fn json(report: &Report, detail: Detail) -> (usize, serde_json::Value) {
    let body = report.to_json(detail);
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    (body.len(), value)
}

#[tokio::test]
async fn long_outputs_are_cut_at_max_output_bytes_with_a_marker() {
    let report = readiness(3, 0, 4000).await;
    let (len, body) = json(&report, Detail::Full);
    assert!(len <= MAX_BODY_BYTES);
    for i in 0..3 {
        let output = body["checks"][format!("failing-{i:03}")][0]["output"]
            .as_str()
            .unwrap();
        assert!(output.len() <= MAX_OUTPUT_BYTES, "{}", output.len());
        let (kept, marker) = output.split_once('…').unwrap();
        assert!(kept.len() > MAX_OUTPUT_BYTES - 40, "{}", kept.len());
        assert!(kept.starts_with(&format!("{i:03}:éé")));
        let full = format!("{i:03}:{}", "é".repeat(2000));
        assert_eq!(
            marker,
            format!(" [truncated {} bytes]", full.len() - kept.len())
        );
        assert_eq!(
            report.checks()[i].output(),
            Some(output),
            "the output is cut where it comes in: the report holds what is served"
        );
    }
    assert!(body.get("notes").is_none());
}

#[tokio::test]
async fn many_long_outputs_are_cut_shorter_until_the_body_fits() {
    let report = readiness(40, 0, 4000).await;
    let (len, body) = json(&report, Detail::Full);
    assert!(len <= MAX_BODY_BYTES, "{len}");
    let checks = body["checks"].as_object().unwrap();
    assert_eq!(checks.len(), 40, "every check is still there");
    for check in checks.values() {
        let output = check[0]["output"].as_str().unwrap();
        assert!(output.contains("… [truncated "), "{output}");
        assert!(output.len() < MAX_OUTPUT_BYTES / 2, "cut shorter: {output}");
    }
    assert!(body.get("notes").is_none(), "nothing left out");

    let text = report.to_text(Detail::Full);
    assert!(text.len() <= MAX_BODY_BYTES, "{}", text.len());
    assert_eq!(text.lines().count(), 41);
    assert!(
        text.lines()
            .take(40)
            .all(|l| l.starts_with("[-]failing-") && l.contains("… [truncated "))
    );
    assert!(text.ends_with("\nreadyz check failed\n"));
}

#[tokio::test]
async fn when_cutting_outputs_is_not_enough_passing_checks_go_first_with_a_note() {
    let report = readiness(60, 500, 4000).await;
    for detail in [Detail::Full, Detail::Minimal] {
        let (len, body) = json(&report, detail);
        assert!(len <= MAX_BODY_BYTES, "{detail:?}: {len}");
        assert!(
            MAX_BODY_BYTES - len < 400,
            "{detail:?}: as many checks as fit are kept ({len})"
        );
        assert_eq!(body["status"], "fail");
        let checks = body["checks"].as_object().unwrap();
        let shown = checks.len();
        assert!(shown > 0 && shown < 560, "{detail:?}: {shown}");
        let failing = checks.keys().filter(|k| k.starts_with("failing-")).count();
        assert_eq!(
            failing,
            shown.min(60),
            "{detail:?}: failures are the last to go"
        );
        let notes = body["notes"].as_array().unwrap();
        assert_eq!(
            notes[0],
            format!(
                "{} of 560 checks not shown: bodies are limited to {MAX_BODY_BYTES} bytes",
                560 - shown
            )
        );

        let text = report.to_text(detail);
        assert!(text.len() <= MAX_BODY_BYTES, "{detail:?}: {}", text.len());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.last(), Some(&"readyz check failed"));
        let note = lines[lines.len() - 2];
        let omitted: usize = note
            .strip_prefix("warn: ")
            .and_then(|n| n.split_once(" of 560 checks not shown"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("{note}"));
        let shown = lines.len() - 2;
        assert_eq!(shown + omitted, 560, "{detail:?}");
        let failing = lines
            .iter()
            .filter(|l| l.starts_with("[-]failing-"))
            .count();
        assert_eq!(failing, shown.min(60), "{detail:?}");
        let names: Vec<&str> = lines[..shown].iter().map(|l| &l[3..]).collect();
        assert!(names.is_sorted(), "{detail:?}: lines stay in report order");
    }
}

#[tokio::test]
async fn long_service_metadata_is_cut_too() {
    let health = builder()
        .version("v".repeat(20_000))
        .description("d".repeat(20_000))
        .service_id("id")
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    let (len, body) = json(&report, Detail::Full);
    assert!(len <= MAX_BODY_BYTES, "{len}");
    assert!(
        body["version"]
            .as_str()
            .unwrap()
            .ends_with("… [truncated 19488 bytes]")
    );
    assert_eq!(body["serviceId"], "id");
}

fn mixed() -> Health {
    builder()
        .liveness("loop", ProbeOptions::new(), || async {})
        .readiness("cache", ProbeOptions::new(), || async { false })
        .readiness("database", ProbeOptions::new(), || async {})
        .readiness("queue", ProbeOptions::new(), || async {})
        .build()
        .unwrap()
}

#[tokio::test]
async fn excluded_probes_are_listed_as_kubernetes_does() {
    let health = mixed();
    let report = health
        .report(Scope::Kind(Kind::Readiness))
        .exclude(["queue", "cache", "nope", "loop"])
        .await;
    assert_eq!(
        report.status(),
        Status::Pass,
        "the failing probe is excluded"
    );
    assert_eq!(
        report.to_text(Detail::Minimal),
        "[+]cache excluded: ok\n\
         [+]database ok\n\
         [+]queue excluded: ok\n\
         warn: some health checks cannot be excluded: no matches for \"loop\",\"nope\"\n\
         readyz check passed\n"
    );
    let (_, body) = json(&report, Detail::Minimal);
    assert_eq!(
        body["notes"][0],
        "some health checks cannot be excluded: no matches for \"loop\",\"nope\""
    );
    assert_eq!(body["checks"].as_object().unwrap().len(), 1);

    let all = health
        .report(Scope::All)
        .exclude(["loop", "nope", "nope"])
        .await;
    assert!(
        all.to_text(Detail::Full)
            .starts_with("[+]loop excluded: ok\n[-]cache failed: probe returned false\n")
    );
}

#[tokio::test]
async fn a_draining_report_excludes_nothing() {
    let health = mixed();
    health.drain();
    let report = health
        .report(Scope::Kind(Kind::Readiness))
        .exclude(["cache", "nope"])
        .await;
    assert_eq!(
        report.to_text(Detail::Full),
        "[-]shutdown failed: draining\n\
         warn: some health checks cannot be excluded: no matches for \"nope\"\n\
         readyz check failed\n"
    );
}

#[tokio::test]
async fn unmatched_names_are_escaped_and_their_list_is_bounded() {
    let health = mixed();
    let names: Vec<String> = (0..64)
        .map(|i| format!("{i:02}\"\n{}", "\u{7f}".repeat(1000)))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let report = health
        .report(Scope::Kind(Kind::Liveness))
        .exclude(names)
        .await;
    let text = report.to_text(Detail::Minimal);
    let warn = text.lines().nth(1).unwrap();
    assert!(
        warn.starts_with(
            r#"warn: some health checks cannot be excluded: no matches for "00\"\n\u{7f}"#
        ),
        "{warn}"
    );
    assert!(warn.len() < 1200, "{}", warn.len());
    assert!(warn.ends_with("… (64 names)"), "{warn}");
    assert_eq!(text.lines().count(), 3, "control characters stay escaped");
}
