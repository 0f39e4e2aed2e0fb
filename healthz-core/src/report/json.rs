//! The `application/health+json` form of a report (IETF draft "Health Check Response Format
//! for HTTP APIs").

use std::borrow::Cow;
use std::ops::Range;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};

use super::write;
use super::{
    CheckResult, Detail, MAX_BODY_BYTES, MIN_OUTPUT_BYTES, Report, Scope, keep_order, kept,
    omitted_note, output_limits_for, rank, truncate,
};
use crate::Status;

impl Report {
    /// The `application/health+json` body, at most [`MAX_BODY_BYTES`] long.
    ///
    /// With [`Detail::Minimal`] it holds only statuses and times: no `output`, no observed values
    /// and no service metadata. Outputs are cut at [`MAX_OUTPUT_BYTES`](super::MAX_OUTPUT_BYTES) with a marker
    /// (`… [truncated 1200 bytes]`); a body still too long is shortened further, and `notes` says
    /// how many checks were left out.
    pub fn to_json(&self, detail: Detail) -> Vec<u8> {
        let report_notes = self.notes();
        let render = |checks: Shown<'_>, output_limit: usize, omitted: usize| {
            let notes = if omitted > 0 {
                let mut notes = report_notes.clone();
                notes.push(omitted_note(omitted, self.checks().len()));
                Cow::Owned(notes)
            } else {
                Cow::Borrowed(&report_notes[..])
            };
            write::exact(|body| {
                write::body(
                    body,
                    &Json {
                        report: self,
                        checks,
                        detail,
                        output_limit,
                        notes: &notes,
                    },
                );
            })
        };
        let mut body = Vec::new();
        // Each entry takes at least its name and about 60 bytes (`"name":[{"status":"pass",
        // "time":"2026-12-01T00:00:00.000Z"}]`): when that alone overflows, renders of every
        // check are skipped, which keeps the cost of a report linear in its probes.
        let least: usize = self.checks().iter().map(|c| c.name().len() + 60).sum();
        if least <= MAX_BODY_BYTES {
            for limit in output_limits_for(self.longest_text()) {
                body = render(Shown::All(self.checks()), limit, 0);
                if body.len() <= MAX_BODY_BYTES {
                    return body;
                }
            }
        }
        let all: Vec<&CheckResult> = self.checks().iter().collect();
        // Outputs are as short as they get: leave checks out, the least telling first. Keeping
        // `k` of them fits for small `k` (zero checks always does); find the largest `k`,
        // starting from an estimate by the size of an entry, so that a few renders do.
        let order = keep_order(self.checks().iter().map(|c| rank(Some(c.status()))));
        let fits_with = |k: usize| {
            let kept = kept(&all, &order, k);
            let candidate = render(Shown::Kept(&kept), MIN_OUTPUT_BYTES, all.len() - k);
            (candidate.len() <= MAX_BODY_BYTES).then_some(candidate)
        };
        let (mut fits, mut too_long) = (0, all.len());
        if all.len() >= 2 {
            let empty = render(Shown::Kept(&[]), MIN_OUTPUT_BYTES, all.len()).len();
            let one = fits_with(1).map_or(MAX_BODY_BYTES, |b| b.len());
            let per_entry = one.saturating_sub(empty).max(1);
            let estimate = (MAX_BODY_BYTES.saturating_sub(empty) / per_entry)
                .max(1)
                .min(all.len() - 1);
            let margin = estimate / 8 + 1;
            if let Some(candidate) = fits_with(estimate) {
                (fits, body) = (estimate, candidate);
                let above = (estimate + margin).min(all.len() - 1);
                if above > estimate {
                    match fits_with(above) {
                        Some(candidate) => (fits, body) = (above, candidate),
                        None => too_long = above,
                    }
                }
            } else {
                too_long = estimate;
                let below = estimate.saturating_sub(margin);
                if let Some(candidate) = fits_with(below) {
                    (fits, body) = (below, candidate);
                }
            }
        }
        while too_long - fits > 1 {
            let k = fits + (too_long - fits) / 2;
            match fits_with(k) {
                Some(candidate) => (fits, body) = (k, candidate),
                None => too_long = k,
            }
        }
        if fits == 0 {
            body = render(Shown::Kept(&[]), MIN_OUTPUT_BYTES, all.len());
        }
        body
    }
}

