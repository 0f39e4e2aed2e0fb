//! Scrubbing credentials out of probe output before anyone sees it.
//!
//! Driver errors love to quote the connection string they failed with, and tools print their
//! configuration. Every output a probe produces passes through [`redact`] before it is stored,
//! logged or served, so `postgres://app:hunter2@db/app` is reported as `postgres://app:***@db/app`.
//!
//! What counts as a credential is in the tables below ([`KEY_FAMILIES`], [`QUERY_KEYS`],
//! [`AUTH_SCHEMES`], [`TOKEN_PREFIXES`]) and in [`shapes`]; the finders read these shapes:
//!
//! - **URL userinfo** ([`urls`]): the password of `scheme://user:password@host`, even one that
//!   holds `/`, `?`, `#`, `@` or spaces, as drivers print them raw; and a token used as the user
//!   (`https://ghp_...@github.com`).
//! - **`user:password@host` without a scheme** ([`bare_userinfo`]).
//! - **`key=value` pairs** ([`pairs`]) whose key belongs to a family (`DB_PASSWORD`,
//!   `--password`, `client_secret`, `x-api-key`, ...), with `=`, `:` (YAML, JSON) and spaces
//!   around them, quoted values (`password='x y'`, `"password":"x"`), `Authorization: Bearer x`,
//!   and `key=`/`sig=` in query strings.
//! - **Secret flags followed by their value** ([`flags`]): `--password x`, `--token x`.
//! - **Credentials that stand alone** ([`shapes`]): vendor tokens by their documented prefixes
//!   and lengths (GitHub, `GitLab`, Slack, Stripe, AWS access key ids, Google API keys, npm, `PyPI`,
//!   Hugging Face, `OpenAI`, Anthropic, `SendGrid`), JSON Web Tokens, and PEM private-key blocks.
//!
//! Each finder returns the byte ranges to mask; the ranges are merged and each replaced with
//! `***`. Delimiters are all ASCII, so every range starts and ends on a character boundary.

mod shapes;

use std::borrow::Cow;
use std::ops::Range;

const MASK: &str = "***";

/// Secret keys: a key is secret when, lower-cased, without its separators (`_`, `-`, `.`) and
/// without trailing digits, it ends with one of these. So `DB_PASSWORD`, `PGPASSWORD`,
/// `--password`, `client_secret`, `aws_secret_access_key`, `refresh_token`, `x-api-key`,
/// `spring.datasource.password` and `password2` are secret, and `author`, `tokens`,
/// `max_tokens` and `token_type` are not.
const KEY_FAMILIES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "signingkey",
    "credential",
    "credentials",
    "creds",
    "auth",
    "authorization",
    "sig",
    "signature",
    "cookie",
];

/// Keys that are secret in a URL query string only (`?key=...`, `&sig=...`): Google API keys,
/// Azure shared access signatures.
const QUERY_KEYS: &[&str] = &["key", "sig"];

/// Authorization schemes (RFC 9110 §11.4): in `Authorization: Bearer x`, the credential is what
/// follows the scheme, and the scheme stays readable.
const AUTH_SCHEMES: &[&str] = &[
    "bearer",
    "basic",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "apikey",
];

/// Prefixes of well-known tokens (GitHub, GitLab, Slack, npm, the Python package index, Hugging
/// Face): a URL user
/// that starts with one is a token, as in `https://ghp_...@github.com`.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "npm_",
    "pypi-",
    "hf_",
];

/// A URL user this long, of letters, digits, `_` and `-` with both letters and digits, is taken
/// for a token too.
const TOKEN_USER_LEN: usize = 24;

/// Schemes written without `//`, whose `scheme:user@host` is no `user:password@host`.
const NOT_USERS: &[&str] = &["mailto", "sip", "sips", "xmpp", "tel", "news", "urn"];

/// Masking can, rarely, join what it leaves into a new match; masking again until nothing
/// changes keeps `redact` idempotent.
const MAX_PASSES: usize = 4;

