//! [`EndpointsBuilder`]: the paths, policy, groups and dashboard of an
//! [`Endpoints`](super::Endpoints), checked once, in [`build`](EndpointsBuilder::build), before
//! anything is served.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use super::routes::{Route, Routes, Serves};
use super::{AccessPolicy, Endpoint, Endpoints};
use crate::escape::printable;
use crate::selection::Selection;
use crate::{Health, Kind, Location, Scope};

/// Configures [`Endpoints`]: where each endpoint is served, the status for `warn`, the access
/// policy, groups and the dashboard. No method panics: every mistake is reported by
/// [`build`](Self::build), as a [`ConfigError`].
///
/// The adapters' own `Endpoints` types are built with it too (`healthz_actix::Endpoints::builder`,
/// `healthz_axum::Endpoints::builder`): `E` is the type `build` returns.
///
/// ```
/// use healthz_core::web::{Endpoint, Endpoints};
/// use healthz_core::Health;
///
/// # fn main() -> Result<(), healthz_core::BuildError> {
/// let health = Health::builder().without_registered().build()?;
/// let clash = Endpoints::builder(health).path(Endpoint::Livez, "/readyz").build();
/// assert_eq!(
///     clash.unwrap_err().to_string(),
///     "two routes have the path `/readyz`: `Endpoint::Livez` and `Endpoint::Readyz`; give one another path",
/// );
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
pub struct EndpointsBuilder<E = Endpoints> {
    health: Health,
    prefix: String,
    paths: [Option<String>; 4],
    warn_status: u16,
    access: AccessPolicy,
    groups: Vec<(String, Selection)>,
    dashboard: bool,
    built: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for EndpointsBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointsBuilder")
            .field("prefix", &self.prefix)
            .field("paths", &self.paths)
            .field("warn_status", &self.warn_status)
            .field("access", &self.access)
            .field("dashboard", &self.dashboard)
            .finish_non_exhaustive()
    }
}

impl<E: From<Endpoints>> EndpointsBuilder<E> {
    /// The four endpoints at their default paths, `warn` answered 200, the default
    /// [`AccessPolicy`], no groups, no dashboard.
    pub fn new(health: Health) -> Self {
        EndpointsBuilder {
            health,
            prefix: String::new(),
            paths: Endpoint::ALL.map(|e| Some(e.default_path().to_owned())),
            warn_status: 200,
            access: AccessPolicy::new(),
            groups: Vec::new(),
            dashboard: false,
            built: PhantomData,
        }
    }

    /// Puts every path under a prefix: `.prefix("/health")` serves `/health/livez`. A prefix
    /// starts with `/` and does not end with one.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Serves an endpoint at another path: `.path(Endpoint::Livez, "/live")`.
    pub fn path(mut self, endpoint: Endpoint, path: impl Into<String>) -> Self {
        self.paths[endpoint.index()] = Some(path.into());
        self
    }

    /// Does not serve an endpoint.
    pub fn without(mut self, endpoint: Endpoint) -> Self {
        self.paths[endpoint.index()] = None;
        self
    }

    /// The HTTP status of a `warn` report: 200 by default; some load balancers want 207 or 429.
    /// A 2xx, 4xx or 5xx code.
    pub fn warn_status(mut self, status: u16) -> Self {
        self.warn_status = status;
        self
    }

    /// Who may call and who sees details; see [`AccessPolicy`].
    pub fn access(mut self, policy: AccessPolicy) -> Self {
        self.access = policy;
        self
    }

