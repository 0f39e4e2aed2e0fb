//! [`Health`]: the evaluated set of probes a service serves.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::builder::HealthBuilder;
use crate::probe::Location;
use crate::render::RenderCache;
use crate::report::{CheckResult, Meta, Report, Scope};
use crate::slot::{Read, RunCtx, Slot};
use crate::{Kind, ProbeOptions, Status, poller};

/// The top-level output of a readiness report while draining.
pub(crate) const DRAINING: &str = "draining";

/// The probes of a service, ready to evaluate. Cheap to clone: clones share everything, including
/// caches, runs in flight and the startup and drain state.
///
/// Build one with [`Health::builder`]; it collects every probe registered with `#[liveness]`,
/// `#[readiness]` and `#[startup]` in the binary, plus those added on the builder.
///
/// ```
/// use healthz_core::{Health, Kind, ProbeOptions, Status};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), healthz_core::BuildError> {
/// let health = Health::builder()
///     .without_registered()
///     .readiness("upstream", ProbeOptions::new(), || async { Err::<(), _>("connection refused") })
///     .build()?;
///
/// let report = health.check(Kind::Readiness).await;
/// assert_eq!(report.status(), Status::Fail);
/// assert_eq!(report.check("upstream").unwrap().output(), Some("connection refused"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Health {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The slots of each kind, sorted by name.
    pub(crate) slots: [Vec<Arc<Slot>>; 3],
    pub(crate) ctx: Arc<RunCtx>,
    pub(crate) renders: RenderCache,
    meta: Arc<Meta>,
    started: AtomicBool,
    draining: AtomicBool,
    aggregates: [watch::Sender<Option<Status>>; 3],
    ready: watch::Sender<bool>,
    /// Dropping this sender (with the last `Health`) stops the pollers.
    pollers: OnceLock<watch::Sender<()>>,
}

/// A probe as a [`Health`] knows it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ProbeInfo<'a> {
    /// The kind.
    pub kind: Kind,
    /// The name.
    pub name: &'a str,
    /// The settings.
    pub options: &'a ProbeOptions,
    /// Where it was defined or added.
    pub location: &'a Location,
    /// Whether it runs on the blocking pool.
    pub blocking: bool,
}

impl Health {
    /// Starts building a `Health`.
    pub fn builder() -> HealthBuilder {
        HealthBuilder::new()
    }

