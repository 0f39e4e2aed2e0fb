//! Which form a caller gets: the Kubernetes `?verbose` text or `application/health+json`.

use super::query::Query;
use super::request::Headers;
use super::response::{HEALTH_JSON, TEXT};
use crate::report::Format;

/// The form of the report, and its `Content-Type`: text for `?verbose` or an `Accept` that asks
/// for `text/plain` before any JSON type, JSON otherwise.
pub(crate) fn form(query: &Query<'_>, headers: &(impl Headers + ?Sized)) -> (Format, &'static str) {
    if query.verbose || wants_text(headers) {
        (Format::Text, TEXT)
    } else {
        (Format::Json, HEALTH_JSON)
    }
}

/// Whether the caller asked for text with `Accept` (and not for JSON first).
fn wants_text(headers: &(impl Headers + ?Sized)) -> bool {
    for value in headers.values("accept") {
        let Ok(accept) = std::str::from_utf8(value) else {
            continue;
        };
        for range in accept.split(',') {
            let media = range.split(';').next().unwrap_or("").trim();
            if media.eq_ignore_ascii_case("text/plain") {
                return true;
            }
            if media.to_ascii_lowercase().contains("json") {
                return false;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_the_first_of_text_and_json() {
        let with = |accept: &[&str]| {
            let mut headers = http::HeaderMap::new();
            for value in accept {
                headers.append(http::header::ACCEPT, value.parse().unwrap());
            }
            form(&Query::default(), &headers).0
        };
        assert_eq!(with(&[]), Format::Json);
        assert_eq!(with(&["text/plain"]), Format::Text);
        assert_eq!(with(&["TEXT/PLAIN; q=0.5"]), Format::Text);
        assert_eq!(with(&["application/json, text/plain"]), Format::Json);
        assert_eq!(with(&["text/html, text/plain"]), Format::Text);
        assert_eq!(with(&["*/*"]), Format::Json);
        let verbose = Query {
            verbose: true,
            ..Query::default()
        };
        assert_eq!(form(&verbose, &http::HeaderMap::new()).0, Format::Text);
    }
}
