//! The evaluation engine: concurrency, timeouts, panics, caches, single flight, startup, drain.
//! Time-dependent tests run on Tokio's paused clock, so they are exact and never sleep.

use std::future::IntoFuture as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use healthz_core::{
    Check, Health, Kind, Observer, ProbeOptions, Scope, Status, StatusChange, readiness, startup,
};
use tokio::time::{Instant, sleep};

const MS: Duration = Duration::from_millis(1);

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

type Probe = std::pin::Pin<Box<dyn Future<Output = Check> + Send>>;

/// A probe that counts its runs, sleeps `delay`, then returns `status`.
fn counting(
    runs: &Arc<AtomicUsize>,
    delay: Duration,
    status: Status,
) -> impl Fn() -> Probe + Send + Sync + 'static {
    let runs = Arc::clone(runs);
    move || -> Probe {
        runs.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            sleep(delay).await;
            match status {
                Status::Pass => Check::pass(),
                Status::Warn => Check::warn("told to"),
                Status::Fail => Check::fail("told to"),
            }
        })
    }
}

/// A switch and a probe that passes while it is on.
fn switch(
    on: bool,
) -> (
    Arc<AtomicBool>,
    impl Fn() -> std::future::Ready<bool> + Send + Sync + 'static,
) {
    let switch = Arc::new(AtomicBool::new(on));
    let probe = {
        let switch = Arc::clone(&switch);
        move || std::future::ready(switch.load(Ordering::SeqCst))
    };
    (switch, probe)
}

/// A `Health` of one readiness probe.
fn one<F, Fut>(name: &'static str, options: ProbeOptions, probe: F) -> Health
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: healthz_core::IntoCheck,
{
    builder().readiness(name, options, probe).build().unwrap()
}

/// An observer of status changes only.
struct OnChange<F>(F);

impl<F: Fn(&StatusChange<'_>) + Send + Sync + 'static> Observer for OnChange<F> {
    fn on_change(&self, change: &StatusChange<'_>) {
        (self.0)(change);
    }
}

fn builder() -> healthz_core::HealthBuilder {
    Health::builder().without_registered()
}

#[tokio::test(start_paused = true)]
async fn probes_of_a_kind_run_concurrently() {
    let mut b = builder();
    for i in 0..10 {
        b = b.readiness(format!("p{i}"), ProbeOptions::new(), || async {
            sleep(Duration::from_millis(100)).await;
        });
    }
    let health = b.build().unwrap();
    let start = Instant::now();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Pass);
    assert_eq!(report.checks().len(), 10);
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(100),
        "ten 100 ms probes take 100 ms together"
    );
}

/// Sets its flag when dropped: proves a timed-out probe's future was dropped, not left running.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_cancels_the_probe() {
    let dropped = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let health = builder()
        .readiness("hangs", ProbeOptions::new().timeout(200 * MS), {
            let (dropped, finished) = (Arc::clone(&dropped), Arc::clone(&finished));
            move || {
                let guard = DropFlag(Arc::clone(&dropped));
                let finished = Arc::clone(&finished);
                async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                    finished.store(true, Ordering::SeqCst);
                }
            }
        })
        .build()
        .unwrap();
    let start = Instant::now();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(start.elapsed(), 200 * MS);
    assert_eq!(report.status(), Status::Fail);
    let check = report.check("hangs").unwrap();
    assert_eq!(check.output(), Some("timed out after 200ms"));
    assert_eq!(check.outcome(), Some(healthz_core::Outcome::Timeout));
    assert!(
        dropped.load(Ordering::SeqCst),
        "the probe's future was dropped at the timeout"
    );
    sleep(Duration::from_secs(7200)).await;
    assert!(
        !finished.load(Ordering::SeqCst),
        "the probe never ran past its timeout"
    );
}