    /// Serves a named group of probes at a path of its own (under the [`prefix`](Self::prefix)),
    /// the way Spring Boot's health groups do: `/readyz/db` made of the readiness probes tagged
    /// `db`. It answers like the endpoints (`?verbose`, `?exclude`, `?tag` to narrow it further,
    /// the access policy, the gates of readiness), with the group's probes only.
    ///
    /// ```
    /// use healthz_core::web::Endpoints;
    /// use healthz_core::{Health, Kind, ProbeOptions};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .readiness("primary", ProbeOptions::new().tags(&["db"]), || async {})
    ///     .readiness("search", ProbeOptions::new(), || async {})
    ///     .build()?;
    /// let endpoints = Endpoints::builder(health.clone())
    ///     .group("/readyz/db", Kind::Readiness, ["db"])
    ///     .build()?;
    ///
    /// // A group cannot take a probe's own path.
    /// let clash = Endpoints::builder(health).group("/readyz/search", Kind::Readiness, ["db"]).build();
    /// assert!(clash.unwrap_err().to_string().contains("readiness probe `search`"));
    /// # Ok(()) }
    /// ```
    pub fn group<T: Into<Cow<'static, str>>>(
        mut self,
        path: impl Into<String>,
        scope: impl Into<Scope>,
        tags: impl IntoIterator<Item = T>,
    ) -> Self {
        let selection = Selection::new(scope.into()).tags(tags);
        self.groups.push((path.into(), selection));
        self
    }

    /// Serves the live dashboard at `/healthz/ui` and its event stream at `/healthz/events`
    /// (under the [`prefix`](Self::prefix), beside the `/healthz` path if it was changed), with
    /// the same access policy as the reports: a caller without details sees statuses and no
    /// outputs. Off by default.
    ///
    /// The page is self-contained (no CDN, nothing fetched from outside) and served with a strict
    /// `Content-Security-Policy` and `X-Frame-Options: DENY`. The stream is Server-Sent Events:
    /// a snapshot first, then every status change and run, and a heartbeat every 15 s without
    /// an event; see [`EventStream`](super::EventStream). At most 4,096 are open at once.
    pub fn dashboard(mut self, on: bool) -> Self {
        self.dashboard = on;
        self
    }

    /// Checks the configuration and builds the endpoints.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for the first mistake found: a prefix or path that is not a plain
    /// path, two routes on one path, a route on a probe's own `{path}/{name}`, a `warn` status
    /// that is not a 2xx, 4xx or 5xx code.
    pub fn build(self) -> Result<E, ConfigError> {
        check_path(&self.prefix, "prefix", true)?;
        let warn_status = http::StatusCode::from_u16(self.warn_status)
            .ok()
            .filter(|s| !s.is_informational() && !s.is_redirection())
            .ok_or(ConfigError::WarnStatus {
                status: self.warn_status,
            })?;
        let mut routes = Vec::new();
        for (path, selection) in &self.groups {
            check_path(path, "group path", false)?;
            routes.push(Route {
                path: format!("{}{path}", self.prefix),
                serves: Serves::Group(selection.clone()),
                named: false,
            });
        }
        if self.dashboard {
            let base = self.paths[Endpoint::Healthz.index()]
                .as_deref()
                .unwrap_or(Endpoint::Healthz.default_path());
            for (path, serves) in [("/ui", Serves::Dashboard), ("/events", Serves::Events)] {
                routes.push(Route {
                    path: format!("{}{base}{path}", self.prefix),
                    serves,
                    named: false,
                });
            }
        }
        for endpoint in Endpoint::ALL {
            let Some(path) = &self.paths[endpoint.index()] else {
                continue;
            };
            check_path(path, "path", false)?;
            routes.push(Route {
                path: format!("{}{path}", self.prefix),
                serves: Serves::Endpoint(endpoint),
                named: endpoint != Endpoint::Healthz,
            });
        }
        check_clashes(&routes, &self.health)?;
        let endpoints =
            Endpoints::from_parts(self.health, Routes::new(routes), warn_status, self.access);
        Ok(E::from(endpoints))
    }

    /// The defaults, which cannot clash: four distinct literal paths, no group, no dashboard.
    pub(super) fn defaults(self) -> E {
        let routes = Endpoint::ALL
            .map(|endpoint| Route {
                path: endpoint.default_path().to_owned(),
                serves: Serves::Endpoint(endpoint),
                named: endpoint != Endpoint::Healthz,
            })
            .to_vec();
        E::from(Endpoints::from_parts(
            self.health,
            Routes::new(routes),
            http::StatusCode::OK,
            self.access,
        ))
    }
}

