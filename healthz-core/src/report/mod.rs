//! Reports: the result of evaluating one kind (or everything), and its two wire forms,
//! `application/health+json` and the Kubernetes `?verbose` text.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

#[cfg(feature = "web")]
use bytes::Bytes;

mod json;
mod reference;
mod shape;
mod text;
pub(crate) mod time;
mod write;

use crate::engine::Snapshot;
use crate::observe::Outcome;
use crate::probe::{ProbeInfo, ProbeMeta};
use crate::selection::Scope;
use crate::{Gate, Kind, Status};

pub(crate) use crate::output::{MAX_OUTPUT_BYTES, truncate};

/// The largest body [`Report::to_json`] and [`Report::to_text`] produce.
///
/// The kubelet reads at most 10 KiB of a probe's response, so bodies stay well under that: when
/// the outputs cut at [`MAX_OUTPUT_BYTES`] are still too long together, they are cut shorter
/// (down to 32 bytes), and when even that is too long, checks are left out (passing ones first)
/// and a note says how many.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024;

/// The shortest cut of an output when a body must shrink.
pub(crate) const MIN_OUTPUT_BYTES: usize = 32;

/// The longest list of unmatched `exclude` names in a note.
const MAX_UNMATCHED_BYTES: usize = 1024;

/// The wire form of a report.
#[cfg(feature = "web")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Format {
    /// `application/health+json` ([`Report::to_json`](crate::Report::to_json)).
    Json,
    /// The Kubernetes `?verbose` text ([`Report::to_text`](crate::Report::to_text)).
    Text,
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
    /// The three as a full JSON body holds them uncut (`,"version":"1.4.2",...`), written once
    /// by [`sealed`](Self::sealed): every fresh body copies them instead of escaping them again.
    written: Option<Box<[u8]>>,
}

impl Meta {
    /// The metadata with its JSON written once, for every body to copy.
    pub(crate) fn sealed(mut self) -> Self {
        let mut out = Vec::new();
        write::meta(&mut out, &self, usize::MAX);
        self.written = Some(out.into_boxed_slice());
        self
    }

    /// The JSON of the three, when `output_limit` cuts none of them and it was written.
    pub(crate) fn written(&self, output_limit: usize) -> Option<&[u8]> {
        self.written
            .as_deref()
            .filter(|_| self.longest() <= output_limit)
    }

    /// The length of the longest of the three.
    pub(crate) fn longest(&self) -> usize {
        [&self.version, &self.service_id, &self.description]
            .into_iter()
            .flatten()
            .map(|value| value.len())
            .max()
            .unwrap_or(0)
    }
}

/// The result of one probe within a [`Report`]. Cheap to clone.
#[derive(Clone)]
pub struct CheckResult {
    probe: Arc<ProbeMeta>,
    snapshot: Arc<Snapshot>,
}

impl CheckResult {
    pub(crate) fn new(probe: Arc<ProbeMeta>, snapshot: Arc<Snapshot>) -> Self {
        CheckResult { probe, snapshot }
    }

    pub(crate) fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    /// The probe's name.
    pub fn name(&self) -> &str {
        &self.probe.name
    }

    /// The probe's kind.
    pub(crate) fn kind(&self) -> Kind {
        self.probe.kind
    }

    /// The probe's status, after thresholds. A non-critical probe can fail without failing the
    /// report: it then contributes `warn` (see
    /// [`ProbeInfo::critical`](crate::ProbeInfo::critical)).
    pub fn status(&self) -> Status {
        self.snapshot.status
    }

    /// Whether the probe is critical.
    pub(crate) fn critical(&self) -> bool {
        self.probe.options.is_critical()
    }

    /// What this probe contributes to the report's status: its own, except that a failing
    /// non-critical probe contributes `warn`.
    pub(crate) fn contribution(&self) -> Status {
        match self.status() {
            Status::Fail if !self.critical() => Status::Warn,
            status => status,
        }
    }

    /// The output (reason for warn and fail): at most 512 bytes, cut where the probe returned it
    /// and marked, credentials redacted.
    pub fn output(&self) -> Option<&str> {
        self.snapshot.output.as_deref()
    }

