//! Tags select probes, the builder attaches tags, and checks carry structured details.

use std::sync::{Arc, Mutex};

use healthz_core::{Check, Detail, Health, Kind, Observer, ProbeOptions, Problem, Scope, Status};

/// The most bytes of a check's details that a report shows (as documented on `Check::detail`).
const MAX_DETAILS_BYTES: usize = 1024;

fn health() -> Health {
    Health::builder()
        .without_registered()
        .readiness("primary", ProbeOptions::new().tags(&["db"]), || async {})
        .readiness(
            "replica",
            ProbeOptions::new().tags(&["db", "eu"]),
            || async { Err::<(), _>("replica lag 40s") },
        )
        .readiness("search", ProbeOptions::new(), || async {})
        .liveness("loop", ProbeOptions::new().tags(&["core"]), || async {})
        .build()
        .unwrap()
}

fn names(report: &healthz_core::Report) -> Vec<&str> {
    report
        .checks()
        .iter()
        .map(healthz_core::CheckResult::name)
        .collect()
}

#[tokio::test]
async fn tags_select_any_of_and_sets_narrow() {
    let health = health();
    let db = health.report(Kind::Readiness).tags(["db"]).await;
    assert_eq!(names(&db), ["primary", "replica"]);
    assert_eq!(db.status(), Status::Fail);
    let either = health.report(Kind::Readiness).tags(["eu", "nope"]).await;
    assert_eq!(names(&either), ["replica"], "any of the tags");
    let both = health
        .report(Kind::Readiness)
        .tags(["db"])
        .tags(["eu"])
        .await;
    assert_eq!(names(&both), ["replica"], "every set");
    let everywhere = health.report(Scope::All).tags(["core", "db"]).await;
    assert_eq!(names(&everywhere), ["loop", "primary", "replica"]);
    let excluded = health
        .report(Kind::Readiness)
        .tags(["db"])
        .exclude(["replica"])
        .await;
    assert_eq!(names(&excluded), ["primary"]);
}

#[tokio::test]
async fn an_unknown_tag_selects_nothing_and_says_so() {
    let health = health();
    let report = health.report(Kind::Readiness).tags(["nope", "core"]).await;
    assert!(report.checks().is_empty());
    assert_eq!(report.status(), Status::Pass);
    assert_eq!(
        report.to_text(Detail::Minimal),
        "warn: some tags select no health check: no matches for \"core\",\"nope\"\nreadyz check passed\n"
    );
}

#[tokio::test]
async fn a_selection_is_not_the_kinds_status() {
    #[derive(Clone, Default)]
    struct Aggregates(Arc<Mutex<Vec<(Kind, Status)>>>);
    impl Observer for Aggregates {
        fn on_aggregate(&self, kind: Kind, status: Status) {
            self.0.lock().unwrap().push((kind, status));
        }
    }
    let seen = Aggregates::default();
    let health = Health::builder()
        .without_registered()
        .readiness("primary", ProbeOptions::new().tags(&["db"]), || async {})
        .readiness("search", ProbeOptions::new(), || async { false })
        .observer(seen.clone())
        .build()
        .unwrap();
    let db = health.report(Kind::Readiness).tags(["db"]).await;
    assert_eq!(db.status(), Status::Pass);
    health.report(Kind::Readiness).exclude(["search"]).await;
    assert!(
        seen.0.lock().unwrap().is_empty(),
        "a part of readiness is not published"
    );
    health.report(Kind::Readiness).await;
    assert_eq!(*seen.0.lock().unwrap(), [(Kind::Readiness, Status::Fail)]);
}

#[tokio::test]
async fn probe_tags_are_details_and_are_checked() {
    let health = Health::builder()
        .without_registered()
        .readiness(
            "replica",
            ProbeOptions::new().tags(&["db", "eu-west-1", "db"]),
            || async {},
        )
        .build()
        .unwrap();
    let replica = health.probes(Kind::Readiness).next().unwrap();
    assert_eq!(replica.tags, ["db", "eu-west-1"], "no duplicates");
    let report = health.report(Kind::Readiness).await;
    let json = String::from_utf8(report.to_json(Detail::Full)).unwrap();
    assert!(json.contains(r#""tags":["db","eu-west-1"]"#), "{json}");
    let json = String::from_utf8(report.to_json(Detail::Minimal)).unwrap();
    assert!(!json.contains("tags"), "tags are details: {json}");

    let error = Health::builder()
        .without_registered()
        .readiness(
            "replica",
            ProbeOptions::new().tags(&["bad tag"]),
            || async {},
        )
        .build()
        .unwrap_err();
    assert!(
        matches!(error.problems(), [Problem::InvalidTag { tag, .. }] if tag == "bad tag"),
        "{error}"
    );
}

#[tokio::test]
async fn details_are_shown_to_authorized_callers_redacted_and_bounded() {
    let health = Health::builder()
        .without_registered()
        .readiness("pool", ProbeOptions::new(), || async {
            Check::pass()
                .detail("pool_size", 10)
                .detail("idle", 3)
                .detail("url", "postgres://app:hunter2@db/app")
                .detail("password", "hunter2")
        })
        .readiness("chatty", ProbeOptions::new(), || async {
            (0..200).fold(Check::warn("many details"), |check, i| {
                check.detail(format!("key{i:03}"), "x".repeat(30))
            })
        })
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    let full = String::from_utf8(report.to_json(Detail::Full)).unwrap();
    assert!(
        full.contains(r#""details":{"pool_size":10,"idle":3,"url":"postgres://app:***@db/app","password":"***"}"#),
        "{full}"
    );
    assert!(!full.contains("hunter2"));
    let chatty: Vec<_> = report.check("chatty").unwrap().details().collect();
    let size: usize = chatty
        .iter()
        .map(|(k, v)| k.len() + v.to_string().len() + 4)
        .sum();
    assert!(size <= MAX_DETAILS_BYTES, "{size}");
    assert!(
        chatty
            .last()
            .unwrap()
            .1
            .as_str()
            .unwrap()
            .contains("of 200 details left out")
    );
    let minimal = String::from_utf8(report.to_json(Detail::Minimal)).unwrap();
    assert!(
        !minimal.contains("details") && !minimal.contains("pool_size"),
        "{minimal}"
    );
    let text = report.to_text(Detail::Full);
    assert!(
        !text.contains("pool_size"),
        "details are not in the text: {text}"
    );
}

#[test]
fn a_detail_that_does_not_serialize_says_why() {
    let mut map = std::collections::HashMap::new();
    map.insert(vec![1_u8], "not a string key");
    let check = Check::pass().detail("map", map);
    let (_, value) = check.details().next().unwrap();
    assert!(
        value.as_str().unwrap().starts_with("not serializable: "),
        "{value}"
    );
}
