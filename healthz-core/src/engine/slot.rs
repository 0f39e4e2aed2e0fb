//! One probe's run-time state: its latest result, the run in flight, its thresholds, and for a
//! startup probe its latched pass.
//!
//! A read takes the latest result under a lock held for a pointer copy, never across an `.await`
//! (a `Mutex` rather than `arc-swap` here: an uncached probe stores a result on every read, and
//! `arc-swap`'s store walks every thread's debt list, about 320 instructions; the switch saved
//! about 430 per uncached `/livez`, read and store together).
//! A read that needs a fresh result joins the run in flight or starts one
//! ([`flight`](super::flight)).

use std::borrow::Cow;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use tracing::Instrument as _;

use super::flight::{Flight, Running};
use super::freshness::{Age, Freshness, Now};
use super::recent::RunLog;
use super::thresholds::{History, Transition};
use super::{RunCtx, Snapshot, execute, lock, next_id};
use crate::escape::one_line;
use crate::observe::{RunEvent, StatusChange};
use crate::output::{MAX_OUTPUT_BYTES, bounded, truncate};
use crate::probe::{ProbeMeta, Runner};
use crate::{Kind, Status};

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
    pub(crate) probe: Arc<ProbeMeta>,
    runner: Runner,
    latest: Mutex<Option<Arc<Snapshot>>>,
    flight: Arc<Flight>,
    history: Mutex<History>,
    /// The latest runs, for `Health::history` and the dashboard.
    runs: Mutex<RunLog>,
    /// For blocking probes: a call is still running on the blocking pool.
    busy: Arc<AtomicBool>,
    /// For startup probes: the first passing result, served from then on (the probe never runs
    /// again).
    latched: OnceLock<Arc<Snapshot>>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("probe", &self.probe)
            .finish_non_exhaustive()
    }
}

