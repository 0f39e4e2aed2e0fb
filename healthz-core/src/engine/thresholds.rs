//! Thresholds: `failure_threshold` and `success_threshold`, so one blip does not flip a probe's
//! reported status.

use crate::{ProbeOptions, Status};

/// A change of a probe's reported status; `from` is `None` for its first result.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Transition {
    pub(crate) from: Option<Status>,
}

/// Consecutive results, for `failure_threshold` and `success_threshold`.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Whether the probe is currently reported healthy; `None` before its first result.
    healthy: Option<bool>,
    failures: u32,
    successes: u32,
    last: Option<Status>,
}

impl History {
    /// Folds one raw result in. Returns the status and output to report and, when the reported
    /// status changed, the previous one.
    pub(crate) fn apply(
        &mut self,
        options: &ProbeOptions,
        raw: Status,
        output: Option<String>,
    ) -> (Status, Option<String>, Option<Transition>) {
        let failed = raw == Status::Fail;
        if failed {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
        } else {
            self.successes = self.successes.saturating_add(1);
            self.failures = 0;
        }
        let (threshold_f, threshold_s) = (
            options.failure_threshold_runs(),
            options.success_threshold_runs(),
        );
        let (status, output) = match self.healthy {
            Some(true) if failed && self.failures < threshold_f => (
                Status::Warn,
                Some(format!(
                    "failing ({} of {threshold_f} consecutive failures before it is reported failed): {}",
                    self.failures,
                    output.as_deref().unwrap_or("no output")
                )),
            ),
            Some(false) if !failed && self.successes < threshold_s => (
                Status::Fail,
                Some(match output {
                    Some(o) => format!(
                        "recovering ({} of {threshold_s} consecutive successes before it is reported passing): {o}",
                        self.successes
                    ),
                    None => format!(
                        "recovering ({} of {threshold_s} consecutive successes before it is reported passing)",
                        self.successes
                    ),
                }),
            ),
            _ => {
                self.healthy = Some(!failed);
                (raw, output)
            }
        };
        let change = (self.last != Some(status)).then_some(Transition { from: self.last });
        self.last = Some(status);
        (status, output, change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(options: ProbeOptions, raws: &[Status]) -> Vec<Status> {
        let mut history = History::default();
        raws.iter()
            .map(|raw| history.apply(&options, *raw, Some("x".into())).0)
            .collect()
    }

    #[test]
    fn thresholds_of_one_report_every_result() {
        use Status::{Fail, Pass, Warn};
        let raws = [Pass, Fail, Pass, Warn, Fail];
        assert_eq!(fold(ProbeOptions::new(), &raws), raws);
    }

    #[test]
    fn failure_threshold_warns_until_reached() {
        use Status::{Fail, Pass, Warn};
        let options = ProbeOptions::new().failure_threshold(3);
        assert_eq!(
            fold(options, &[Pass, Fail, Fail, Pass, Fail, Fail, Fail, Fail]),
            [Pass, Warn, Warn, Pass, Warn, Warn, Fail, Fail]
        );
    }

    #[test]
    fn success_threshold_holds_fail_until_reached() {
        use Status::{Fail, Pass};
        let options = ProbeOptions::new().success_threshold(2);
        assert_eq!(
            fold(options, &[Fail, Pass, Fail, Pass, Pass, Pass]),
            [Fail, Fail, Fail, Fail, Pass, Pass]
        );
    }

    #[test]
    fn first_result_is_reported_as_is() {
        let options = ProbeOptions::new()
            .failure_threshold(3)
            .success_threshold(3);
        assert_eq!(fold(options, &[Status::Fail]), [Status::Fail]);
        assert_eq!(fold(options, &[Status::Pass]), [Status::Pass]);
    }

    #[test]
    fn changes_are_reported_once() {
        let mut history = History::default();
        let options = ProbeOptions::new();
        assert_eq!(
            history.apply(&options, Status::Pass, None).2,
            Some(Transition { from: None })
        );
        assert_eq!(history.apply(&options, Status::Pass, None).2, None);
        assert_eq!(
            history.apply(&options, Status::Fail, None).2,
            Some(Transition {
                from: Some(Status::Pass)
            })
        );
        let (_, output, _) = history.apply(&options, Status::Fail, Some("down".into()));
        assert_eq!(output.as_deref(), Some("down"));
    }

    #[test]
    fn masked_outputs_explain_themselves() {
        let mut history = History::default();
        let options = ProbeOptions::new()
            .failure_threshold(2)
            .success_threshold(2);
        history.apply(&options, Status::Pass, None);
        let (_, output, _) = history.apply(&options, Status::Fail, Some("refused".into()));
        assert_eq!(
            output.as_deref(),
            Some("failing (1 of 2 consecutive failures before it is reported failed): refused")
        );
        history.apply(&options, Status::Fail, Some("refused".into()));
        let (_, output, _) = history.apply(&options, Status::Pass, None);
        assert_eq!(
            output.as_deref(),
            Some("recovering (1 of 2 consecutive successes before it is reported passing)")
        );
    }
}
