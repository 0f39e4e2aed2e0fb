//! Pre-rendered responses: the hot path of a health endpoint.
//!
//! A prober asks the same question every few seconds, and while every probe's cached result is
//! still fresh the answer is byte-for-byte the same. [`Health::render`] keeps the last body it
//! rendered for each scope, detail and format, with the counts of results stored for the kinds it
//! shows (taken before its results were checked to be their probes' current ones) and until when
//! all of them stay fresh. A request gets
//! that body back while those counts are unchanged and the deadline holds: one load per kind and
//! one comparison of instants, however many probes the body shows; no allocation, no
//! serialization.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::{ArcSwapOption, Guard};
use bytes::Bytes;

use super::Health;
use crate::engine::freshness::{Deadline, Now};
use crate::report::{Detail, Format};
use crate::selection::Scope;
use crate::{Kind, Status};

/// A rendered report: its aggregate status and body.
#[derive(Clone, Debug)]
pub(crate) struct Rendered {
    status: Status,
    body: Bytes,
}

impl Rendered {
    /// The aggregate status (what decides the HTTP status code).
    pub(crate) fn status(&self) -> Status {
        self.status
    }

    /// The body.
    #[cfg(test)]
    fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, by value.
    pub(crate) fn into_body(self) -> Bytes {
        self.body
    }
}

/// One cached body, and when it stops being current.
struct Entry {
    /// The results stored per kind, counted before the body's results were checked to be
    /// current ([`RunCtx::changes`](crate::engine::RunCtx::changes)); only the scope's kinds
    /// are compared.
    changes: [u64; 3],
    /// While every result the body shows is fresh.
    fresh: Deadline,
    rendered: Rendered,
}

/// The last body rendered for each scope × detail × format.
pub(crate) struct RenderCache {
    entries: [Cached; 16],
}

impl Default for RenderCache {
    fn default() -> Self {
        RenderCache {
            entries: std::array::from_fn(|_| Cached::default()),
        }
    }
}

/// One scope × detail × format's body, once one was reusable.
#[derive(Default)]
struct Cached {
    /// Whether a body was ever stored: until then a read does not look. A scope that shows an
    /// uncached probe never stores one, and `arc-swap`'s load takes one of the thread's debt
    /// slots even for nothing (about 30 ns of every uncached `/livez`).
    stored: AtomicBool,
    entry: ArcSwapOption<Entry>,
}

impl Cached {
    fn load(&self) -> Option<Guard<Option<Arc<Entry>>>> {
        // Relaxed: a read that misses a body stored meanwhile renders one itself.
        self.stored
            .load(Ordering::Relaxed)
            .then(|| self.entry.load())
    }

    fn store(&self, entry: Entry) {
        self.entry.store(Some(Arc::new(entry)));
        self.stored.store(true, Ordering::Relaxed);
    }
}

fn index(scope: Scope, detail: Detail, format: Format) -> usize {
    let scope = match scope {
        Scope::Kind(kind) => kind.index(),
        Scope::All => 3,
    };
    scope * 4 + usize::from(detail == Detail::Full) * 2 + usize::from(format == Format::Text)
}

impl Health {
    /// Evaluates a scope and renders it, reusing the previous body when every result it showed is
    /// still fresh and unchanged. This is what the HTTP endpoints serve; use
    /// `select` to get the `Report` itself.
    pub(crate) async fn render(&self, scope: Scope, detail: Detail, format: Format) -> Rendered {
        let slot = &self.inner().renders.entries[index(scope, detail, format)];
        if let Some(hit) = self.hit(scope, slot) {
            return hit;
        }
        let report = self.evaluate(scope, &[]).await;
        let rendered = Rendered {
            status: report.status(),
            body: report.to_bytes(detail, format),
        };
        // Only a report of fresh results (or latched startup passes), with no gate (starting,
        // draining) in the way, is reusable: storing any other costs allocations and a swap for
        // nothing, on every request of an uncached probe. The counts are taken before each
        // result is checked to be its probe's current one: a result stored after that check
        // changes a count, so the body is never served over a newer result.
        if report.gate().is_none() && Self::may_reuse(&report) {
            let ctx = &self.inner().ctx;
            let changes = Kind::ALL.map(|kind| ctx.changes(kind));
            let fresh = report
                .checks()
                .iter()
                .fold(Deadline::Always, |fresh, check| {
                    fresh.and(self.current_until(check))
                });
            if fresh != Deadline::Never {
                slot.store(Entry {
                    changes,
                    fresh,
                    rendered: rendered.clone(),
                });
            }
        }
        rendered
    }