/// A time as RFC 3339 with milliseconds, written straight into the body.
struct Rfc3339(std::time::SystemTime);

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(write::as_text(&write::rfc3339_millis(self.0)))
    }
}

/// A check's `tags` array.
struct Tags<'a>(&'a CheckResult);

impl serde::Serialize for Tags<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.tags())
    }
}

/// A check's `details` object.
struct Details<'a>(&'a CheckResult);

impl serde::Serialize for Details<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.details().len()))?;
        for (key, value) in self.0.details() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

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

pub(super) struct Json<'a> {
    pub(super) report: &'a Report,
    /// The checks to show (all, or those that fit).
    pub(super) checks: Shown<'a>,
    pub(super) detail: Detail,
    pub(super) output_limit: usize,
    pub(super) notes: &'a [String],
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Json {
            report,
            checks,
            detail,
            output_limit,
            notes,
        } = *self;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &report.status())?;
        if detail == Detail::Full {
            let meta = report.meta();
            for (key, value) in [
                ("version", &meta.version),
                ("serviceId", &meta.service_id),
                ("description", &meta.description),
            ] {
                if let Some(value) = value {
                    map.serialize_entry(key, &truncate(value, output_limit))?;
                }
            }
            if let Some(output) = report.output() {
                map.serialize_entry("output", output)?;
            }
        }
        if !notes.is_empty() {
            map.serialize_entry("notes", notes)?;
        }
        map.serialize_entry(
            "checks",
            &Checks {
                list: checks,
                detail,
                with_kind: report.scope() == Scope::All,
                output_limit,
            },
        )?;
        map.end()
    }
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

struct Checks<'a> {
    list: Shown<'a>,
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl serde::Serialize for Checks<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let list = self.list;
        let mut map = serializer.serialize_map(None)?;
        if !self.with_kind {
            // One kind: names are unique.
            for i in 0..list.len() {
                map.serialize_entry(list.get(i).name(), &self.entries(&[i]))?;
            }
            return map.end();
        }
        let (order, groups) = by_name(list);
        for group in groups {
            let group = &order[group];
            map.serialize_entry(list.get(group[0]).name(), &self.entries(group))?;
        }
        map.end()
    }
}

impl<'a> Checks<'a> {
    fn entries<'b>(&self, indices: &'b [usize]) -> Entries<'a, 'b> {
        Entries {
            list: self.list,
            indices,
            detail: self.detail,
            with_kind: self.with_kind,
            output_limit: self.output_limit,
        }
    }
}

/// The entries of one name, by their indices in the list.
struct Entries<'a, 'b> {
    list: Shown<'a>,
    indices: &'b [usize],
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl serde::Serialize for Entries<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.indices.len()))?;
        for &i in self.indices {
            seq.serialize_element(&Entry {
                check: self.list.get(i),
                detail: self.detail,
                with_kind: self.with_kind,
                output_limit: self.output_limit,
            })?;
        }
        seq.end()
    }
}

struct Entry<'a> {
    check: &'a CheckResult,
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl serde::Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let check = self.check;
        let mut entry = serializer.serialize_struct("Check", 6)?;
        if self.with_kind {
            entry.serialize_field("kind", check.kind().as_str())?;
        }
        entry.serialize_field("status", &check.status())?;
        entry.serialize_field("time", &Rfc3339(check.time()))?;
        if self.detail == Detail::Full {
            entry.serialize_field("observedValue", &check.observed_value())?;
            entry.serialize_field("observedUnit", check.observed_unit())?;
            if !check.critical() {
                entry.serialize_field("critical", &false)?;
            }
            if check.tags().len() > 0 {
                entry.serialize_field("tags", &Tags(check))?;
            }
            if check.details().len() > 0 {
                entry.serialize_field("details", &Details(check))?;
            }
            if check.status() != Status::Pass
                && let Some(output) = check.output()
            {
                entry.serialize_field("output", &truncate(output, self.output_limit))?;
            }
        }
        entry.end()
    }
}
