//! The rules between a probe's options: what must be positive, what excludes what.

use std::fmt;
use std::time::Duration;

use crate::{Key, Kind};

/// The default probe timeout: 500 ms, so a whole evaluation fits inside the kubelet's default
/// one-second `timeoutSeconds`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// The value given for a [`Key`], as far as the rules look at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// A duration (`timeout`, `cache`, `interval`, `max_stale`).
    Duration(Duration),
    /// A bool (`critical`, `blocking`).
    Bool(bool),
    /// A number of runs (`failure_threshold`, `success_threshold`).
    Runs(u32),
    /// A value no rule between options looks at (`name`, `tags`, `crate`).
    Other,
}

/// The options given for one probe: each [`Key`] with its [`Value`], or not given.
///
/// The macros fill it with what the attribute says; `ProbeOptions::validate` with the settings
/// that differ from the defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Given {
    values: [Option<Value>; Key::ALL.len()],
}

impl Given {
    /// Nothing given.
    pub const fn new() -> Self {
        Given {
            values: [None; Key::ALL.len()],
        }
    }

    /// Gives `key` the value `value`.
    #[must_use]
    pub const fn with(mut self, key: Key, value: Value) -> Self {
        self.values[key as usize] = Some(value);
        self
    }

    /// The value given for `key`.
    pub const fn get(&self, key: Key) -> Option<Value> {
        self.values[key as usize]
    }

    fn duration(&self, key: Key) -> Option<Duration> {
        match self.get(key) {
            Some(Value::Duration(d)) => Some(d),
            _ => None,
        }
    }

    /// The keys given, in documentation order.
    pub fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        Key::ALL.into_iter().filter(|k| self.get(*k).is_some())
    }
}

/// A rule between options that a probe breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleError {
    /// The key makes no sense for this kind (`interval` on a startup probe).
    NotForKind {
        /// The key.
        key: Key,
        /// The kind.
        kind: Kind,
    },
    /// A duration is zero.
    Zero {
        /// The key.
        key: Key,
    },
    /// A threshold is zero.
    ZeroRuns {
        /// The key.
        key: Key,
    },
    /// `cache` and `interval` are both set.
    CacheWithInterval,
    /// `max_stale` is set without `cache` or `interval`.
    MaxStaleAlone,
    /// `max_stale` is shorter than the `cache` or `interval` it bounds.
    MaxStaleShort {
        /// `cache` or `interval`.
        period: Key,
        /// The `max_stale` given.
        max_stale: Duration,
        /// The `cache` or `interval` given.
        period_value: Duration,
    },
}

impl RuleError {
    /// The key the error is about: where the macros report it.
    pub const fn key(&self) -> Key {
        match self {
            RuleError::NotForKind { key, .. }
            | RuleError::Zero { key }
            | RuleError::ZeroRuns { key } => *key,
            RuleError::CacheWithInterval => Key::Cache,
            RuleError::MaxStaleAlone | RuleError::MaxStaleShort { .. } => Key::MaxStale,
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NotForKind { key, kind } => write!(
                f,
                "`{key}` is not supported by `{}`: startup probes run until each has passed once, then stop; remove `{key}`",
                kind.attribute()
            ),
            RuleError::Zero { key } => write!(f, "`{key}` must be greater than zero"),
            RuleError::ZeroRuns { key } => write!(
                f,
                "`{key}` must be at least 1 (1 reports every result as it comes)"
            ),
            RuleError::CacheWithInterval => f.write_str(
                "`cache` has no effect with `interval`: a polled result is always served from memory; remove `cache`",
            ),
            RuleError::MaxStaleAlone => f.write_str(
                "`max_stale` needs `cache` or `interval`: without them every request runs the probe; add one or remove `max_stale`",
            ),
            RuleError::MaxStaleShort {
                period,
                max_stale,
                period_value,
            } => write!(
                f,
                "`max_stale = \"{}\"` is shorter than `{period} = \"{}\"`, so every result would be stale: make `max_stale` at least `{period}`",
                humantime::format_duration(*max_stale),
                humantime::format_duration(*period_value),
            ),
        }
    }
}

impl std::error::Error for RuleError {}

