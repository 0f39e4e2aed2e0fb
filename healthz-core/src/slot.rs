//! One probe's run-time state: its latest result, the run in flight, and its thresholds.
//!
//! Reads are lock-free (`ArcSwapOption::load`). A read that needs a fresh result joins the run in
//! flight or starts one. A new run is polled once on the caller's thread; if it has not finished,
//! it moves to a task of its own, so it finishes and lands in the cache even when every caller
//! that waited for it has gone.

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::observe::{Outcome, RunEvent, StatusChange};
use crate::probe::{ProbeSpec, Run, Runner};
use crate::{Check, Kind, Observer, StateMap, Status, redact};

/// What one run (or a synthetic result, such as "pending") produced.
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// Unique per snapshot: a rendered report is reusable while its snapshots' ids are current.
    pub(crate) id: u64,
    /// The status reported for the probe, after thresholds.
    pub(crate) status: Status,
    /// The output, credentials redacted.
    pub(crate) output: Option<Box<str>>,
    pub(crate) observed: Option<(f64, Cow<'static, str>)>,
    /// Wall-clock time the run finished, for `time`.
    pub(crate) time: SystemTime,
    /// Monotonic time the run finished, for cache and staleness.
    pub(crate) at: Instant,
    pub(crate) duration: Duration,
    /// `None` for synthetic results that no run produced.
    pub(crate) outcome: Option<Outcome>,
    /// Until when it is served as it is: worked out once from `at` and the probe's options, so
    /// that a read compares two instants instead of working out an age per probe and request.
    pub(crate) fresh: Fresh,
}

/// Until when a stored result is fresh (served as it is, no run): the [`Age::Fresh`] case of
/// [`Slot::age`], precomputed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fresh {
    /// Never: no `cache`, or a synthetic result.
    Never,
    /// While `now < deadline`: a `cache`d result.
    Before(Instant),
    /// While `now <= deadline`: a polled result within its `max_stale`.
    Through(Instant),
    /// Always: a polled result without `max_stale`, or a deadline past the clock's range.
    Always,
}

impl Fresh {
    pub(crate) fn holds(self, now: Instant) -> bool {
        match self {
            Fresh::Never => false,
            Fresh::Before(deadline) => now < deadline,
            Fresh::Through(deadline) => now <= deadline,
            Fresh::Always => true,
        }
    }
}

/// The source of [`Snapshot::id`].
static NEXT_SNAPSHOT: AtomicU64 = AtomicU64::new(0);

fn next_id() -> u64 {
    NEXT_SNAPSHOT.fetch_add(1, Ordering::Relaxed)
}

impl Snapshot {
    pub(crate) fn synthetic(status: Status, output: String) -> Self {
        Snapshot {
            id: next_id(),
            status,
            output: Some(output.into_boxed_str()),
            observed: None,
            time: SystemTime::now(),
            at: Instant::now(),
            duration: Duration::ZERO,
            outcome: None,
            fresh: Fresh::Never,
        }
    }
}

/// Everything a run needs besides its slot.
pub(crate) struct RunCtx {
    pub(crate) state: Arc<StateMap>,
    pub(crate) observers: Vec<Arc<dyn Observer>>,
}

type Flight = Shared<BoxFuture<'static, Arc<Snapshot>>>;

/// A run started or joined by [`Slot::run`]: its result, at once or when the run finishes.
pub(crate) enum Running {
    /// The run finished during [`Slot::run`].
    Done(std::future::Ready<Arc<Snapshot>>),
    /// The run goes on elsewhere: in flight for other callers, or spawned.
    Joined(Flight),
}

impl Future for Running {
    type Output = Arc<Snapshot>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Running::Done(snapshot) => snapshot.poll_unpin(cx),
            Running::Joined(flight) => flight.poll_unpin(cx),
        }
    }
}

/// How a result's age compares with the probe's `cache`, `interval` and `max_stale`.
enum Age {
    /// Servable as is.
    Fresh,
    /// Servable, but refresh it in the background.
    Revalidate,
    /// A polled result past `max_stale`: serve a failure instead.
    Stale(Duration, Duration),
    /// Not servable: run the probe.
    Expired,
}

