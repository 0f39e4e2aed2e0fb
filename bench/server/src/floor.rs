//! `/floor` (actix: `/bare?floor`): the least an endpoint must do to answer what `/livez`
//! answers afresh on every request, written by hand, without healthz: the lower bound of an
//! uncached `/livez`, to measure beside a bare handler with the same body.
//!
//! Per request it decides the caller's detail (a loopback peer whose request carries no header a
//! proxy adds), runs the probe (`async fn event_loop() {}`, boxed as any registry of async
//! functions must hold it, polled once with panics caught), times it with two clock reads, reads
//! the wall clock, writes `/livez`'s body with the time and the run's duration spliced into it,
//! and sends it with `/livez`'s three headers.
//!
//! What it leaves out, and healthz does: a probe still pending after its first poll (the floor
//! reports it failed; healthz moves it to a task under its timeout), the single flight that makes
//! concurrent callers share one run, thresholds, the run history, events and observers, output
//! redaction, and the access policy's allowlist, token and trusted proxies.
//!
//! It repeats the little it needs of healthz (the forwarding headers' names, the run time's
//! digits) rather than calling it: the floor is what a hand-written endpoint costs.

use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The headers that say a request was forwarded by a proxy (healthz's list).
const FORWARDING: [&str; 6] = [
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
];

/// `/livez`'s body up to the check's time, and the parts after it.
const HEAD: &[u8] = br#"{"status":"pass","version":"0.1.0","serviceId":"healthz-bench","checks":{"event_loop":[{"status":"pass","time":""#;
const VALUE: &[u8] = br#"","observedValue":"#;
const TAIL: &[u8] = br#","observedUnit":"ms"}]}}"#;
/// A caller that is not local learns the status only.
const MINIMAL_PASS: &[u8] = br#"{"status":"pass"}"#;
const MINIMAL_FAIL: &[u8] = br#"{"status":"fail"}"#;

/// A registered probe, as a registry of async functions holds it.
type Probe = fn() -> Pin<Box<dyn Future<Output = ()> + Send>>;

fn event_loop() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {})
}

/// Whether the caller sees details: a loopback peer, and none of the forwarding headers among
/// the request's header `names` (lower case).
pub(crate) fn is_local(
    peer: Option<IpAddr>,
    names: impl IntoIterator<Item = impl AsRef<str>>,
) -> bool {
    peer.is_some_and(|ip| ip.to_canonical().is_loopback())
        && !names
            .into_iter()
            .any(|name| FORWARDING.contains(&name.as_ref()))
}

/// Runs the probe and writes the answer: whether it passed, and the body.
pub(crate) fn livez(local: bool) -> (bool, Vec<u8>) {
    // Through a pointer the optimizer cannot see through, as a registry's would be.
    let probe: Probe = std::hint::black_box(event_loop);
    let started = Instant::now();
    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
        probe()
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
    }));
    let micros = u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX);
    let pass = matches!(polled, Ok(Poll::Ready(())));
    if !local {
        let body = if pass { MINIMAL_PASS } else { MINIMAL_FAIL };
        return (pass, body.to_vec());
    }
    (pass, body(pass, SystemTime::now(), micros))
}

/// `/livez`'s body for a run at `time` that took `micros`.
fn body(pass: bool, time: SystemTime, micros: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEAD.len() + 24 + VALUE.len() + 14 + TAIL.len());
    if pass {
        out.extend_from_slice(HEAD);
    } else {
        // Both statuses are four letters: the template's lengths hold.
        let failed = String::from_utf8_lossy(HEAD).replace("pass", "fail");
        out.extend_from_slice(failed.as_bytes());
    }
    stamp(&mut out, time);
    out.extend_from_slice(VALUE);
    millis(&mut out, micros);
    out.extend_from_slice(TAIL);
    out
}

