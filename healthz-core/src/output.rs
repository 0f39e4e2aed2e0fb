//! A probe's output as healthz keeps it: cut to [`MAX_OUTPUT_BYTES`] where it comes in, then
//! redacted, so that every copy downstream (the stored result, the history, logs, events,
//! reports) holds at most that much, whatever the probe returned.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use crate::redact;

/// The most bytes of an output kept, the mark of a cut included; reports serve at most this much
/// per check.
pub(crate) const MAX_OUTPUT_BYTES: usize = 512;

/// How far past the cut an output is redacted before it is cut, so that a credential straddling
/// the cut is recognised whole (a URL's userinfo, a key's value, a bearer token up to this long)
/// and its first part is masked too.
const REDACT_MARGIN: usize = 256;

/// `text` as it is kept: at most [`MAX_OUTPUT_BYTES`], credentials redacted. Only the first
/// `MAX_OUTPUT_BYTES + REDACT_MARGIN` bytes are read, however long the text: an upstream's HTML
/// error page costs no more than a short message.
pub(crate) fn bounded(text: &str) -> Cow<'_, str> {
    cut(
        &text[..floor_char_boundary(text, MAX_OUTPUT_BYTES + REDACT_MARGIN)],
        text.len(),
    )
}

/// What `value` displays, as it is kept ([`bounded`]), without ever holding more of it than
/// [`bounded`] reads: an error whose `Display` writes megabytes costs a count of them.
pub(crate) fn bounded_display(value: &dyn fmt::Display) -> String {
    let mut window = Window::default();
    // `Window` never fails; a `Display` that does is shown as far as it went.
    let _ = write!(window, "{value}");
    cut(&window.kept, window.total).into_owned()
}

/// The first `window` bytes of a `total`-byte text, redacted, then cut to the limit and marked.
fn cut(window: &str, total: usize) -> Cow<'_, str> {
    let redacted = redact(window);
    if window.len() == total && redacted.len() <= MAX_OUTPUT_BYTES {
        return redacted;
    }
    // Room for the mark in its longest form (the count is at most the text's length).
    let room = MAX_OUTPUT_BYTES - mark(total).len();
    let end = floor_char_boundary(&redacted, room);
    Cow::Owned(format!("{}{}", &redacted[..end], mark(total - end)))
}

/// A `fmt::Write` that keeps what [`bounded`] reads of a text and counts the rest.
#[derive(Default)]
struct Window {
    kept: String,
    total: usize,
}

impl fmt::Write for Window {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = (MAX_OUTPUT_BYTES + REDACT_MARGIN).saturating_sub(self.kept.len());
        self.kept.push_str(&s[..floor_char_boundary(s, room)]);
        self.total += s.len();
        Ok(())
    }
}

/// Cuts `text` to `limit` bytes at a character boundary, marking the cut.
pub(crate) fn truncate(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let end = floor_char_boundary(text, limit);
    Cow::Owned(format!("{}{}", &text[..end], mark(text.len() - end)))
}

/// The mark of a cut that left out `cut` bytes.
fn mark(cut: usize) -> String {
    format!("… [truncated {cut} bytes]")
}

/// The largest character boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut end = at;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_outputs_are_only_redacted() {
        assert_eq!(bounded("refused"), "refused");
        assert_eq!(bounded("postgres://u:pw@db"), "postgres://u:***@db");
    }

    #[test]
    fn long_outputs_are_cut_to_the_limit_with_a_mark() {
        let long = "é".repeat(5_000);
        let kept = bounded(&long);
        assert!(kept.len() <= MAX_OUTPUT_BYTES, "{}", kept.len());
        let (text, mark) = kept.split_once('…').unwrap();
        assert!(text.chars().all(|c| c == 'é'));
        assert_eq!(
            mark,
            format!(" [truncated {} bytes]", long.len() - text.len())
        );
        assert_eq!(bounded(&kept), kept, "a kept output is kept as it is");
    }

    #[test]
    fn a_display_is_kept_as_its_text_would_be() {
        struct Chain;
        impl fmt::Display for Chain {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for i in 0..100_000 {
                    write!(f, "cause {i} with password=pw{i}: ")?;
                }
                Ok(())
            }
        }
        let text = Chain.to_string();
        assert_eq!(bounded_display(&Chain), bounded(&text));
        assert_eq!(bounded_display(&"short"), "short");
    }

    proptest::proptest! {
        /// Wherever a credential of a known shape stands around the cut, no part of it longer than
        /// two characters is kept, and the output fits.
        #[test]
        fn no_credential_survives_the_cut(
            before in 380usize..560,
            // Letters the rest of the text never has, so that any of them kept is the secret's.
            secret in "[QVWXZ]{8,40}",
            shape in 0usize..4,
            after in 0usize..2_000,
        ) {
            let credential = match shape {
                0 => format!("password={secret}"),
                1 => format!("postgres://app:{secret}@db:5432/app"),
                2 => format!("Authorization: Bearer {secret}"),
                _ => format!("{{\"api_key\": \"{secret}\"}}"),
            };
            let text = format!("{} {credential} {}", "-".repeat(before), "-".repeat(after));
            let kept = bounded(&text);
            proptest::prop_assert!(kept.len() <= MAX_OUTPUT_BYTES);
            for part in secret.as_bytes().windows(3) {
                let part = std::str::from_utf8(part).unwrap();
                proptest::prop_assert!(!kept.contains(part), "{part:?} kept in {kept:?}");
            }
        }
    }

    #[test]
    fn a_credential_across_the_cut_is_masked_before_the_cut() {
        for at in MAX_OUTPUT_BYTES - 60..MAX_OUTPUT_BYTES + 10 {
            let text = format!(
                "{}password=hunter2hunter2 and more{}",
                "x".repeat(at),
                "y".repeat(9_000)
            );
            let kept = bounded(&text);
            assert!(!kept.contains("hunter"), "{at}: {kept}");
            assert!(kept.len() <= MAX_OUTPUT_BYTES, "{at}");
        }
    }
}