    pub(crate) fn from_parts(slots: [Vec<Arc<Slot>>; 3], ctx: RunCtx, meta: Meta) -> Self {
        let started = slots[Kind::Startup.index()].is_empty();
        let health = Health {
            inner: Arc::new(Inner {
                slots,
                ctx: Arc::new(ctx),
                meta: Arc::new(meta),
                started: AtomicBool::new(started),
                draining: AtomicBool::new(false),
                renders: RenderCache::default(),
                aggregates: std::array::from_fn(|_| watch::Sender::new(None)),
                ready: watch::Sender::new(false),
                pollers: OnceLock::new(),
            }),
        };
        let probes: Vec<ProbeInfo<'_>> = Kind::ALL
            .into_iter()
            .flat_map(|kind| health.probes(kind))
            .collect();
        for observer in &health.inner.ctx.observers {
            observer.on_build(&probes);
        }
        health.start_pollers();
        health
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Starts the background pollers of `interval` probes, once, if a Tokio runtime is running.
    fn start_pollers(&self) {
        let inner = &self.inner;
        if inner.pollers.get().is_some() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        inner.pollers.get_or_init(|| {
            let (stop, _) = watch::channel(());
            for slot in inner.slots.iter().flatten().filter(|s| s.is_polled()) {
                poller::spawn(
                    &runtime,
                    Arc::clone(slot),
                    Arc::clone(&inner.ctx),
                    stop.subscribe(),
                );
            }
            stop
        });
    }

    /// Evaluates the probes of one kind: concurrently, each under its own timeout, reusing cached
    /// results and joining runs already in flight.
    ///
    /// Readiness also fails while the service is [draining](Self::drain) (output `draining`,
    /// no probe runs) and until every startup probe has passed once (output `starting`; the
    /// report then holds the startup probes' results).
    pub async fn check(&self, kind: Kind) -> Report {
        self.evaluate(Scope::Kind(kind), &[]).await
    }

    /// Evaluates every probe, for a combined view (`/healthz`). The status is the worst of the
    /// three kinds.
    pub async fn check_all(&self) -> Report {
        self.evaluate(Scope::All, &[]).await
    }

    /// Evaluates a scope, leaving out the probes named in `exclude` (they are not run).
    ///
    /// The report lists the probes left out in [`Report::excluded`] and the names that match no
    /// probe of the scope in [`Report::unmatched_excludes`].
    pub async fn evaluate(&self, scope: Scope, exclude: &[&str]) -> Report {
        self.start_pollers();
        let unmatched = self.unmatched(scope, exclude);
        match scope {
            Scope::Kind(kind) => {
                let (status, output, checks) = self.evaluate_kind(kind, exclude).await;
                self.publish(kind, status);
                // A top-level output means the kind failed before its probes were looked at
                // (draining or starting): nothing was left out.
                let excluded = if output.is_none() {
                    self.excluded(kind, exclude)
                } else {
                    Vec::new()
                };
                Report::new(scope, status, output, checks, Arc::clone(&self.inner.meta))
                    .excluding(excluded, unmatched)
            }
            Scope::All => {
                let (live, ready) = tokio::join!(
                    self.evaluate_kind(Kind::Liveness, exclude),
                    self.evaluate_kind(Kind::Readiness, exclude)
                );
                // Readiness has settled startup: either it latched (and startup is served from the
                // latch) or it reported the startup probes itself.
                let started = self.is_started();
                let startup = if started {
                    self.evaluate_kind(Kind::Startup, exclude).await
                } else {
                    (Status::Fail, None, Vec::new())
                };
                let mut excluded = self.excluded(Kind::Liveness, exclude);
                if ready.1.is_none() {
                    excluded.extend(self.excluded(Kind::Readiness, exclude));
                }
                if started {
                    excluded.extend(self.excluded(Kind::Startup, exclude));
                }
                self.publish(Kind::Liveness, live.0);
                self.publish(Kind::Readiness, ready.0);
                self.publish(Kind::Startup, startup.0);
                let status = live.0.worst(ready.0).worst(startup.0);
                let mut checks = live.2;
                checks.extend(ready.2);
                checks.extend(startup.2);
                Report::new(scope, status, ready.1, checks, Arc::clone(&self.inner.meta))
                    .excluding(excluded, unmatched)
            }
        }
    }

    /// The probes of `kind` named in `exclude`.
    fn excluded(&self, kind: Kind, exclude: &[&str]) -> Vec<Arc<Slot>> {
        if exclude.is_empty() {
            return Vec::new();
        }
        self.inner.slots[kind.index()]
            .iter()
            .filter(|slot| exclude.contains(&slot.name()))
            .cloned()
            .collect()
    }

    /// The names in `exclude` that no probe of `scope` has, sorted, without duplicates.
    fn unmatched(&self, scope: Scope, exclude: &[&str]) -> Vec<Box<str>> {
        let matches = |name: &str| match scope {
            Scope::Kind(kind) => self.has_probe(kind, name),
            Scope::All => Kind::ALL.into_iter().any(|kind| self.has_probe(kind, name)),
        };
        let mut unmatched: Vec<Box<str>> = exclude
            .iter()
            .filter(|name| !matches(name))
            .map(|&name| name.into())
            .collect();
        unmatched.sort_unstable();
        unmatched.dedup();
        unmatched
    }

    /// Evaluates one probe. `None` when the kind has no probe of that name.
    ///
    /// The report's status is the probe's own: neither criticality, nor the startup and drain
    /// gates apply.
    pub async fn check_probe(&self, kind: Kind, name: &str) -> Option<Report> {
        self.start_pollers();
        let slot = self.slot(kind, name)?;
        let result = self.results(std::slice::from_ref(slot), &[]).await.pop()?;
        let status = result.status();
        Some(Report::new(
            Scope::Kind(kind),
            status,
            None,
            vec![result],
            Arc::clone(&self.inner.meta),
        ))
    }

    /// Whether the kind has a probe of that name.
    pub fn has_probe(&self, kind: Kind, name: &str) -> bool {
        self.slot(kind, name).is_some()
    }

    /// The probes of a kind, sorted by name.
    pub fn probes(&self, kind: Kind) -> impl Iterator<Item = ProbeInfo<'_>> + '_ {
        self.inner.slots[kind.index()]
            .iter()
            .map(move |slot| ProbeInfo {
                kind,
                name: slot.name(),
                options: &slot.spec.options,
                location: &slot.spec.location,
                blocking: slot.spec.runner.is_blocking(),
            })
    }

    fn slot(&self, kind: Kind, name: &str) -> Option<&Arc<Slot>> {
        let slots = &self.inner.slots[kind.index()];
        slots
            .binary_search_by(|s| s.name().cmp(name))
            .ok()
            .map(|i| &slots[i])
    }

    async fn evaluate_kind(
        &self,
        kind: Kind,
        exclude: &[&str],
    ) -> (Status, Option<Cow<'static, str>>, Vec<CheckResult>) {
        let inner = &self.inner;
        match kind {
            Kind::Readiness => {
                if self.is_draining() {
                    return (Status::Fail, Some(Cow::Borrowed(DRAINING)), Vec::new());
                }
                if !self.is_started() {
                    let (status, _, startup) = self.evaluate_startup(&[]).await;
                    if !status.is_healthy() {
                        return (
                            Status::Fail,
                            Some(Cow::Borrowed(
                                "starting: the startup probes have not all passed yet",
                            )),
                            startup,
                        );
                    }
                }
                let checks = self.results(&inner.slots[kind.index()], exclude).await;
                (aggregate(&checks), None, checks)
            }
            Kind::Startup => self.evaluate_startup(exclude).await,
            Kind::Liveness => {
                let checks = self.results(&inner.slots[kind.index()], exclude).await;
                (aggregate(&checks), None, checks)
            }
        }
    }

    /// Startup probes run until they have all passed once (with nothing excluded); from then on
    /// their passing results are served and they never run again.
    async fn evaluate_startup(
        &self,
        exclude: &[&str],
    ) -> (Status, Option<Cow<'static, str>>, Vec<CheckResult>) {
        let slots = &self.inner.slots[Kind::Startup.index()];
        if self.is_started() {
            let checks = slots
                .iter()
                .filter(|s| !exclude.contains(&s.name()))
                .filter_map(|s| Some(CheckResult::new(Arc::clone(s), s.latest()?)))
                .collect();
            return (Status::Pass, None, checks);
        }
        let checks = self.results(slots, exclude).await;
        let status = aggregate(&checks);
        if status.is_healthy()
            && exclude.is_empty()
            && !self.inner.started.swap(true, Ordering::AcqRel)
        {
            tracing::info!(
                "startup complete: every startup probe has passed; they will not run again"
            );
        }
        (status, None, checks)
    }

    /// The results of `slots`, minus `exclude`: cached ones at once, the rest by joining or
    /// starting runs, all awaited together.
    async fn results(&self, slots: &[Arc<Slot>], exclude: &[&str]) -> Vec<CheckResult> {
        let now = Instant::now();
        let ctx = &self.inner.ctx;
        let mut ready = Vec::with_capacity(slots.len());
        let mut waiting = Vec::new();
        for slot in slots {
            if !exclude.is_empty() && exclude.contains(&slot.name()) {
                continue;
            }
            match slot.read(now) {
                Read::Ready(snapshot) => {
                    for observer in &ctx.observers {
                        observer.on_cache_hit(slot.kind(), slot.name());
                    }
                    ready.push(CheckResult::new(Arc::clone(slot), snapshot));
                }
                Read::Revalidate(snapshot) => {
                    // Starts (or joins) a refresh that lands in the cache; nobody waits for it.
                    drop(slot.run(ctx));
                    ready.push(CheckResult::new(Arc::clone(slot), snapshot));
                }
                Read::Run => waiting.push((Arc::clone(slot), slot.run(ctx))),
            }
        }
        if !waiting.is_empty() {
            let (slots, flights): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
            let snapshots = join_all(flights).await;
            ready.extend(
                slots
                    .into_iter()
                    .zip(snapshots)
                    .map(|(s, r)| CheckResult::new(s, r)),
            );
            ready.sort_by(|a, b| a.name().cmp(b.name()));
        }
        ready
    }

    /// Records a kind's aggregate for watchers and observers.
    fn publish(&self, kind: Kind, status: Status) {
        let changed = self.inner.aggregates[kind.index()].send_if_modified(|current| {
            let changed = *current != Some(status);
            *current = Some(status);
            changed
        });
        if changed {
            tracing::info!(kind = %kind, status = %status, "aggregate status changed");
            for observer in &self.inner.ctx.observers {
                observer.on_aggregate(kind, status);
            }
        }
        if kind == Kind::Readiness && status.is_healthy() {
            self.inner
                .ready
                .send_if_modified(|ready| !std::mem::replace(ready, true));
        }
    }

    /// Makes readiness fail at once with output `draining`, while liveness stays up: call it when
    /// shutdown begins, so load balancers stop sending traffic before the server stops.
    /// Draining cannot be undone.
    pub fn drain(&self) {
        if !self.inner.draining.swap(true, Ordering::AcqRel) {
            tracing::info!("draining: readiness now fails");
            self.publish(Kind::Readiness, Status::Fail);
        }
    }

    /// Whether [`drain`](Self::drain) was called.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::Acquire)
    }

