//! The three kinds of probe.

use std::fmt;

/// Which question a probe answers.
///
/// The kinds follow Kubernetes: a failing **liveness** probe gets the process restarted, a failing
/// **readiness** probe takes it out of the load balancer, and **startup** probes hold readiness
/// back until the service has finished starting.
///
/// ```
/// use healthz_rules::Kind;
///
/// assert_eq!(Kind::Readiness.as_str(), "readiness");
/// assert_eq!(Kind::Readiness.endpoint(), "readyz");
/// assert_eq!(Kind::Readiness.attribute(), "#[readiness]");
/// assert_eq!("livez".parse::<Kind>(), Ok(Kind::Liveness));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Is the process alive, or should it be restarted? Served at `/livez`.
    Liveness,
    /// Can the process take traffic right now? Served at `/readyz`.
    Readiness,
    /// Has the process finished starting? Served at `/startupz`.
    Startup,
}

impl Kind {
    /// Every kind, in the order they are reported.
    pub const ALL: [Kind; 3] = [Kind::Liveness, Kind::Readiness, Kind::Startup];

    /// The lower-case name, which is also the attribute's: `liveness`, `readiness` or `startup`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Liveness => "liveness",
            Kind::Readiness => "readiness",
            Kind::Startup => "startup",
        }
    }

    /// The Kubernetes-style endpoint name without a slash: `livez`, `readyz` or `startupz`.
    #[doc(hidden)] // for the healthz crates
    pub const fn endpoint(self) -> &'static str {
        match self {
            Kind::Liveness => "livez",
            Kind::Readiness => "readyz",
            Kind::Startup => "startupz",
        }
    }

    /// The attribute that registers a probe of this kind, for messages: `#[readiness]`.
    #[doc(hidden)] // for the healthz crates
    pub const fn attribute(self) -> &'static str {
        match self {
            Kind::Liveness => "#[liveness]",
            Kind::Readiness => "#[readiness]",
            Kind::Startup => "#[startup]",
        }
    }

    /// The kind's position in [`ALL`](Self::ALL), for tables indexed by kind.
    #[doc(hidden)] // for the healthz crates
    pub const fn index(self) -> usize {
        match self {
            Kind::Liveness => 0,
            Kind::Readiness => 1,
            Kind::Startup => 2,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Kind`] from a string that names none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseKindError;

impl fmt::Display for ParseKindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "expected one of `liveness`, `readiness`, `startup`, `livez`, `readyz`, `startupz`",
        )
    }
}

impl std::error::Error for ParseKindError {}

impl std::str::FromStr for Kind {
    type Err = ParseKindError;

    /// Accepts the kind's name (`readiness`) or its endpoint (`readyz`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.endpoint() == s)
            .ok_or(ParseKindError)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            assert_eq!(kind.endpoint().parse::<Kind>(), Ok(kind));
            assert_eq!(Kind::ALL[kind.index()], kind);
            assert_eq!(kind.attribute(), format!("#[{kind}]"));
        }
        assert_eq!("ready".parse::<Kind>(), Err(ParseKindError));
    }
}
