//! [`Health`]: the evaluated set of probes a service serves. Every public method of `Health` is
//! in this module or its children: evaluating ([`evaluation`]), publishing each kind's aggregate
//! ([`publish`]), rendering bodies ([`render`], for the endpoints) and subscribing to changes
//! ([`subscribe`]).

mod evaluation;
mod publish;
#[cfg(feature = "web")]
pub(crate) mod render;
mod subscribe;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::watch;

pub use evaluation::{Evaluation, ProbeEvaluation};

use crate::engine::gate::{Gates, Readiness};
use crate::engine::{Now, Read, RunCtx, Sink, Slot, lock, poller};
use crate::events::Hub;
use crate::gate::Gate;
use crate::history::Run;
use crate::probe::{ProbeInfo, ProbeMeta};
use crate::report::{CheckResult, Meta, Report};
use crate::selection::{Scope, Selection};
use crate::{Kind, Status};
#[cfg(feature = "web")]
use render::RenderCache;

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
/// let report = health.report(Kind::Readiness).await;
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
    #[cfg(feature = "web")]
    pub(crate) renders: RenderCache,
    pub(crate) gates: Gates,
    /// Where subscriptions come from; the engine's sink is this hub too.
    pub(crate) hub: Arc<Hub>,
    meta: Arc<Meta>,
    /// Each kind's last published status and gate, for change events.
    published: Mutex<[Option<Published>; 3]>,
    ready: watch::Sender<bool>,
    /// Whether any probe has an `interval`, so that evaluations look after its poller.
    polled: bool,
    /// The pollers' stop signal: dropping it (with the last `Health`, or to start them again
    /// elsewhere) stops them. Each poller holds a receiver, so a closed sender means they are
    /// gone with the runtime they ran on.
    pollers: Mutex<Option<watch::Sender<()>>>,
}

/// A kind's published status and the gate that decided it.
type Published = (Status, Option<Gate>);

/// A kind's status, the gate that decided it (if one did), and its checks.
type Evaluated = (Status, Option<Gate>, Vec<CheckResult>);

