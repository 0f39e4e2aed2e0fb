//! `Health::subscribe`: every probe and aggregate change reaches every subscriber, the monitor
//! surfaces changes without requests and stops with the last subscription, and a subscriber that
//! falls behind is told so.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use healthz_core::events::{AggregateEvent, Event, ProbeEvent};

/// How many events a subscription holds before a slow subscriber lags (as documented on
/// `Subscription`).
const EVENT_BUFFER: usize = 256;
use healthz_core::{Gate, Health, Kind, ProbeOptions, Status};

const MONITOR: Duration = Duration::from_millis(100);

/// A readiness probe `db` that passes while the switch is on.
fn switched(on: bool) -> (Arc<AtomicBool>, Health) {
    let switch = Arc::new(AtomicBool::new(on));
    let health = Health::builder()
        .without_registered()
        .readiness("db", ProbeOptions::new(), {
            let switch = Arc::clone(&switch);
            move || std::future::ready(switch.load(Ordering::SeqCst))
        })
        .monitor_interval(MONITOR)
        .build()
        .unwrap();
    (switch, health)
}

/// The next event that `keep` takes, within a (paused) minute.
async fn next<T>(
    events: &mut healthz_core::events::Subscription,
    keep: impl Fn(Event) -> Option<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Some(found) = keep(events.recv().await) {
                return found;
            }
        }
    })
    .await
    .expect("the event came")
}

fn probe(event: Event) -> Option<ProbeEvent> {
    match event {
        Event::Probe(change) => Some(change),
        _ => None,
    }
}

fn readiness(event: Event) -> Option<AggregateEvent> {
    match event {
        Event::Aggregate(change) if change.kind == Kind::Readiness => Some(change),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn the_monitor_surfaces_changes_without_requests() {
    let (switch, health) = switched(true);
    let mut events = health.subscribe();
    let first = next(&mut events, probe).await;
    assert_eq!(
        (first.kind, &*first.name, first.from, first.to),
        (Kind::Readiness, "db", None, Status::Pass)
    );
    let aggregate = next(&mut events, readiness).await;
    assert_eq!(
        (aggregate.from, aggregate.to, aggregate.gate),
        (None, Status::Pass, None)
    );

    switch.store(false, Ordering::SeqCst);
    let failed = next(&mut events, probe).await;
    assert_eq!((failed.from, failed.to), (Some(Status::Pass), Status::Fail));
    assert_eq!(failed.output.as_deref(), Some("probe returned false"));
    let aggregate = next(&mut events, readiness).await;
    assert_eq!(
        (aggregate.from, aggregate.to),
        (Some(Status::Pass), Status::Fail)
    );
}

#[tokio::test(start_paused = true)]
async fn every_subscriber_sees_every_change_and_drain_carries_its_gate() {
    let (_switch, health) = switched(true);
    let (mut a, mut b) = (health.subscribe(), health.subscribe());
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    health.drain();
    for events in [&mut a, &mut b] {
        let drained = next(events, |e| readiness(e).filter(|c| c.gate.is_some())).await;
        assert_eq!(
            (drained.to, drained.gate),
            (Status::Fail, Some(Gate::Draining))
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_monitor_stops_with_the_last_subscription() {
    let (_switch, health) = switched(true);
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let (a, b) = (health.subscribe(), health.subscribe());
    assert_eq!(tasks(), before + 1, "one monitor for every subscriber");
    drop(a);
    tokio::time::sleep(MONITOR * 3).await;
    assert_eq!(tasks(), before + 1, "still subscribed");
    drop(b);
    tokio::time::sleep(MONITOR * 3).await;
    assert_eq!(tasks(), before, "the monitor stopped");
    let _again = health.subscribe();
    assert_eq!(tasks(), before + 1, "and starts again for a new subscriber");
}

#[tokio::test(start_paused = true)]
async fn a_subscriber_that_falls_behind_is_told_how_far() {
    let (switch, health) = switched(true);
    let mut events = health.subscribe();
    // Each flip is a probe event and an aggregate event; nobody reads them meanwhile.
    let flips = EVENT_BUFFER;
    for i in 0..flips {
        switch.store(i % 2 == 1, Ordering::SeqCst);
        health.report(Kind::Readiness).await;
    }
    match events.recv().await {
        Event::Lagged { missed } => assert!(missed > 0, "{missed}"),
        other => panic!("expected Lagged, got {other:?}"),
    }
    // After the gap, events flow again.
    assert!(matches!(
        events.recv().await,
        Event::Probe(_) | Event::Aggregate(_)
    ));
}

#[test]
fn a_zero_monitor_interval_is_refused() {
    let error = Health::builder()
        .without_registered()
        .monitor_interval(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(
        error.problems(),
        [healthz_core::Problem::ZeroMonitorInterval]
    );
}