/// The outcome of a lock-free read.
pub(crate) enum Read {
    /// A result that can be served as is.
    Ready(Arc<Snapshot>),
    /// Serve this, and refresh in the background (stale-while-revalidate inside `max_stale`).
    Revalidate(Arc<Snapshot>),
    /// No servable result: join or start a run and wait for it.
    Run,
}

pub(crate) struct Slot {
    pub(crate) spec: ProbeSpec,
    latest: ArcSwapOption<Snapshot>,
    flight: Mutex<Option<(u64, Flight)>>,
    flights: AtomicU64,
    history: Mutex<History>,
    /// For blocking probes: a call is still running on the blocking pool.
    busy: Arc<AtomicBool>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Slot {
    pub(crate) fn new(spec: ProbeSpec) -> Self {
        Slot {
            spec,
            latest: ArcSwapOption::empty(),
            flight: Mutex::new(None),
            flights: AtomicU64::new(0),
            history: Mutex::new(History::default()),
            busy: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.spec.kind
    }

    pub(crate) fn name(&self) -> &str {
        &self.spec.name
    }

    pub(crate) fn is_polled(&self) -> bool {
        self.spec.options.interval_duration().is_some()
    }

    /// The latest result, whatever its age.
    pub(crate) fn latest(&self) -> Option<Arc<Snapshot>> {
        self.latest.load_full()
    }

    /// Reads without running anything.
    pub(crate) fn read(&self, now: Instant) -> Read {
        let latest = self.latest.load();
        let Some(snapshot) = latest.as_ref() else {
            return if self.is_polled() {
                Read::Ready(Arc::new(self.pending()))
            } else {
                Read::Run
            };
        };
        if snapshot.fresh.holds(now) {
            return Read::Ready(Arc::clone(snapshot));
        }
        match self.age(snapshot, now) {
            Age::Fresh => Read::Ready(Arc::clone(snapshot)),
            Age::Revalidate => Read::Revalidate(Arc::clone(snapshot)),
            Age::Stale(age, max) => Read::Ready(Arc::new(stale(age, max))),
            Age::Expired => Read::Run,
        }
    }

    /// The id of the latest result when a read would serve it unchanged and without a run.
    pub(crate) fn fresh_id(&self, now: Instant) -> Option<u64> {
        let latest = self.latest.load();
        let snapshot = latest.as_ref()?;
        snapshot.fresh.holds(now).then_some(snapshot.id)
    }

    /// The id of the latest result, whatever its age.
    pub(crate) fn latest_id(&self) -> Option<u64> {
        self.latest.load().as_ref().map(|s| s.id)
    }

    /// Until when a result made at `at` is [`Age::Fresh`].
    fn freshness(&self, at: Instant) -> Fresh {
        let options = &self.spec.options;
        if self.is_polled() {
            return match options.max_stale_duration() {
                Some(max) => at.checked_add(max).map_or(Fresh::Always, Fresh::Through),
                None => Fresh::Always,
            };
        }
        match options.cache_duration() {
            Some(ttl) if !ttl.is_zero() => at.checked_add(ttl).map_or(Fresh::Always, Fresh::Before),
            _ => Fresh::Never,
        }
    }

    fn age(&self, snapshot: &Snapshot, now: Instant) -> Age {
        let options = &self.spec.options;
        let age = now.saturating_duration_since(snapshot.at);
        if self.is_polled() {
            return match options.max_stale_duration() {
                Some(max) if age > max => Age::Stale(age, max),
                _ => Age::Fresh,
            };
        }
        match options.cache_duration() {
            Some(ttl) if age < ttl => Age::Fresh,
            Some(_) if options.max_stale_duration().is_some_and(|max| age < max) => Age::Revalidate,
            _ => Age::Expired,
        }
    }

    fn pending(&self) -> Snapshot {
        let status = if self.kind() == Kind::Liveness {
            Status::Warn
        } else {
            Status::Fail
        };
        Snapshot::synthetic(
            status,
            "pending: the first background run has not finished".into(),
        )
    }

    /// Joins the run in flight, or starts one. The returned future resolves to the run's result;
    /// dropping it does not cancel the run.
    ///
    /// A new run is polled once here, on the caller's thread: a probe that answers at once (most
    /// liveness probes) costs no task and no extra trip through the caller's executor. A run still
    /// pending after that poll moves to a spawned task, where it finishes whoever waits for it.
    /// Callers that arrive meanwhile join it through the flight registered before the poll.
    pub(crate) fn run(self: &Arc<Self>, ctx: &Arc<RunCtx>) -> Running {
        let mut flight = lock(&self.flight);
        if let Some((_, running)) = flight.as_ref() {
            return Running::Joined(running.clone());
        }
        let id = self.flights.fetch_add(1, Ordering::Relaxed);
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            drop(flight);
            return Running::Done(std::future::ready(Arc::new(Snapshot::synthetic(
                Status::Fail,
                "healthz runs probes on a Tokio runtime, and none is running here".into(),
            ))));
        };
        let (sender, receiver) = tokio::sync::oneshot::channel::<Arc<Snapshot>>();
        let joined = {
            let slot = Arc::clone(self);
            receiver
                .map(move |result| {
                    result.unwrap_or_else(|_| {
                        // The run never finished (it panicked, or its runtime is shutting down):
                        // forget the flight so the next read starts a new one.
                        slot.land(id);
                        Arc::new(Snapshot::synthetic(
                            Status::Fail,
                            "probe run was cancelled before it finished".into(),
                        ))
                    })
                })
                .boxed()
                .shared()
        };
        *flight = Some((id, joined.clone()));
        drop(flight);

        let (slot, ctx) = (Arc::clone(self), Arc::clone(ctx));
        let mut work = async move {
            let snapshot = slot.execute(&ctx).await;
            slot.latest.store(Some(Arc::clone(&snapshot)));
            slot.land(id);
            snapshot
        }
        .boxed();
        let mut noop = Context::from_waker(Waker::noop());
        match std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(&mut noop))) {
            Ok(Poll::Ready(snapshot)) => {
                // Only joiners listen; with none, nobody needs it.
                drop(sender.send(Arc::clone(&snapshot)));
                Running::Done(std::future::ready(snapshot))
            }
            Ok(Poll::Pending) => {
                // The task's first poll registers its own waker in place of the no-op one.
                let slot = Arc::clone(self);
                drop(handle.spawn(async move {
                    match AssertUnwindSafe(work).catch_unwind().await {
                        Ok(snapshot) => drop(sender.send(snapshot)),
                        Err(_) => slot.land(id),
                    }
                }));
                Running::Joined(joined)
            }
            // A panic outside the probe (the probe's own are caught in `guarded`), in an observer:
            // clear the flight; `sender` is dropped, so `joined` reports the run cancelled.
            Err(_) => {
                self.land(id);
                Running::Joined(joined)
            }
        }
    }

    /// Clears the flight `id`, if it is still the current one.
    fn land(&self, id: u64) {
        let mut flight = lock(&self.flight);
        if flight.as_ref().is_some_and(|(current, _)| *current == id) {
            *flight = None;
        }
    }

    /// Runs the probe once, under its timeout and panic guard, applies the thresholds and tells the
    /// observers. Does not store the result.
    async fn execute(&self, ctx: &RunCtx) -> Arc<Snapshot> {
        let span = tracing::info_span!("healthz.probe", kind = %self.kind(), probe = %self.name());
        let started = Instant::now();
        let (outcome, check) = self.call(&ctx.state).instrument(span.clone()).await;
        let duration = started.elapsed();
        let (raw_status, output, observed) = check.into_parts();
        let output = output.map(|o| redact(&o).into_owned());
        let (status, output, change) =
            lock(&self.history).apply(&self.spec.options, raw_status, output);
        let at = Instant::now();
        let snapshot = Arc::new(Snapshot {
            id: next_id(),
            status,
            output: output.map(String::into_boxed_str),
            observed,
            time: SystemTime::now(),
            at,
            duration,
            outcome: Some(outcome),
            fresh: self.freshness(at),
        });
        let _entered = span.enter();
        tracing::debug!(outcome = %outcome, status = %status, duration_ms = duration.as_secs_f64() * 1e3, "probe run finished");
        let event = RunEvent {
            kind: self.kind(),
            name: self.name(),
            outcome,
            duration,
            status,
        };
        for observer in &ctx.observers {
            observer.on_run(&event);
        }
        if let Some(Transition { from }) = change {
            self.report_change(ctx, from, &snapshot);
        }
        snapshot
    }

    fn report_change(&self, ctx: &RunCtx, from: Option<Status>, snapshot: &Snapshot) {
        let output = snapshot.output.as_deref();
        let to = snapshot.status;
        let from_str = from.map_or("none", Status::as_str);
        match to {
            Status::Fail => {
                tracing::warn!(from = from_str, to = %to, output, "probe status changed");
            }
            Status::Warn => {
                tracing::warn!(from = from_str, to = %to, output, "probe status changed");
            }
            Status::Pass => tracing::info!(from = from_str, to = %to, "probe status changed"),
        }
        let change = StatusChange {
            kind: self.kind(),
            name: self.name(),
            from,
            to,
            output,
        };
        for observer in &ctx.observers {
            observer.on_change(&change);
        }
    }

    /// Calls the probe under its timeout, catching panics.
    async fn call(&self, state: &Arc<StateMap>) -> (Outcome, Check) {
        let timeout = self.spec.options.timeout_duration();
        match &self.spec.runner {
            Runner::Registered(Run::Async(run)) => match run(state) {
                Ok(future) => guarded(timeout, future).await,
                Err(missing) => (Outcome::Fail, Check::fail(missing.to_string())),
            },
            Runner::Closure(make) => match std::panic::catch_unwind(AssertUnwindSafe(|| make())) {
                Ok(future) => guarded(timeout, future).await,
                Err(panic) => panicked(&*panic),
            },
            Runner::Registered(Run::Blocking(run)) => {
                let (run, state) = (*run, Arc::clone(state));
                self.blocking(timeout, move || {
                    run(&state).unwrap_or_else(|m| Check::fail(m.to_string()))
                })
                .await
            }
            Runner::BlockingClosure(call) => {
                let call = Arc::clone(call);
                self.blocking(timeout, move || call()).await
            }
        }
    }

    /// Runs a synchronous probe on the blocking pool. At most one call per probe is ever running:
    /// a call that outlived its timeout keeps its thread, so a new one is not started beside it.
    async fn blocking(
        &self,
        timeout: Duration,
        call: impl FnOnce() -> Check + Send + 'static,
    ) -> (Outcome, Check) {
        if self.busy.swap(true, Ordering::AcqRel) {
            return (
                Outcome::Timeout,
                Check::fail(
                    "the previous run is still going (blocking probes cannot be cancelled)",
                ),
            );
        }
        let busy = Arc::clone(&self.busy);
        let handle = tokio::task::spawn_blocking(move || {
            let _release = Release(busy);
            call()
        });
        match tokio::time::timeout(timeout, handle).await {
            Ok(Ok(check)) => (Outcome::of(check.status()), check),
            Ok(Err(e)) if e.is_panic() => panicked(&*e.into_panic()),
            Ok(Err(e)) => (
                Outcome::Fail,
                Check::fail(format!("probe run was cancelled: {e}")),
            ),
            Err(_) => (
                Outcome::Timeout,
                Check::fail(format!(
                    "timed out after {} (a blocking probe keeps running on its thread)",
                    humantime::format_duration(timeout)
                )),
            ),
        }
    }
}