/// The timeout counts from the run's start, not from the first time the probe waits: a probe
/// that spends 250 ms in its first poll (a synchronous call, say) and then hangs is cancelled at
/// its 300 ms, not 300 ms after it first returned `Pending`. On the real clock (the paused one
/// does not see a thread sleep), with a wide margin: 550 ms would be the wrong answer.
#[tokio::test]
async fn a_timeout_counts_from_the_start_of_the_run() {
    let health = builder()
        .readiness("slow-start", ProbeOptions::new().timeout(300 * MS), || {
            let mut first = true;
            std::future::poll_fn(move |_| {
                if std::mem::take(&mut first) {
                    std::thread::sleep(250 * MS);
                }
                std::task::Poll::<()>::Pending
            })
        })
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    let report = health.report(Kind::Readiness).await;
    let took = start.elapsed();
    let check = report.check("slow-start").unwrap();
    assert_eq!(check.outcome(), Some(healthz_core::Outcome::Timeout));
    assert!(
        (300 * MS..450 * MS).contains(&took),
        "answered after {took:?}, the timeout is 300ms from the start"
    );
}

#[tokio::test]
async fn a_panicking_probe_fails_and_the_service_lives_on() {
    let health = builder()
        .readiness("boom", ProbeOptions::new(), || async {
            assert!(!std::hint::black_box(true), "the probe exploded");
        })
        .readiness("fine", ProbeOptions::new(), || async {})
        .liveness("alive", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    for _ in 0..3 {
        let report = health.report(Kind::Readiness).await;
        assert_eq!(report.status(), Status::Fail);
        let boom = report.check("boom").unwrap();
        assert_eq!(boom.output(), Some("probe panicked: the probe exploded"));
        assert_eq!(boom.outcome(), Some(healthz_core::Outcome::Panic));
        assert_eq!(report.check("fine").unwrap().status(), Status::Pass);
    }
    assert_eq!(health.report(Kind::Liveness).await.status(), Status::Pass);
}

#[tokio::test]
async fn a_probe_that_panics_before_its_future_fails_too() {
    let health = builder()
        .readiness(
            "eager",
            ProbeOptions::new(),
            || -> std::future::Ready<()> { panic!("before the future") },
        )
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(
        report.check("eager").unwrap().output(),
        Some("probe panicked: before the future")
    );
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_callers_share_one_run() {
    let runs = counter();
    let health = one(
        "db",
        ProbeOptions::new().cache(Duration::from_secs(5)),
        counting(&runs, 100 * MS, Status::Pass),
    );
    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let health = health.clone();
            tokio::spawn(async move { health.report(Kind::Readiness).await.status() })
        })
        .collect();
    for caller in callers {
        assert_eq!(caller.await.unwrap(), Status::Pass);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "1,000 callers, one run");
}

#[tokio::test(start_paused = true)]
async fn uncached_concurrent_callers_still_share_the_run_in_flight() {
    let runs = counter();
    let health = one(
        "db",
        ProbeOptions::new(),
        counting(&runs, 100 * MS, Status::Pass),
    );
    let (a, b) = tokio::join!(
        health.report(Kind::Readiness),
        health.report(Kind::Readiness)
    );
    assert_eq!((a.status(), b.status()), (Status::Pass, Status::Pass));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    health.report(Kind::Readiness).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "without a cache, a later request runs the probe again"
    );
}

/// A caller who joined a run is answered by that run, even when the next run has started by the
/// time it looks again (a flight is one value whose runs are generations).
#[tokio::test(start_paused = true)]
async fn a_caller_who_joined_a_run_gets_it_after_the_next_one_starts() {
    use futures_util::FutureExt as _;
    let runs = counter();
    let health = one("slow", ProbeOptions::new(), {
        let runs = Arc::clone(&runs);
        move || {
            let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                sleep(100 * MS).await;
                if n == 1 {
                    Check::pass()
                } else {
                    Check::fail("a later run")
                }
            }
        }
    });
    let first = health.report(Kind::Readiness).into_future();
    let joined = health.report(Kind::Readiness).into_future();
    tokio::pin!(first, joined);
    assert!((&mut first).now_or_never().is_none(), "starts the run");
    assert!((&mut joined).now_or_never().is_none(), "joins it");
    sleep(150 * MS).await;
    // The first run has finished; a new caller starts the next before the one who joined looks.
    let second = health.report(Kind::Readiness).into_future();
    tokio::pin!(second);
    assert!((&mut second).now_or_never().is_none());
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(joined.await.status(), Status::Pass, "the run it joined");
    assert_eq!(first.await.status(), Status::Pass);
    assert_eq!(second.await.status(), Status::Fail);
}