    /// The observed value the probe attached and its unit, or its run time in milliseconds
    /// (`ms`).
    pub fn observation(&self) -> (f64, &str) {
        match &self.snapshot.observed {
            Some((value, unit)) => (*value, unit),
            None => (millis(self.snapshot.duration), "ms"),
        }
    }

    /// The run time in microseconds, when it is the observed value (the probe attached none).
    pub(crate) fn run_micros(&self) -> Option<u32> {
        match self.snapshot.observed {
            Some(_) => None,
            None => Some(micros(self.snapshot.duration)),
        }
    }

    /// The probe's name as a key of `checks` in the JSON body, quoted, with the array's
    /// opening: `"name":[`.
    pub(crate) fn json_key(&self) -> &[u8] {
        &self.probe.json_key
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

    /// The details the probe attached ([`Check::detail`](crate::Check::detail)), redacted and
    /// bounded, in order.
    pub fn details(&self) -> impl ExactSizeIterator<Item = (&str, &serde_json::Value)> + '_ {
        self.snapshot
            .details
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| (&**k, v))
    }

    /// The probe's tags.
    pub(crate) fn tags(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.probe.tags.iter().map(|tag| &**tag)
    }

    /// The probe: its kind, name, options and where it was defined.
    pub fn probe(&self) -> ProbeInfo<'_> {
        self.probe.info()
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
    f64::from(micros(d)) / 1000.0
}

/// A run time in whole microseconds, what [`millis`] shows of it: microsecond precision is
/// plenty and keeps the JSON short.
fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The result of evaluating one kind of probe, or all of them.
///
/// Written as the `application/health+json` body of the IETF draft "Health Check Response
/// Format for HTTP APIs" by [`to_json`](Report::to_json) (or for serde by
/// [`serializable`](Report::serializable)), and as the Kubernetes `?verbose` text by
/// [`to_text`](Report::to_text), each showing what a [`Detail`] allows.
#[derive(Clone)]
pub struct Report {
    scope: Scope,
    status: Status,
    gate: Option<Gate>,
    checks: Vec<CheckResult>,
    meta: Arc<Meta>,
    /// The probes left out with `exclude`, sorted by kind, then name.
    excluded: Vec<Arc<ProbeMeta>>,
    /// The `exclude` names no probe of the scope has, sorted, without duplicates.
    unmatched: Vec<Box<str>>,
    /// The selected tags no probe of the scope has, sorted, without duplicates.
    unmatched_tags: Vec<Box<str>>,
}

impl Report {
    pub(crate) fn new(
        scope: Scope,
        status: Status,
        gate: Option<Gate>,
        checks: Vec<CheckResult>,
        meta: Arc<Meta>,
    ) -> Self {
        Report {
            scope,
            status,
            gate,
            checks,
            meta,
            excluded: Vec::new(),
            unmatched: Vec::new(),
            unmatched_tags: Vec::new(),
        }
    }

    /// Records the selected tags that no probe of the scope has. In place: a report is large,
    /// and a builder that takes and returns it by value copies it on every request.
    pub(crate) fn record_unmatched_tags(&mut self, unmatched_tags: Vec<Box<str>>) {
        self.unmatched_tags = unmatched_tags;
    }

    /// Records what `exclude` left out (`excluded`) and the names it gave that matched nothing.
    pub(crate) fn record_excluded(
        &mut self,
        excluded: Vec<Arc<ProbeMeta>>,
        unmatched: Vec<Box<str>>,
    ) {
        self.excluded = excluded;
        self.unmatched = unmatched;
    }

    /// The aggregate status: the worst status of any check (a
    /// failing non-critical one counting as `warn`), or
    /// `fail` while starting or draining.
    pub fn status(&self) -> Status {
        self.status
    }

    pub(crate) fn meta(&self) -> &Meta {
        &self.meta
    }

    /// What the report covers.
    pub(crate) fn scope(&self) -> Scope {
        self.scope
    }

    /// Why the whole report failed regardless of its checks, if it did: starting or draining.
    pub fn gate(&self) -> Option<&Gate> {
        self.gate.as_ref()
    }

