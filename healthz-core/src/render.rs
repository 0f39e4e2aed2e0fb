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

use crate::engine::freshness::{Deadline, Now};
use crate::{Detail, Health, Kind, Scope, Status};

/// The wire form of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/health+json` ([`Report::to_json`](crate::Report::to_json)).
    Json,
    /// The Kubernetes `?verbose` text ([`Report::to_text`](crate::Report::to_text)).
    Text,
}

/// A rendered report: its aggregate status and body.
#[derive(Clone, Debug)]
pub struct Rendered {
    status: Status,
    body: Bytes,
}

impl Rendered {
    /// The aggregate status (what decides the HTTP status code).
    pub fn status(&self) -> Status {
        self.status
    }

    /// The body, in the format asked for.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body, by value.
    pub fn into_body(self) -> Bytes {
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

impl crate::Report {
    /// The report in `format`: [`to_json`](Self::to_json) or [`to_text`](Self::to_text).
    pub fn to_bytes(&self, detail: Detail, format: Format) -> Bytes {
        match format {
            Format::Json => Bytes::from(self.to_json(detail)),
            Format::Text => Bytes::from(self.to_text(detail)),
        }
    }
}

impl Health {
    /// Evaluates a scope and renders it, reusing the previous body when every result it showed is
    /// still fresh and unchanged. This is what the HTTP endpoints serve; use
    /// [`evaluate`](Self::evaluate) to get the [`Report`](crate::Report) itself.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Detail, Format, Health, ProbeOptions, Scope, Kind, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new().cache(Duration::from_secs(5)), || async {})
    ///     .build()
    ///     .unwrap();
    /// let scope = Scope::Kind(Kind::Readiness);
    /// let first = health.render(scope, Detail::Full, Format::Text).await;
    /// assert_eq!(first.body().as_ref(), b"[+]db ok\nreadyz check passed\n");
    /// let again = health.render(scope, Detail::Full, Format::Text).await;
    /// assert_eq!(again.body().as_ptr(), first.body().as_ptr(), "the same bytes, not re-rendered");
    /// # }
    /// ```
    pub async fn render(&self, scope: Scope, detail: Detail, format: Format) -> Rendered {
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

    /// What [`render`](Self::render) would return without evaluating anything: the cached body,
    /// if every result it shows is still fresh and no gate (starting, draining) is in the way;
    /// `None` when `render` would evaluate. Synchronous, so a caller that only needs the status
    /// (gRPC's `Check`) can answer a hit without holding `render`'s future.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Detail, Format, Health, ProbeOptions, Scope, Kind, Status};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new().cache(Duration::from_secs(5)), || async {})
    ///     .build()
    ///     .unwrap();
    /// let scope = Scope::Kind(Kind::Readiness);
    /// assert!(health.cached_render(scope, Detail::Minimal, Format::Text).is_none());
    /// health.render(scope, Detail::Minimal, Format::Text).await;
    /// let hit = health.cached_render(scope, Detail::Minimal, Format::Text).unwrap();
    /// assert_eq!(hit.status(), Status::Pass);
    /// # }
    /// ```
    pub fn cached_render(&self, scope: Scope, detail: Detail, format: Format) -> Option<Rendered> {
        self.hit(
            scope,
            &self.inner().renders.entries[index(scope, detail, format)],
        )
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
            .liveness("loop", crate::ProbeOptions::new(), || async {})
            .readiness(
                "db",
                crate::ProbeOptions::new().cache(std::time::Duration::from_secs(60)),
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
        let again = health
            .cached_render(ready, Detail::Full, Format::Json)
            .unwrap();
        assert_eq!(again.body().as_ptr(), first.body().as_ptr());
        assert!(
            health
                .cached_render(live, Detail::Full, Format::Json)
                .is_none()
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
}