/// Masks every credential of a known shape in `text` with `***`: URL passwords
/// (`scheme://user:password@host`, `user:password@host`), tokens used as a URL's user, the values
/// of secret keys (`password=`, `DB_PASSWORD=`, `"api_key": "..."`, `token: ...`, `?key=` and
/// `&sig=` in query strings), and `Authorization` credentials. Ordinary text is returned as it
/// is, without a copy.
///
/// ```
/// use healthz_core::redact;
///
/// assert_eq!(
///     redact("cannot reach postgres://app:hunter2@db:5432/app?sslmode=disable"),
///     "cannot reach postgres://app:***@db:5432/app?sslmode=disable"
/// );
/// assert_eq!(redact("host=db user=app password='x y' dbname=app"), "host=db user=app password='***' dbname=app");
/// assert_eq!(redact(r#"{"client_secret":"x","scope":"read"}"#), r#"{"client_secret":"***","scope":"read"}"#);
/// assert_eq!(redact("Authorization: Bearer eyJhbGciOi"), "Authorization: Bearer ***");
/// assert_eq!(redact("tokens processed: 5"), "tokens processed: 5");
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for _ in 0..MAX_PASSES {
        match mask(&out) {
            Some(masked) => out = Cow::Owned(masked),
            None => break,
        }
    }
    out
}

/// One pass: `text` with every range the finders report masked, or `None` if that changes
/// nothing.
fn mask(text: &str) -> Option<String> {
    let mut ranges = Vec::new();
    urls(text, &mut ranges);
    bare_userinfo(text, &mut ranges);
    pairs(text, &mut ranges);
    flags(text, &mut ranges);
    shapes::vendor_tokens(text, &mut ranges);
    shapes::jwts(text, &mut ranges);
    shapes::pem_keys(text, &mut ranges);
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_unstable_by_key(|r| (r.start, r.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut ranges = ranges.into_iter().peekable();
    while let Some(Range { start, mut end }) = ranges.next() {
        // Merge what overlaps or touches: one mask each.
        while let Some(next) = ranges.next_if(|next| next.start <= end) {
            end = end.max(next.end);
        }
        let start = start.max(at);
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end.max(start);
    }
    out.push_str(&text[at..]);
    (out != text).then_some(out)
}

/// Whether `b` ends an unquoted value, as in `password=x;`, `(token=x)` or `?sig=x&se=...`.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace() || b"\"'`<>()[]{},;&".contains(&b)
}

/// Whether `b` ends a word that may hold a URL: whitespace and the quotes around it.
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace() || b"\"'`<>".contains(&b)
}

/// Where the word starting at `from` ends.
fn word_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| ends_word(b))
        .map_or(bytes.len(), |i| from + i)
}

/// Where the line holding `from` ends.
fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |i| from + i)
}

/// Whether a would-be password is a port: `host:8080/path`, `host:5432`, `host:3000,`.
fn port_like(candidate: &[u8]) -> bool {
    let digits = candidate.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=5).contains(&digits)
        && candidate
            .get(digits)
            .is_none_or(|&b| ends_word(b) || b"/?#,;)]}".contains(&b))
}

/// Whether a URL's user (without a password) is a token.
fn token_like(user: &[u8]) -> bool {
    let prefixed = TOKEN_PREFIXES
        .iter()
        .any(|p| user.len() > p.len() && user.starts_with(p.as_bytes()));
    let random = user.len() >= TOKEN_USER_LEN
        && user
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        && user.iter().any(u8::is_ascii_digit)
        && user.iter().any(u8::is_ascii_alphabetic);
    prefixed || random
}

/// A byte of a URL's user name.
fn user_byte(b: u8) -> bool {
    !(ends_word(b) || b":/?#@[]".contains(&b))
}

