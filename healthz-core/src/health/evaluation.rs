//! [`Evaluation`]: the one way to evaluate probes, built by [`Health::report`] and awaited.

use std::borrow::Cow;
use std::fmt;
use std::future::IntoFuture;

use super::Health;
use crate::probe::BoxFuture;
use crate::report::Report;
use crate::selection::{Scope, Selection};

/// An evaluation about to run: a scope ([`Health::report`]), narrowed by tags or by leaving
/// probes out, or one probe. Await it for the [`Report`].
///
/// Probes of the scope run concurrently, each under its own timeout, reusing cached results and
/// joining runs already in flight. Readiness fails while the service is draining or refusing
/// traffic (no probe runs), and until every startup probe has passed once (the report then holds
/// the startup probes' results).
///
/// ```
/// use healthz_core::{Health, Kind, ProbeOptions, Scope, Status};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), healthz_core::BuildError> {
/// let health = Health::builder()
///     .without_registered()
///     .liveness("loop", ProbeOptions::new(), || async {})
///     .readiness("db", ProbeOptions::new().tags(&["db"]), || async {})
///     .readiness("cache", ProbeOptions::new().tags(&["cache"]), || async { false })
///     .build()?;
/// let everything = health.report(Scope::All).await;
/// assert_eq!(everything.checks().len(), 3);
/// let databases = health.report(Kind::Readiness).tags(["db"]).await;
/// assert_eq!(databases.status(), Status::Pass);
/// assert!(databases.check("cache").is_none(), "not selected, not run");
/// # Ok(()) }
/// ```
#[must_use = "an evaluation does nothing until it is awaited"]
pub struct Evaluation<'a> {
    health: &'a Health,
    selection: Selection,
    exclude: Vec<Box<str>>,
}

impl fmt::Debug for Evaluation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluation")
            .field("selection", &self.selection)
            .field("exclude", &self.exclude)
            .finish_non_exhaustive()
    }
}

impl<'a> Evaluation<'a> {
    pub(super) fn new(health: &'a Health, scope: Scope) -> Self {
        Evaluation {
            health,
            selection: Selection::new(scope),
            exclude: Vec::new(),
        }
    }

    /// Keeps only the probes that have any of `tags`; each call narrows further (a probe must
    /// match every call). Probes not selected do not run and are not listed; tags that no probe
    /// of the scope has are named in the report's notes. An empty list selects nothing.
    pub fn tags<T: Into<Cow<'static, str>>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
        self.selection = self.selection.tags(tags);
        self
    }

    /// Leaves out the probes with these names: they do not run and are not listed. Names that
    /// match no probe of the scope are named in the report's notes.
    pub fn exclude<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.exclude
            .extend(names.into_iter().map(|name| name.as_ref().into()));
        self
    }

    /// One probe of the scope's kind instead: its own result, as `/readyz/{name}` serves it.
    /// Neither its criticality nor the gates apply, as the Kubernetes API server's
    /// `/readyz/<check>` reports one check whatever the others say; a startup probe that has
    /// passed is latched, and its passing result served. Awaited, it is `None` when the kind has
    /// no probe of that name (and for [`Scope::All`], whose names are not unique). Tags and
    /// exclusions do not apply.
    pub fn probe(self, name: impl Into<String>) -> ProbeEvaluation<'a> {
        ProbeEvaluation {
            health: self.health,
            scope: self.selection.scope(),
            name: name.into(),
        }
    }
}

impl<'a> IntoFuture for Evaluation<'a> {
    type Output = Report;
    type IntoFuture = BoxFuture<'a, Report>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let exclude: Vec<&str> = self.exclude.iter().map(|name| &**name).collect();
            self.health.select(&self.selection, &exclude).await
        })
    }
}

/// One probe's evaluation; see [`Evaluation::probe`].
#[must_use = "an evaluation does nothing until it is awaited"]
pub struct ProbeEvaluation<'a> {
    health: &'a Health,
    scope: Scope,
    name: String,
}

impl fmt::Debug for ProbeEvaluation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeEvaluation")
            .field("scope", &self.scope)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<'a> IntoFuture for ProbeEvaluation<'a> {
    type Output = Option<Report>;
    type IntoFuture = BoxFuture<'a, Option<Report>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.scope {
                Scope::Kind(kind) => self.health.check_probe(kind, &self.name).await,
                Scope::All => None,
            }
        })
    }
}
