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

/// The largest body [`Report::to_json`] and [`Report::to_text`] produce.
///
/// The kubelet reads at most 10 KiB of a probe's response, so bodies stay well under that: when
/// the outputs cut at [`MAX_OUTPUT_BYTES`] are still too long together, they are cut shorter
/// (down to 32 bytes), and when even that is too long, checks are left out (passing ones first)
/// and a note says how many.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// The shortest cut of an output when a body must shrink.
const MIN_OUTPUT_BYTES: usize = 32;

/// The longest list of unmatched `exclude` names in a note.
const MAX_UNMATCHED_BYTES: usize = 1024;

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
    /// The probes left out with `exclude`, sorted by kind, then name.
    excluded: Vec<Arc<Slot>>,
    /// The `exclude` names no probe of the scope has, sorted, without duplicates.
    unmatched: Vec<Box<str>>,
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
            excluded: Vec::new(),
            unmatched: Vec::new(),
        }
    }

    /// Records what `exclude` left out (`excluded`) and the names it gave that matched nothing.
    pub(crate) fn excluding(mut self, excluded: Vec<Arc<Slot>>, unmatched: Vec<Box<str>>) -> Self {
        self.excluded = excluded;
        self.unmatched = unmatched;
        self
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

    /// The probes that `exclude` left out (they did not run), as kind and name, sorted like
    /// [`checks`](Self::checks). Empty when the report failed before running its probes
    /// (draining, or starting).
    pub fn excluded(&self) -> impl ExactSizeIterator<Item = (Kind, &str)> + '_ {
        self.excluded.iter().map(|slot| (slot.kind(), slot.name()))
    }

    /// The `exclude` names that match no probe in the report's scope, sorted and without
    /// duplicates. [`to_text`](Self::to_text) warns about them as the Kubernetes API server does,
    /// and [`to_json`](Self::to_json) in `notes`.
    pub fn unmatched_excludes(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.unmatched.iter().map(|name| &**name)
    }

    /// The `application/health+json` body, at most [`MAX_BODY_BYTES`] long.
    ///
    /// With [`Detail::Minimal`] it holds only statuses and times: no `output`, no observed values
    /// and no service metadata. Outputs are cut at [`MAX_OUTPUT_BYTES`] with a marker
    /// (`… [truncated 1200 bytes]`); a body still too long is shortened further, and `notes` says
    /// how many checks were left out.
    pub fn to_json(&self, detail: Detail) -> Vec<u8> {
        let unmatched = self.unmatched_note();
        let render = |checks: &[&CheckResult], output_limit: usize, omitted: usize| {
            let mut notes: Vec<String> = unmatched.iter().cloned().collect();
            if omitted > 0 {
                notes.push(omitted_note(omitted, self.checks.len()));
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
        let all: Vec<&CheckResult> = self.checks.iter().collect();
        let mut body = Vec::new();
        for limit in output_limits() {
            body = render(&all, limit, 0);
            if body.len() <= MAX_BODY_BYTES {
                return body;
            }
        }
        // Outputs are as short as they get: leave checks out, the least telling first. Keeping
        // `k` of them fits for small `k` (zero checks always does); find the largest `k`.
        let order = keep_order(self.checks.iter().map(|c| rank(Some(c.status()))));
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

    /// The Kubernetes-style `?verbose` text, at most [`MAX_BODY_BYTES`] long: a `[+]name ok`,
    /// `[+]name warn: reason`, `[-]name failed: reason` or `[+]name excluded: ok` line per
    /// probe, a `warn:` line for `exclude` names that match nothing, then `readyz check passed`
    /// or `readyz check failed`.
    ///
    /// With [`Detail::Minimal`] every reason reads `reason withheld`, as the Kubernetes API
    /// server does for unauthorized callers. Long reasons are cut as in [`to_json`](Self::to_json);
    /// when lines must be left out, a `warn:` line says how many.
    pub fn to_text(&self, detail: Detail) -> String {
        let mut head = String::new();
        if let Some(output) = self.output.as_deref() {
            let line = if self.draining() {
                "shutdown"
            } else {
                "startup"
            };
            let reason = reason(detail, Some(output), MAX_OUTPUT_BYTES);
            let _ = writeln!(head, "[-]{line} failed: {reason}");
        }
        let mut tail = String::new();
        if let Some(note) = self.unmatched_note() {
            let _ = writeln!(tail, "warn: {note}");
        }
        let verdict = if self.status.is_healthy() {
            "passed"
        } else {
            "failed"
        };
        let verdict = format!("{} check {verdict}\n", self.scope.endpoint());
        let fixed = head.len() + tail.len() + verdict.len();

        let mut lines = Vec::new();
        for limit in output_limits() {
            lines = self.text_lines(detail, limit);
            if fixed + lines.iter().map(|(_, l)| l.len()).sum::<usize>() <= MAX_BODY_BYTES {
                return [
                    head,
                    lines.into_iter().map(|(_, l)| l).collect(),
                    tail,
                    verdict,
                ]
                .concat();
            }
        }
        // Leave lines out, the least telling first, making room for the note that says so.
        let total = lines.len();
        let note = |omitted| format!("warn: {}\n", omitted_note(omitted, total));
        let mut room = MAX_BODY_BYTES.saturating_sub(fixed + note(lines.len()).len());
        let mut keep = vec![false; lines.len()];
        for i in keep_order(lines.iter().map(|(rank, _)| *rank)) {
            let Some(left) = room.checked_sub(lines[i].1.len()) else {
                break;
            };
            room = left;
            keep[i] = true;
        }
        let omitted = keep.iter().filter(|k| !**k).count();
        let kept = lines
            .into_iter()
            .zip(keep)
            .filter_map(|((_, line), keep)| keep.then_some(line));
        [head, kept.collect(), tail, note(omitted), verdict].concat()
    }

    /// One `?verbose` line per check and excluded probe, in order, with its [`rank`].
    fn text_lines(&self, detail: Detail, limit: usize) -> Vec<(u8, String)> {
        let mut lines: Vec<(Kind, &str, u8, String)> = self
            .checks
            .iter()
            .map(|check| {
                let name = check.name();
                let line = match check.status() {
                    Status::Pass => format!("[+]{name} ok\n"),
                    Status::Warn => {
                        format!(
                            "[+]{name} warn: {}\n",
                            reason(detail, check.output(), limit)
                        )
                    }
                    Status::Fail => {
                        format!(
                            "[-]{name} failed: {}\n",
                            reason(detail, check.output(), limit)
                        )
                    }
                };
                (check.kind(), name, rank(Some(check.status())), line)
            })
            .collect();
        lines.extend(
            self.excluded()
                .map(|(kind, name)| (kind, name, rank(None), format!("[+]{name} excluded: ok\n"))),
        );
        // Both lists are sorted by kind, then name: a stable sort merges them.
        lines.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        lines
            .into_iter()
            .map(|(_, _, rank, line)| (rank, line))
            .collect()
    }

    /// `some health checks cannot be excluded: no matches for "a","b"`, at most about 1 KiB.
    fn unmatched_note(&self) -> Option<String> {
        if self.unmatched.is_empty() {
            return None;
        }
        let mut note = String::from("some health checks cannot be excluded: no matches for ");
        for (i, name) in self.unmatched.iter().enumerate() {
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
                let _ = write!(note, "… ({} names)", self.unmatched.len());
                break;
            }
        }
        Some(note)
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
            .field("excluded", &self.excluded().collect::<Vec<_>>())
            .field("unmatched_excludes", &self.unmatched)
            .finish_non_exhaustive()
    }
}

/// Serializes with full detail, every check and outputs cut at [`MAX_OUTPUT_BYTES`], but no
/// [`MAX_BODY_BYTES`] cap: for embedding in larger documents. Use [`Report::to_json`] for bodies.
impl serde::Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let checks: Vec<&CheckResult> = self.checks.iter().collect();
        let notes: Vec<String> = self.unmatched_note().into_iter().collect();
        Json {
            report: self,
            checks: &checks,
            detail: Detail::Full,
            output_limit: MAX_OUTPUT_BYTES,
            notes: &notes,
        }
        .serialize(serializer)
    }
}