/// Clears a blocking probe's busy flag when its call ends, even by panic.
struct Release(Arc<AtomicBool>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Awaits a probe's future under its timeout, catching panics. The future is dropped (cancelled)
/// at the timeout.
async fn guarded(
    timeout: Duration,
    future: crate::probe::BoxFuture<'_, Check>,
) -> (Outcome, Check) {
    match tokio::time::timeout(timeout, AssertUnwindSafe(future).catch_unwind()).await {
        Ok(Ok(check)) => (Outcome::of(check.status()), check),
        Ok(Err(panic)) => panicked(&*panic),
        Err(_) => (
            Outcome::Timeout,
            Check::fail(format!(
                "timed out after {}",
                humantime::format_duration(timeout)
            )),
        ),
    }
}

fn panicked(payload: &(dyn std::any::Any + Send)) -> (Outcome, Check) {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)");
    (
        Outcome::Panic,
        Check::fail(format!("probe panicked: {message}")),
    )
}

fn stale(age: Duration, max: Duration) -> Snapshot {
    let whole = |d: Duration| humantime::format_duration(Duration::from_secs(d.as_secs()));
    Snapshot::synthetic(
        Status::Fail,
        format!(
            "stale: the latest result is {} old, more than max_stale ({}); is the background poller running?",
            whole(age),
            humantime::format_duration(max)
        ),
    )
}