impl Slot {
    pub(crate) fn new(probe: ProbeMeta, runner: Runner) -> Self {
        Slot {
            probe: Arc::new(probe),
            runner,
            latest: Mutex::new(None),
            flight: Arc::default(),
            history: Mutex::default(),
            runs: Mutex::default(),
            busy: Arc::default(),
            latched: OnceLock::new(),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.probe.kind
    }

    pub(crate) fn name(&self) -> &str {
        &self.probe.name
    }

    pub(crate) fn is_polled(&self) -> bool {
        self.probe.options.interval_duration().is_some()
    }

    /// Reads without running anything.
    pub(crate) fn read(&self, now: &mut Now) -> Read {
        let latest = lock(&self.latest);
        let Some(snapshot) = latest.as_ref() else {
            drop(latest);
            return if self.is_polled() {
                Read::Ready(Arc::new(self.pending()))
            } else {
                Read::Run
            };
        };
        match snapshot.freshness.age(now) {
            Age::Fresh => Read::Ready(Arc::clone(snapshot)),
            Age::Revalidate => Read::Revalidate(Arc::clone(snapshot)),
            Age::Stale { age, max } => {
                drop(latest);
                Read::Ready(Arc::new(stale(age, max)))
            }
            Age::Expired => Read::Run,
        }
    }

    /// The latest result stored, if any, however old.
    pub(crate) fn latest(&self) -> Option<Arc<Snapshot>> {
        lock(&self.latest).clone()
    }

    /// The id of the latest result stored, if any.
    #[cfg(feature = "web")]
    pub(crate) fn latest_id(&self) -> Option<u64> {
        lock(&self.latest).as_ref().map(|snapshot| snapshot.id)
    }

    /// A startup probe's latched pass, once it has passed.
    pub(crate) fn latched(&self) -> Option<&Arc<Snapshot>> {
        self.latched.get()
    }

    /// Latches a startup probe's result if it passed. `true` when it is latched now.
    pub(crate) fn latch(&self, snapshot: &Arc<Snapshot>) -> bool {
        snapshot.status.is_healthy() && {
            let _ = self.latched.set(Arc::clone(snapshot));
            true
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

    /// The recorded runs, oldest first.
    pub(crate) fn history(&self) -> Vec<Arc<Snapshot>> {
        let runs = lock(&self.runs);
        runs.runs().cloned().collect()
    }

    /// Joins the run in flight, or starts one that stores its result. The returned future
    /// resolves to the run's result; dropping it does not cancel the run.
    pub(crate) fn run(self: &Arc<Self>, ctx: &Arc<RunCtx>) -> Running {
        let (slot, ctx) = (Arc::clone(self), Arc::clone(ctx));
        self.flight.run(move || {
            async move {
                let (snapshot, change) = slot.execute(&ctx).await;
                // The result it replaces is dropped once the lock is released.
                let replaced = lock(&slot.latest).replace(Arc::clone(&snapshot));
                drop(replaced);
                ctx.changed(slot.kind());
                lock(&slot.runs).push(Arc::clone(&snapshot), ctx.history);
                ctx.sink.ran(&slot.probe, &snapshot);
                // Told after the store: a subscriber that reads the slot on hearing of the change
                // (gRPC `Watch` re-evaluating its kind) must find the new result.
                if let Some(Transition { from }) = change {
                    slot.report_change(&ctx, from, &snapshot);
                }
                snapshot
            }
        })
    }

    /// Runs the probe once, under its timeout and panic guard, applies the thresholds and tells the
    /// observers of the run. Does not store the result, nor report its status change (returned,
    /// for after the store).
    async fn execute(&self, ctx: &RunCtx) -> (Arc<Snapshot>, Option<Transition>) {
        // With no subscriber set anywhere, `tracing` hands a disabled span's fields to `log`
        // instead (its `log` feature, which actix-web turns on): about 150 instructions of every
        // run for a record at `info` of each run. Made only when a subscriber may want it.
        let span = if tracing::dispatcher::has_been_set() {
            tracing::info_span!("healthz.probe", kind = %self.kind(), probe = %self.name())
        } else {
            tracing::Span::none()
        };
        let started = Instant::now();
        let timeout = self.probe.options.timeout_duration();
        let call = execute::call(
            execute::Call {
                probe: &self.probe,
                runner: &self.runner,
                state: &ctx.state,
                panics: ctx.panics,
                busy: &self.busy,
            },
            started,
            timeout,
        );
        // A span no subscriber wants is not entered: with `tracing`'s `log` feature on (actix-web
        // turns it on), each enter and exit of even a disabled span costs a `log` call, on every
        // poll of every run.
        let (outcome, check) = if span.is_disabled() {
            call.await
        } else {
            call.instrument(span.clone()).await
        };
        let finished = Instant::now();
        let duration = finished - started;
        let (raw_status, output, observed, details) = check.into_parts();
        // Cut where it comes in, then redacted: every copy downstream is bounded.
        let output = output.map(|o| bounded(&o).into_owned());
        let (status, output, change) =
            lock(&self.history).apply(&self.probe.options, raw_status, output);
        // The thresholds may have said why they hold a status back, in front of the output.
        let output = output.map(|o| match truncate(&o, MAX_OUTPUT_BYTES) {
            Cow::Borrowed(_) => o,
            Cow::Owned(cut) => cut,
        });
        let snapshot = Arc::new(Snapshot {
            id: next_id(),
            status,
            output: output.map(String::into_boxed_str),
            observed,
            details: crate::details::seal(details),
            time: SystemTime::now(),
            duration,
            outcome: Some(outcome),
            freshness: Freshness::of(&self.probe.options, finished),
        });
        let _entered = (!span.is_disabled()).then(|| span.enter());
        tracing::debug!(
            kind = %self.kind(),
            probe = %self.name(),
            outcome = %outcome,
            status = %status,
            duration_ms = duration.as_secs_f64() * 1e3,
            "probe run finished"
        );
        ctx.notify_run(&RunEvent {
            kind: self.kind(),
            name: self.name(),
            outcome,
            duration,
            status,
        });
        (snapshot, change)
    }

    fn report_change(&self, ctx: &RunCtx, from: Option<Status>, snapshot: &Snapshot) {
        let output = snapshot.output.as_deref();
        let to = snapshot.status;
        let from_str = from.map_or("none", Status::as_str);
        match to {
            Status::Fail | Status::Warn => {
                // On one line: a plain-text log must not show lines the probe made up.
                let output = output.map(one_line);
                let output = output.as_deref();
                tracing::warn!(
                    kind = %self.kind(),
                    probe = %self.name(),
                    from = from_str,
                    to = %to,
                    output,
                    "probe status changed"
                );
            }
            Status::Pass => tracing::info!(
                kind = %self.kind(),
                probe = %self.name(),
                from = from_str,
                to = %to,
                "probe status changed"
            ),
        }
        ctx.notify_change(
            &StatusChange {
                kind: self.kind(),
                name: self.name(),
                from,
                to,
                output,
            },
            snapshot.time,
        );
    }
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