/// URL userinfo: the password of `scheme://user:password@host` and a token used as the user.
///
/// A password ends at the last `@` of its word, so one that holds `/`, `?`, `#` or `@` is masked
/// whole. One that holds spaces ends at the last `@` of the next word on the line that has one.
/// What follows `user:` is not a password when it is a port (`http://host:8080/`).
fn urls(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    for (scheme_end, _) in text.match_indices("://") {
        let start = scheme_end + 3;
        let user_end = start + bytes[start..].iter().take_while(|&&b| user_byte(b)).count();
        match bytes.get(user_end) {
            Some(b':') => {
                let password = user_end + 1;
                if let Some(at) = password_end(bytes, password) {
                    ranges.push(password..at);
                }
            }
            Some(b'@') if token_like(&bytes[start..user_end]) => ranges.push(start..user_end),
            _ => {}
        }
    }
}

/// Where the password starting at `start` ends (at an `@`), if it is one.
fn password_end(bytes: &[u8], start: usize) -> Option<usize> {
    let end = word_end(bytes, start);
    let word = &bytes[start..end];
    if word.is_empty() || port_like(word) || word.starts_with(b"//") {
        return None;
    }
    if let Some(at) = word.iter().rposition(|&b| b == b'@') {
        return (at > 0).then_some(start + at);
    }
    // Spaces in the password: the next word on the line with an `@` ends it.
    let line = line_end(bytes, end);
    let mut from = end;
    while from < line {
        let next = word_end(bytes, from + 1).min(line);
        let word = &bytes[from + 1..next];
        if word.windows(3).any(|w| w == b"://") {
            return None;
        }
        if let Some(at) = word.iter().rposition(|&b| b == b'@') {
            return Some(from + 1 + at);
        }
        from = next;
    }
    None
}

/// `user:password@host` without a scheme (`app:hunter2@db:5432`, `:hunter2@cache`), word by
/// word: the password runs from the first `:` after a user name to the word's last `@` before a
/// host.
fn bare_userinfo(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        let end = word_end(bytes, start);
        if let Some(range) = word_userinfo(bytes, start, end) {
            ranges.push(range);
        }
        start = end + 1;
    }
}

fn word_userinfo(bytes: &[u8], start: usize, end: usize) -> Option<Range<usize>> {
    let word = &bytes[start..end];
    // The last `@` before a host.
    let at = (0..word.len()).rev().find(|&i| {
        word[i] == b'@'
            && word
                .get(i + 1)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'[')
    })?;
    let before = &word[..at];
    for (colon, _) in before.iter().enumerate().filter(|&(_, &b)| b == b':') {
        let rest = &before[colon + 1..];
        if rest.starts_with(b"//") {
            continue;
        }
        let user_len = before[..colon]
            .iter()
            .rev()
            .take_while(|&&b| user_byte(b))
            .count();
        let user = &before[colon - user_len..colon];
        if (user.is_empty() && colon > 0)
            || NOT_USERS
                .iter()
                .any(|n| n.as_bytes().eq_ignore_ascii_case(user))
            || port_like(rest)
        {
            continue;
        }
        return (!rest.is_empty()).then_some(start + colon + 1..start + at);
    }
    None
}

/// The values of secret keys: `key=value`, `key = value`, `key: value`, `"key": "value"`,
/// `key='value'`, `Authorization: Bearer value`.
fn pairs(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    for (i, &sep) in bytes.iter().enumerate() {
        if !(sep == b'=' || sep == b':') || !is_separator(bytes, i) {
            continue;
        }
        let Some(key) = key_before(bytes, i) else {
            continue;
        };
        let in_query = sep == b'='
            && key.start > 0
            && matches!(bytes[key.start - 1], b'?' | b'&')
            && key.end == i;
        if sep == b':' && bytes[..key.start].ends_with(b"://") {
            // A URL's user: `urls` reads what follows.
            continue;
        }
        if secret_key(&bytes[key], in_query)
            && let Some(value) = value_after(bytes, i + 1)
        {
            ranges.push(value);
        }
    }
}