#[tokio::test]
async fn a_probe_that_answers_at_once_needs_no_task() {
    use futures_util::FutureExt as _;
    let (_, probe) = switch(true);
    let health = one("instant", ProbeOptions::new(), probe);
    // The run is polled on the caller's thread: the whole check is done on its first poll, with
    // no task spawned for it and no trip back through the executor.
    let report = health
        .report(Kind::Readiness)
        .into_future()
        .now_or_never()
        .expect("a probe that answers at once is answered on the first poll");
    assert_eq!(report.status(), Status::Pass);
    assert_eq!(
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        0
    );
}

#[tokio::test]
async fn an_observer_that_panics_fails_the_run_and_the_next_run_goes_on() {
    let health = builder()
        .readiness("db", ProbeOptions::new(), || std::future::ready(true))
        .observer(OnChange(|_: &StatusChange<'_>| panic!("observer bug")))
        .build()
        .unwrap();
    let first = health.report(Kind::Readiness).await;
    assert_eq!(first.status(), Status::Fail);
    assert_eq!(
        first.check("db").unwrap().output(),
        Some("probe run was cancelled before it finished")
    );
    // The flight was cleared: the next request runs the probe again (no change, no panic).
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
}

#[tokio::test(start_paused = true)]
async fn a_run_whose_observer_panics_in_its_task_clears_the_flight_for_the_next() {
    let runs = counter();
    let health = builder()
        .readiness(
            "db",
            ProbeOptions::new(),
            counting(&runs, 10 * MS, Status::Pass),
        )
        .observer(OnChange(|_: &StatusChange<'_>| panic!("observer bug")))
        .build()
        .unwrap();
    // The caller gives up before the run (now in its own task) finishes and panics.
    let gave_up = tokio::time::timeout(MS, health.report(Kind::Readiness)).await;
    assert!(gave_up.is_err());
    sleep(20 * MS).await;
    // Nobody waited for the panicked run, yet the next request runs the probe afresh instead of
    // joining the dead flight.
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn results_pass_or_fail_are_cached_for_their_lifetime() {
    let runs = counter();
    let health = one(
        "db",
        ProbeOptions::new().cache(Duration::from_secs(5)),
        counting(&runs, MS, Status::Fail),
    );
    for _ in 0..5 {
        assert_eq!(health.report(Kind::Readiness).await.status(), Status::Fail);
        sleep(Duration::from_millis(900)).await;
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "a failure is cached too");
    sleep(Duration::from_secs(1)).await;
    health.report(Kind::Readiness).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "an expired result runs the probe again"
    );
}

#[tokio::test(start_paused = true)]
async fn the_shared_run_survives_callers_that_give_up() {
    let runs = counter();
    let health = one(
        "slow",
        ProbeOptions::new().cache(Duration::from_secs(60)),
        counting(&runs, 300 * MS, Status::Pass),
    );
    // The caller gives up (as a client that disconnects) before the run finishes.
    let gave_up = tokio::time::timeout(100 * MS, health.report(Kind::Readiness)).await;
    assert!(gave_up.is_err());
    sleep(300 * MS).await;
    // The run finished anyway and its result is in the cache.
    let start = Instant::now();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failing_non_critical_probe_only_warns() {
    let health = builder()
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::fail("index offline")
        })
        .readiness("db", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Warn);
    let search = report.check("search").unwrap();
    assert_eq!(search.status(), Status::Fail);
}

#[tokio::test]
async fn a_warning_warns() {
    let health = builder()
        .liveness("lag", ProbeOptions::new(), || async {
            Check::warn("behind").observed(180.0, "s")
        })
        .build()
        .unwrap();
    let report = health.report(Kind::Liveness).await;
    assert_eq!(report.status(), Status::Warn);
    let lag = report.check("lag").unwrap();
    assert_eq!(lag.observation(), (180.0, "s"));
}

#[tokio::test(start_paused = true)]
async fn readiness_waits_for_startup_then_startup_stops_running() {
    let runs = counter();
    let ready_after = 3;
    let health = builder()
        .startup("warmup", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                async move { n >= ready_after }
            }
        })
        .readiness("db", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    assert!(!health.is_started());
    for attempt in 1..ready_after {
        let report = health.report(Kind::Readiness).await;
        assert_eq!(report.status(), Status::Fail, "attempt {attempt}");
        assert_eq!(
            report.output(),
            Some("starting: the startup probes have not all passed yet")
        );
        assert_eq!(
            report.check("warmup").unwrap().output(),
            Some("probe returned false")
        );
        assert!(
            report.check("db").is_none(),
            "readiness probes wait for startup"
        );
    }
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Pass);
    assert!(health.is_started());
    for _ in 0..5 {
        assert_eq!(health.report(Kind::Startup).await.status(), Status::Pass);
        assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        ready_after,
        "latched: startup probes stopped running"
    );
    let startup = health.report(Kind::Startup).await;
    assert_eq!(startup.check("warmup").unwrap().status(), Status::Pass);
}

/// The bug the single gate fixed: `/startupz/{name}` re-ran a latched startup probe and stored
/// its failure, so `/startupz` answered `pass` while its own check said `fail`.
#[tokio::test(start_paused = true)]
async fn a_latched_startup_probe_never_runs_again_from_any_path() {
    let runs = counter();
    let (up, probe) = switch(true);
    let health = builder()
        .startup("warmup", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                probe()
            }
        })
        .build()
        .unwrap();
    assert_eq!(health.report(Kind::Startup).await.status(), Status::Pass);
    assert!(health.is_started());
    up.store(false, Ordering::SeqCst);
    for _ in 0..3 {
        let one = health.report(Kind::Startup).probe("warmup").await.unwrap();
        assert_eq!(one.status(), Status::Pass, "the latched pass is served");
        let all = health.report(Kind::Startup).await;
        assert_eq!(all.status(), Status::Pass);
        assert_eq!(all.check("warmup").unwrap().status(), Status::Pass);
        assert_eq!(health.report(Scope::All).await.status(), Status::Pass);
    }
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "it ran once, then never again"
    );
}

