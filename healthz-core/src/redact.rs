//! Scrubbing credentials out of probe output before anyone sees it.
//!
//! Driver errors love to quote the connection string they failed with. Every output a probe
//! produces passes through [`redact`] before it is stored, logged or served, so
//! `postgres://app:hunter2@db/app` is reported as `postgres://app:***@db/app`.

use std::borrow::Cow;

/// Keys whose `key=value` values are replaced (compared case-insensitively).
const SECRET_KEYS: [&str; 9] = [
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "auth",
];

const MASK: &str = "***";

/// Replaces the password of every `scheme://user:password@host` URL and the value of every
/// `password=...`-like pair in `text` with `***`.
///
/// ```
/// use healthz_core::redact;
///
/// assert_eq!(
///     redact("cannot reach postgres://app:hunter2@db:5432/app?sslmode=disable"),
///     "cannot reach postgres://app:***@db:5432/app?sslmode=disable"
/// );
/// assert_eq!(redact("host=db user=app password=hunter2 dbname=app"), "host=db user=app password=*** dbname=app");
/// assert_eq!(redact("connection refused"), "connection refused");
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut ranges = url_passwords(text);
    ranges.extend(secret_values(text));
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in ranges {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

fn ends_token(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | '<' | '>' | ')' | '(' | '[' | ']' | '{' | '}' | ',' | ';'
        )
}

/// Byte ranges of the password in `scheme://user:password@host`.
fn url_passwords(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = text[from..].find("://") {
        let authority_start = from + pos + 3;
        let rest = &text[authority_start..];
        let authority_len = rest
            .find(|c: char| ends_token(c) || matches!(c, '/' | '?' | '#'))
            .unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
            && colon + 1 < at
        {
            found.push((authority_start + colon + 1, authority_start + at));
        }
        from = authority_start;
    }
    found
}

/// Byte ranges of the value in `password=value` (and the other [`SECRET_KEYS`]).
fn secret_values(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    for (eq, _) in text.match_indices('=') {
        let key_start = text[..eq]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |i| i + 1);
        let key = &text[key_start..eq];
        if !SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        let value_start = eq + 1;
        let value_len = text[value_start..]
            .find(|c: char| ends_token(c) || c == '&')
            .unwrap_or(text.len() - value_start);
        if value_len > 0 && bytes[value_start] != b'=' {
            found.push((value_start, value_start + value_len));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn table() {
        let cases = [
            ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
            ("mysql://root@db/test", "mysql://root@db/test"),
            ("mysql://root:@db/test", "mysql://root:@db/test"),
            (
                "error: \"postgres://u:p%40ss@h/d\" refused",
                "error: \"postgres://u:***@h/d\" refused",
            ),
            (
                "https://example.com/a?token=abc&x=1",
                "https://example.com/a?token=***&x=1",
            ),
            ("PASSWORD=xyz; next", "PASSWORD=***; next"),
            ("a=b c==d", "a=b c==d"),
            (
                "two: http://a:b@h http://c:d@i",
                "two: http://a:***@h http://c:***@i",
            ),
            ("ünïcödé://ü:ß@h", "ünïcödé://ü:***@h"),
            ("", ""),
            ("://", "://"),
            ("password=", "password="),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            redact("timed out after 200ms"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