/// A change of a probe's reported status; `from` is `None` for its first result.
#[derive(Debug, PartialEq, Eq)]
struct Transition {
    from: Option<Status>,
}

/// Consecutive results, for `failure_threshold` and `success_threshold`.
#[derive(Debug, Default)]
struct History {
    /// Whether the probe is currently reported healthy; `None` before its first result.
    healthy: Option<bool>,
    failures: u32,
    successes: u32,
    last: Option<Status>,
}

impl History {
    /// Folds one raw result in. Returns the status and output to report and, when the reported
    /// status changed, the previous one.
    fn apply(
        &mut self,
        options: &crate::ProbeOptions,
        raw: Status,
        output: Option<String>,
    ) -> (Status, Option<String>, Option<Transition>) {
        let failed = raw == Status::Fail;
        if failed {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
        } else {
            self.successes = self.successes.saturating_add(1);
            self.failures = 0;
        }
        let (threshold_f, threshold_s) = (
            options.failure_threshold_runs(),
            options.success_threshold_runs(),
        );
        let (status, output) = match self.healthy {
            Some(true) if failed && self.failures < threshold_f => (
                Status::Warn,
                Some(format!(
                    "failing ({} of {threshold_f} consecutive failures before it is reported failed): {}",
                    self.failures,
                    output.as_deref().unwrap_or("no output")
                )),
            ),
            Some(false) if !failed && self.successes < threshold_s => (
                Status::Fail,
                Some(match output {
                    Some(o) => format!(
                        "recovering ({} of {threshold_s} consecutive successes before it is reported passing): {o}",
                        self.successes
                    ),
                    None => format!(
                        "recovering ({} of {threshold_s} consecutive successes before it is reported passing)",
                        self.successes
                    ),
                }),
            ),
            _ => {
                self.healthy = Some(!failed);
                (raw, output)
            }
        };
        let change = (self.last != Some(status)).then_some(Transition { from: self.last });
        self.last = Some(status);
        (status, output, change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProbeOptions;
    use crate::probe::Location;

    fn slot(options: ProbeOptions) -> Slot {
        Slot::new(ProbeSpec {
            kind: Kind::Readiness,
            name: "p".into(),
            options,
            state: &[],
            location: Location::caller(),
            runner: Runner::Closure(Arc::new(|| Box::pin(async { Check::pass() }))),
        })
    }

    /// The precomputed freshness agrees with `age` at, around and far from every boundary.
    #[test]
    fn freshness_agrees_with_age() {
        let ms = Duration::from_millis;
        let ns = Duration::from_nanos;
        let at = Instant::now();
        let options = [
            ProbeOptions::new(),
            ProbeOptions::new().cache(ms(100)),
            ProbeOptions::new().cache(ms(100)).max_stale(ms(300)),
            ProbeOptions::new().interval(ms(100)),
            ProbeOptions::new().interval(ms(100)).max_stale(ms(300)),
            ProbeOptions::new().cache(Duration::MAX),
            ProbeOptions::new()
                .interval(ms(100))
                .max_stale(Duration::MAX),
        ];
        let mut offsets = vec![
            Duration::ZERO,
            ns(1),
            ms(50),
            ms(1000),
            Duration::from_secs(1 << 40),
        ];
        for boundary in [ms(100), ms(300)] {
            offsets.extend([boundary.saturating_sub(ns(1)), boundary, boundary + ns(1)]);
        }
        for options in options {
            let slot = slot(options);
            let snapshot = Snapshot {
                at,
                fresh: slot.freshness(at),
                ..Snapshot::synthetic(Status::Pass, String::new())
            };
            for offset in &offsets {
                let now = at + *offset;
                assert_eq!(
                    snapshot.fresh.holds(now),
                    matches!(slot.age(&snapshot, now), Age::Fresh),
                    "{options:?} at +{offset:?}"
                );
            }
            // A result stored after the reader took its `now`.
            if let Some(earlier) = at.checked_sub(ms(1)) {
                assert_eq!(
                    snapshot.fresh.holds(earlier),
                    matches!(slot.age(&snapshot, earlier), Age::Fresh),
                    "{options:?} before it was made"
                );
            }
        }
    }

    fn fold(options: ProbeOptions, raws: &[Status]) -> Vec<Status> {
        let mut history = History::default();
        raws.iter()
            .map(|raw| history.apply(&options, *raw, Some("x".into())).0)
            .collect()
    }

    #[test]
    fn thresholds_of_one_report_every_result() {
        use Status::{Fail, Pass, Warn};
        let raws = [Pass, Fail, Pass, Warn, Fail];
        assert_eq!(fold(ProbeOptions::new(), &raws), raws);
    }

    #[test]
    fn failure_threshold_warns_until_reached() {
        use Status::{Fail, Pass, Warn};
        let options = ProbeOptions::new().failure_threshold(3);
        assert_eq!(
            fold(options, &[Pass, Fail, Fail, Pass, Fail, Fail, Fail, Fail]),
            [Pass, Warn, Warn, Pass, Warn, Warn, Fail, Fail]
        );
    }

    #[test]
    fn success_threshold_holds_fail_until_reached() {
        use Status::{Fail, Pass};
        let options = ProbeOptions::new().success_threshold(2);
        assert_eq!(
            fold(options, &[Fail, Pass, Fail, Pass, Pass, Pass]),
            [Fail, Fail, Fail, Fail, Pass, Pass]
        );
    }

    #[test]
    fn first_result_is_reported_as_is() {
        let options = ProbeOptions::new()
            .failure_threshold(3)
            .success_threshold(3);
        assert_eq!(fold(options, &[Status::Fail]), [Status::Fail]);
        assert_eq!(fold(options, &[Status::Pass]), [Status::Pass]);
    }

    #[test]
    fn changes_are_reported_once() {
        let mut history = History::default();
        let options = ProbeOptions::new();
        assert_eq!(
            history.apply(&options, Status::Pass, None).2,
            Some(Transition { from: None })
        );
        assert_eq!(history.apply(&options, Status::Pass, None).2, None);
        assert_eq!(
            history.apply(&options, Status::Fail, None).2,
            Some(Transition {
                from: Some(Status::Pass)
            })
        );
        let (_, output, _) = history.apply(&options, Status::Fail, Some("down".into()));
        assert_eq!(output.as_deref(), Some("down"));
    }

    #[test]
    fn masked_outputs_explain_themselves() {
        let mut history = History::default();
        let options = ProbeOptions::new()
            .failure_threshold(2)
            .success_threshold(2);
        history.apply(&options, Status::Pass, None);
        let (_, output, _) = history.apply(&options, Status::Fail, Some("refused".into()));
        assert_eq!(
            output.as_deref(),
            Some("failing (1 of 2 consecutive failures before it is reported failed): refused")
        );
        history.apply(&options, Status::Fail, Some("refused".into()));
        let (_, output, _) = history.apply(&options, Status::Pass, None);
        assert_eq!(
            output.as_deref(),
            Some("recovering (1 of 2 consecutive successes before it is reported passing)")
        );
    }
}