#[tokio::test(start_paused = true)]
async fn each_startup_probe_latches_on_its_own_first_pass() {
    let (fast_runs, slow_runs) = (counter(), counter());
    let (slow_up, slow) = switch(false);
    let health = builder()
        .startup(
            "fast",
            ProbeOptions::new(),
            counting(&fast_runs, MS, Status::Pass),
        )
        .startup("slow", ProbeOptions::new(), {
            let runs = Arc::clone(&slow_runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                slow()
            }
        })
        .build()
        .unwrap();
    for _ in 0..3 {
        let report = health.report(Kind::Readiness).await;
        assert_eq!(report.gate(), Some(&healthz_core::Gate::Starting));
        assert_eq!(report.check("fast").unwrap().status(), Status::Pass);
        assert_eq!(report.check("slow").unwrap().status(), Status::Fail);
    }
    assert_eq!(
        fast_runs.load(Ordering::SeqCst),
        1,
        "a pass is latched at once"
    );
    assert_eq!(slow_runs.load(Ordering::SeqCst), 3);
    // Passing through the per-probe path completes startup too.
    slow_up.store(true, Ordering::SeqCst);
    let one = health.report(Kind::Startup).probe("slow").await.unwrap();
    assert_eq!(one.status(), Status::Pass);
    assert!(health.is_started());
    assert_eq!(health.report(Kind::Readiness).await.gate(), None);
}

