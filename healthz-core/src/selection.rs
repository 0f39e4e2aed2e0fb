//! Which probes a report covers: a [`Scope`], and the [`Selection`] of its probes by tag.

use std::borrow::Cow;

use crate::Kind;
use crate::probe::ProbeMeta;

/// What a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The probes of one kind (`/livez`, `/readyz`, `/startupz`).
    Kind(Kind),
    /// Every probe (`/healthz`).
    All,
}

impl From<Kind> for Scope {
    fn from(kind: Kind) -> Self {
        Scope::Kind(kind)
    }
}

impl Scope {
    /// `livez`, `readyz`, `startupz` or `healthz`: the word Kubernetes puts in `readyz check passed`.
    pub(crate) const fn endpoint(self) -> &'static str {
        match self {
            Scope::Kind(kind) => kind.endpoint(),
            Scope::All => "healthz",
        }
    }
}

/// Which probes a report covers: a [`Scope`], narrowed by tags. Each call of
/// [`tags`](Self::tags) adds a set of tags, any of which a probe must have; a probe must match
/// every set. `?tag=db&tag=cache` is one set (a probe with either tag); a group of `db` probes
/// with `?tag=primary` on top is two (a probe with both).
///
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Selection {
    scope: Scope,
    tags: Vec<Box<[Cow<'static, str>]>>,
}

impl Selection {
    /// Every probe of `scope`.
    pub(crate) const fn new(scope: Scope) -> Self {
        Selection {
            scope,
            tags: Vec::new(),
        }
    }

    /// Narrows to the probes that have any of `tags`. An empty list selects nothing.
    #[must_use]
    pub(crate) fn tags<T: Into<Cow<'static, str>>>(
        mut self,
        tags: impl IntoIterator<Item = T>,
    ) -> Self {
        self.tags.push(tags.into_iter().map(Into::into).collect());
        self
    }

    /// The scope.
    pub(crate) const fn scope(&self) -> Scope {
        self.scope
    }

    /// Whether it is the whole scope, not narrowed by tags.
    pub(crate) fn is_whole(&self) -> bool {
        self.tags.is_empty()
    }

    /// Every tag it names, in order.
    pub(crate) fn tag_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tags.iter().flatten().map(|tag| &**tag)
    }

    pub(crate) fn selects(&self, probe: &ProbeMeta) -> bool {
        self.tags.iter().all(|any| probe.has_any(any))
    }
}
