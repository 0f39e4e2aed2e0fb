//! [`ProbeOptions`]: the settings every probe has, whether declared by attribute or on the builder.

use std::time::Duration;

use healthz_rules::{DEFAULT_TIMEOUT, Given, Key, RuleError, Value};

use crate::Kind;

/// How a probe is run and reported. The attribute keys of `#[readiness(...)]` map one to one
/// onto these settings; probes added on the builder take them directly.
///
/// The setters are `const fn`, so options can live in a `const`:
///
/// ```
/// use std::time::Duration;
/// use healthz_core::ProbeOptions;
///
/// const DATABASE: ProbeOptions = ProbeOptions::new()
///     .timeout(Duration::from_millis(200))
///     .cache(Duration::from_secs(5))
///     .failure_threshold(3);
///
/// # drop(DATABASE);
/// ```
///
/// Options built at run time are checked by the same rules, with the same messages, as the
/// attributes' keys are at compile time: [`HealthBuilder::build`](crate::HealthBuilder::build)
/// reports the options a probe breaks them with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeOptions {
    timeout: Duration,
    cache: Option<Duration>,
    interval: Option<Duration>,
    max_stale: Option<Duration>,
    critical: bool,
    failure_threshold: u32,
    success_threshold: u32,
    tags: &'static [&'static str],
}

impl ProbeOptions {
    /// The defaults: a 500 ms timeout, no cache, no background polling, critical, thresholds of 1.
    pub const fn new() -> Self {
        ProbeOptions {
            timeout: DEFAULT_TIMEOUT,
            cache: None,
            interval: None,
            max_stale: None,
            critical: true,
            failure_threshold: 1,
            success_threshold: 1,
            tags: &[],
        }
    }

    /// How long one run may take before it is cancelled and counted as failed (default 500 ms).
    #[must_use]
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Reuse a result, pass or fail, for this long. Concurrent callers share one run whether or
    /// not a cache is set.
    #[must_use]
    pub const fn cache(mut self, ttl: Duration) -> Self {
        self.cache = Some(ttl);
        self
    }

    /// Refresh the result in a background task at about this period (with jitter); requests then
    /// read the latest result and never wait on the probe.
    #[must_use]
    pub const fn interval(mut self, period: Duration) -> Self {
        self.interval = Some(period);
        self
    }

    /// A cached or polled result older than this is reported as failed (`stale`). For polled probes
    /// the default is twice the interval plus the timeout.
    #[must_use]
    pub const fn max_stale(mut self, age: Duration) -> Self {
        self.max_stale = Some(age);
        self
    }

    /// Whether a failure fails the whole report (default `true`). A failing non-critical probe
    /// makes the aggregate `warn`, which is still served with HTTP 200.
    #[must_use]
    pub const fn critical(mut self, critical: bool) -> Self {
        self.critical = critical;
        self
    }

    /// Consecutive failures needed before a passing probe is reported as failed (default 1).
    #[must_use]
    pub const fn failure_threshold(mut self, runs: u32) -> Self {
        self.failure_threshold = runs;
        self
    }

    /// Consecutive successes needed before a failed probe is reported as passing again (default 1).
    #[must_use]
    pub const fn success_threshold(mut self, runs: u32) -> Self {
        self.success_threshold = runs;
        self
    }

