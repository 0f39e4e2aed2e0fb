//! The `application/health+json` body, written by hand.
//!
//! [`Report::to_json`](super::Report::to_json) runs on every request that the render cache cannot
//! answer: an uncached liveness probe's, every time. Through serde's generic path the body cost
//! more than the probe's run (a map serializer per object, every constant key escaped byte by
//! byte, the time through `fmt`). This writes the same bytes straight into the body: keys are
//! constants, strings are escaped as `serde_json` escapes them, times are formatted without
//! `fmt`.
//!
//! The serde form ([`reference`](super::reference)) stays the reference: the tests check that
//! both write the same bytes for generated reports.

use std::cell::Cell;

use super::shape::{Json, Shown, by_name};
use super::time::{digit, rfc3339_millis};
use super::{CheckResult, Detail, MAX_BODY_BYTES, Meta, truncate};
use crate::Status;
use crate::escape::json_string as string;
use crate::selection::Scope;

/// Writes `json` into `out`: the bytes `serde_json::to_writer` writes for it.
pub(super) fn body(out: &mut Vec<u8>, json: &Json<'_>) {
    let Json {
        report,
        checks,
        detail,
        output_limit,
        notes,
    } = *json;
    out.extend_from_slice(match report.status() {
        Status::Pass => b"{\"status\":\"pass\"",
        Status::Warn => b"{\"status\":\"warn\"",
        Status::Fail => b"{\"status\":\"fail\"",
    });
    if detail == Detail::Full {
        let meta = report.meta();
        match meta.written(output_limit) {
            Some(written) => out.extend_from_slice(written),
            None => self::meta(out, meta, output_limit),
        }
        if let Some(output) = report.output() {
            out.extend_from_slice(b",\"output\":");
            string(out, output);
        }
    }
    if !notes.is_empty() {
        out.extend_from_slice(b",\"notes\":");
        array(out, notes.iter().map(String::as_str));
    }
    out.extend_from_slice(b",\"checks\":{");
    let entry = Entry {
        detail,
        with_kind: report.scope() == Scope::All,
        output_limit,
    };
    if entry.with_kind {
        let (order, groups) = by_name(checks);
        for (n, group) in groups.into_iter().enumerate() {
            entry.group(out, n, checks, &order[group]);
        }
    } else {
        for i in 0..checks.len() {
            entry.group(out, i, checks, &[i]);
        }
    }
    out.extend_from_slice(b"}}");
}

