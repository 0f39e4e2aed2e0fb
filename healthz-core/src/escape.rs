//! Text that must stay on one line: a `?verbose` report line, a log field, an echo in an error.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every character that could end a line or rewrite what a terminal shows escaped
/// as Rust writes it: `\n`, `\r`, `\t`, `\0` and `\u{1b}`-style for the other control characters
/// (C0, DEL, C1), the line and paragraph separators and the bidirectional controls. Everything
/// else, `\` included, is kept; text without such characters is not copied.
///
/// So a probe whose output is `boom\n[+]forged ok\nreadyz check passed` cannot add a line, or a
/// verdict, to the report.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(breaks_line) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if breaks_line(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` with control characters escaped, cut to 64 characters (escapes included, so the echo
/// stays short whatever the input), for echoing what a caller sent in an error. Borrowed when
/// there is nothing to escape or cut, as with most names and methods.
#[cfg(feature = "web")]
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if text.chars().nth(64).is_none() && text.chars().all(|c| c.escape_debug().len() == 1) {
        return Cow::Borrowed(text);
    }
    let mut escaped = text.chars().flat_map(char::escape_debug);
    let mut out: String = escaped.by_ref().take(64).collect();
    if escaped.next().is_some() {
        out.push('…');
    }
    Cow::Owned(out)
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

/// `text` as a JSON string, quotes included, byte for byte as `serde_json` writes it.
pub(crate) fn json_string(out: &mut Vec<u8>, text: &str) {
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

fn breaks_line(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{json_string, one_line};

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        json_string(&mut out, text);
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

    proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in any::<String>()) {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).unwrap());
        }
    }

    #[cfg(feature = "web")]
    mod printable {
        use proptest::prelude::*;

        use super::super::printable;

        /// What `printable` wrote before it could borrow: the oracle for the proptest below.
        fn printable_owned(text: &str) -> String {
            let mut escaped = text.chars().flat_map(char::escape_debug);
            let mut out: String = escaped.by_ref().take(64).collect();
            if escaped.next().is_some() {
                out.push('…');
            }
            out
        }

        proptest! {
            #[test]
            fn printable_borrows_only_what_it_would_write_unchanged(text in any::<String>()) {
                let printed = printable(&text);
                prop_assert_eq!(&*printed, printable_owned(&text));
                prop_assert_eq!(matches!(printed, std::borrow::Cow::Borrowed(_)), *printed == *text);
            }

            #[test]
            fn printable_borrows_plain_names(text in "[a-zA-Z0-9_.-]{0,64}") {
                prop_assert!(matches!(printable(&text), std::borrow::Cow::Borrowed(_)));
            }
        }
    }

    #[test]
    fn control_characters_and_line_breaks_are_escaped() {
        assert_eq!(
            one_line("boom\n[+]forged ok\r\nreadyz check passed"),
            "boom\\n[+]forged ok\\r\\nreadyz check passed"
        );
        assert_eq!(
            one_line("\u{1b}[2K\0\u{7f}\u{85}\u{9b}\u{2028}\u{2029}\u{202e}\t"),
            "\\u{1b}[2K\\0\\u{7f}\\u{85}\\u{9b}\\u{2028}\\u{2029}\\u{202e}\\t"
        );
        for kept in ["", "plain", r"C:\data", "ünïcödé ✓", "\"quoted\""] {
            assert!(matches!(one_line(kept), std::borrow::Cow::Borrowed(k) if k == kept));
        }
    }
}
