//! The `application/health+json` form of a report through serde: the reference that the
//! hand-written body ([`write`](super::write)) is tested against, and what
//! [`Report::serialize`](super::Report) serializes.

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};

use super::shape::{Json, Shown, by_name};
use super::time::{as_text, rfc3339_millis};
use super::{CheckResult, Detail, truncate};
use crate::Status;
use crate::selection::Scope;

/// A time as RFC 3339 with milliseconds, written straight into the body.
struct Rfc3339(std::time::SystemTime);

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(as_text(&rfc3339_millis(self.0)))
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
            let (value, unit) = check.observation();
            entry.serialize_field("observedValue", &value)?;
            entry.serialize_field("observedUnit", unit)?;
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