thread_local! {
    /// The buffer bodies are written in on this thread, kept from one body to the next.
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The most a thread's [`SCRATCH`] keeps between bodies: four times a body's cap, what a report
/// of a few hundred checks takes before it is cut.
const SCRATCH_KEPT: usize = 4 * MAX_BODY_BYTES;

/// What `write` writes, in an allocation of its exact size. Written in the thread's scratch
/// buffer, then copied: a body of a length not known ahead costs one allocation, of its size,
/// rather than a guessed one, and a `Bytes` made from it needs no shared header (a second
/// allocation when a `Vec`'s length and capacity differ).
pub(super) fn exact(write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    // Taken out while in use: a body written while another is finds an empty buffer and grows
    // its own (and a thread being torn down has none).
    let mut scratch = SCRATCH.try_with(Cell::take).unwrap_or_default();
    scratch.clear();
    write(&mut scratch);
    // A clone is allocated at the length it copies.
    let body = scratch.clone();
    if scratch.capacity() <= SCRATCH_KEPT {
        let _ = SCRATCH.try_with(|kept| kept.set(scratch));
    }
    body
}

/// The service metadata of a full body (`,"version":"1.4.2",...`), each value cut at
/// `output_limit`.
pub(super) fn meta(out: &mut Vec<u8>, meta: &Meta, output_limit: usize) {
    for (key, value) in [
        (&b",\"version\":"[..], &meta.version),
        (b",\"serviceId\":", &meta.service_id),
        (b",\"description\":", &meta.description),
    ] {
        if let Some(value) = value {
            out.extend_from_slice(key);
            string(out, &truncate(value, output_limit));
        }
    }
}

/// How each check's entry is written.
struct Entry {
    detail: Detail,
    with_kind: bool,
    output_limit: usize,
}

impl Entry {
    /// The `n`th key of `checks`: one name and the array of its entries.
    fn group(&self, out: &mut Vec<u8>, n: usize, list: Shown<'_>, indices: &[usize]) {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(list.get(indices[0]).json_key());
        for (k, &i) in indices.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            self.write(out, list.get(i));
        }
        out.push(b']');
    }

    fn write(&self, out: &mut Vec<u8>, check: &CheckResult) {
        // The constant parts of an entry, each written at once: every piece is a bounds check
        // and a copy, on every fresh report.
        if self.with_kind {
            out.extend_from_slice(b"{\"kind\":");
            string(out, check.kind().as_str());
            out.extend_from_slice(b",\"status\":");
            out.extend_from_slice(quoted(check.status()));
            out.extend_from_slice(b",\"time\":\"");
        } else {
            out.extend_from_slice(match check.status() {
                Status::Pass => b"{\"status\":\"pass\",\"time\":\"",
                Status::Warn => b"{\"status\":\"warn\",\"time\":\"",
                Status::Fail => b"{\"status\":\"fail\",\"time\":\"",
            });
        }
        out.extend_from_slice(&rfc3339_millis(check.time()));
        if self.detail == Detail::Full {
            out.extend_from_slice(b"\",\"observedValue\":");
            if let Some(micros) = check.run_micros() {
                millis(out, micros);
                out.extend_from_slice(b",\"observedUnit\":\"ms\"");
            } else {
                let (value, unit) = check.observation();
                // Into a `Vec`, a number cannot fail to serialize (a non-finite one is `null`).
                let _ = serde_json::to_writer(&mut *out, &value);
                out.extend_from_slice(b",\"observedUnit\":");
                string(out, unit);
            }
            if !check.critical() {
                out.extend_from_slice(b",\"critical\":false");
            }
            if check.tags().len() > 0 {
                out.extend_from_slice(b",\"tags\":");
                array(out, check.tags());
            }
            if check.details().len() > 0 {
                out.extend_from_slice(b",\"details\":{");
                for (k, (key, value)) in check.details().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    string(out, key);
                    out.push(b':');
                    // Into a `Vec`, a JSON value cannot fail to serialize.
                    let _ = serde_json::to_writer(&mut *out, value);
                }
                out.push(b'}');
            }
            if check.status() != Status::Pass
                && let Some(output) = check.output()
            {
                out.extend_from_slice(b",\"output\":");
                string(out, &truncate(output, self.output_limit));
            }
            out.push(b'}');
        } else {
            out.extend_from_slice(b"\"}");
        }
    }
}

/// `micros` microseconds in milliseconds (`2.501`), as `serde_json` writes the `f64`
/// `micros / 1000` (what [`CheckResult::observation`] holds): the shortest decimal that reads back
/// as that `f64` is the exact one, at most three places after the point, with `.0` for a whole
/// number. Without the float's shortest-digits search (about 180 instructions a body).
fn millis(out: &mut Vec<u8>, micros: u32) {
    let (whole, frac) = (micros / 1000, micros % 1000);
    // `u32::MAX` has ten digits; written from the end.
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = whole;
    loop {
        start -= 1;
        digits[start] = digit(u64::from(rest));
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
    let places = [
        b'.',
        digit(u64::from(frac / 100)),
        digit(u64::from(frac / 10)),
        digit(u64::from(frac)),
    ];
    let len = match frac {
        _ if frac % 100 == 0 => 2,
        _ if frac % 10 == 0 => 3,
        _ => 4,
    };
    out.extend_from_slice(&places[..len]);
}

/// A status as a JSON string.
fn quoted(status: Status) -> &'static [u8] {
    match status {
        Status::Pass => b"\"pass\"",
        Status::Warn => b"\"warn\"",
        Status::Fail => b"\"fail\"",
    }
}

