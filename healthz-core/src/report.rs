//! Reports: the result of evaluating one kind (or everything), and its two wire forms,
//! `application/health+json` and the Kubernetes `?verbose` text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};

use crate::observe::Outcome;
use crate::slot::{Slot, Snapshot};
use crate::{Kind, Status};

/// The longest output served per check; longer ones are cut at a character boundary and marked.
pub const MAX_OUTPUT_BYTES: usize = 512;

/// What a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The probes of one kind (`/livez`, `/readyz`, `/startupz`).
    Kind(Kind),
    /// Every probe (`/healthz`).
    All,
}

impl Scope {
    /// `livez`, `readyz`, `startupz` or `healthz`: the word Kubernetes puts in `readyz check passed`.
    pub const fn endpoint(self) -> &'static str {
        match self {
            Scope::Kind(kind) => kind.endpoint(),
            Scope::All => "healthz",
        }
    }
}

/// How much of a report a caller may see.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Detail {
    /// Statuses, names and times only: no `output`, no observed values, no service metadata.
    /// What an unauthenticated prober gets.
    #[default]
    Minimal,
    /// Everything.
    Full,
}

/// Service metadata carried in every full report (`version`, `serviceId`, `description`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Meta {
    pub(crate) version: Option<Cow<'static, str>>,
    pub(crate) service_id: Option<Cow<'static, str>>,
    pub(crate) description: Option<Cow<'static, str>>,
}

/// The result of one probe within a [`Report`]. Cheap to clone.
#[derive(Clone)]
pub struct CheckResult {
    slot: Arc<Slot>,
    snapshot: Arc<Snapshot>,
}

impl CheckResult {
    pub(crate) fn new(slot: Arc<Slot>, snapshot: Arc<Snapshot>) -> Self {
        CheckResult { slot, snapshot }
    }

    pub(crate) fn snapshot_id(&self) -> u64 {
        self.snapshot.id
    }

    /// The probe's name.
    pub fn name(&self) -> &str {
        self.slot.name()
    }

    /// The probe's kind.
    pub fn kind(&self) -> Kind {
        self.slot.kind()
    }

    /// The probe's status, after thresholds. A non-critical probe can fail without failing the
    /// report: see [`critical`](Self::critical).
    pub fn status(&self) -> Status {
        self.snapshot.status
    }

    /// Whether the probe is critical.
    pub fn critical(&self) -> bool {
        self.slot.spec.options.is_critical()
    }

    /// What this probe contributes to the report's status: its own, except that a failing
    /// non-critical probe contributes `warn`.
    pub fn contribution(&self) -> Status {
        match self.status() {
            Status::Fail if !self.critical() => Status::Warn,
            status => status,
        }
    }

    /// The output (reason for warn and fail), credentials redacted.
    pub fn output(&self) -> Option<&str> {
        self.snapshot.output.as_deref()
    }

    /// The observed value the probe attached, or its run time in milliseconds.
    pub fn observed_value(&self) -> f64 {
        match &self.snapshot.observed {
            Some((value, _)) => *value,
            None => millis(self.snapshot.duration),
        }
    }

    /// The unit of [`observed_value`](Self::observed_value).
    pub fn observed_unit(&self) -> &str {
        match &self.snapshot.observed {
            Some((_, unit)) => unit,
            None => "ms",
        }
    }

    /// When the result was produced.
    pub fn time(&self) -> SystemTime {
        self.snapshot.time
    }

    /// How long the run took (zero for results no run produced, such as `pending`).
    pub fn duration(&self) -> Duration {
        self.snapshot.duration
    }

    /// How the run ended, or `None` for results no run produced (`pending`, `stale`).
    pub fn outcome(&self) -> Option<Outcome> {
        self.snapshot.outcome
    }

    /// The probe's tags.
    pub fn tags(&self) -> &'static [&'static str] {
        self.slot.spec.options.tag_list()
    }
}

impl fmt::Debug for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckResult")
            .field("name", &self.name())
            .field("kind", &self.kind())
            .field("status", &self.status())
            .field("output", &self.output())
            .finish_non_exhaustive()
    }
}

fn millis(d: Duration) -> f64 {
    // Microsecond precision is plenty and keeps the JSON short.
    let micros = u32::try_from(d.as_micros()).unwrap_or(u32::MAX);
    f64::from(micros) / 1000.0
}

/// The result of evaluating one kind of probe, or all of them.
///
/// Serializes (with serde, or [`to_json`](Report::to_json)) to the `application/health+json`
/// shape of the IETF draft "Health Check Response Format for HTTP APIs", and renders the
/// Kubernetes `?verbose` text with [`to_text`](Report::to_text).
#[derive(Clone)]
pub struct Report {
    scope: Scope,
    status: Status,
    output: Option<Cow<'static, str>>,
    checks: Vec<CheckResult>,
    meta: Arc<Meta>,
}

impl Report {
    pub(crate) fn new(
        scope: Scope,
        status: Status,
        output: Option<Cow<'static, str>>,
        checks: Vec<CheckResult>,
        meta: Arc<Meta>,
    ) -> Self {
        Report {
            scope,
            status,
            output,
            checks,
            meta,
        }
    }

    /// The aggregate status: the worst [contribution](CheckResult::contribution) of any check, or
    /// `fail` while starting or draining.
    pub fn status(&self) -> Status {
        self.status
    }

    /// What the report covers.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Why the whole report failed regardless of its checks: `draining`, or `starting` while the
    /// startup probes have not all passed.
    pub fn output(&self) -> Option<&str> {
        self.output.as_deref()
    }