    /// Whether every result is fresh or from startup, before looking any probe up: a report with
    /// an uncached probe (a liveness probe's, on every request) is given up at once.
    fn may_reuse(report: &crate::Report) -> bool {
        report.checks().iter().all(|check| {
            check.kind() == Kind::Startup
                || check.snapshot().freshness.fresh_until() != Deadline::Never
        })
    }

    /// Until when `check` stays what its probe serves: while it is fresh if it is the probe's
    /// latest result; for good if it is a startup probe's latched pass (it never runs again);
    /// otherwise not at all.
    fn current_until(&self, check: &crate::CheckResult) -> Deadline {
        let Some(slot) = self.slot(check.kind(), check.name()) else {
            return Deadline::Never;
        };
        let id = check.snapshot().id;
        match check.kind() {
            Kind::Startup if slot.latched().is_some_and(|latched| latched.id == id) => {
                Deadline::Always
            }
            Kind::Startup => Deadline::Never,
            _ if slot.latest_id() == Some(id) => check.snapshot().freshness.fresh_until(),
            _ => Deadline::Never,
        }
    }

    /// The cached body, if every result it shows is still the fresh, current one.
    fn hit(&self, scope: Scope, entry: &Cached) -> Option<Rendered> {
        let cached = entry.load()?;
        let cached = cached.as_ref()?;
        let inner = self.inner();
        let gated = match scope {
            Scope::Kind(Kind::Readiness) | Scope::All => !inner.gates.is_open(),
            Scope::Kind(Kind::Startup) => !inner.gates.is_started(),
            Scope::Kind(Kind::Liveness) => false,
        };
        if gated || !cached.fresh.holds(&mut Now::default()) {
            return None;
        }
        let kinds: &[Kind] = match scope {
            Scope::Kind(kind) => &[kind][..],
            Scope::All => &Kind::ALL,
        };
        let ctx = &inner.ctx;
        if kinds
            .iter()
            .any(|&kind| ctx.changes(kind) != cached.changes[kind.index()])
        {
            return None;
        }
        if !ctx.observers.is_empty() {
            for slot in kinds.iter().flat_map(|k| &inner.slots[k.index()]) {
                ctx.notify_cache_hit(slot.kind(), slot.name());
            }
        }
        Some(cached.rendered.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_scope_whose_body_was_reusable_is_looked_up() {
        let health = Health::builder()
            .without_registered()
            .liveness("loop", ProbeOptions::new(), || async {})
            .readiness(
                "db",
                ProbeOptions::new().cache(Duration::from_secs(60)),
                || async {},
            )
            .build()
            .unwrap();
        let stored = |scope| {
            health.inner().renders.entries[index(scope, Detail::Full, Format::Json)]
                .stored
                .load(Ordering::Relaxed)
        };
        let (live, ready) = (Scope::Kind(Kind::Liveness), Scope::Kind(Kind::Readiness));
        for _ in 0..2 {
            health.render(live, Detail::Full, Format::Json).await;
            health.render(ready, Detail::Full, Format::Json).await;
        }
        assert!(!stored(live), "an uncached probe's body is never reusable");
        assert!(stored(ready));
        let first = health.render(ready, Detail::Full, Format::Json).await;
        let again = health.render(ready, Detail::Full, Format::Json).await;
        assert_eq!(
            again.into_body().as_ptr(),
            first.into_body().as_ptr(),
            "the same bytes, not rendered again"
        );
    }

    #[test]
    fn every_combination_has_its_own_entry() {
        let mut seen = std::collections::HashSet::new();
        for scope in [
            Scope::Kind(Kind::Liveness),
            Scope::Kind(Kind::Readiness),
            Scope::Kind(Kind::Startup),
            Scope::All,
        ] {
            for detail in [Detail::Minimal, Detail::Full] {
                for format in [Format::Json, Format::Text] {
                    assert!(seen.insert(index(scope, detail, format)));
                }
            }
        }
        assert_eq!(seen.len(), 16);
        assert!(seen.iter().all(|i| *i < 16));
    }

    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize};

    use tokio::time::sleep;

    use crate::{Check, ProbeOptions};

    const MS: std::time::Duration = std::time::Duration::from_millis(1);
    type Duration = std::time::Duration;

    fn builder() -> crate::HealthBuilder {
        Health::builder().without_registered()
    }

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
                    _ => Check::fail("told to"),
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

    #[tokio::test(start_paused = true)]
    async fn rendered_bodies_are_reused_while_results_are_fresh() {
        let runs = counter();
        let health = builder()
            .readiness(
                "db",
                ProbeOptions::new().cache(Duration::from_secs(5)),
                counting(&runs, MS, Status::Pass),
            )
            .liveness("loop", ProbeOptions::new(), || async {})
            .build()
            .unwrap();
        let ready = Scope::Kind(Kind::Readiness);
        let first = health.render(ready, Detail::Full, Format::Json).await;
        let second = health.render(ready, Detail::Full, Format::Json).await;
        assert_eq!(
            first.body().as_ptr(),
            second.body().as_ptr(),
            "reused, not re-rendered"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let minimal = health.render(ready, Detail::Minimal, Format::Json).await;
        assert_ne!(
            minimal.body(),
            first.body(),
            "each detail level has its own body"
        );
        assert!(!String::from_utf8_lossy(minimal.body()).contains("observedValue"));

        // An uncached probe runs on every request: its body is never reused.
        let live = Scope::Kind(Kind::Liveness);
        let a = health.render(live, Detail::Full, Format::Text).await;
        let b = health.render(live, Detail::Full, Format::Text).await;
        assert_ne!(a.body().as_ptr(), b.body().as_ptr());

        // Once the cache expires the probe runs again and the body is rendered anew.
        sleep(Duration::from_secs(6)).await;
        let third = health.render(ready, Detail::Full, Format::Json).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_ne!(
            third.body().as_ptr(),
            first.body().as_ptr(),
            "rendered from the new result"
        );

        // Draining is answered at once, never from the cached body.
        health.drain();
        let drained = health.render(ready, Detail::Full, Format::Text).await;
        assert_eq!(drained.status(), Status::Fail);
        assert_eq!(
            drained.body().as_ref(),
            b"[-]shutdown failed: draining\nreadyz check failed\n"
        );
        let all = health.render(Scope::All, Detail::Full, Format::Json).await;
        assert_eq!(all.status(), Status::Fail);
    }

    #[tokio::test(start_paused = true)]
    async fn a_result_stored_elsewhere_retires_the_rendered_body() {
        let runs = counter();
        let (up, replica) = switch(true);
        let health = builder()
            .readiness(
                "db",
                ProbeOptions::new().cache(Duration::from_secs(60)),
                counting(&runs, MS, Status::Pass),
            )
            .readiness(
                "replica",
                ProbeOptions::new().interval(Duration::from_secs(1)),
                replica,
            )
            .build()
            .unwrap();
        let ready = Scope::Kind(Kind::Readiness);
        let text = |rendered: Rendered| String::from_utf8(rendered.into_body().to_vec());
        // The poller's first run lands, then the body is rendered and served again as it is.
        health.render(ready, Detail::Full, Format::Text).await;
        sleep(Duration::from_millis(10)).await;
        let first = health.render(ready, Detail::Full, Format::Text).await;
        let again = health.render(ready, Detail::Full, Format::Text).await;
        assert_eq!(first.body().as_ptr(), again.body().as_ptr());
        assert_eq!(
            text(first).unwrap(),
            "[+]db ok\n[+]replica ok\nreadyz check passed\n"
        );
        // The poller stores a failure in the background: the next request shows it, although the
        // rendered body's own deadline (db's cache, replica's polling) has not passed.
        up.store(false, Ordering::SeqCst);
        // The poller's next run comes 0.9 to 1.1 s after its first (its jitter).
        sleep(Duration::from_millis(1_200)).await;
        let after = health.render(ready, Detail::Full, Format::Text).await;
        assert!(
            text(after)
                .unwrap()
                .starts_with("[+]db ok\n[-]replica failed")
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1, "db was not run again");
    }

    #[tokio::test(start_paused = true)]
    async fn rendered_bodies_wait_for_startup() {
        let (started, warmup) = switch(false);
        let health = builder()
            .startup("warmup", ProbeOptions::new(), warmup)
            .readiness(
                "db",
                ProbeOptions::new().cache(Duration::from_secs(60)),
                || async {},
            )
            .build()
            .unwrap();
        let ready = Scope::Kind(Kind::Readiness);
        assert_eq!(
            health
                .render(ready, Detail::Full, Format::Json)
                .await
                .status(),
            Status::Fail
        );
        assert_eq!(
            health
                .render(ready, Detail::Full, Format::Json)
                .await
                .status(),
            Status::Fail
        );
        started.store(true, Ordering::SeqCst);
        assert_eq!(
            health
                .render(ready, Detail::Full, Format::Json)
                .await
                .status(),
            Status::Pass
        );
        let startup = health
            .render(Scope::Kind(Kind::Startup), Detail::Full, Format::Text)
            .await;
        assert_eq!(
            startup.body().as_ref(),
            b"[+]warmup ok\nstartupz check passed\n"
        );
        let again = health
            .render(Scope::Kind(Kind::Startup), Detail::Full, Format::Text)
            .await;
        assert_eq!(
            again.body().as_ptr(),
            startup.body().as_ptr(),
            "latched startup is served from the cache"
        );
    }
}