    /// The top-level output: the [`gate`](Self::gate)'s (`draining`, or `starting: ...` while the
    /// startup probes have not all passed).
    pub fn output(&self) -> Option<&str> {
        self.gate.as_ref().map(Gate::output)
    }

    /// The checks, sorted by kind, then name.
    pub fn checks(&self) -> &[CheckResult] {
        &self.checks
    }

    /// The check with this name, if the report has one.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name() == name)
    }

    /// The probes that `exclude` left out (they did not run), as kind and name, sorted like
    /// [`checks`](Self::checks). Empty when the report failed before running its probes
    /// (draining, or starting).
    pub(crate) fn excluded(&self) -> impl ExactSizeIterator<Item = (Kind, &str)> + '_ {
        self.excluded.iter().map(|probe| (probe.kind, &*probe.name))
    }

    /// The notes of the report: excluded names and selected tags that match nothing.
    pub(super) fn notes(&self) -> Vec<String> {
        if self.unmatched.is_empty() && self.unmatched_tags.is_empty() {
            return Vec::new();
        }
        let excludes = note(
            "some health checks cannot be excluded: no matches for ",
            &self.unmatched,
        );
        let tags = note(
            "some tags select no health check: no matches for ",
            &self.unmatched_tags,
        );
        excludes.into_iter().chain(tags).collect()
    }
}

/// `{lead}"a","b"`, at most about 1 KiB, or `None` for no names.
fn note(lead: &str, names: &[Box<str>]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut note = String::from(lead);
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            note.push(',');
        }
        let _ = write!(note, "{name:?}");
        if note.len() > MAX_UNMATCHED_BYTES {
            let mut end = MAX_UNMATCHED_BYTES;
            while !note.is_char_boundary(end) {
                end -= 1;
            }
            note.truncate(end);
            let _ = write!(note, "… ({} names)", names.len());
            break;
        }
    }
    Some(note)
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("scope", &self.scope)
            .field("status", &self.status)
            .field("gate", &self.gate)
            .field("checks", &self.checks)
            .field("excluded", &self.excluded().collect::<Vec<_>>())
            .field("unmatched_excludes", &self.unmatched)
            .field("unmatched_tags", &self.unmatched_tags)
            .finish_non_exhaustive()
    }
}

impl Report {
    /// The report in `format`: [`to_json`](Self::to_json) or [`to_text`](Self::to_text).
    #[cfg(feature = "web")]
    pub(crate) fn to_bytes(&self, detail: Detail, format: Format) -> Bytes {
        match format {
            Format::Json => Bytes::from(self.to_json(detail)),
            Format::Text => Bytes::from(self.to_text(detail)),
        }
    }
}

impl Report {
    /// The report for serde, showing what `detail` allows (with [`Detail::Minimal`], statuses
    /// and times only), every check, and outputs cut at 512 bytes, but with no cap on the whole:
    /// for embedding in larger documents. [`to_json`](Self::to_json) writes a capped body.
    ///
    /// ```
    /// use healthz_core::{Detail, Health, Kind, ProbeOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("db", ProbeOptions::new(), || async { Err::<(), _>("refused") })
    ///     .build()?;
    /// let report = health.report(Kind::Readiness).await;
    /// let minimal = serde_json::to_value(report.serializable(Detail::Minimal))?;
    /// assert_eq!(minimal["checks"]["db"][0]["status"], "fail");
    /// assert!(minimal["checks"]["db"][0].get("output").is_none());
    /// let full = serde_json::to_value(report.serializable(Detail::Full))?;
    /// assert_eq!(full["checks"]["db"][0]["output"], "refused");
    /// # Ok(()) }
    /// ```
    pub fn serializable(&self, detail: Detail) -> impl serde::Serialize + '_ {
        Serializable {
            report: self,
            detail,
        }
    }
}

/// A report and how much of it to show, for serde.
struct Serializable<'a> {
    report: &'a Report,
    detail: Detail,
}