/// The values of secret command-line flags given as the next argument: `--password x`,
/// `--token x`, `-api-key x` (as `ps` output and error messages quoting a command line show
/// them). `--password=x` is a pair ([`pairs`]).
fn flags(text: &str, ranges: &mut Vec<Range<usize>>) {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let starts_flag = b == b'-' && (i == 0 || bytes[i - 1].is_ascii_whitespace());
        if !starts_flag {
            continue;
        }
        let name = i + bytes[i..]
            .iter()
            .take(2)
            .take_while(|&&b| b == b'-')
            .count();
        let name_end = name
            + bytes[name..]
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
        if name_end == name
            || !matches!(bytes.get(name_end), Some(b' ' | b'\t'))
            || !secret_key(&bytes[name..name_end], false)
        {
            continue;
        }
        let mut value = name_end;
        while value < bytes.len() && matches!(bytes[value], b' ' | b'\t') {
            value += 1;
        }
        // The next argument, unless it is another flag.
        if bytes.get(value).is_some_and(|&b| b != b'-')
            && let Some(range) = value_after(bytes, value)
        {
            ranges.push(range);
        }
    }
}

/// Whether the `=` or `:` at `i` separates a key from its value: not `==`, `=>`, `::` or `://`.
fn is_separator(bytes: &[u8], i: usize) -> bool {
    let sep = bytes[i];
    let (prev, next) = (
        i.checked_sub(1).map(|p| bytes[p]),
        bytes.get(i + 1).copied(),
    );
    match sep {
        b'=' => prev != Some(b'=') && !matches!(next, Some(b'=' | b'>')),
        _ => prev != Some(b':') && next != Some(b':') && !bytes[i + 1..].starts_with(b"//"),
    }
}

/// The key before the separator at `sep`: letters, digits, `_`, `-` and `.`, maybe quoted, maybe
/// followed by spaces.
fn key_before(bytes: &[u8], sep: usize) -> Option<Range<usize>> {
    let mut end = sep;
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if end > 0 && matches!(bytes[end - 1], b'"' | b'\'') {
        end -= 1;
    }
    let len = bytes[..end]
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        .count();
    (len > 0).then_some(end - len..end)
}

/// Whether `key` names a secret ([`KEY_FAMILIES`], and [`QUERY_KEYS`] in a query string).
fn secret_key(key: &[u8], in_query: bool) -> bool {
    let mut normal: Vec<u8> = key
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-' | b'.'))
        .map(u8::to_ascii_lowercase)
        .collect();
    while normal.last().is_some_and(u8::is_ascii_digit) {
        normal.pop();
    }
    KEY_FAMILIES
        .iter()
        .any(|family| normal.ends_with(family.as_bytes()))
        || (in_query && QUERY_KEYS.iter().any(|k| normal == k.as_bytes()))
}

/// The value after a separator ending at `start`: what a quote encloses (to the end of the
/// line if it is never closed), the credential after an authorization scheme, or the run of
/// bytes up to whitespace, a quote, a bracket, `,`, `;` or `&`. `None` if it is empty.
fn value_after(bytes: &[u8], start: usize) -> Option<Range<usize>> {
    let mut start = start;
    while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    let first = *bytes.get(start)?;
    if first == b'"' || first == b'\'' {
        let open = start + 1;
        let mut i = open;
        while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') && bytes[i] != first {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        let close = i.min(line_end(bytes, open));
        return (close > open).then_some(open..close);
    }
    let run = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|&&b| !ends_value(b))
            .count()
    };
    let end = run(start);
    if AUTH_SCHEMES
        .iter()
        .any(|s| s.as_bytes().eq_ignore_ascii_case(&bytes[start..end]))
    {
        let mut credential = end;
        while credential < bytes.len() && matches!(bytes[credential], b' ' | b'\t') {
            credential += 1;
        }
        let credential_end = run(credential);
        if credential > end && credential_end > credential {
            return Some(credential..credential_end);
        }
        // A scheme alone is no credential.
        return None;
    }
    (end > start).then_some(start..end)
}
