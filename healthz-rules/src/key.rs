//! The option keys of `#[liveness(..)]`, `#[readiness(..)]` and `#[startup(..)]`.

use std::fmt;

use crate::Kind;

/// One option key of a probe attribute, such as `timeout` in `#[readiness(timeout = "200ms")]`.
///
/// The enum is exhaustive on purpose: every `match` over it, in the macros' parser and emitter
/// and in [`info`](Self::info), must handle a new key, so a key cannot be added without its
/// value type, default, example, documentation and expansion.
///
/// ```
/// use healthz_rules::{Key, Kind, ValueType};
///
/// let timeout = Key::Timeout.info();
/// assert_eq!(timeout.name, "timeout");
/// assert_eq!(timeout.value, ValueType::Duration);
/// assert_eq!(timeout.example, r#"timeout = "200ms""#);
/// assert_eq!("max_stale".parse::<Key>(), Ok(Key::MaxStale));
/// assert!(!Key::Interval.accepted_by(Kind::Startup));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// `name = "db"`: the probe's name in reports and URLs.
    Name,
    /// `timeout = "200ms"`: how long a run may take.
    Timeout,
    /// `cache = "5s"`: how long a result is reused.
    Cache,
    /// `interval = "10s"`: background polling.
    Interval,
    /// `max_stale = "1m"`: the age past which a cached or polled result counts as failed.
    MaxStale,
    /// `critical = false`: whether a failure fails the report.
    Critical,
    /// `blocking = true`: a synchronous function run on the blocking pool.
    Blocking,
    /// `tags = ["db"]`: labels for selecting probes.
    Tags,
    /// `failure_threshold = 3`: consecutive failures before reporting a failure.
    FailureThreshold,
    /// `success_threshold = 2`: consecutive successes before reporting a recovery.
    SuccessThreshold,
    /// `crate = ::healthz_actix`: where the runtime is.
    Crate,
}

/// The type of value a [`Key`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A string literal: `"db"`.
    Str,
    /// A humantime string literal, parsed at compile time: `"200ms"`, `"1m 30s"`.
    Duration,
    /// `true` or `false`.
    Bool,
    /// A whole number of runs, at least 1.
    Runs,
    /// A list of string literals: `["db", "external"]`.
    StrList,
    /// A path: `::healthz_actix` (or the same in a string).
    Path,
}

/// What the rule book knows of one [`Key`]: everything its documentation, parser and messages
/// need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key as written: `max_stale`.
    pub name: &'static str,
    /// The type of its value.
    pub value: ValueType,
    /// The default, as the documentation states it.
    pub default: &'static str,
    /// An example, as written in an attribute: `timeout = "200ms"`.
    pub example: &'static str,
    /// What it does, in one sentence of the documentation.
    pub meaning: &'static str,
    /// Whether `#[startup]` takes it. Startup probes run until each has passed once, then stop:
    /// keys about polling, staleness, criticality and thresholds make no sense for them.
    pub startup: bool,
}

impl Key {
    /// Every key, in the order the documentation lists them.
    pub const ALL: [Key; 11] = [
        Key::Name,
        Key::Timeout,
        Key::Cache,
        Key::Interval,
        Key::MaxStale,
        Key::Critical,
        Key::Blocking,
        Key::Tags,
        Key::FailureThreshold,
        Key::SuccessThreshold,
        Key::Crate,
    ];