impl serde::Serialize for Serializable<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let notes = self.report.notes();
        shape::Json {
            report: self.report,
            checks: shape::Shown::All(&self.report.checks),
            detail: self.detail,
            output_limit: MAX_OUTPUT_BYTES,
            notes: &notes,
        }
        .serialize(serializer)
    }
}

/// The per-output limits to try, longest first: [`MAX_OUTPUT_BYTES`], halved down to
/// [`MIN_OUTPUT_BYTES`].
fn output_limits() -> impl Iterator<Item = usize> {
    std::iter::successors(Some(MAX_OUTPUT_BYTES), |&n| {
        (n / 2 >= MIN_OUTPUT_BYTES).then_some(n / 2)
    })
}

/// The limits worth trying for texts at most `longest` bytes long: the first, then only those
/// that cut something (for short outputs, only the first: the others would render the same).
fn output_limits_for(longest: usize) -> impl Iterator<Item = usize> {
    output_limits()
        .enumerate()
        .filter(move |&(i, limit)| i == 0 || limit < longest)
        .map(|(_, limit)| limit)
}

impl Report {
    /// The longest text an output limit can cut: an output or a metadata value.
    fn longest_text(&self) -> usize {
        let outputs = self.checks.iter().filter_map(|c| c.output()).map(str::len);
        outputs.fold(self.meta.longest(), usize::max)
    }
}

/// How telling an entry is, for choosing what to leave out of a body that must shrink: failures
/// most, then warnings, then passes, then excluded probes (`None`).
fn rank(status: Option<Status>) -> u8 {
    match status {
        Some(Status::Fail) => 3,
        Some(Status::Warn) => 2,
        Some(Status::Pass) => 1,
        None => 0,
    }
}

/// Entry indices in the order to keep them: most telling first, earlier first among equals.
fn keep_order(ranks: impl Iterator<Item = u8>) -> Vec<usize> {
    let mut order: Vec<(usize, u8)> = ranks.enumerate().collect();
    order.sort_by_key(|&(i, rank)| (std::cmp::Reverse(rank), i));
    order.into_iter().map(|(i, _)| i).collect()
}

/// The first `k` entries of `order`, back in report order.
fn kept<'a>(all: &[&'a CheckResult], order: &[usize], k: usize) -> Vec<&'a CheckResult> {
    let mut keep = order[..k].to_vec();
    keep.sort_unstable();
    keep.into_iter().map(|i| all[i]).collect()
}

fn omitted_note(omitted: usize, total: usize) -> String {
    format!("{omitted} of {total} checks not shown: bodies are limited to {MAX_BODY_BYTES} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_marks_the_cut_at_a_char_boundary() {
        assert_eq!(truncate("short", MAX_OUTPUT_BYTES), "short");
        let long = "é".repeat(MAX_OUTPUT_BYTES);
        let cut = truncate(&long, MAX_OUTPUT_BYTES);
        assert!(cut.len() < MAX_OUTPUT_BYTES + 40);
        assert!(cut.ends_with(&format!(
            "… [truncated {} bytes]",
            long.len() - MAX_OUTPUT_BYTES
        )));
    }

    #[test]
    fn output_limits_halve_down_to_the_minimum() {
        assert_eq!(output_limits().collect::<Vec<_>>(), [512, 256, 128, 64, 32]);
        assert_eq!(
            output_limits_for(0).collect::<Vec<_>>(),
            [512],
            "nothing to cut"
        );
        assert_eq!(
            output_limits_for(200).collect::<Vec<_>>(),
            [512, 128, 64, 32]
        );
        assert_eq!(output_limits_for(10_000).count(), 5);
    }

    #[test]
    fn keep_order_puts_failures_first_and_keeps_report_order_among_equals() {
        let ranks = [1, 3, 0, 2, 3, 1];
        assert_eq!(keep_order(ranks.into_iter()), [1, 4, 3, 0, 5, 2]);
    }

    #[test]
    fn millis_have_microsecond_precision() {
        assert!((millis(Duration::from_micros(2501)) - 2.501).abs() < f64::EPSILON);
        assert!((millis(Duration::from_secs(u64::MAX)) - f64::from(u32::MAX) / 1000.0).abs() < 1.0);
    }
}