#[tokio::test]
async fn per_probe_paths_report_the_probe_itself_while_gates_are_closed() {
    let (up, warmup) = switch(false);
    let health = builder()
        .startup("warmup", ProbeOptions::new(), warmup)
        .readiness("db", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let gated = health.report(Kind::Readiness).await;
    assert_eq!(gated.gate(), Some(&healthz_core::Gate::Starting));
    let db = health.report(Kind::Readiness).probe("db").await.unwrap();
    assert_eq!((db.status(), db.gate()), (Status::Pass, None));
    up.store(true, Ordering::SeqCst);
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    health.drain();
    let drained = health.report(Kind::Readiness).await;
    assert_eq!(drained.gate(), Some(&healthz_core::Gate::Draining));
    assert!(drained.checks().is_empty(), "no probe runs while draining");
    let db = health.report(Kind::Readiness).probe("db").await.unwrap();
    assert_eq!(db.status(), Status::Pass, "the dependency itself is fine");
}

#[tokio::test]
async fn drain_fails_readiness_at_once_and_keeps_liveness() {
    let health = builder()
        .readiness("db", ProbeOptions::new(), || async {})
        .liveness("loop", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    health.drain();
    assert!(health.is_draining());
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Fail);
    assert_eq!(report.output(), Some("draining"));
    assert_eq!(health.report(Kind::Liveness).await.status(), Status::Pass);
    let all = health.report(Scope::All).await;
    assert_eq!(
        (all.status(), all.output()),
        (Status::Fail, Some("draining"))
    );
}

#[tokio::test]
async fn one_probe_can_be_checked_alone() {
    let health = builder()
        .readiness("search", ProbeOptions::new().critical(false), || async {
            Check::fail("offline")
        })
        .build()
        .unwrap();
    let report = health
        .report(Kind::Readiness)
        .probe("search")
        .await
        .unwrap();
    assert_eq!(
        report.status(),
        Status::Fail,
        "a probe alone reports its own status"
    );
    assert!(health.report(Kind::Readiness).probe("nope").await.is_none());
    assert!(
        health
            .report(Kind::Liveness)
            .probe("search")
            .await
            .is_none()
    );
}

#[tokio::test]
async fn excluded_probes_do_not_run() {
    let runs = counter();
    let health = builder()
        .readiness("a", ProbeOptions::new(), counting(&runs, MS, Status::Fail))
        .readiness("b", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).exclude(["a"]).await;
    assert_eq!(report.status(), Status::Pass);
    assert_eq!(report.checks().len(), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn credentials_never_reach_the_output() {
    let health = builder()
        .readiness("db", ProbeOptions::new(), || async {
            Err::<(), _>("error connecting to postgres://app:hunter2@db:5432/app: refused")
        })
        .build()
        .unwrap();
    let report = health.report(Kind::Readiness).await;
    let output = report.check("db").unwrap().output().unwrap();
    assert_eq!(
        output,
        "error connecting to postgres://app:***@db:5432/app: refused"
    );
    let json = String::from_utf8(report.to_json(healthz_core::Detail::Full)).unwrap();
    assert!(!json.contains("hunter2"));
}

#[tokio::test(start_paused = true)]
async fn thresholds_hold_the_reported_status() {
    let (up, probe) = switch(true);
    let health = builder()
        .readiness(
            "flaky",
            ProbeOptions::new()
                .failure_threshold(3)
                .success_threshold(2),
            probe,
        )
        .build()
        .unwrap();
    let status = || async { health.report(Kind::Readiness).await.status() };
    assert_eq!(status().await, Status::Pass);
    up.store(false, Ordering::SeqCst);
    assert_eq!(status().await, Status::Warn, "1 failure of 3");
    assert_eq!(status().await, Status::Warn, "2 failures of 3");
    assert_eq!(status().await, Status::Fail, "3 failures: reported failed");
    up.store(true, Ordering::SeqCst);
    assert_eq!(status().await, Status::Fail, "1 success of 2");
    assert_eq!(
        status().await,
        Status::Pass,
        "2 successes: reported passing"
    );
}

#[tokio::test(start_paused = true)]
async fn polled_probes_fail_until_their_first_result_and_never_make_requests_wait() {
    let runs = counter();
    let health = one(
        "polled",
        ProbeOptions::new().interval(Duration::from_secs(10)),
        counting(&runs, 50 * MS, Status::Pass),
    );
    let start = Instant::now();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "requests never wait on a polled probe"
    );
    assert_eq!(
        report.status(),
        Status::Fail,
        "no result yet counts as not ready"
    );
    assert!(
        report
            .check("polled")
            .unwrap()
            .output()
            .unwrap()
            .starts_with("pending")
    );
    sleep(60 * MS).await;
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    sleep(Duration::from_secs(60)).await;
    let polls = runs.load(Ordering::SeqCst);
    assert!(
        (6..=8).contains(&polls),
        "about one poll per 10 s ± 10 %: {polls}"
    );
}

#[tokio::test(start_paused = true)]
async fn pollers_stop_when_the_last_health_is_dropped() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    let runs = counter();
    let health = builder()
        .readiness(
            "a",
            ProbeOptions::new().interval(Duration::from_secs(1)),
            counting(&runs, MS, Status::Pass),
        )
        .liveness(
            "b",
            ProbeOptions::new().interval(Duration::from_secs(1)),
            counting(&runs, MS, Status::Pass),
        )
        .build()
        .unwrap();
    sleep(Duration::from_millis(1500)).await;
    assert!(metrics.num_alive_tasks() >= baseline + 2, "two pollers run");
    let clone = health.clone();
    drop(health);
    sleep(Duration::from_secs(2)).await;
    assert!(
        metrics.num_alive_tasks() >= baseline + 2,
        "a clone keeps them running"
    );
    drop(clone);
    tokio::task::yield_now().await;
    sleep(MS).await;
    assert_eq!(
        metrics.num_alive_tasks(),
        baseline,
        "no poller outlives the last Health"
    );
    let after = runs.load(Ordering::SeqCst);
    sleep(Duration::from_secs(10)).await;
    assert_eq!(runs.load(Ordering::SeqCst), after);
}

#[tokio::test(start_paused = true)]
async fn a_result_older_than_max_stale_fails() {
    // After its first result the probe hangs (for longer than max_stale, within its long timeout),
    // as a stuck poller would: the last result must not be served as healthy forever.
    let runs = counter();
    let health = builder()
        .readiness(
            "polled",
            ProbeOptions::new()
                .interval(Duration::from_secs(1))
                .timeout(Duration::from_secs(3600))
                .max_stale(Duration::from_secs(5)),
            {
                let runs = Arc::clone(&runs);
                move || {
                    let n = runs.fetch_add(1, Ordering::SeqCst);
                    async move {
                        if n > 0 {
                            sleep(Duration::from_secs(3000)).await;
                        }
                    }
                }
            },
        )
        .build()
        .unwrap();
    sleep(10 * MS).await;
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    sleep(Duration::from_secs(6)).await;
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Fail);
    assert!(
        report
            .check("polled")
            .unwrap()
            .output()
            .unwrap()
            .starts_with("stale: the latest result is 6s old")
    );
}

