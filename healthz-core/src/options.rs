//! [`ProbeOptions`]: the settings every probe has, whether declared by attribute or on the builder.

use std::time::Duration;

use crate::Kind;

/// The default probe timeout: 500 ms, so a whole evaluation fits inside the kubelet's default
/// one-second `timeoutSeconds`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

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
/// assert_eq!(DATABASE.timeout_duration(), Duration::from_millis(200));
/// assert_eq!(DATABASE.cache_duration(), Some(Duration::from_secs(5)));
/// assert!(DATABASE.is_critical());
/// ```
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
    pub const fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The cache lifetime, if set.
    pub const fn cache_duration(&self) -> Option<Duration> {
        self.cache
    }

    /// The polling period, if set.
    pub const fn interval_duration(&self) -> Option<Duration> {
        self.interval
    }

    /// The age past which a result counts as stale: the explicit `max_stale`, or for polled probes
    /// twice the interval plus the timeout.
    pub fn max_stale_duration(&self) -> Option<Duration> {
        self.max_stale.or_else(|| {
            self.interval
                .map(|i| i.saturating_mul(2).saturating_add(self.timeout))
        })
    }

    /// Whether the probe is critical.
    pub const fn is_critical(&self) -> bool {
        self.critical
    }

    /// The failure threshold.
    pub const fn failure_threshold_runs(&self) -> u32 {
        self.failure_threshold
    }

    /// The success threshold.
    pub const fn success_threshold_runs(&self) -> u32 {
        self.success_threshold
    }

    /// The tags.
    pub const fn tag_list(&self) -> &'static [&'static str] {
        self.tags
    }

    /// Checks the rules that `#[readiness(...)]` enforces at compile time, for options built at
    /// run time. The message names the fix.
    ///
    /// ```
    /// use std::time::Duration;
    /// use healthz_core::{Kind, ProbeOptions};
    ///
    /// let bad = ProbeOptions::new().cache(Duration::from_secs(5)).interval(Duration::from_secs(5));
    /// assert!(bad.validate(Kind::Readiness).unwrap_err().contains("`cache` has no effect with `interval`"));
    /// ```
    ///
    /// # Errors
    ///
    /// A message describing the first rule the options break.
    pub fn validate(&self, kind: Kind) -> Result<(), String> {
        let positive = [
            ("timeout", Some(self.timeout)),
            ("cache", self.cache),
            ("interval", self.interval),
            ("max_stale", self.max_stale),
        ];
        for (key, value) in positive {
            if value == Some(Duration::ZERO) {
                return Err(format!("`{key}` must be greater than zero"));
            }
        }
        if self.failure_threshold == 0 || self.success_threshold == 0 {
            return Err("`failure_threshold` and `success_threshold` must be at least 1".into());
        }
        if self.cache.is_some() && self.interval.is_some() {
            return Err("`cache` has no effect with `interval`: a polled result is always served from memory; remove `cache`".into());
        }
        if let Some(max_stale) = self.max_stale {
            match (self.cache, self.interval) {
                (None, None) => {
                    return Err("`max_stale` needs `cache` or `interval`: without them every request runs the probe".into());
                }
                (Some(period), _) | (_, Some(period)) if max_stale < period => {
                    return Err(format!(
                        "`max_stale` ({}) is shorter than the {} ({}): every result would be stale",
                        humantime::format_duration(max_stale),
                        if self.cache.is_some() {
                            "`cache`"
                        } else {
                            "`interval`"
                        },
                        humantime::format_duration(period)
                    ));
                }
                _ => {}
            }
        }
        if kind == Kind::Startup {
            let unsupported = [
                ("interval", self.interval.is_some()),
                ("max_stale", self.max_stale.is_some()),
                ("critical", !self.critical),
                ("failure_threshold", self.failure_threshold != 1),
                ("success_threshold", self.success_threshold != 1),
            ];
            if let Some((key, _)) = unsupported.iter().find(|(_, set)| *set) {
                return Err(format!(
                    "`{key}` is not supported by startup probes: they run until each has passed once, then stop"
                ));
            }
        }
        Ok(())
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
    fn validation_messages() {
        let cases = [
            (
                ProbeOptions::new().timeout(Duration::ZERO),
                Kind::Readiness,
                "`timeout` must be greater than zero",
            ),
            (
                ProbeOptions::new().failure_threshold(0),
                Kind::Readiness,
                "must be at least 1",
            ),
            (
                ProbeOptions::new().cache(S).interval(S),
                Kind::Readiness,
                "remove `cache`",
            ),
            (
                ProbeOptions::new().max_stale(S),
                Kind::Liveness,
                "`max_stale` needs `cache` or `interval`",
            ),
            (
                ProbeOptions::new().cache(5 * S).max_stale(S),
                Kind::Readiness,
                "shorter than the `cache` (5s)",
            ),
            (
                ProbeOptions::new().interval(5 * S).max_stale(S),
                Kind::Readiness,
                "shorter than the `interval`",
            ),
            (
                ProbeOptions::new().interval(S),
                Kind::Startup,
                "`interval` is not supported by startup probes",
            ),
            (
                ProbeOptions::new().critical(false),
                Kind::Startup,
                "`critical` is not supported",
            ),
            (
                ProbeOptions::new().success_threshold(2),
                Kind::Startup,
                "`success_threshold` is not supported",
            ),
        ];
        for (options, kind, expected) in cases {
            let err = options.validate(kind).unwrap_err();
            assert!(
                err.contains(expected),
                "{err:?} does not contain {expected:?}"
            );
        }
        assert_eq!(
            ProbeOptions::new()
                .cache(S)
                .max_stale(5 * S)
                .validate(Kind::Readiness),
            Ok(())
        );
    }
}
