//! The testing helpers users get: run registered probes against given state.

use healthz_core::testing::{self, TestError};
use healthz_core::{Check, Kind, Status, liveness, readiness};

#[derive(Debug)]
struct Queue {
    depth: u32,
}

#[readiness(name = "queue", timeout = "100ms")]
async fn queue(q: &Queue) -> Check {
    if q.depth > 100 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    Check::pass().observed(f64::from(q.depth), "jobs")
}

#[liveness]
async fn heartbeat() {}

#[tokio::test(start_paused = true)]
async fn testing_runs_one_registered_probe_against_given_state() {
    let ok = testing::probe(Kind::Readiness, "queue")
        .state(Queue { depth: 3 })
        .run()
        .await
        .unwrap();
    assert_eq!((ok.status(), ok.observation().0), (Status::Pass, 3.0));
    let slow = testing::probe(Kind::Readiness, "queue")
        .state(Queue { depth: 500 })
        .run()
        .await
        .unwrap();
    assert_eq!(slow.output(), Some("timed out after 100ms"));
}

#[tokio::test]
async fn testing_reports_unknown_probes_and_missing_state() {
    let unknown = testing::probe(Kind::Readiness, "nope")
        .run()
        .await
        .unwrap_err();
    assert!(matches!(unknown, TestError::NoSuchProbe { .. }));
    assert!(
        unknown
            .to_string()
            .contains("no readiness probe named `nope`")
    );
    let missing = testing::probe(Kind::Readiness, "queue")
        .run()
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("no `testing::Queue` was supplied"),
        "{missing}"
    );
}

#[tokio::test]
async fn testing_runs_a_kind() {
    let report = testing::kind(Kind::Liveness).run().await.unwrap();
    assert_eq!(report.status(), Status::Pass);
    assert_eq!(report.checks().len(), 1);
    let health = testing::kind(Kind::Readiness)
        .state(Queue { depth: 1 })
        .build()
        .unwrap();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
}