/// Checks the options given for a probe of `kind` against every rule between options: keys the
/// kind does not take, zero durations and thresholds, `cache` with `interval`, and `max_stale`
/// without or below its period.
///
/// # Errors
///
/// The first rule broken, in the order above.
///
/// ```
/// use std::time::Duration;
/// use healthz_rules::{Given, Key, Kind, RuleError, Value, check};
///
/// let polled = Given::new().with(Key::Interval, Value::Duration(Duration::from_secs(10)));
/// assert_eq!(check(Kind::Readiness, &polled), Ok(()));
/// assert_eq!(
///     check(Kind::Startup, &polled),
///     Err(RuleError::NotForKind { key: Key::Interval, kind: Kind::Startup })
/// );
/// ```
pub fn check(kind: Kind, given: &Given) -> Result<(), RuleError> {
    if let Some(key) = given.keys().find(|key| !key.accepted_by(kind)) {
        return Err(RuleError::NotForKind { key, kind });
    }
    for key in given.keys() {
        match given.get(key) {
            Some(Value::Duration(d)) if d.is_zero() => return Err(RuleError::Zero { key }),
            Some(Value::Runs(0)) => return Err(RuleError::ZeroRuns { key }),
            _ => {}
        }
    }
    let cache = given.duration(Key::Cache);
    let interval = given.duration(Key::Interval);
    if cache.is_some() && interval.is_some() {
        return Err(RuleError::CacheWithInterval);
    }
    if let Some(max_stale) = given.duration(Key::MaxStale) {
        let (period, period_value) = match (cache, interval) {
            (Some(ttl), _) => (Key::Cache, ttl),
            (_, Some(every)) => (Key::Interval, every),
            (None, None) => return Err(RuleError::MaxStaleAlone),
        };
        if max_stale < period_value {
            return Err(RuleError::MaxStaleShort {
                period,
                max_stale,
                period_value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn d(key: Key, value: Duration) -> Given {
        Given::new().with(key, Value::Duration(value))
    }

    #[test]
    fn table() {
        let cases = [
            (Kind::Readiness, Given::new(), Ok(())),
            (
                Kind::Readiness,
                d(Key::Timeout, Duration::ZERO),
                Err(RuleError::Zero { key: Key::Timeout }),
            ),
            (
                Kind::Readiness,
                Given::new().with(Key::FailureThreshold, Value::Runs(0)),
                Err(RuleError::ZeroRuns {
                    key: Key::FailureThreshold,
                }),
            ),
            (
                Kind::Readiness,
                d(Key::Cache, S).with(Key::Interval, Value::Duration(S)),
                Err(RuleError::CacheWithInterval),
            ),
            (
                Kind::Liveness,
                d(Key::MaxStale, S),
                Err(RuleError::MaxStaleAlone),
            ),
            (
                Kind::Readiness,
                d(Key::Cache, 5 * S).with(Key::MaxStale, Value::Duration(S)),
                Err(RuleError::MaxStaleShort {
                    period: Key::Cache,
                    max_stale: S,
                    period_value: 5 * S,
                }),
            ),
            (
                Kind::Readiness,
                d(Key::Interval, 5 * S).with(Key::MaxStale, Value::Duration(5 * S)),
                Ok(()),
            ),
            (
                Kind::Startup,
                Given::new().with(Key::Critical, Value::Bool(false)),
                Err(RuleError::NotForKind {
                    key: Key::Critical,
                    kind: Kind::Startup,
                }),
            ),
            (Kind::Startup, d(Key::Cache, S), Ok(())),
        ];
        for (kind, given, expected) in cases {
            assert_eq!(check(kind, &given), expected, "{kind} {given:?}");
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            RuleError::MaxStaleShort {
                period: Key::Cache,
                max_stale: S,
                period_value: Duration::from_secs(90)
            }
            .to_string(),
            "`max_stale = \"1s\"` is shorter than `cache = \"1m 30s\"`, so every result would be stale: make `max_stale` at least `cache`"
        );
        assert_eq!(
            RuleError::NotForKind {
                key: Key::Interval,
                kind: Kind::Startup
            }
            .to_string(),
            "`interval` is not supported by `#[startup]`: startup probes run until each has passed once, then stop; remove `interval`"
        );
        for error in [
            RuleError::CacheWithInterval,
            RuleError::MaxStaleAlone,
            RuleError::Zero { key: Key::Cache },
        ] {
            let message = error.to_string();
            assert!(
                message.starts_with('`') && !message.ends_with('.'),
                "{message}"
            );
        }
    }
}
