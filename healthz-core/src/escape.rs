//! Text that must stay on one line: a `?verbose` report line, a log field.

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

fn breaks_line(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::one_line;

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