/// The reason shown in a `?verbose` line.
fn reason(detail: Detail, text: Option<&str>, limit: usize) -> Cow<'_, str> {
    match (detail, text) {
        (Detail::Minimal, _) => Cow::Borrowed("reason withheld"),
        (Detail::Full, Some(text)) => truncate(text, limit),
        (Detail::Full, None) => Cow::Borrowed("no output"),
    }
}

/// Cuts `text` to `limit` bytes at a character boundary, marking the cut.
fn truncate(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!(
        "{}… [truncated {} bytes]",
        &text[..end],
        text.len() - end
    ))
}

/// The per-output limits to try, longest first: [`MAX_OUTPUT_BYTES`], halved down to
/// [`MIN_OUTPUT_BYTES`].
fn output_limits() -> impl Iterator<Item = usize> {
    std::iter::successors(Some(MAX_OUTPUT_BYTES), |&n| {
        (n / 2 >= MIN_OUTPUT_BYTES).then_some(n / 2)
    })
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

struct Json<'a> {
    report: &'a Report,
    /// The checks to show (all, or those that fit).
    checks: &'a [&'a CheckResult],
    detail: Detail,
    output_limit: usize,
    notes: &'a [String],
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
        map.serialize_entry("status", &report.status)?;
        if detail == Detail::Full {
            let meta = &report.meta;
            for (key, value) in [
                ("version", &meta.version),
                ("serviceId", &meta.service_id),
                ("description", &meta.description),
            ] {
                if let Some(value) = value {
                    map.serialize_entry(key, &truncate(value, output_limit))?;
                }
            }
            if let Some(output) = &report.output {
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
                with_kind: report.scope == Scope::All,
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
                entry.serialize_field("output", &truncate(output, self.output_limit))?;
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