/// `time` as RFC 3339 in UTC, to the millisecond: `2026-12-06T11:07:50.450Z`.
fn stamp(out: &mut Vec<u8>, time: SystemTime) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil(secs / 86_400);
    let of_day = secs % 86_400;
    let mut s = [0u8; 24];
    put(&mut s[0..4], year);
    s[4] = b'-';
    put(&mut s[5..7], month);
    s[7] = b'-';
    put(&mut s[8..10], day);
    s[10] = b'T';
    put(&mut s[11..13], of_day / 3600);
    s[13] = b':';
    put(&mut s[14..16], of_day / 60 % 60);
    s[16] = b':';
    put(&mut s[17..19], of_day % 60);
    s[19] = b'.';
    put(&mut s[20..23], u64::from(since.subsec_millis()));
    s[23] = b'Z';
    out.extend_from_slice(&s);
}

/// The year, month and day of the `days`-th day since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// `n`'s last `digits.len()` decimal digits, zero-padded.
fn put(digits: &mut [u8], mut n: u64) {
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `micros` in milliseconds, the shortest decimal that reads back as `micros / 1000`: `0.005`,
/// `1.23`, `12.0`.
fn millis(out: &mut Vec<u8>, micros: u32) {
    let (whole, frac) = (micros / 1000, micros % 1000);
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = whole;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
    let mut places = [b'.', 0, 0, 0];
    put(&mut places[1..], u64::from(frac));
    let len = if frac % 100 == 0 {
        2
    } else if frac % 10 == 0 {
        3
    } else {
        4
    };
    out.extend_from_slice(&places[..len]);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(millis: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(millis)
    }

    fn stamped(millis: u64) -> String {
        let mut out = Vec::new();
        stamp(&mut out, at(millis));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn stamps_match_rfc_3339_across_leap_days_and_centuries() {
        // Checked with `date -u -d @SECONDS +%FT%T`.
        assert_eq!(stamped(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(stamped(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(stamped(951_868_799_999), "2000-02-29T23:59:59.999Z");
        assert_eq!(stamped(1_709_164_800_001), "2024-02-29T00:00:00.001Z");
        assert_eq!(stamped(1_796_555_270_450), "2026-12-06T11:07:50.450Z");
        assert_eq!(stamped(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
    }

    #[test]
    fn durations_are_written_as_the_shortest_exact_milliseconds() {
        for (micros, written) in [
            (0, "0.0"),
            (5, "0.005"),
            (50, "0.05"),
            (1_230, "1.23"),
            (12_000, "12.0"),
            (u32::MAX, "4294967.295"),
        ] {
            let mut out = Vec::new();
            millis(&mut out, micros);
            assert_eq!(String::from_utf8(out).unwrap(), written, "{micros} µs");
        }
    }

    #[test]
    fn the_body_is_livez_s_with_the_run_spliced_in() {
        let body = body(true, at(1_796_555_270_450), 5);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"status":"pass","version":"0.1.0","serviceId":"healthz-bench","checks":{"event_loop":[{"status":"pass","time":"2026-12-06T11:07:50.450Z","observedValue":0.005,"observedUnit":"ms"}]}}"#
        );
        let failed = String::from_utf8(super::body(false, at(0), 0)).unwrap();
        assert!(failed.starts_with(r#"{"status":"fail","#), "{failed}");
        assert_eq!(failed.matches("\"fail\"").count(), 2, "{failed}");
    }

    #[test]
    fn only_a_loopback_peer_without_forwarding_headers_is_local() {
        let loopback = Some(IpAddr::from([127, 0, 0, 1]));
        let none: [&str; 0] = [];
        assert!(is_local(loopback, ["host", "accept"]));
        assert!(is_local(Some("::ffff:127.0.0.1".parse().unwrap()), none));
        assert!(!is_local(loopback, ["host", "x-real-ip"]));
        assert!(!is_local(Some(IpAddr::from([10, 0, 0, 1])), none));
        assert!(!is_local(None, none));
    }

    #[test]
    fn the_probe_runs_and_passes() {
        let (pass, body) = livez(true);
        assert!(pass);
        assert!(body.ends_with(TAIL));
        assert_eq!(livez(false), (true, MINIMAL_PASS.to_vec()));
    }
}