/// The characters of a path segment: unreserved ones (RFC 3986), which no router reads as
/// syntax and no client escapes.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Whether `path` is a plain path (`/livez`, `/ops/health`): `/` and non-empty segments of
/// unreserved characters, neither `.` nor `..`. `what` names it in the error; an empty prefix is
/// no prefix.
fn check_path(path: &str, what: &'static str, may_be_empty: bool) -> Result<(), ConfigError> {
    if may_be_empty && path.is_empty() {
        return Ok(());
    }
    let invalid = |reason: String| ConfigError::InvalidPath {
        what,
        path: printable(path).into_owned(),
        reason,
    };
    let Some(rest) = path.strip_prefix('/') else {
        return Err(invalid("it must start with `/`".to_owned()));
    };
    for segment in rest.split('/') {
        if segment.is_empty() {
            return Err(invalid(if path.ends_with('/') {
                "it must not end with `/`".to_owned()
            } else {
                "it has an empty segment (`//`)".to_owned()
            }));
        }
        if segment == "." || segment == ".." {
            return Err(invalid(format!("`{segment}` is not a segment of its own")));
        }
        if let Some(c) = segment.chars().find(|&c| !is_path_char(c)) {
            let why = if matches!(c, '{' | '}' | '*' | ':') {
                "router syntax: a health path is served as written, never as a pattern"
            } else {
                "only letters, digits, `-`, `.`, `_` and `~` are served as written by every client"
            };
            return Err(invalid(format!(
                "`{}` is {why}",
                printable(c.encode_utf8(&mut [0; 4]))
            )));
        }
    }
    Ok(())
}

/// What a route is, in an error.
fn describe(route: &Route) -> String {
    match &route.serves {
        Serves::Endpoint(endpoint) => format!("`Endpoint::{endpoint:?}`"),
        Serves::Group(_) => "a group".to_owned(),
        Serves::Dashboard => "the dashboard".to_owned(),
        Serves::Events => "the dashboard's event stream".to_owned(),
    }
}

/// No two routes on one path, and none on a probe's own `{path}/{name}`.
fn check_clashes(routes: &[Route], health: &Health) -> Result<(), ConfigError> {
    for (i, route) in routes.iter().enumerate() {
        if let Some(first) = routes[..i].iter().find(|r| r.path == route.path) {
            return Err(ConfigError::SamePath {
                path: route.path.clone(),
                first: describe(first),
                second: describe(route),
            });
        }
        for named in routes.iter().filter(|r| r.named) {
            let Serves::Endpoint(endpoint) = named.serves else {
                continue;
            };
            let Scope::Kind(kind) = endpoint.scope() else {
                continue;
            };
            let Some(name) = route
                .path
                .strip_prefix(&*named.path)
                .and_then(|rest| rest.strip_prefix('/'))
            else {
                continue;
            };
            if let Some(probe) = health.probes(kind).find(|p| p.name == name) {
                return Err(ConfigError::ProbePath {
                    path: route.path.clone(),
                    route: describe(route),
                    kind,
                    name: probe.name.to_owned(),
                    location: *probe.location,
                });
            }
        }
    }
    Ok(())
}