    /// Free-form labels, for selecting probes.
    #[must_use]
    pub const fn tags(mut self, tags: &'static [&'static str]) -> Self {
        self.tags = tags;
        self
    }

    /// The timeout.
    pub(crate) const fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The cache lifetime, if set.
    pub(crate) const fn cache_duration(&self) -> Option<Duration> {
        self.cache
    }

    /// The polling period, if set.
    pub(crate) const fn interval_duration(&self) -> Option<Duration> {
        self.interval
    }

    /// The age past which a result counts as stale: the explicit `max_stale`, or for polled probes
    /// twice the interval plus the timeout.
    pub(crate) fn max_stale_duration(&self) -> Option<Duration> {
        self.max_stale.or_else(|| {
            self.interval
                .map(|i| i.saturating_mul(2).saturating_add(self.timeout))
        })
    }

    /// Whether the probe is critical.
    pub(crate) const fn is_critical(&self) -> bool {
        self.critical
    }

    /// The failure threshold.
    pub(crate) const fn failure_threshold_runs(&self) -> u32 {
        self.failure_threshold
    }

    /// The success threshold.
    pub(crate) const fn success_threshold_runs(&self) -> u32 {
        self.success_threshold
    }

    /// The tags.
    pub(crate) const fn tag_list(&self) -> &'static [&'static str] {
        self.tags
    }

    /// Checks the rules that `#[readiness(...)]` enforces at compile time.
    pub(crate) fn validate(&self, kind: Kind) -> Result<(), RuleError> {
        healthz_rules::check(kind, &self.given())
    }

    /// The settings that differ from the defaults, as the rule book sees them. `Key` is
    /// exhaustive: a new option key does not compile until it is placed here or listed as one
    /// that `ProbeOptions` does not hold.
    fn given(&self) -> Given {
        Key::ALL.into_iter().fold(Given::new(), |given, key| {
            let value = match key {
                Key::Timeout => Some(Value::Duration(self.timeout)),
                Key::Cache => self.cache.map(Value::Duration),
                Key::Interval => self.interval.map(Value::Duration),
                Key::MaxStale => self.max_stale.map(Value::Duration),
                Key::Critical => (!self.critical).then_some(Value::Bool(false)),
                Key::FailureThreshold => {
                    (self.failure_threshold != 1).then_some(Value::Runs(self.failure_threshold))
                }
                Key::SuccessThreshold => {
                    (self.success_threshold != 1).then_some(Value::Runs(self.success_threshold))
                }
                Key::Tags => (!self.tags.is_empty()).then_some(Value::Other),
                // Part of the definition, not of the options.
                Key::Name | Key::Blocking | Key::Crate => None,
            };
            match value {
                Some(value) => given.with(key, value),
                None => given,
            }
        })
    }
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn defaults() {
        let o = ProbeOptions::default();
        assert_eq!(o.timeout_duration(), DEFAULT_TIMEOUT);
        assert_eq!(o.cache_duration(), None);
        assert_eq!(o.max_stale_duration(), None);
        assert!(o.is_critical());
        assert_eq!(o.failure_threshold_runs(), 1);
        assert_eq!(o.success_threshold_runs(), 1);
        assert!(o.tag_list().is_empty());
        assert_eq!(o.validate(Kind::Readiness), Ok(()));
    }

    #[test]
    fn polled_probes_go_stale_by_default() {
        let o = ProbeOptions::new().interval(10 * S).timeout(S);
        assert_eq!(o.max_stale_duration(), Some(21 * S));
        assert_eq!(o.max_stale(60 * S).max_stale_duration(), Some(60 * S));
    }

    #[test]
    fn validation_follows_the_rule_book() {
        let cases = [
            (
                ProbeOptions::new().timeout(Duration::ZERO),
                Kind::Readiness,
                RuleError::Zero { key: Key::Timeout },
            ),
            (
                ProbeOptions::new().failure_threshold(0),
                Kind::Readiness,
                RuleError::ZeroRuns {
                    key: Key::FailureThreshold,
                },
            ),
            (
                ProbeOptions::new().cache(S).interval(S),
                Kind::Readiness,
                RuleError::CacheWithInterval,
            ),
            (
                ProbeOptions::new().max_stale(S),
                Kind::Liveness,
                RuleError::MaxStaleAlone,
            ),
            (
                ProbeOptions::new().cache(5 * S).max_stale(S),
                Kind::Readiness,
                RuleError::MaxStaleShort {
                    period: Key::Cache,
                    max_stale: S,
                    period_value: 5 * S,
                },
            ),
            (
                ProbeOptions::new().interval(S),
                Kind::Startup,
                RuleError::NotForKind {
                    key: Key::Interval,
                    kind: Kind::Startup,
                },
            ),
            (
                ProbeOptions::new().critical(false),
                Kind::Startup,
                RuleError::NotForKind {
                    key: Key::Critical,
                    kind: Kind::Startup,
                },
            ),
            (
                ProbeOptions::new().success_threshold(2),
                Kind::Startup,
                RuleError::NotForKind {
                    key: Key::SuccessThreshold,
                    kind: Kind::Startup,
                },
            ),
        ];
        for (options, kind, expected) in cases {
            assert_eq!(options.validate(kind), Err(expected), "{options:?}");
        }
        assert_eq!(
            ProbeOptions::new()
                .cache(S)
                .max_stale(5 * S)
                .validate(Kind::Readiness),
            Ok(())
        );
        assert_eq!(
            ProbeOptions::new().critical(true).validate(Kind::Startup),
            Ok(()),
            "the default is no setting"
        );
    }
}
