//! The `application/health+json` form of a report (IETF draft "Health Check Response Format
//! for HTTP APIs").

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};

use super::{
    CheckResult, Detail, MAX_BODY_BYTES, MIN_OUTPUT_BYTES, Report, Scope, keep_order, kept,
    omitted_note, output_limits, rank, truncate,
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
        let render = |checks: &[&CheckResult], output_limit: usize, omitted: usize| {
            let mut notes = report_notes.clone();
            if omitted > 0 {
                notes.push(omitted_note(omitted, self.checks().len()));
            }
            // Serializing into a Vec cannot fail: every key is a string.
            serde_json::to_vec(&Json {
                report: self,
                checks,
                detail,
                output_limit,
                notes: &notes,
            })
            .unwrap_or_default()
        };
        let all: Vec<&CheckResult> = self.checks().iter().collect();
        let mut body = Vec::new();
        for limit in output_limits() {
            body = render(&all, limit, 0);
            if body.len() <= MAX_BODY_BYTES {
                return body;
            }
        }
        // Outputs are as short as they get: leave checks out, the least telling first. Keeping
        // `k` of them fits for small `k` (zero checks always does); find the largest `k`.
        let order = keep_order(self.checks().iter().map(|c| rank(Some(c.status()))));
        let (mut fits, mut too_long) = (0, all.len());
        while too_long - fits > 1 {
            let k = fits + (too_long - fits) / 2;
            let candidate = render(&kept(&all, &order, k), MIN_OUTPUT_BYTES, all.len() - k);
            if candidate.len() <= MAX_BODY_BYTES {
                (fits, body) = (k, candidate);
            } else {
                too_long = k;
            }
        }
        if fits == 0 {
            body = render(&[], MIN_OUTPUT_BYTES, all.len());
        }
        body
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

pub(super) struct Json<'a> {
    pub(super) report: &'a Report,
    /// The checks to show (all, or those that fit).
    pub(super) checks: &'a [&'a CheckResult],
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

struct Checks<'a> {
    list: &'a [&'a CheckResult],
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl serde::Serialize for Checks<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (i, check) in self.list.iter().enumerate() {
            // A name can appear under several kinds in an `All` report; each name is one key
            // whose array holds every entry, in order.
            if self.list[..i].iter().any(|c| c.name() == check.name()) {
                continue;
            }
            let same: Vec<&CheckResult> = self.list[i..]
                .iter()
                .filter(|c| c.name() == check.name())
                .copied()
                .collect();
            map.serialize_entry(
                check.name(),
                &Entries {
                    checks: &same,
                    detail: self.detail,
                    with_kind: self.with_kind,
                    output_limit: self.output_limit,
                },
            )?;
        }
        map.end()
    }
}

struct Entries<'a> {
    checks: &'a [&'a CheckResult],
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl serde::Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.checks.len()))?;
        for check in self.checks {
            seq.serialize_element(&Entry {
                check,
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
        entry.serialize_field(
            "time",
            &humantime::format_rfc3339_millis(check.time()).to_string(),
        )?;
        if self.detail == Detail::Full {
            entry.serialize_field("observedValue", &check.observed_value())?;
            entry.serialize_field("observedUnit", check.observed_unit())?;
            if !check.critical() {
                entry.serialize_field("critical", &false)?;
            }
            if check.tags().len() > 0 {
                entry.serialize_field("tags", &check.tags().collect::<Vec<_>>())?;
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
