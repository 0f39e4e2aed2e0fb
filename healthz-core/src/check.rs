//! What a probe returns: [`Check`], and the conversions into it ([`IntoCheck`]).

use std::borrow::Cow;
use std::fmt;

use crate::Status;

/// The result of one probe run: a [`Status`], an optional output message and an optional
/// observed value.
///
/// A probe may return `Check` directly when it wants to say more than pass or fail:
///
/// ```
/// use healthz_core::{Check, Status};
///
/// fn lag(seconds: f64) -> Check {
///     match seconds {
///         s if s < 60.0 => Check::pass(),
///         s if s < 600.0 => Check::warn("index is behind"),
///         _ => Check::fail("index is far behind"),
///     }
///     .observed(seconds, "s")
/// }
///
/// let check = lag(180.0);
/// assert_eq!(check.status(), Status::Warn);
/// assert_eq!(check.output(), Some("index is behind"));
/// assert_eq!(check, Check::warn("index is behind").observed(180.0, "s"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub(crate) status: Status,
    pub(crate) output: Option<Cow<'static, str>>,
    pub(crate) observed: Option<Observed>,
    details: Details,
}

/// An observed value and its unit.
pub(crate) type Observed = (f64, Cow<'static, str>);

/// Structured details, in the order they were attached.
pub(crate) type Details = Vec<(Cow<'static, str>, serde_json::Value)>;

impl Check {
    /// A passing check.
    pub const fn pass() -> Self {
        Check {
            status: Status::Pass,
            output: None,
            observed: None,
            details: Vec::new(),
        }
    }

    /// A check that passes with a concern: reported as `warn`, still served with HTTP 200.
    pub fn warn(output: impl Into<Cow<'static, str>>) -> Self {
        Check {
            status: Status::Warn,
            output: Some(output.into()),
            observed: None,
            details: Vec::new(),
        }
    }

    /// A failing check with the reason.
    pub fn fail(output: impl Into<Cow<'static, str>>) -> Self {
        Check {
            status: Status::Fail,
            output: Some(output.into()),
            observed: None,
            details: Vec::new(),
        }
    }

    /// Attaches an observed value and its unit (`observedValue` / `observedUnit` in
    /// `application/health+json`), for example a latency in `"ms"` or a lag in `"s"`.
    ///
    /// Without one, healthz reports the probe's own run time in milliseconds.
    #[must_use]
    pub fn observed(mut self, value: f64, unit: impl Into<Cow<'static, str>>) -> Self {
        self.observed = Some((value, unit.into()));
        self
    }

    /// Attaches a structured detail: any `serde::Serialize` value, shown under `details` in the
    /// JSON report to callers who see details (never in the `?verbose` text). Attaching a key
    /// again replaces its value.
    ///
    /// Like outputs, details are redacted (string values, and every value under a key that
    /// names a secret, such as `password`) and bounded: at most
    /// 1 KiB of JSON per check, later details left out
    /// with a note. A value that does not serialize is replaced by the reason.
    ///
    /// ```
    /// use healthz_core::Check;
    ///
    /// let check = Check::pass().detail("pool_size", 10).detail("replicas", ["a", "b"]);
    /// assert_eq!(check, Check::pass().detail("pool_size", 10).detail("replicas", ["a", "b"]));
    /// assert_ne!(check, Check::pass().detail("pool_size", 12).detail("replicas", ["a", "b"]));
    /// ```
    #[must_use]
    pub fn detail(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl serde::Serialize,
    ) -> Self {
        let key = key.into();
        let value = serde_json::to_value(value)
            .unwrap_or_else(|e| serde_json::Value::String(format!("not serializable: {e}")));
        match self.details.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => *old = value,
            None => self.details.push((key, value)),
        }
        self
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The output message, if any.
    pub fn output(&self) -> Option<&str> {
        self.output.as_deref()
    }

    /// The details attached, in order.
    ///
    /// ```
    /// use healthz_core::Check;
    ///
    /// let check = Check::pass().detail("pool_size", 10);
    /// assert_eq!(check.details().next(), Some(("pool_size", &serde_json::json!(10))));
    /// ```
    pub fn details(&self) -> impl ExactSizeIterator<Item = (&str, &serde_json::Value)> + '_ {
        self.details.iter().map(|(k, v)| (&**k, v))
    }

    /// The observed value and its unit, if one was attached.
    ///
    /// ```
    /// use healthz_core::Check;
    ///
    /// assert_eq!(Check::pass().observed(3.5, "ms").observation(), Some((3.5, "ms")));
    /// assert_eq!(Check::pass().observation(), None);
    /// ```
    pub fn observation(&self) -> Option<(f64, &str)> {
        self.observed.as_ref().map(|(v, u)| (*v, &**u))
    }

    pub(crate) fn into_parts(
        self,
    ) -> (Status, Option<Cow<'static, str>>, Option<Observed>, Details) {
        (self.status, self.output, self.observed, self.details)
    }
}

impl Default for Check {
    fn default() -> Self {
        Check::pass()
    }
}

/// Conversion of a probe's return value into a [`Check`].
///
/// Implemented for `()` (always passes), `bool` (`false` fails), [`Check`] itself, and
/// `Result<T, E>` for any `E: Display`: `Err` fails with the error's message; `Ok(check)` and
/// `Ok(bool)` are that check, any other `Ok` passes. Implement it for your own type to return
/// that type from a probe.
///
/// ```
/// use healthz_core::{Check, IntoCheck, Status};
///
/// assert_eq!(().into_check().status(), Status::Pass);
/// assert_eq!(false.into_check().status(), Status::Fail);
/// let err: Result<(), String> = Err("connection refused".into());
/// assert_eq!(err.into_check().output(), Some("connection refused"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported health probe return type",
    label = "unsupported return type",
    note = "a probe may return `()`, `bool`, `Check`, or `Result<T, E>` where `E: Display`",
    note = "or implement `IntoCheck` for `{Self}`"
)]
pub trait IntoCheck {
    /// Converts the value.
    fn into_check(self) -> Check;
}

