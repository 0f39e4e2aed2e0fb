//! [`Selection`]: which probes a report covers.

use std::borrow::Cow;

use crate::Scope;
use crate::probe::ProbeMeta;

/// Which probes a report covers: a [`Scope`], narrowed by tags. Each call of
/// [`tags`](Self::tags) adds a set of tags, any of which a probe must have; a probe must match
/// every set. `?tag=db&tag=cache` is one set (a probe with either tag); a group of `db` probes
/// with `?tag=primary` on top is two (a probe with both).
///
/// ```
/// use healthz_core::{Kind, Scope, Selection};
///
/// let databases = Selection::new(Scope::Kind(Kind::Readiness)).tags(["db"]);
/// assert_eq!(databases.scope(), Scope::Kind(Kind::Readiness));
/// assert!(!databases.is_whole());
/// assert!(Selection::new(Scope::All).is_whole());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selection {
    scope: Scope,
    tags: Vec<Box<[Cow<'static, str>]>>,
}

impl Selection {
    /// Every probe of `scope`.
    pub const fn new(scope: Scope) -> Self {
        Selection {
            scope,
            tags: Vec::new(),
        }
    }

    /// Narrows to the probes that have any of `tags`. An empty list selects nothing.
    #[must_use]
    pub fn tags<T: Into<Cow<'static, str>>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
        self.tags.push(tags.into_iter().map(Into::into).collect());
        self
    }

    /// The scope.
    pub const fn scope(&self) -> Scope {
        self.scope
    }

    /// Whether it is the whole scope, not narrowed by tags.
    pub fn is_whole(&self) -> bool {
        self.tags.is_empty()
    }

    /// Every tag it names, in order.
    pub fn tag_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tags.iter().flatten().map(|tag| &**tag)
    }

    pub(crate) fn selects(&self, probe: &ProbeMeta) -> bool {
        self.tags.iter().all(|any| probe.has_any(any))
    }
}