#[tokio::test(start_paused = true)]
async fn within_max_stale_a_cached_result_is_served_while_it_refreshes() {
    let runs = counter();
    let health = builder()
        .readiness(
            "swr",
            ProbeOptions::new()
                .cache(Duration::from_secs(1))
                .max_stale(Duration::from_secs(10)),
            counting(&runs, 100 * MS, Status::Pass),
        )
        .build()
        .unwrap();
    health.report(Kind::Readiness).await;
    sleep(Duration::from_secs(2)).await;
    let start = Instant::now();
    health.report(Kind::Readiness).await;
    assert_eq!(
        start.elapsed(),
        Duration::ZERO,
        "served at once from the stale result"
    );
    sleep(200 * MS).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "and refreshed in the background"
    );
}

#[tokio::test]
async fn blocking_probes_run_on_the_blocking_pool() {
    let health = builder()
        .blocking_probe(Kind::Readiness, "sync", ProbeOptions::new(), || {
            std::thread::sleep(Duration::from_millis(20));
            true
        })
        .build()
        .unwrap();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hung_blocking_probe_times_out_and_is_not_started_twice() {
    let runs = counter();
    let health = builder()
        .blocking_probe(
            Kind::Readiness,
            "stuck",
            ProbeOptions::new().timeout(50 * MS),
            {
                let runs = Arc::clone(&runs);
                move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(400));
                }
            },
        )
        .build()
        .unwrap();
    let first = health.report(Kind::Readiness).await;
    assert!(
        first
            .check("stuck")
            .unwrap()
            .output()
            .unwrap()
            .starts_with("timed out after 50ms")
    );
    let second = health.report(Kind::Readiness).await;
    assert_eq!(
        second.check("stuck").unwrap().output(),
        Some("the previous run is still going (blocking probes cannot be cancelled)")
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    sleep(Duration::from_millis(500)).await;
    health.report(Kind::Readiness).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "once the call returned, the next run starts"
    );
}