impl IntoCheck for Check {
    fn into_check(self) -> Check {
        self
    }
}

impl IntoCheck for () {
    fn into_check(self) -> Check {
        Check::pass()
    }
}

impl IntoCheck for bool {
    fn into_check(self) -> Check {
        if self {
            Check::pass()
        } else {
            Check::fail("probe returned false")
        }
    }
}

/// `Err` fails with the error's message. `Ok` passes, except that an `Ok` holding a `Check` or a
/// `bool` is that check (so `Result<Check, E>` and `Result<bool, E>` work with `?`).
impl<T: 'static, E: fmt::Display> IntoCheck for Result<T, E> {
    fn into_check(self) -> Check {
        match self {
            Ok(value) => ok_check(value),
            // Kept as the engine keeps any output: cut, then redacted, never whole.
            Err(e) => Check::fail(crate::output::bounded_display(&e)),
        }
    }
}

/// The check an `Ok` value stands for: itself if it is a `Check`, its verdict if it is a `bool`,
/// otherwise a pass (a row, a count, a response: the call succeeded).
fn ok_check<T: 'static>(value: T) -> Check {
    let mut value = Some(value);
    let any: &mut dyn std::any::Any = &mut value;
    if let Some(check) = any.downcast_mut::<Option<Check>>() {
        return check.take().unwrap_or_default();
    }
    if let Some(verdict) = any.downcast_mut::<Option<bool>>() {
        return verdict.take().unwrap_or(true).into_check();
    }
    Check::pass()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(().into_check(), Check::pass());
        assert_eq!(true.into_check(), Check::pass());
        assert_eq!(false.into_check(), Check::fail("probe returned false"));
        assert_eq!(Ok::<u8, String>(1).into_check(), Check::pass());
        assert_eq!(
            Ok::<bool, String>(false).into_check(),
            Check::fail("probe returned false")
        );
        assert_eq!(Ok::<bool, String>(true).into_check(), Check::pass());
        let warn = Check::warn("lagging").observed(3.0, "s");
        assert_eq!(Ok::<Check, String>(warn.clone()).into_check(), warn);
        assert_eq!(Err::<Check, _>("down").into_check(), Check::fail("down"));
        assert_eq!(
            Err::<(), _>(std::io::Error::other("disk on fire")).into_check(),
            Check::fail("disk on fire")
        );
        let c = Check::warn("slow").observed(3.5, "ms");
        assert_eq!(c.clone().into_check(), c);
    }

    #[test]
    fn builders() {
        let c = Check::warn("slow").observed(1.0, "rows");
        assert_eq!(c.status(), Status::Warn);
        assert_eq!(c.output(), Some("slow"));
        assert_eq!(c.observation(), Some((1.0, "rows")));
        assert_eq!(Check::default(), Check::pass());
    }
}
