//! Times as every report and event writes them: RFC 3339 in UTC with milliseconds.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

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
pub(super) fn digit(value: u64) -> u8 {
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

    proptest! {
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