#[tokio::test(start_paused = true)]
async fn ready_resolves_the_first_time_readiness_passes() {
    let runs = counter();
    let health = builder()
        .readiness("warming", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                let n = runs.fetch_add(1, Ordering::SeqCst);
                async move { n >= 4 }
            }
        })
        .build()
        .unwrap();
    let start = Instant::now();
    health.ready().await;
    assert_eq!(runs.load(Ordering::SeqCst), 5);
    assert!(start.elapsed() >= Duration::from_millis(50 + 100 + 200 + 400));
    health.ready().await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        5,
        "already ready: returns at once"
    );
}

#[tokio::test]
async fn status_changes_reach_observers_once() {
    let changes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (up, probe) = switch(true);
    let health = builder()
        .readiness("db", ProbeOptions::new(), probe)
        .observer(OnChange({
            let changes = Arc::clone(&changes);
            move |c: &StatusChange<'_>| {
                changes
                    .lock()
                    .unwrap()
                    .push((c.name.to_owned(), c.from, c.to));
            }
        }))
        .build()
        .unwrap();
    for failing in [false, false, true, true, false] {
        up.store(!failing, Ordering::SeqCst);
        health.report(Kind::Readiness).await;
    }
    let changes = changes.lock().unwrap();
    assert_eq!(
        *changes,
        [
            ("db".to_owned(), None, Status::Pass),
            ("db".to_owned(), Some(Status::Pass), Status::Fail),
            ("db".to_owned(), Some(Status::Fail), Status::Pass),
        ]
    );
}

// ---- attribute-registered probes --------------------------------------------------------------

#[derive(Debug)]
struct Pool(&'static str);

#[readiness(name = "pool", timeout = "1s")]
async fn pool_probe(pool: &Pool) -> Result<(), String> {
    if pool.0 == "up" {
        Ok(())
    } else {
        Err(format!("pool is {}", pool.0))
    }
}

#[startup]
async fn started() -> bool {
    true
}

fn only_this_file() -> healthz_core::HealthBuilder {
    Health::builder().filter_registered(|def| def.location.function.starts_with(module_path!()))
}

#[tokio::test]
async fn attribute_probes_get_their_state() {
    let health = only_this_file().state(Pool("down")).build().unwrap();
    let report = health.report(Kind::Readiness).await;
    assert_eq!(report.status(), Status::Fail);
    assert_eq!(report.check("pool").unwrap().output(), Some("pool is down"));
    assert!(health.is_started());
    let info: Vec<_> = health.probes(Kind::Readiness).collect();
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].timeout, Duration::from_secs(1));
    assert_eq!(
        info[0].location.function,
        concat!(module_path!(), "::pool_probe")
    );
    assert!(info[0].location.file.ends_with("engine.rs"));
}

#[test]
fn missing_state_names_the_probe_its_location_and_the_type() {
    let error = only_this_file().build().unwrap_err();
    let message = error.to_string();
    assert!(message.contains("readiness probe `pool` at "), "{message}");
    assert!(message.contains("engine.rs:"), "{message}");
    assert!(message.contains("`engine::Pool`"), "{message}");
    assert!(
        message.contains("add `.state(value)` to `Health::builder()`"),
        "{message}"
    );
    let line = healthz_core::Problem::MissingState {
        probe: healthz_core::ProbeRef {
            kind: Kind::Readiness,
            name: "pool".into(),
            location: error.problems()[0].clone().location().unwrap(),
        },
        type_name: "engine::Pool",
    };
    assert_eq!(error.problems(), [line]);
}

trait ProblemLocation {
    fn location(self) -> Option<healthz_core::Location>;
}

