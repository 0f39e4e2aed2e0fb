//! `GET /healthz/ui`: one self-contained page (inline CSS and JS, nothing fetched from outside)
//! that shows every kind and probe and follows the event stream. Its Content-Security-Policy
//! allows exactly its own style and script, by hash, and connections to its own origin.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use super::response::Header;

/// The page.
pub(crate) const PAGE: &str = include_str!("dashboard.html");

/// The media type of the page.
pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// The media type of the event stream.
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

/// The page's policy: nothing but its own inline style and script (by hash), connections to its
/// own origin (the event stream), images from `data:` URLs; no framing, no base, no forms.
static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hash(between(PAGE, "<script>", "</script>")),
        hash(between(PAGE, "<style>", "</style>")),
    )
});

/// The headers of the page besides those of every answer.
pub(crate) static PAGE_HEADERS: LazyLock<[(Header, &'static str); 3]> = LazyLock::new(|| {
    [
        (Header::ContentSecurityPolicy, CSP.as_str()),
        (Header::XFrameOptions, "DENY"),
        (Header::ReferrerPolicy, "no-referrer"),
    ]
});

/// The headers of the event stream besides those of every answer: nginx would otherwise buffer
/// it.
pub(crate) static STREAM_HEADERS: [(Header, &str); 1] = [(Header::XAccelBuffering, "no")];

/// The text between the first `open` and the next `close`; empty when there is none.
fn between<'a>(page: &'a str, open: &str, close: &str) -> &'a str {
    page.split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map_or("", |(inside, _)| inside)
}

/// The base64 of the SHA-256 of `text`, as a CSP source takes it.
fn hash(text: &str) -> String {
    base64(&Sha256::digest(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        // The SHA-256 of "" as browsers print it in CSP errors.
        assert_eq!(hash(""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn the_page_is_self_contained_and_its_policy_allows_only_its_own_code() {
        assert!(PAGE.len() < 30 * 1024, "{} bytes", PAGE.len());
        for (open, close) in [("<script>", "</script>"), ("<style>", "</style>")] {
            assert_eq!(PAGE.matches(open).count(), 1, "one {open}");
            assert_eq!(PAGE.matches(close).count(), 1, "one {close}");
            assert!(!between(PAGE, open, close).trim().is_empty());
        }
        let lower = PAGE.to_ascii_lowercase();
        // Nothing from outside, nothing the policy would refuse.
        for forbidden in [
            "http://",
            "https://",
            "//cdn",
            "<script src",
            "<link rel=\"stylesheet",
            " style=\"",
            "javascript:",
            "eval(",
            "new function",
            "innerhtml",
            "@import",
        ] {
            assert!(
                !lower.contains(forbidden),
                "the page contains `{forbidden}`"
            );
        }
        let handler = |token: &str| {
            token.split_once('=').is_some_and(|(name, _)| {
                name.len() > 2
                    && name.starts_with("on")
                    && name.bytes().all(|b| b.is_ascii_lowercase())
            })
        };
        let markup = lower.replace(between(&lower, "<script>", "</script>"), "");
        for tag in markup.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            assert!(
                !tag.split_whitespace().any(handler),
                "an inline event handler: <{tag}>"
            );
        }
        let csp = CSP.as_str();
        assert!(
            csp.starts_with("default-src 'none'; script-src 'sha256-"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"));
    }
}