    /// Whether every startup probe has passed once (always `true` without startup probes).
    pub fn is_started(&self) -> bool {
        self.inner.started.load(Ordering::Acquire)
    }

    /// Resolves the first time readiness passes, evaluating it as needed (with back-off from
    /// 50 ms to 1 s between attempts). Resolves at once if it has passed before.
    pub async fn ready(&self) {
        let mut ready = self.inner.ready.subscribe();
        let mut pause = Duration::from_millis(50);
        loop {
            if *ready.borrow_and_update() {
                return;
            }
            if self.check(Kind::Readiness).await.status().is_healthy() {
                return;
            }
            tokio::select! {
                _ = ready.changed() => {}
                () = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// A receiver of the aggregate status of a kind, updated each time the kind is evaluated
    /// (by a request, [`check`](Self::check) or [`ready`](Self::ready)) and when draining starts.
    /// `None` until the first evaluation.
    pub fn watch(&self, kind: Kind) -> watch::Receiver<Option<Status>> {
        self.inner.aggregates[kind.index()].subscribe()
    }
}

fn aggregate(checks: &[CheckResult]) -> Status {
    checks
        .iter()
        .map(CheckResult::contribution)
        .max()
        .unwrap_or(Status::Pass)
}

impl fmt::Debug for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut probes = f.debug_map();
        for slot in self.inner.slots.iter().flatten() {
            probes.entry(&format_args!("{}/{}", slot.kind(), slot.name()), &slot.spec);
        }
        probes.finish()
    }
}
