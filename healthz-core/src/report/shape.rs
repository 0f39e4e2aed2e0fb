//! What a JSON body shows: the checks it keeps, how much of each, grouped by name. The serde
//! form ([`reference`](super::reference)) and the hand-written one ([`write`](super::write))
//! both write a [`Json`].

use std::ops::Range;

use super::{CheckResult, Detail, Report};

/// The checks a body shows: all of them, or those that fit.
#[derive(Clone, Copy)]
pub(super) enum Shown<'a> {
    All(&'a [CheckResult]),
    Kept(&'a [&'a CheckResult]),
}

impl<'a> Shown<'a> {
    pub(super) fn len(self) -> usize {
        match self {
            Shown::All(checks) => checks.len(),
            Shown::Kept(checks) => checks.len(),
        }
    }

    pub(super) fn get(self, i: usize) -> &'a CheckResult {
        match self {
            Shown::All(checks) => &checks[i],
            Shown::Kept(checks) => checks[i],
        }
    }
}

/// A body to write: the report, the checks it keeps, and how much of each.
pub(super) struct Json<'a> {
    pub(super) report: &'a Report,
    /// The checks to show (all, or those that fit).
    pub(super) checks: Shown<'a>,
    pub(super) detail: Detail,
    pub(super) output_limit: usize,
    pub(super) notes: &'a [String],
}

/// The indices of the checks, grouped by name, for a report of every kind: a name can appear
/// under several kinds, and each name is one key whose array holds every entry, in report order.
/// Returns the indices sorted by name, and the range of each name's group in them, in the order
/// their first entry has in the report. Grouped by sorting, so the cost stays n log n with any
/// number of probes, in two allocations.
pub(super) fn by_name(list: Shown<'_>) -> (Vec<usize>, Vec<Range<usize>>) {
    let name = |i: usize| list.get(i).name();
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
    let mut groups = Vec::new();
    let mut start = 0;
    for chunk in order.chunk_by(|&a, &b| name(a) == name(b)) {
        groups.push(start..start + chunk.len());
        start += chunk.len();
    }
    groups.sort_by_key(|group| order[group.start]);
    (order, groups)
}