impl Health {
    /// A `Health` of these slots, whose runs `ctx` makes around the engine's sink: the event hub,
    /// which also publishes each kind's aggregate when a run changes a probe's status
    /// ([`publish`]).
    pub(crate) fn from_parts(
        slots: [Vec<Arc<Slot>>; 3],
        meta: Meta,
        ctx: impl FnOnce(Arc<dyn Sink>) -> RunCtx,
    ) -> Self {
        let started = slots[Kind::Startup.index()].is_empty();
        let polled = slots.iter().flatten().any(|slot| slot.is_polled());
        let hub = Arc::new(Hub::new());
        let inner = Arc::new_cyclic(|health| {
            let sink = publish::Republish::new(Arc::clone(&hub), health.clone());
            Inner {
                slots,
                ctx: Arc::new(ctx(Arc::new(sink))),
                meta: Arc::new(meta.sealed()),
                gates: Gates::new(started),
                #[cfg(feature = "web")]
                renders: RenderCache::default(),
                hub,
                published: Mutex::new([None, None, None]),
                ready: watch::Sender::new(false),
                polled,
                pollers: Mutex::new(None),
            }
        });
        let health = Health { inner };
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

    /// A kind's last published status and the gate that decided it; `None` before anything
    /// evaluated the kind.
    #[cfg(feature = "web")]
    pub(crate) fn published(&self, kind: Kind) -> Option<(Status, Option<Gate>)> {
        lock(&self.inner.published)[kind.index()].clone()
    }

    #[cfg(feature = "web")]
    pub(crate) fn meta(&self) -> &Meta {
        &self.inner.meta
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Starts the pollers of `interval` probes on the current Tokio runtime, if one is running,
    /// unless they are running already. `build()` and every evaluation call it, so pollers whose
    /// runtime has shut down (a `block_on` warm-up's, a test's, a restarted worker's) start again
    /// on the runtime of the next evaluation: one lock and one load per evaluation, and only
    /// when some probe has an `interval`.
    fn start_pollers(&self) {
        let inner = &self.inner;
        if !inner.polled {
            return;
        }
        let mut pollers = lock(&inner.pollers);
        if pollers.as_ref().is_some_and(|stop| !stop.is_closed()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if pollers.is_some() {
            tracing::info!(
                "the runtime the pollers of `interval` probes ran on has shut down: they start again on this one"
            );
        }
        let (stop, _) = watch::channel(());
        for slot in inner.slots.iter().flatten().filter(|s| s.is_polled()) {
            poller::spawn(
                &runtime,
                Arc::clone(slot),
                Arc::clone(&inner.ctx),
                stop.subscribe(),
            );
        }
        *pollers = Some(stop);
    }

    /// Evaluates a scope: see [`Evaluation`].
    ///
    /// ```
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new().tags(&["db"]), || async {})
    ///     .readiness("search", ProbeOptions::new(), || async { false })
    ///     .build()?;
    /// assert_eq!(health.report(Kind::Readiness).await.status(), Status::Fail);
    /// assert_eq!(health.report(Kind::Readiness).tags(["db"]).await.status(), Status::Pass);
    /// assert_eq!(health.report(Kind::Readiness).exclude(["search"]).await.status(), Status::Pass);
    /// let search = health.report(Kind::Readiness).probe("search").await.unwrap();
    /// assert_eq!(search.status(), Status::Fail);
    /// # Ok(()) }
    /// ```
    pub fn report(&self, scope: impl Into<Scope>) -> Evaluation<'_> {
        Evaluation::new(self, scope.into())
    }

    /// Evaluates a scope, leaving out the probes named in `exclude` (they are not run).
    pub(crate) async fn evaluate(&self, scope: Scope, exclude: &[&str]) -> Report {
        self.select(&Selection::new(scope), exclude).await
    }

    /// Evaluates the probes a [`Selection`] picks (a scope narrowed by tags), leaving out those
    /// named in `exclude`. Probes that are not selected do not run and are not listed. Readiness
    /// keeps its gates. Only a whole scope with nothing excluded is published to subscribers: a
    /// part of a kind is not the kind's status.
    pub(crate) async fn select(&self, selection: &Selection, exclude: &[&str]) -> Report {
        self.start_pollers();
        let scope = selection.scope();
        let filter = Filter { selection, exclude };
        let unmatched = self.unmatched(scope, exclude);
        let unmatched_tags = self.unmatched_tags(selection);
        let (status, gate, checks, excluded) = match scope {
            Scope::Kind(kind) => {
                let (status, gate, checks) = self.evaluate_kind(kind, &filter).await;
                self.publish_whole(&filter, kind, status, gate.as_ref());
                // A gate closed before the probes were looked at: nothing was left out.
                let excluded = if gate.is_none() {
                    self.excluded(kind, &filter)
                } else {
                    Vec::new()
                };
                (status, gate, checks, excluded)
            }
            // Every kind at once (`/healthz`): three evaluations in one future, boxed so that
            // the future of the usual one-kind evaluation stays small (see `evaluate_all`).
            Scope::All => Box::pin(self.evaluate_all(&filter)).await,
        };
        let mut report = Report::new(scope, status, gate, checks, Arc::clone(&self.inner.meta));
        report.record_excluded(excluded, unmatched);
        report.record_unmatched_tags(unmatched_tags);
        report
    }

    /// Evaluates every kind: liveness and readiness together, then startup unless readiness
    /// already holds its results. Its future holds three evaluations; `select` boxes it, so
    /// that a one-kind evaluation, which every `/livez` and uncached `/readyz` request awaits in
    /// a handler future that the framework boxes, stays within the allocator's fast path.
    async fn evaluate_all(
        &self,
        filter: &Filter<'_>,
    ) -> (Status, Option<Gate>, Vec<CheckResult>, Vec<Arc<ProbeMeta>>) {
        let (live, ready) = tokio::join!(
            self.evaluate_kind(Kind::Liveness, filter),
            self.evaluate_kind(Kind::Readiness, filter)
        );
        // Readiness has settled startup: either it latched, or its report holds the startup
        // probes' results (then they are not listed twice).
        let startup = if ready.1 == Some(Gate::Starting) {
            (Status::Fail, None, Vec::new())
        } else {
            self.evaluate_kind(Kind::Startup, filter).await
        };
        let mut excluded = self.excluded(Kind::Liveness, filter);
        if ready.1.is_none() {
            excluded.extend(self.excluded(Kind::Readiness, filter));
        }
        if ready.1 != Some(Gate::Starting) {
            excluded.extend(self.excluded(Kind::Startup, filter));
        }
        self.publish_whole(filter, Kind::Liveness, live.0, None);
        self.publish_whole(filter, Kind::Readiness, ready.0, ready.1.as_ref());
        self.publish_whole(filter, Kind::Startup, startup.0, None);
        let status = live.0.worst(ready.0).worst(startup.0);
        let mut checks = live.2;
        checks.extend(ready.2);
        checks.extend(startup.2);
        (status, ready.1, checks, excluded)
    }

    /// Publishes a kind's status, when the filter covers the whole kind.
    fn publish_whole(&self, filter: &Filter<'_>, kind: Kind, status: Status, gate: Option<&Gate>) {
        if filter.is_whole() {
            self.publish(kind, status, gate);
        }
    }

    /// The selected probes of `kind` named in `exclude`.
    fn excluded(&self, kind: Kind, filter: &Filter<'_>) -> Vec<Arc<ProbeMeta>> {
        if filter.exclude.is_empty() {
            return Vec::new();
        }
        self.inner.slots[kind.index()]
            .iter()
            .filter(|slot| filter.excludes(&slot.probe))
            .map(|slot| Arc::clone(&slot.probe))
            .collect()
    }

    /// The names in `exclude` that no probe of `scope` has, sorted, without duplicates.
    fn unmatched(&self, scope: Scope, exclude: &[&str]) -> Vec<Box<str>> {
        if exclude.is_empty() {
            return Vec::new();
        }
        let matches = |name: &str| match scope {
            Scope::Kind(kind) => self.has_probe(kind, name),
            Scope::All => Kind::ALL.into_iter().any(|kind| self.has_probe(kind, name)),
        };
        sorted_unique(exclude.iter().copied().filter(|name| !matches(name)))
    }

    /// The tags of `selection` that no probe of its scope has, sorted, without duplicates.
    fn unmatched_tags(&self, selection: &Selection) -> Vec<Box<str>> {
        if selection.is_whole() {
            return Vec::new();
        }
        let kinds: &[Kind] = match selection.scope() {
            Scope::Kind(kind) => &[kind][..],
            Scope::All => &Kind::ALL,
        };
        let known = |tag: &str| {
            kinds
                .iter()
                .flat_map(|kind| &self.inner.slots[kind.index()])
                .any(|slot| slot.probe.tags.iter().any(|t| t == tag))
        };
        sorted_unique(selection.tag_names().filter(|tag| !known(tag)))
    }

    /// Evaluates one probe: its own result, as `/readyz/{name}` serves it. `None` when the kind
    /// has no probe of that name.
    ///
    /// The report's status is the probe's own: neither its criticality nor the gates apply, as
    /// the Kubernetes API server's `/readyz/<check>` reports one check whatever the others say.
    /// While starting or draining, `/readyz` fails, and `/readyz/{name}` still says how that one
    /// dependency is doing. A startup probe that has passed is latched: its passing result is
    /// served and it never runs again, from this path or any other.
    pub(crate) async fn check_probe(&self, kind: Kind, name: &str) -> Option<Report> {
        self.start_pollers();
        let slot = self.slot(kind, name)?;
        let slots = std::slice::from_ref(slot);
        let result = if kind == Kind::Startup {
            self.startup_results(slots, &Filter::EVERYTHING).await
        } else {
            self.results(slots, &Filter::EVERYTHING).await
        }
        .pop()?;
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
    pub(crate) fn has_probe(&self, kind: Kind, name: &str) -> bool {
        self.slot(kind, name).is_some()
    }

    /// The probes of a kind, sorted by name.
    pub fn probes(&self, kind: Kind) -> impl Iterator<Item = ProbeInfo<'_>> + '_ {
        self.inner.slots[kind.index()]
            .iter()
            .map(|slot| slot.probe.info())
    }

    pub(crate) fn slot(&self, kind: Kind, name: &str) -> Option<&Arc<Slot>> {
        let slots = &self.inner.slots[kind.index()];
        slots
            .binary_search_by(|s| s.name().cmp(name))
            .ok()
            .map(|i| &slots[i])
    }

    async fn evaluate_kind(&self, kind: Kind, filter: &Filter<'_>) -> Evaluated {
        let slots = &self.inner.slots[kind.index()];
        match kind {
            Kind::Readiness => {
                match self.inner.gates.readiness() {
                    Readiness::Open => {}
                    Readiness::Closed(gate) => return (Status::Fail, Some(gate), Vec::new()),
                    Readiness::Starting => {
                        // Every startup probe decides the gate, whatever the filter. Boxed: only
                        // while starting, and it would double the size of every evaluation.
                        let startup = Box::pin(self.evaluate_startup(&Filter::EVERYTHING)).await;
                        if !self.is_started() {
                            return (Status::Fail, Some(Gate::Starting), startup.2);
                        }
                    }
                }
                let checks = self.results(slots, filter).await;
                (aggregate(&checks), None, checks)
            }
            // Boxed, as the gate's: startup probes are read until they latch, then the render
            // cache answers `/startupz`.
            Kind::Startup => Box::pin(self.evaluate_startup(filter)).await,
            Kind::Liveness => {
                let checks = self.results(slots, filter).await;
                (aggregate(&checks), None, checks)
            }
        }
    }

    /// Startup probes run until each has passed once; from then on its passing result is
    /// latched and served, and it never runs again. Startup is complete when every one has.
    async fn evaluate_startup(&self, filter: &Filter<'_>) -> Evaluated {
        let checks = self
            .startup_results(&self.inner.slots[Kind::Startup.index()], filter)
            .await;
        (aggregate(&checks), None, checks)
    }

    /// The results of startup probes: latched passes as they are, the others read or run, and
    /// latched if they pass.
    async fn startup_results(&self, slots: &[Arc<Slot>], filter: &Filter<'_>) -> Vec<CheckResult> {
        // Which were latched before this evaluation: those are served as they are (and the
        // others, which may latch now, are not listed twice).
        let latched_before: Vec<bool> = slots.iter().map(|s| s.latched().is_some()).collect();
        let pending: Vec<Arc<Slot>> = slots
            .iter()
            .zip(&latched_before)
            .filter(|(_, latched)| !**latched)
            .map(|(slot, _)| Arc::clone(slot))
            .collect();
        let mut checks = self.results(&pending, filter).await;
        for check in &checks {
            if let Some(slot) = self.slot(Kind::Startup, check.name())
                && slot.latch(check.snapshot())
            {
                self.inner.ctx.changed(Kind::Startup);
            }
        }
        checks.extend(
            slots
                .iter()
                .zip(latched_before)
                .filter(|(slot, latched)| *latched && filter.keeps(&slot.probe))
                .filter_map(|(slot, _)| {
                    let latched = slot.latched()?;
                    self.inner.ctx.notify_cache_hit(slot.kind(), slot.name());
                    Some(CheckResult::new(
                        Arc::clone(&slot.probe),
                        Arc::clone(latched),
                    ))
                }),
        );
        checks.sort_by(|a, b| a.name().cmp(b.name()));
        let all = &self.inner.slots[Kind::Startup.index()];
        if all.iter().all(|slot| slot.latched().is_some()) && self.inner.gates.start() {
            tracing::info!(
                "startup complete: every startup probe has passed; they will not run again"
            );
        }
        checks
    }

    /// The results of the `slots` the filter keeps: cached ones at once, the rest by joining or
    /// starting runs, all awaited together.
    async fn results(&self, slots: &[Arc<Slot>], filter: &Filter<'_>) -> Vec<CheckResult> {
        let mut now = Now::default();
        let ctx = &self.inner.ctx;
        let mut ready = Vec::with_capacity(slots.len());
        let mut waiting = Vec::new();
        for slot in slots {
            if !filter.is_whole() && !filter.keeps(&slot.probe) {
                continue;
            }
            match slot.read(&mut now) {
                Read::Ready(snapshot) => {
                    ctx.notify_cache_hit(slot.kind(), slot.name());
                    ready.push(CheckResult::new(Arc::clone(&slot.probe), snapshot));
                }
                Read::Revalidate(snapshot) => {
                    // Starts (or joins) a refresh that lands in the cache; nobody waits for it.
                    drop(slot.run(ctx));
                    ready.push(CheckResult::new(Arc::clone(&slot.probe), snapshot));
                }
                // A run that answered at once (most do) needs no waiting.
                Read::Run => match slot.run(ctx).finished() {
                    Ok(snapshot) => ready.push(CheckResult::new(Arc::clone(&slot.probe), snapshot)),
                    Err(running) => waiting.push((Arc::clone(&slot.probe), running)),
                },
            }
        }
        if !waiting.is_empty() {
            let (probes, flights): (Vec<_>, Vec<_>) = waiting.into_iter().unzip();
            let snapshots = join_all(flights).await;
            ready.extend(
                probes
                    .into_iter()
                    .zip(snapshots)
                    .map(|(p, r)| CheckResult::new(p, r)),
            );
            ready.sort_by(|a, b| a.name().cmp(b.name()));
        }
        ready
    }

    /// Makes readiness fail at once with output `draining`, while liveness stays up: call it when
    /// shutdown begins, so load balancers stop sending traffic before the server stops.
    /// Draining cannot be undone.
    pub fn drain(&self) {
        if self.inner.gates.drain() {
            tracing::info!("draining: readiness now fails");
            self.publish(Kind::Readiness, Status::Fail, Some(&Gate::Draining));
        }
    }

    /// Makes readiness fail at once with `reason` as its output, until
    /// [`accept_traffic`](Self::accept_traffic): for maintenance, a cache warm-up after a
    /// failover, an open circuit breaker, an operator's command. Liveness stays up, and no
    /// readiness probe runs meanwhile. Calling it again replaces the reason.
    ///
    /// ```
    /// use healthz_core::{Health, Kind, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder().without_registered().build()?;
    /// health.refuse_traffic("maintenance until 02:00");
    /// let report = health.report(Kind::Readiness).await;
    /// assert_eq!(report.status(), Status::Fail);
    /// assert_eq!(report.output(), Some("maintenance until 02:00"));
    /// health.accept_traffic();
    /// assert_eq!(health.report(Kind::Readiness).await.status(), Status::Pass);
    /// # Ok(()) }
    /// ```
    pub fn refuse_traffic(&self, reason: impl Into<Arc<str>>) {
        let reason = reason.into();
        let previous = self.inner.gates.refuse(Arc::clone(&reason));
        if previous.as_deref() != Some(&*reason) {
            tracing::info!(reason = %reason, "refusing traffic: readiness now fails");
            if !self.is_draining() {
                self.publish(
                    Kind::Readiness,
                    Status::Fail,
                    Some(&Gate::RefusingTraffic(reason)),
                );
            }
        }
    }

    /// Undoes [`refuse_traffic`](Self::refuse_traffic): readiness is decided by its probes again
    /// (and by startup). After [`drain`](Self::drain) it changes nothing: draining wins. The new
    /// readiness is published at once from the probes' latest results, without running them, so
    /// subscribers and metrics see the change without waiting for a request (when a readiness
    /// probe has no result yet, the next evaluation publishes it).
    pub fn accept_traffic(&self) {
        if let Some(reason) = self.inner.gates.accept() {
            tracing::info!(was = %reason, "accepting traffic again");
            if !self.is_draining() {
                self.republish(Kind::Readiness);
            }
        }
    }

    /// Whether [`drain`](Self::drain) was called.
    pub fn is_draining(&self) -> bool {
        self.inner.gates.is_draining()
    }

    /// Whether every startup probe has passed once (always `true` without startup probes).
    pub fn is_started(&self) -> bool {
        self.inner.gates.is_started()
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
            if self
                .evaluate(Scope::Kind(Kind::Readiness), &[])
                .await
                .status()
                .is_healthy()
            {
                return;
            }
            tokio::select! {
                _ = ready.changed() => {}
                () = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// The recent runs of the probe `name` of this kind, oldest first; `None` when there is no
    /// such probe. A result served from the cache is not a run.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Health, Kind, ProbeOptions, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), healthz_core::BuildError> {
    /// let hour = Duration::from_secs(3600);
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new().cache(hour), || async { Err::<(), _>("refused") })
    ///     .build()?;
    /// health.report(Kind::Readiness).await;
    /// health.report(Kind::Readiness).await; // from the cache: not a run
    /// let runs = health.history(Kind::Readiness, "db").unwrap();
    /// assert_eq!(runs.len(), 1);
    /// assert_eq!(runs[0].status(), Status::Fail);
    /// assert_eq!(runs[0].output(), Some("refused"));
    /// assert!(health.history(Kind::Readiness, "nope").is_none());
    /// # Ok(()) }
    /// ```
    pub fn history(&self, kind: Kind, name: &str) -> Option<Vec<Run>> {
        self.slot(kind, name)
            .map(|slot| slot.history().into_iter().map(Run::new).collect())
    }
}

/// Which probes an evaluation looks at: those its selection picks, minus those excluded.
struct Filter<'a> {
    selection: &'a Selection,
    exclude: &'a [&'a str],
}

/// The selection of every probe of any scope: only its tags are read.
static EVERY_PROBE: Selection = Selection::new(Scope::All);

impl Filter<'_> {
    /// Every probe, nothing excluded.
    const EVERYTHING: Filter<'static> = Filter {
        selection: &EVERY_PROBE,
        exclude: &[],
    };

    fn is_whole(&self) -> bool {
        self.exclude.is_empty() && self.selection.is_whole()
    }

    fn keeps(&self, probe: &ProbeMeta) -> bool {
        self.selection.selects(probe) && !self.exclude.contains(&&*probe.name)
    }

    fn excludes(&self, probe: &ProbeMeta) -> bool {
        self.selection.selects(probe) && self.exclude.contains(&&*probe.name)
    }
}

/// `names`, sorted, without duplicates.
fn sorted_unique<'a>(names: impl Iterator<Item = &'a str>) -> Vec<Box<str>> {
    let mut names: Vec<Box<str>> = names.map(Into::into).collect();
    names.sort_unstable();
    names.dedup();
    names
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
            probes.entry(
                &format_args!("{}/{}", slot.kind(), slot.name()),
                &slot.probe,
            );
        }
        probes.finish()
    }
}
