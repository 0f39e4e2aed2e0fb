//! The Kubernetes `?verbose` text form of a report.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{
    Detail, MAX_BODY_BYTES, MAX_OUTPUT_BYTES, Report, keep_order, omitted_note, output_limits,
    rank, truncate,
};
use crate::escape::one_line;
use crate::{Kind, Status};

impl Report {
    /// The Kubernetes-style `?verbose` text, at most 8 KiB long: a `[+]name ok`,
    /// `[+]name warn: reason`, `[-]name failed: reason` or `[+]name excluded: ok` line per
    /// probe, a `warn:` line for `exclude` names that match nothing, then `readyz check passed`
    /// or `readyz check failed`.
    ///
    /// With [`Detail::Minimal`] every reason reads `reason withheld`, as the Kubernetes API
    /// server does for unauthorized callers. Line breaks and other control characters in names
    /// and reasons are escaped (`\n`, `\u{1b}`), so an output cannot forge a line or the
    /// verdict. Long reasons are cut as in [`to_json`](Self::to_json);
    /// when lines must be left out, a `warn:` line says how many.
    pub fn to_text(&self, detail: Detail) -> String {
        let mut head = String::new();
        if let Some(gate) = self.gate() {
            let reason = reason(detail, Some(gate.output()), MAX_OUTPUT_BYTES);
            let _ = writeln!(head, "[-]{} failed: {reason}", gate.check_name());
        }
        let mut tail = String::new();
        for note in self.notes() {
            let _ = writeln!(tail, "warn: {note}");
        }
        let verdict = if self.status().is_healthy() {
            "passed"
        } else {
            "failed"
        };
        let verdict = format!("{} check {verdict}\n", self.scope().endpoint());
        let fixed = head.len() + tail.len() + verdict.len();

        let mut lines = Vec::new();
        for limit in output_limits() {
            lines = self.text_lines(detail, limit);
            if fixed + lines.iter().map(|(_, l)| l.len()).sum::<usize>() <= MAX_BODY_BYTES {
                return [
                    head,
                    lines.into_iter().map(|(_, l)| l).collect(),
                    tail,
                    verdict,
                ]
                .concat();
            }
        }
        // Leave lines out, the least telling first, making room for the note that says so.
        let total = lines.len();
        let note = |omitted| format!("warn: {}\n", omitted_note(omitted, total));
        let mut room = MAX_BODY_BYTES.saturating_sub(fixed + note(lines.len()).len());
        let mut keep = vec![false; lines.len()];
        for i in keep_order(lines.iter().map(|(rank, _)| *rank)) {
            let Some(left) = room.checked_sub(lines[i].1.len()) else {
                break;
            };
            room = left;
            keep[i] = true;
        }
        let omitted = keep.iter().filter(|k| !**k).count();
        let kept = lines
            .into_iter()
            .zip(keep)
            .filter_map(|((_, line), keep)| keep.then_some(line));
        [head, kept.collect(), tail, note(omitted), verdict].concat()
    }

    /// One `?verbose` line per check and excluded probe, in order, with its [`rank`].
    fn text_lines(&self, detail: Detail, limit: usize) -> Vec<(u8, String)> {
        let mut lines: Vec<(Kind, &str, u8, String)> = self
            .checks()
            .iter()
            .map(|check| {
                let name = check.name();
                let shown = one_line(name);
                let line = match check.status() {
                    Status::Pass => format!("[+]{shown} ok\n"),
                    Status::Warn => {
                        format!(
                            "[+]{shown} warn: {}\n",
                            reason(detail, check.output(), limit)
                        )
                    }
                    Status::Fail => {
                        format!(
                            "[-]{shown} failed: {}\n",
                            reason(detail, check.output(), limit)
                        )
                    }
                };
                (check.kind(), name, rank(Some(check.status())), line)
            })
            .collect();
        lines.extend(self.excluded().map(|(kind, name)| {
            let line = format!("[+]{} excluded: ok\n", one_line(name));
            (kind, name, rank(None), line)
        }));
        // Both lists are sorted by kind, then name: a stable sort merges them.
        lines.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        lines
            .into_iter()
            .map(|(_, _, rank, line)| (rank, line))
            .collect()
    }
}

/// The reason shown in a `?verbose` line: cut at `limit`, and kept on its line.
fn reason(detail: Detail, text: Option<&str>, limit: usize) -> Cow<'_, str> {
    match (detail, text) {
        (Detail::Minimal, _) => Cow::Borrowed("reason withheld"),
        (Detail::Full, Some(text)) => match truncate(text, limit) {
            Cow::Borrowed(text) => one_line(text),
            Cow::Owned(cut) => Cow::Owned(one_line(&cut).into_owned()),
        },
        (Detail::Full, None) => Cow::Borrowed("no output"),
    }
}
