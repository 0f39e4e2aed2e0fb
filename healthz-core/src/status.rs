//! The three-valued health status.

use std::fmt;

/// The outcome of a probe or of a whole report, as in the IETF draft
/// "Health Check Response Format for HTTP APIs".
///
/// Statuses are ordered from best to worst, so the aggregate of several is their maximum.
///
/// ```
/// use healthz_core::Status;
///
/// assert!(Status::Pass < Status::Warn && Status::Warn < Status::Fail);
/// assert_eq!([Status::Pass, Status::Warn].into_iter().max(), Some(Status::Warn));
/// assert!(Status::Warn.is_healthy());
/// assert!(!Status::Fail.is_healthy());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Healthy.
    #[default]
    Pass,
    /// Healthy, with a concern worth looking at (served as HTTP 200).
    Warn,
    /// Unhealthy (served as HTTP 503).
    Fail,
}

impl Status {
    /// `pass`, `warn` or `fail`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

    /// `true` for [`Pass`](Status::Pass) and [`Warn`](Status::Warn): the probe is answered with 2xx.
    pub const fn is_healthy(self) -> bool {
        !matches!(self, Status::Fail)
    }

    /// The worse of two statuses.
    #[must_use]
    pub(crate) fn worst(self, other: Status) -> Status {
        self.max(other)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Status {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
