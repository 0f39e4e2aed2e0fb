//! The `application/health+json` body, written by hand.
//!
//! [`Report::to_json`](super::Report::to_json) runs on every request that the render cache cannot
//! answer: an uncached liveness probe's, every time. Through serde's generic path the body cost
//! more than the probe's run (a map serializer per object, every constant key escaped byte by
//! byte, the time through `fmt`). This writes the same bytes straight into the body: keys are
//! constants, strings are escaped as `serde_json` escapes them, times are formatted without
//! `fmt`.
//!
//! The serde implementation ([`Json`]) stays the reference, for `impl Serialize for Report`:
//! the tests check that both write the same bytes for generated reports, strings and times.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

use super::json::{Json, Shown, by_name};
use super::{CheckResult, Detail, MAX_BODY_BYTES, Meta, Scope, truncate};
use crate::Status;

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
                // Into a `Vec`, a number cannot fail to serialize (a non-finite one is `null`).
                let _ = serde_json::to_writer(&mut *out, &check.observed_value());
                out.extend_from_slice(b",\"observedUnit\":");
                string(out, check.observed_unit());
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
/// `micros / 1000` (what [`CheckResult::observed_value`] is): the shortest decimal that reads back
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

/// What each byte becomes in a JSON string, as `serde_json` writes it: `0` for itself, `u` for
/// `\u00XX`, or the letter after a backslash.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// `text` as a JSON string, quotes included.
pub(crate) fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Names, units, versions: nearly every string has nothing to escape, and is copied whole.
    match bytes.iter().position(|&b| ESCAPE[usize::from(b)] != 0) {
        None => out.extend_from_slice(bytes),
        Some(first) => escaped(out, bytes, first),
    }
    out.push(b'"');
}

/// `bytes` escaped, the first byte to escape at `first`.
fn escaped(out: &mut Vec<u8>, bytes: &[u8], first: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&bytes[..first]);
    let mut start = first;
    for (i, &byte) in bytes.iter().enumerate().skip(first) {
        let escape = ESCAPE[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if escape == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The last second RFC 3339 can write with a four-digit year: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_800 - 1;

/// `time` in RFC 3339 with milliseconds, in UTC (`2026-12-01T09:30:00.123Z`), the form every
/// time in a report and an event takes. A time before 1970 is written as the epoch and one after
/// the year 9999 as its last millisecond: a clock that far off cannot be written in four digits,
/// and a report must not fail for it.
pub(crate) fn rfc3339_millis(time: SystemTime) -> [u8; 24] {
    let (secs, millis) = match time.duration_since(UNIX_EPOCH) {
        Ok(since) if since.as_secs() <= LAST_SECOND => (since.as_secs(), since.subsec_millis()),
        Ok(_) => (LAST_SECOND, 999),
        Err(_) => (0, 0),
    };
    let mut buf = to_the_second(secs);
    let millis = u64::from(millis);
    buf[20] = digit(millis / 100);
    buf[21] = digit(millis / 10);
    buf[22] = digit(millis);
    buf
}

thread_local! {
    /// The second most recently written on this thread, and its text: the times a busy service
    /// writes fall mostly within the same second, and their date and time need not be worked
    /// out again (about 200 instructions of every fresh report). Kept as a whole stamp, its
    /// milliseconds left to write: copied as a few words, where 19 bytes were copied one by one.
    static LAST: Cell<(u64, [u8; 24])> = const { Cell::new((u64::MAX, [0; 24])) };
}

/// `secs` after the epoch as `YYYY-MM-DDTHH:MM:SS.___Z`, remembered per thread for the next
/// call: a stamp whose milliseconds (`___`) are left to write.
fn to_the_second(secs: u64) -> [u8; 24] {
    if let Ok(Some(text)) = LAST.try_with(|last| {
        let (at, text) = last.get();
        (at == secs).then_some(text)
    }) {
        return text;
    }
    let (year, month, day) = civil(secs / 86_400);
    let of_day = secs % 86_400;
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut two = |at: usize, value: u64| {
        text[at] = digit(value / 10);
        text[at + 1] = digit(value);
    };
    two(0, year / 100);
    two(2, year);
    two(5, month);
    two(8, day);
    two(11, of_day / 3600);
    two(14, of_day / 60 % 60);
    two(17, of_day % 60);
    // A thread being torn down has no `LAST`: the time is written all the same.
    let _ = LAST.try_with(|last| last.set((secs, text)));
    text
}

/// The last decimal digit of `value`, in ASCII.
fn digit(value: u64) -> u8 {
    // A value below 10: the cast cannot truncate.
    #[allow(clippy::cast_possible_truncation)]
    let digit = (value % 10) as u8;
    b'0' + digit
}

/// A time written by [`rfc3339_millis`], as text.
pub(crate) fn as_text(stamp: &[u8; 24]) -> &str {
    // ASCII digits and punctuation: always UTF-8.
    std::str::from_utf8(stamp).unwrap_or_default()
}

/// The year, month and day of `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`, for
/// days on or after the epoch).
fn civil(days: u64) -> (u64, u64, u64) {
    // Counted from 0000-03-01, so that the leap day ends each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain",
            "a\"b\\c",
            "\u{0}\u{1f}\u{7f}",
            "tab\there\r\n",
            "é ☃ 😀",
        ] {
            assert_eq!(
                written(text),
                serde_json::to_string(text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn times_are_rfc3339_with_milliseconds() {
        let at = |secs, nanos| UNIX_EPOCH + Duration::new(secs, nanos);
        let text = |time| String::from_utf8(rfc3339_millis(time).to_vec()).unwrap();
        assert_eq!(text(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            text(at(951_782_400, 999_999_999)),
            "2000-02-29T00:00:00.999Z"
        );
        assert_eq!(
            text(at(1_795_000_000, 123_456_789)),
            "2026-11-18T11:06:40.123Z"
        );
        assert_eq!(
            text(at(LAST_SECOND, 999_000_000)),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            text(at(LAST_SECOND + 86_400 * 400, 0)),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            text(UNIX_EPOCH - Duration::from_secs(1)),
            "1970-01-01T00:00:00.000Z"
        );
    }

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
                let mut check = crate::Check::new(status, output.clone());
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

        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in any::<String>()) {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn times_in_turn_are_written_as_humantime_writes_them(
            times in proptest::collection::vec((0..=3u64, 0..1_000_000_000u32), 1..8),
            base in 0..=LAST_SECOND - 3,
        ) {
            // Seconds repeat and alternate, so that each is written both worked out and
            // remembered from the call before.
            for (offset, nanos) in times {
                let time = UNIX_EPOCH + Duration::new(base + offset, nanos);
                prop_assert_eq!(
                    String::from_utf8(rfc3339_millis(time).to_vec()).unwrap(),
                    humantime::format_rfc3339_millis(time).to_string()
                );
            }
        }

        #[test]
        fn any_time_is_written_as_humantime_writes_it(
            secs in 0..=LAST_SECOND,
            nanos in 0..1_000_000_000u32,
        ) {
            let time = UNIX_EPOCH + Duration::new(secs, nanos);
            prop_assert_eq!(
                String::from_utf8(rfc3339_millis(time).to_vec()).unwrap(),
                humantime::format_rfc3339_millis(time).to_string()
            );
        }
    }
}