    /// The checks, sorted by kind, then name.
    pub fn checks(&self) -> &[CheckResult] {
        &self.checks
    }

    /// The check with this name, if the report has one.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name() == name)
    }

    /// The `application/health+json` body.
    ///
    /// With [`Detail::Minimal`] it holds only statuses and times: no `output`, no observed values
    /// and no service metadata.
    pub fn to_json(&self, detail: Detail) -> Vec<u8> {
        // Serializing into a Vec cannot fail: every key is a string and every number finite.
        serde_json::to_vec(&Json {
            report: self,
            detail,
        })
        .unwrap_or_default()
    }

    /// The Kubernetes-style `?verbose` text: a `[+]name ok` or `[-]name failed: reason` line per
    /// check, then `readyz check passed` or `readyz check failed`.
    ///
    /// With [`Detail::Minimal`] every reason reads `reason withheld`, as the Kubernetes API
    /// server does for unauthorized callers.
    pub fn to_text(&self, detail: Detail) -> String {
        let mut out = String::with_capacity(32 * (self.checks.len() + 2));
        if let Some(output) = self.output.as_deref() {
            let line = if self.draining() {
                "shutdown"
            } else {
                "startup"
            };
            let _ = writeln!(out, "[-]{line} failed: {}", reason(detail, Some(output)));
        }
        for check in &self.checks {
            let name = check.name();
            let _ = match check.status() {
                Status::Pass => writeln!(out, "[+]{name} ok"),
                Status::Warn => writeln!(out, "[+]{name} warn: {}", reason(detail, check.output())),
                Status::Fail => {
                    writeln!(out, "[-]{name} failed: {}", reason(detail, check.output()))
                }
            };
        }
        let verdict = if self.status.is_healthy() {
            "passed"
        } else {
            "failed"
        };
        let _ = writeln!(out, "{} check {verdict}", self.scope.endpoint());
        out
    }

    fn draining(&self) -> bool {
        self.output.as_deref() == Some(crate::health::DRAINING)
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("scope", &self.scope)
            .field("status", &self.status)
            .field("output", &self.output)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

/// Serializes with full detail; use [`Report::to_json`] to choose.
impl serde::Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Json {
            report: self,
            detail: Detail::Full,
        }
        .serialize(serializer)
    }
}

/// The reason shown in a `?verbose` line.
fn reason(detail: Detail, text: Option<&str>) -> Cow<'_, str> {
    match (detail, text) {
        (Detail::Minimal, _) => Cow::Borrowed("reason withheld"),
        (Detail::Full, Some(text)) => truncate(text),
        (Detail::Full, None) => Cow::Borrowed("no output"),
    }
}

/// Cuts `text` to [`MAX_OUTPUT_BYTES`] at a character boundary, marking the cut.
fn truncate(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_OUTPUT_BYTES {
        return Cow::Borrowed(text);
    }
    let mut end = MAX_OUTPUT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}… [truncated {} bytes]",
        &text[..end],
        text.len() - end
    ))
}

struct Json<'a> {
    report: &'a Report,
    detail: Detail,
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Json { report, detail } = *self;
        let full = detail == Detail::Full;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &report.status)?;
        if full {
            let meta = &report.meta;
            if let Some(v) = &meta.version {
                map.serialize_entry("version", v)?;
            }
            if let Some(v) = &meta.service_id {
                map.serialize_entry("serviceId", v)?;
            }
            if let Some(v) = &meta.description {
                map.serialize_entry("description", v)?;
            }
            if let Some(output) = &report.output {
                map.serialize_entry("output", output)?;
            }
        }
        map.serialize_entry(
            "checks",
            &Checks {
                list: &report.checks,
                detail,
                with_kind: report.scope == Scope::All,
            },
        )?;
        map.end()
    }
}

struct Checks<'a> {
    list: &'a [CheckResult],
    detail: Detail,
    with_kind: bool,
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
                .collect();
            map.serialize_entry(
                check.name(),
                &Entries {
                    checks: &same,
                    detail: self.detail,
                    with_kind: self.with_kind,
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
}

impl serde::Serialize for Entries<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.checks.len()))?;
        for check in self.checks {
            seq.serialize_element(&Entry {
                check,
                detail: self.detail,
                with_kind: self.with_kind,
            })?;
        }
        seq.end()
    }
}

struct Entry<'a> {
    check: &'a CheckResult,
    detail: Detail,
    with_kind: bool,
}

impl serde::Serialize for Entry<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let check = self.check;
        let mut entry = serializer.serialize_struct("Check", 6)?;
        if self.with_kind {
            entry.serialize_field("kind", &check.kind())?;
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
            if check.status() != Status::Pass
                && let Some(output) = check.output()
            {
                entry.serialize_field("output", &truncate(output))?;
            }
        }
        entry.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_marks_the_cut_at_a_char_boundary() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(MAX_OUTPUT_BYTES);
        let cut = truncate(&long);
        assert!(cut.len() < MAX_OUTPUT_BYTES + 40);
        assert!(cut.ends_with(&format!(
            "… [truncated {} bytes]",
            long.len() - MAX_OUTPUT_BYTES
        )));
    }

    #[test]
    fn millis_have_microsecond_precision() {
        assert!((millis(Duration::from_micros(2501)) - 2.501).abs() < f64::EPSILON);
        assert!((millis(Duration::from_secs(u64::MAX)) - f64::from(u32::MAX) / 1000.0).abs() < 1.0);
    }
}
