//! The order of decisions: route, access, method, query, form, evaluation, status. Every
//! answer of the endpoints is made here, whoever serves them.

use bytes::Bytes;
use http::StatusCode;
use percent_encoding::percent_decode_str;

use super::dashboard;
use super::negotiate;
use super::query::Query;
use super::request::{Headers, Request};
use super::response::{Answer, Body, Header};
use super::routes::Serves;
use super::stream::{EventStream, MAX_EVENT_STREAMS};
use super::{Endpoints, Shared};
use crate::escape::printable;
use crate::selection::Selection;
use crate::{Detail, Scope, Status};

/// Answers `request`, in the order of the [module docs](super).
pub(crate) async fn answer<H: Headers + ?Sized>(
    endpoints: &Endpoints,
    request: &Request<'_, H>,
) -> Answer {
    let shared = &*endpoints.shared;
    let Some(found) = shared.routes.find(request.path) else {
        return Answer::not_found();
    };
    // Decided before anything else, so a refused caller learns nothing and runs no probe.
    let detail = match shared.access.check(request.peer, request.headers) {
        Ok(detail) => detail,
        Err(denial) => {
            tracing::debug!(peer = ?request.peer, ?denial, "healthz: request refused");
            let answer = Answer::text(denial.status(), denial.message());
            return match denial.challenge() {
                Some(challenge) => answer.with(Header::WwwAuthenticate, challenge),
                None => answer,
            };
        }
    };
    if !matches!(request.method, "GET" | "HEAD") {
        return Answer::method_not_allowed(request.method);
    }
    let serves = &found.route.serves;
    match serves {
        Serves::Dashboard => return page(),
        Serves::Events => return events(shared, detail, request.method == "HEAD"),
        Serves::Endpoint(_) | Serves::Group(_) => {}
    }
    let query = match Query::parse(request.query) {
        Ok(query) => query,
        Err(error) => return Answer::error(StatusCode::BAD_REQUEST, error),
    };
    let (format, content_type) = negotiate::form(&query, request.headers);
    let health = &shared.health;
    let (status, body) = match (serves, found.name) {
        (Serves::Endpoint(endpoint), Some(raw)) => {
            let Scope::Kind(kind) = endpoint.scope() else {
                return Answer::not_found();
            };
            // The segment as it came: decoded once, here, whatever the framework left encoded.
            let name = percent_decode_str(raw).decode_utf8_lossy();
            match health.check_probe(kind, &name).await {
                Some(report) => (report.status(), report.to_bytes(detail, format)),
                None => {
                    return Answer::error(
                        StatusCode::NOT_FOUND,
                        format_args!("no {kind} probe is named `{}`", printable(&name)),
                    );
                }
            }
        }
        (Serves::Endpoint(endpoint), None) if query.exclude.is_empty() && query.tags.is_empty() => {
            // The hot path: a body reused while every result it shows is fresh.
            let rendered = health.render(endpoint.scope(), detail, format).await;
            (rendered.status(), rendered.into_body())
        }
        (serves, _) => {
            let mut selection = match serves {
                Serves::Endpoint(endpoint) => Selection::new(endpoint.scope()),
                Serves::Group(selection) => selection.clone(),
                Serves::Dashboard | Serves::Events => return Answer::not_found(),
            };
            if !query.tags.is_empty() {
                selection = selection.tags(query.tags.iter().map(|t| t.clone().into_owned()));
            }
            let exclude: Vec<&str> = query.exclude.iter().map(|e| &**e).collect();
            let report = health.select(&selection, &exclude).await;
            (report.status(), report.to_bytes(detail, format))
        }
    };
    let status = match status {
        Status::Pass => StatusCode::OK,
        Status::Warn => shared.warn_status,
        Status::Fail => StatusCode::SERVICE_UNAVAILABLE,
    };
    Answer::new(status, content_type, Body::Full(body))
}

/// The dashboard page.
fn page() -> Answer {
    Answer::new(
        StatusCode::OK,
        dashboard::HTML,
        Body::Full(Bytes::from_static(dashboard::PAGE.as_bytes())),
    )
    .with_more(&*dashboard::PAGE_HEADERS)
}

/// An event stream for a caller who sees `detail`; headers only for `HEAD`.
fn events(shared: &Shared, detail: Detail, head: bool) -> Answer {
    let body = if head {
        Body::Full(Bytes::new())
    } else {
        match EventStream::open(&shared.health, detail, &shared.streams) {
            Some(stream) => Body::Events(stream),
            None => {
                return Answer::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format_args!(
                        "too many event streams are open ({MAX_EVENT_STREAMS}): try again later"
                    ),
                );
            }
        }
    };
    Answer::new(StatusCode::OK, dashboard::EVENT_STREAM, body).with_more(&dashboard::STREAM_HEADERS)
}
