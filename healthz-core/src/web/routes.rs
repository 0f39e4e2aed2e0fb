//! Which path serves what: the route table an [`Endpoints`](super::Endpoints) is built with,
//! and the lookup of a request's path in it.

use crate::selection::Selection;

use super::Endpoint;

/// What a route serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Serves {
    Endpoint(Endpoint),
    /// A group of probes at a path of its own.
    Group(Selection),
    /// The dashboard page.
    Dashboard,
    /// The dashboard's event stream.
    Events,
}

/// One path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    /// The full path, prefix included: `/ops/readyz`.
    pub(crate) path: String,
    pub(crate) serves: Serves,
    /// `{path}/{name}` is served too: one probe of the endpoint's kind.
    pub(crate) named: bool,
}

/// Every route of an `Endpoints`, checked by its builder: no two share a path, and none is a
/// probe's own `{path}/{name}`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Routes {
    /// In mounting order: groups, then the dashboard, then the endpoints (a framework that tries
    /// routes in turn finds `/readyz/db` before `/readyz/{name}`, `/healthz/ui` before `/healthz`).
    routes: Box<[Route]>,
}

/// A request's path, found in the table.
#[derive(Debug)]
pub(crate) struct Found<'r, 'p> {
    pub(crate) route: &'r Route,
    /// The `{name}` segment under a named endpoint, as it came (still percent-encoded).
    pub(crate) name: Option<&'p str>,
}

impl Routes {
    pub(crate) fn new(routes: Vec<Route>) -> Self {
        Routes {
            routes: routes.into_boxed_slice(),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    /// The route that serves `path`: one whose path it is, or a named endpoint's followed by one
    /// non-empty segment. `None` for any other path (`/readyz/`, `/readyz/a/b`, `/elsewhere`).
    pub(crate) fn find<'p>(&self, path: &'p str) -> Option<Found<'_, 'p>> {
        if let Some(route) = self.routes.iter().find(|route| route.path == path) {
            return Some(Found { route, name: None });
        }
        self.routes
            .iter()
            .filter(|route| route.named)
            .find_map(|route| {
                let name = path.strip_prefix(&*route.path)?.strip_prefix('/')?;
                (!name.is_empty() && !name.contains('/')).then_some(Found {
                    route,
                    name: Some(name),
                })
            })
    }

    /// Whether `path` is one of ours.
    pub(crate) fn serves(&self, path: &str) -> bool {
        self.find(path).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Routes {
        let route = |path: &str, serves, named| Route {
            path: path.to_owned(),
            serves,
            named,
        };
        Routes::new(vec![
            route(
                "/readyz/db",
                Serves::Group(Selection::new(crate::Scope::All)),
                false,
            ),
            route("/readyz", Serves::Endpoint(Endpoint::Readyz), true),
            route("/healthz", Serves::Endpoint(Endpoint::Healthz), false),
        ])
    }

    #[test]
    fn a_path_finds_its_route_and_only_its_route() {
        let routes = table();
        let found = |path| {
            routes
                .find(path)
                .map(|found| (found.route.path.as_str(), found.name))
        };
        assert_eq!(found("/readyz"), Some(("/readyz", None)));
        assert_eq!(
            found("/readyz/db"),
            Some(("/readyz/db", None)),
            "groups first"
        );
        assert_eq!(found("/readyz/cache"), Some(("/readyz", Some("cache"))));
        assert_eq!(found("/readyz/a%2Fb"), Some(("/readyz", Some("a%2Fb"))));
        for other in [
            "/readyz/",
            "/readyz/a/b",
            "/readyzz",
            "/healthz/x",
            "/",
            "",
            "/ready",
        ] {
            assert_eq!(found(other), None, "{other:?}");
        }
    }
}