    /// Everything about this key: the one table of the rule book.
    pub const fn info(self) -> KeyInfo {
        const fn key(
            name: &'static str,
            value: ValueType,
            default: &'static str,
            example: &'static str,
            meaning: &'static str,
            startup: bool,
        ) -> KeyInfo {
            KeyInfo {
                name,
                value,
                default,
                example,
                meaning,
                startup,
            }
        }
        match self {
            Key::Name => key(
                "name",
                ValueType::Str,
                "the function's name",
                r#"name = "database""#,
                "the probe's name in reports and URLs: ASCII letters, digits, `_`, `-`, `.`, starting with a letter or digit, at most 128 bytes; unique within its kind",
                true,
            ),
            Key::Timeout => key(
                "timeout",
                ValueType::Duration,
                r#"`"500ms"`"#,
                r#"timeout = "200ms""#,
                "a run that takes longer is cancelled and reported as failed",
                true,
            ),
            Key::Cache => key(
                "cache",
                ValueType::Duration,
                "none",
                r#"cache = "5s""#,
                "reuse a result, pass or fail, for this long",
                true,
            ),
            Key::Interval => key(
                "interval",
                ValueType::Duration,
                "none",
                r#"interval = "10s""#,
                "refresh in a background task (±10 % jitter); requests read the latest result and never wait",
                false,
            ),
            Key::MaxStale => key(
                "max_stale",
                ValueType::Duration,
                "2 × `interval` + `timeout` for polled probes, otherwise none",
                r#"max_stale = "1m""#,
                "a cached or polled result older than this is not served as it is; needs `cache` or `interval`, and must be at least as long",
                false,
            ),
            Key::Critical => key(
                "critical",
                ValueType::Bool,
                "`true`",
                "critical = false",
                "a failing non-critical probe makes the report `warn` (HTTP 200), not `fail`",
                false,
            ),
            Key::Blocking => key(
                "blocking",
                ValueType::Bool,
                "`false`",
                "blocking = true",
                "the probe is a synchronous `fn`, run on Tokio's blocking pool",
                true,
            ),
            Key::Tags => key(
                "tags",
                ValueType::StrList,
                "none",
                r#"tags = ["db", "external"]"#,
                "labels for selecting probes: non-empty, without whitespace or commas",
                true,
            ),
            Key::FailureThreshold => key(
                "failure_threshold",
                ValueType::Runs,
                "`1`",
                "failure_threshold = 3",
                "consecutive failed runs before a passing probe is reported failed",
                false,
            ),
            Key::SuccessThreshold => key(
                "success_threshold",
                ValueType::Runs,
                "`1`",
                "success_threshold = 2",
                "consecutive passing runs before a failed probe is reported passing",
                false,
            ),
            Key::Crate => key(
                "crate",
                ValueType::Path,
                "found in `Cargo.toml`",
                "crate = ::healthz_actix",
                "the path of `healthz_core` or of the adapter you depend on, for renamed or re-exported dependencies",
                true,
            ),
        }
    }

    /// The key as written: `max_stale`.
    pub const fn as_str(self) -> &'static str {
        self.info().name
    }

    /// Whether the attribute of `kind` takes this key.
    pub const fn accepted_by(self, kind: Kind) -> bool {
        match kind {
            Kind::Liveness | Kind::Readiness => true,
            Kind::Startup => self.info().startup,
        }
    }

    /// The keys `kind` takes, in documentation order.
    pub fn for_kind(kind: Kind) -> impl Iterator<Item = Key> {
        Key::ALL.into_iter().filter(move |k| k.accepted_by(kind))
    }

    /// The key's row of the documentation's key table: `` | `timeout = "200ms"` | `"500ms"` | a run that ... | ``.
    pub fn doc_row(self) -> String {
        let info = self.info();
        format!(
            "| `{}` | {} | {} |",
            info.example, info.default, info.meaning
        )
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Key {
    type Err = ();

    /// The key named `s`, exactly as written in an attribute.
    fn from_str(s: &str) -> Result<Self, ()> {
        Key::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        for (i, key) in Key::ALL.into_iter().enumerate() {
            let info = key.info();
            assert_eq!(key as usize, i, "ALL is in declaration order");
            assert_eq!(info.name.parse::<Key>(), Ok(key));
            assert!(
                info.example.starts_with(&format!("{} = ", info.name)),
                "{info:?}"
            );
            assert!(!info.meaning.ends_with('.'), "{info:?}");
        }
        let startup: Vec<&str> = Key::for_kind(Kind::Startup).map(Key::as_str).collect();
        assert_eq!(
            startup,
            ["name", "timeout", "cache", "blocking", "tags", "crate"]
        );
        assert_eq!(Key::for_kind(Kind::Readiness).count(), Key::ALL.len());
    }
}
