//! The `application/health+json` form of a report (IETF draft "Health Check Response Format
//! for HTTP APIs").

use std::borrow::Cow;

use super::shape::{Json, Shown};
use super::write;
use super::{
    CheckResult, Detail, MAX_BODY_BYTES, MIN_OUTPUT_BYTES, Report, keep_order, kept, omitted_note,
    output_limits_for, rank,
};

impl Report {
    /// The `application/health+json` body, at most 8 KiB long (the kubelet reads
    /// at most 10 KiB).
    ///
    /// With [`Detail::Minimal`] it holds only statuses and times: no `output`, no observed values
    /// and no service metadata. Outputs are cut at 512 bytes with a marker
    /// (`… [truncated 1200 bytes]`); a body still too long is shortened further, and `notes` says
    /// how many checks were left out.
    pub fn to_json(&self, detail: Detail) -> Vec<u8> {
        let report_notes = self.notes();
        let render = |checks: Shown<'_>, output_limit: usize, omitted: usize| {
            let notes = if omitted > 0 {
                let mut notes = report_notes.clone();
                notes.push(omitted_note(omitted, self.checks().len()));
                Cow::Owned(notes)
            } else {
                Cow::Borrowed(&report_notes[..])
            };
            write::exact(|body| {
                write::body(
                    body,
                    &Json {
                        report: self,
                        checks,
                        detail,
                        output_limit,
                        notes: &notes,
                    },
                );
            })
        };
        let mut body = Vec::new();
        // Each entry takes at least its name and about 60 bytes (`"name":[{"status":"pass",
        // "time":"2026-12-01T00:00:00.000Z"}]`): when that alone overflows, renders of every
        // check are skipped, which keeps the cost of a report linear in its probes.
        let least: usize = self.checks().iter().map(|c| c.name().len() + 60).sum();
        if least <= MAX_BODY_BYTES {
            for limit in output_limits_for(self.longest_text()) {
                body = render(Shown::All(self.checks()), limit, 0);
                if body.len() <= MAX_BODY_BYTES {
                    return body;
                }
            }
        }
        let all: Vec<&CheckResult> = self.checks().iter().collect();
        // Outputs are as short as they get: leave checks out, the least telling first. Keeping
        // `k` of them fits for small `k` (zero checks always does); find the largest `k`,
        // starting from an estimate by the size of an entry, so that a few renders do.
        let order = keep_order(self.checks().iter().map(|c| rank(Some(c.status()))));
        let fits_with = |k: usize| {
            let kept = kept(&all, &order, k);
            let candidate = render(Shown::Kept(&kept), MIN_OUTPUT_BYTES, all.len() - k);
            (candidate.len() <= MAX_BODY_BYTES).then_some(candidate)
        };
        let (mut fits, mut too_long) = (0, all.len());
        if all.len() >= 2 {
            let empty = render(Shown::Kept(&[]), MIN_OUTPUT_BYTES, all.len()).len();
            let one = fits_with(1).map_or(MAX_BODY_BYTES, |b| b.len());
            let per_entry = one.saturating_sub(empty).max(1);
            let estimate = (MAX_BODY_BYTES.saturating_sub(empty) / per_entry)
                .max(1)
                .min(all.len() - 1);
            let margin = estimate / 8 + 1;
            if let Some(candidate) = fits_with(estimate) {
                (fits, body) = (estimate, candidate);
                let above = (estimate + margin).min(all.len() - 1);
                if above > estimate {
                    match fits_with(above) {
                        Some(candidate) => (fits, body) = (above, candidate),
                        None => too_long = above,
                    }
                }
            } else {
                too_long = estimate;
                let below = estimate.saturating_sub(margin);
                if let Some(candidate) = fits_with(below) {
                    (fits, body) = (below, candidate);
                }
            }
        }
        while too_long - fits > 1 {
            let k = fits + (too_long - fits) / 2;
            match fits_with(k) {
                Some(candidate) => (fits, body) = (k, candidate),
                None => too_long = k,
            }
        }
        if fits == 0 {
            body = render(Shown::Kept(&[]), MIN_OUTPUT_BYTES, all.len());
        }
        body
    }
}
