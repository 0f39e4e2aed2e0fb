//! `Health::subscribe`: every probe and aggregate change reaches every subscriber, watching runs
//! nothing while a polled probe's change still surfaces without requests, and a subscriber that
//! falls behind is told so.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use healthz_core::events::{AggregateEvent, Event, ProbeEvent};

/// How many events a subscription holds before a slow subscriber lags (as documented on
/// `Subscription`).
const EVENT_BUFFER: usize = 256;
use healthz_core::{Gate, Health, Kind, ProbeOptions, Status};

/// A readiness probe `db` that passes while the switch is on.
fn switched(on: bool) -> (Arc<AtomicBool>, Health) {
    let switch = Arc::new(AtomicBool::new(on));
    let health = Health::builder()
        .without_registered()
        .readiness("db", ProbeOptions::new(), {
            let switch = Arc::clone(&switch);
            move || std::future::ready(switch.load(Ordering::SeqCst))
        })
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

/// A readiness probe `db` that passes while the switch is on, polled every `POLL`, beside an
/// uncached readiness probe `api` that counts its runs.
fn polled_beside_uncached() -> (Arc<AtomicBool>, Arc<AtomicUsize>, Health) {
    let switch = Arc::new(AtomicBool::new(true));
    let runs = Arc::new(AtomicUsize::new(0));
    let health = Health::builder()
        .without_registered()
        .readiness("db", ProbeOptions::new().interval(POLL), {
            let switch = Arc::clone(&switch);
            move || std::future::ready(switch.load(Ordering::SeqCst))
        })
        .readiness("api", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                std::future::ready(())
            }
        })
        .build()
        .unwrap();
    (switch, runs, health)
}

const POLL: Duration = Duration::from_millis(500);

#[tokio::test(start_paused = true)]
async fn watching_runs_nothing_and_a_polled_change_surfaces_without_requests() {
    let (switch, runs, health) = polled_beside_uncached();
    // The poller's first run, then one request, as a prober would make: every probe has a result.
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let mut events = health.subscribe();

    // Ten seconds of watching run the uncached probe no more.
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "watching ran the uncached probe"
    );

    // The polled probe's change reaches the subscriber within its interval, and so does the
    // aggregate it makes, worked out from the latest results.
    switch.store(false, Ordering::SeqCst);
    let flipped = tokio::time::Instant::now();
    let failed = next(&mut events, |e| probe(e).filter(|c| c.to == Status::Fail)).await;
    assert_eq!((&*failed.name, failed.from), ("db", Some(Status::Pass)));
    assert_eq!(failed.output.as_deref(), Some("probe returned false"));
    let aggregate = next(&mut events, readiness).await;
    assert_eq!(
        (aggregate.from, aggregate.to, aggregate.gate),
        (Some(Status::Pass), Status::Fail, None)
    );
    assert!(
        flipped.elapsed() <= POLL.mul_f64(1.1),
        "{:?}",
        flipped.elapsed()
    );
    assert_eq!(health.last_status(Kind::Readiness), Some(Status::Fail));
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the aggregate ran nothing");
}

#[tokio::test(start_paused = true)]
async fn a_kind_with_a_probe_never_run_publishes_nothing_until_it_runs() {
    let (switch, runs, health) = polled_beside_uncached();
    let mut events = health.subscribe();
    // The polled probe reports; the uncached one has never run, so readiness is not known.
    switch.store(false, Ordering::SeqCst);
    next(&mut events, |e| probe(e).filter(|c| c.to == Status::Fail)).await;
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(health.last_status(Kind::Readiness), None);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
    // A request evaluates it.
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Fail);
    assert_eq!(next(&mut events, readiness).await.to, Status::Fail);
}

#[tokio::test(start_paused = true)]
async fn accepting_traffic_publishes_readiness_from_the_latest_results() {
    let (_switch, runs, health) = polled_beside_uncached();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    let mut events = health.subscribe();
    health.refuse_traffic("maintenance");
    let refused = next(&mut events, readiness).await;
    assert_eq!(
        (refused.to, refused.gate),
        (
            Status::Fail,
            Some(Gate::RefusingTraffic("maintenance".into()))
        )
    );
    health.accept_traffic();
    let accepted = next(&mut events, readiness).await;
    assert_eq!((accepted.to, accepted.gate), (Status::Pass, None));
    assert_eq!(runs.load(Ordering::SeqCst), 1, "accepting ran nothing");
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
async fn subscribing_starts_no_task() {
    let (_switch, health) = switched(true);
    let tasks = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = tasks();
    let subscriptions: Vec<_> = (0..10).map(|_| health.subscribe()).collect();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(tasks(), before);
    drop(subscriptions);
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