/// Why [`EndpointsBuilder::build`] refused a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A prefix or path that is not a plain path.
    InvalidPath {
        /// `prefix`, `path` or `group path`.
        what: &'static str,
        /// The path as given (control characters escaped).
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two routes on one path.
    SamePath {
        /// The full path.
        path: String,
        /// The first route.
        first: String,
        /// The second route.
        second: String,
    },
    /// A route on the path of one probe (`/readyz/db` for a readiness probe `db`).
    ProbePath {
        /// The full path.
        path: String,
        /// The route.
        route: String,
        /// The probe's kind.
        kind: Kind,
        /// The probe's name.
        name: String,
        /// Where the probe was defined.
        location: Location,
    },
    /// A `warn` status that is not a 2xx, 4xx or 5xx code.
    WarnStatus {
        /// The code given.
        status: u16,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidPath { what, path, reason } => write!(
                f,
                "health {what} `{path}` is not a plain path: {reason}; write one such as `/ops/health`"
            ),
            ConfigError::SamePath {
                path,
                first,
                second,
            } => write!(
                f,
                "two routes have the path `{path}`: {first} and {second}; give one another path"
            ),
            ConfigError::ProbePath {
                path,
                route,
                kind,
                name,
                location,
            } => write!(
                f,
                "{route} has the path `{path}`, which is the {kind} probe `{name}`'s own (defined at {location}): give the route or the probe another name"
            ),
            ConfigError::WarnStatus { status } => write!(
                f,
                "`warn_status({status})` is not a status a health answer can have: give a 2xx, 4xx or 5xx code, such as 200 or 429"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::ProbeOptions;

    fn health() -> Health {
        Health::builder()
            .without_registered()
            .readiness("db", ProbeOptions::new(), || async {})
            .build()
            .unwrap()
    }

    fn built(builder: EndpointsBuilder) -> Result<Vec<String>, String> {
        builder
            .build()
            .map(|e| e.shared.routes.iter().map(|r| r.path.clone()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_defaults_are_what_an_empty_builder_builds() {
        let defaults: Vec<String> = Endpoints::new(health())
            .shared
            .routes
            .iter()
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(built(Endpoints::builder(health())), Ok(defaults));
    }

    #[test]
    fn every_mistake_is_an_error_naming_it() {
        let error = |b: EndpointsBuilder| built(b).unwrap_err();
        let cases = [
            (
                Endpoints::builder(health()).prefix("ops"),
                "health prefix `ops` is not a plain path: it must start with `/`",
            ),
            (
                Endpoints::builder(health()).prefix("/ops/"),
                "it must not end with `/`",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/live//ness"),
                "empty segment",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/{name}"),
                "`{` is router syntax",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/:live"),
                "`:` is router syntax",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/*"),
                "`*` is router syntax",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/a b"),
                "only letters, digits",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/../etc"),
                "`..` is not a segment",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/readyz"),
                "two routes have the path `/readyz`: `Endpoint::Livez` and `Endpoint::Readyz`",
            ),
            (
                Endpoints::builder(health()).group("/livez", Kind::Liveness, ["x"]),
                "two routes have the path `/livez`: a group and `Endpoint::Livez`",
            ),
            (
                Endpoints::builder(health()).group("/readyz/db", Kind::Readiness, ["x"]),
                "a group has the path `/readyz/db`, which is the readiness probe `db`'s own",
            ),
            (
                Endpoints::builder(health())
                    .group("/g", Kind::Readiness, ["x"])
                    .group("/g", Kind::Liveness, ["y"]),
                "two routes have the path `/g`: a group and a group",
            ),
            (
                Endpoints::builder(health()).dashboard(true).group(
                    "/healthz/ui",
                    Kind::Readiness,
                    ["x"],
                ),
                "a group and the dashboard",
            ),
            (
                Endpoints::builder(health()).path(Endpoint::Livez, "/readyz/db"),
                "`Endpoint::Livez` has the path `/readyz/db`, which is the readiness probe `db`'s own",
            ),
            (
                Endpoints::builder(health()).warn_status(302),
                "`warn_status(302)` is not a status",
            ),
            (
                Endpoints::builder(health()).warn_status(1000),
                "`warn_status(1000)`",
            ),
        ];
        for (builder, expected) in cases {
            let message = error(builder);
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
    }

    #[test]
    fn what_is_right_builds() {
        let routes = built(
            Endpoints::builder(health())
                .prefix("/ops")
                .path(Endpoint::Livez, "/live")
                .without(Endpoint::Startupz)
                .group("/readyz/databases", Kind::Readiness, ["db"])
                .dashboard(true)
                .warn_status(429),
        )
        .unwrap();
        assert_eq!(
            routes,
            [
                "/ops/readyz/databases",
                "/ops/healthz/ui",
                "/ops/healthz/events",
                "/ops/live",
                "/ops/readyz",
                "/ops/healthz",
            ]
        );
    }

    proptest! {
        /// Any prefix either builds into routes that all start with it, or is refused with a
        /// one-line reason; nothing panics.
        #[test]
        fn any_prefix_builds_or_is_refused_on_one_line(prefix in any::<String>()) {
            match built(Endpoints::builder(health()).prefix(prefix.clone())) {
                Ok(routes) => prop_assert!(routes.iter().all(|r| r.starts_with(&prefix))),
                Err(reason) => prop_assert!(!reason.contains(['\n', '\r'])),
            }
        }
    }
}