/// A JSON array of strings.
fn array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_body_written_while_another_is_comes_out_whole_and_exact() {
        let outer = exact(|out| {
            out.extend_from_slice(b"outer:");
            let inner = exact(|out| out.extend_from_slice(b"inner"));
            assert_eq!(inner.capacity(), inner.len());
            out.extend_from_slice(&inner);
        });
        assert_eq!(outer, b"outer:inner");
        assert_eq!(outer.capacity(), outer.len());
    }

    #[test]
    fn a_thread_keeps_no_large_scratch_buffer() {
        let body = exact(|out| out.resize(SCRATCH_KEPT + 1, b'x'));
        assert_eq!(body.len(), SCRATCH_KEPT + 1);
        let kept = |scratch: &Cell<Vec<u8>>| {
            let buffer = scratch.take();
            let capacity = buffer.capacity();
            scratch.set(buffer);
            capacity
        };
        assert!(SCRATCH.with(kept) <= SCRATCH_KEPT);
        let small = exact(|out| out.extend_from_slice(b"{}"));
        assert_eq!(small, b"{}");
        assert!(SCRATCH.with(kept) >= 2);
    }

    fn run_time(micros: u32) -> (String, String) {
        let mut out = Vec::new();
        millis(&mut out, micros);
        let serde = serde_json::to_string(&(f64::from(micros) / 1000.0)).unwrap();
        (String::from_utf8(out).unwrap(), serde)
    }

    #[test]
    fn run_times_are_written_as_serde_json_writes_their_milliseconds() {
        // Every value below 100 ms, and each power of ten's neighbours up to the largest.
        let edges = (0..10u32).flat_map(|p| {
            let power = 10u32.pow(p);
            [power - 1, power, power + 1]
        });
        for micros in (0..100_000).chain(edges).chain([u32::MAX - 1, u32::MAX]) {
            let (hand, serde) = run_time(micros);
            assert_eq!(hand, serde, "{micros} µs");
        }
    }

    proptest! {
        #[test]
        fn any_run_time_is_written_as_serde_json_writes_its_milliseconds(micros in any::<u32>()) {
            let (hand, serde) = run_time(micros);
            prop_assert_eq!(hand, serde);
        }
    }

    /// One probe of a generated report: its status, output, observed value, details, and
    /// whether it is critical.
    type Spec = (u8, String, Option<(f64, String)>, Vec<(String, i64)>, bool);

    fn spec() -> impl Strategy<Value = Spec> {
        (
            0..3u8,
            any::<String>(),
            proptest::option::of((
                prop_oneof![any::<f64>(), Just(f64::NAN), Just(0.5)],
                any::<String>(),
            )),
            proptest::collection::vec((any::<String>(), any::<i64>()), 0..3),
            any::<bool>(),
        )
    }

    /// A report of every kind, or of one, from up to three probes of each kind (names shared
    /// across kinds, so that `/healthz` groups them), with service metadata.
    fn report(
        specs: Vec<Option<Spec>>,
        meta: [Option<String>; 3],
        scope: Scope,
        exclude: &[&str],
    ) -> crate::Report {
        let mut builder = crate::Health::builder().without_registered();
        let names = ["alpha", "beta", "db"];
        for (i, spec) in specs.into_iter().enumerate() {
            let Some((status, output, observed, details, critical)) = spec else {
                continue;
            };
            let kind = crate::Kind::ALL[i / names.len()];
            let options = crate::ProbeOptions::new()
                .critical(critical || kind != crate::Kind::Readiness)
                .tags(if i % 2 == 0 { &["db", "eu"] } else { &[] });
            builder = builder.probe(kind, names[i % names.len()], options, move || {
                let status = [Status::Pass, Status::Warn, Status::Fail][usize::from(status)];
                let mut check = crate::Check::pass();
                check.status = status;
                check.output = Some(output.clone().into());
                if let Some((value, unit)) = &observed {
                    check = check.observed(*value, unit.clone());
                }
                for (key, value) in &details {
                    check = check.detail(key.clone(), value);
                }
                async move { check }
            });
        }
        let [version, service, description] = meta;
        if let Some(version) = version {
            builder = builder.version(version);
        }
        if let Some(service) = service {
            builder = builder.service_id(service);
        }
        if let Some(description) = description {
            builder = builder.description(description);
        }
        let health = builder.build().unwrap();
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(health.evaluate(scope, exclude))
    }

    proptest! {
        #[test]
        fn any_report_is_written_as_serde_json_writes_it(
            specs in proptest::collection::vec(proptest::option::of(spec()), 9),
            meta in any::<[Option<String>; 3]>(),
            scope in prop_oneof![
                Just(Scope::All),
                Just(Scope::Kind(crate::Kind::Liveness)),
                Just(Scope::Kind(crate::Kind::Readiness)),
            ],
            full in any::<bool>(),
            output_limit in prop_oneof![Just(32usize), Just(512)],
            exclude in proptest::sample::subsequence(vec!["beta", "nope"], 0..=2),
        ) {
            let report = report(specs, meta, scope, &exclude);
            let detail = if full { Detail::Full } else { Detail::Minimal };
            let notes = report.notes();
            let all = Shown::All(report.checks());
            let some: Vec<&CheckResult> = report.checks().iter().step_by(2).collect();
            let kept = Shown::Kept(&some);
            for checks in [all, kept] {
                let json = Json { report: &report, checks, detail, output_limit, notes: &notes };
                let mut hand = Vec::new();
                body(&mut hand, &json);
                let serde = serde_json::to_vec(&json).unwrap();
                prop_assert_eq!(String::from_utf8(hand).unwrap(), String::from_utf8(serde).unwrap());
            }
        }

    }
}
