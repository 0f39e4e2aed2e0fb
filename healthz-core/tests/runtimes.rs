//! Background work does not die with the runtime that first evaluated: the pollers of `interval`
//! probes start again on the runtime of the next evaluation when theirs has shut down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use healthz_core::{Health, Kind, ProbeOptions, Status};

const POLL: Duration = Duration::from_millis(50);

/// A readiness probe polled every `POLL` that counts its runs.
fn polled() -> (Arc<AtomicUsize>, Health) {
    let runs = Arc::new(AtomicUsize::new(0));
    let health = Health::builder()
        .without_registered()
        .readiness("db", ProbeOptions::new().interval(POLL), {
            let runs = Arc::clone(&runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                std::future::ready(())
            }
        })
        .build()
        .unwrap();
    (runs, health)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn pollers_start_again_after_the_runtime_that_ran_them_shuts_down() {
    // Built outside any runtime: nothing can run yet.
    let (runs, health) = polled();
    std::thread::sleep(POLL * 2);
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    // A `block_on` warm-up evaluates once, and its runtime drives the poller while it lives.
    let warm_up = current_thread();
    warm_up.block_on(async {
        health.report(Kind::Readiness).await;
        tokio::time::sleep(POLL * 4).await;
    });
    let warmed = runs.load(Ordering::SeqCst);
    assert!(warmed >= 3, "{warmed} runs while the warm-up ran");
    drop(warm_up);

    // The service's own runtime: the poller is gone with the warm-up's, until something
    // evaluates here.
    let service = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    service.block_on(async {
        tokio::time::sleep(POLL * 3).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            warmed,
            "nothing drives the old poller"
        );
        let report = health.report(Kind::Readiness).await;
        assert_eq!(report.status(), Status::Pass);
        let restarted = runs.load(Ordering::SeqCst);
        tokio::time::sleep(POLL * 6).await;
        let refreshed = runs.load(Ordering::SeqCst) - restarted;
        assert!(
            (3..=8).contains(&refreshed),
            "{refreshed} runs in {:?}: the poller should refresh every {POLL:?}, once",
            POLL * 6
        );
    });
}

#[test]
fn built_inside_a_runtime_the_pollers_start_at_once() {
    let runtime = current_thread();
    runtime.block_on(async {
        let (runs, health) = polled();
        tokio::time::sleep(POLL * 3).await;
        assert!(runs.load(Ordering::SeqCst) >= 2);
        drop(health);
        // Dropping the last `Health` stops them.
        tokio::time::sleep(POLL).await;
        let stopped = runs.load(Ordering::SeqCst);
        tokio::time::sleep(POLL * 3).await;
        assert_eq!(runs.load(Ordering::SeqCst), stopped);
    });
}