impl ProblemLocation for healthz_core::Problem {
    fn location(self) -> Option<healthz_core::Location> {
        match self {
            healthz_core::Problem::MissingState { probe, .. } => Some(probe.location),
            _ => None,
        }
    }
}

#[test]
fn duplicate_names_name_both_locations() {
    let error = builder()
        .readiness("db", ProbeOptions::new(), || async {})
        .readiness("db", ProbeOptions::new(), || async {})
        .liveness("db", ProbeOptions::new(), || async {})
        .build()
        .unwrap_err();
    assert_eq!(error.problems().len(), 1, "{error}");
    let message = error.to_string();
    assert!(message.contains("readiness probe `db` at "), "{message}");
    assert!(
        message.contains("has the same name as the readiness probe at "),
        "{message}"
    );
    assert_eq!(message.matches("engine.rs:").count(), 2, "{message}");
}

#[test]
fn invalid_builder_probes_are_refused() {
    let error = builder()
        .readiness("a b", ProbeOptions::new(), || async {})
        .readiness("z", ProbeOptions::new().timeout(Duration::ZERO), || async {
        })
        .state(1_u8)
        .state(2_u8)
        .build()
        .unwrap_err();
    let message = error.to_string();
    assert_eq!(error.problems().len(), 3, "{message}");
    assert!(message.contains("ASCII letters, digits"), "{message}");
    assert!(
        message.contains("`timeout` must be greater than zero"),
        "{message}"
    );
    assert!(
        message.contains("state of type `u8` was supplied twice"),
        "{message}"
    );
}

#[tokio::test]
async fn refusing_traffic_fails_readiness_until_accepted_and_drain_wins() {
    let runs = counter();
    let health = builder()
        .readiness("db", ProbeOptions::new(), counting(&runs, MS, Status::Pass))
        .liveness("loop", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    health.refuse_traffic("maintenance until 02:00");
    let refused = health.report(Kind::Readiness).await;
    assert_eq!(
        (refused.status(), refused.output()),
        (Status::Fail, Some("maintenance until 02:00"))
    );
    assert_eq!(
        refused.gate(),
        Some(&healthz_core::Gate::RefusingTraffic(
            "maintenance until 02:00".into()
        ))
    );
    assert!(
        refused.checks().is_empty(),
        "no readiness probe runs meanwhile"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(health.report(Kind::Liveness).await.status(), Status::Pass);
    let own = health.report(Kind::Readiness).probe("db").await.unwrap();
    assert_eq!(
        own.status(),
        Status::Pass,
        "a probe's own path reports the probe"
    );

    health.accept_traffic();
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);

    health.refuse_traffic("failover");
    health.drain();
    health.accept_traffic();
    let drained = health.report(Kind::Readiness).await;
    assert_eq!(
        (drained.status(), drained.gate()),
        (Status::Fail, Some(&healthz_core::Gate::Draining)),
        "drain wins: accepting traffic after drain changes nothing"
    );
}

#[tokio::test]
async fn gate_changes_reach_observers() {
    #[derive(Clone, Default)]
    struct Gates(Arc<std::sync::Mutex<Vec<Option<healthz_core::Gate>>>>);
    impl Observer for Gates {
        fn on_gate(&self, kind: Kind, gate: Option<&healthz_core::Gate>) {
            assert_eq!(kind, Kind::Readiness);
            self.0.lock().unwrap().push(gate.cloned());
        }
    }
    let seen = Gates::default();
    let health = builder()
        .readiness("db", ProbeOptions::new(), || async {})
        .observer(seen.clone())
        .build()
        .unwrap();
    health.report(Kind::Readiness).await;
    health.refuse_traffic("maintenance");
    health.refuse_traffic("maintenance");
    health.accept_traffic();
    health.report(Kind::Readiness).await;
    health.drain();
    assert_eq!(
        *seen.0.lock().unwrap(),
        [
            Some(healthz_core::Gate::RefusingTraffic("maintenance".into())),
            None,
            Some(healthz_core::Gate::Draining)
        ],
        "each transition once; none for a first evaluation without a gate"
    );
}
