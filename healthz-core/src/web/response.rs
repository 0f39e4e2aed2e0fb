//! What the endpoints answer: an [`Answer`] (status, headers from a fixed set, [`Body`]), and
//! the same as an `http::Response`.

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream as _;
use http::StatusCode;
use http_body::{Frame, SizeHint};

use super::stream::EventStream;
use crate::escape::printable;

/// The media type of JSON health reports (IETF draft "Health Check Response Format for HTTP APIs").
pub(crate) const HEALTH_JSON: &str = "application/health+json";

/// The media type of the Kubernetes `?verbose` text and of every error.
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";

/// The `Cache-Control` of every answer: a health answer is never cached on the way.
const NO_STORE: &str = "no-store";

/// The `X-Content-Type-Options` of every answer: bodies may echo what the caller sent, so they
/// are never sniffed.
const NOSNIFF: &str = "nosniff";

/// The body of an answer: the whole of it, or the event stream of `/healthz/events`, which goes
/// on for as long as the client listens. An [`http_body::Body`] of [`Bytes`] that never fails.
pub enum Body {
    /// A whole body, sent at once.
    Full(Bytes),
    /// Server-Sent Events, chunk by chunk.
    Events(EventStream),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Full(bytes) => f.debug_tuple("Full").field(&bytes.len()).finish(),
            Body::Events(_) => f.write_str("Events"),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(bytes) if bytes.is_empty() => Poll::Ready(None),
            Body::Full(bytes) => Poll::Ready(Some(Ok(Frame::data(std::mem::take(bytes))))),
            Body::Events(stream) => Pin::new(stream)
                .poll_next(cx)
                .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(bytes) if bytes.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Body::Events(_) => SizeHint::default(),
        }
    }
}

/// A header the endpoints answer with. Adapters map it to their framework's constant, so that no
/// name is parsed per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Header {
    /// `content-type`.
    ContentType,
    /// `cache-control`.
    CacheControl,
    /// `x-content-type-options`.
    XContentTypeOptions,
    /// `allow`, on 405.
    Allow,
    /// `www-authenticate`, on 401 (and on 400 for several `Authorization` headers).
    WwwAuthenticate,
    /// `content-security-policy`, on the dashboard.
    ContentSecurityPolicy,
    /// `x-frame-options`, on the dashboard.
    XFrameOptions,
    /// `referrer-policy`, on the dashboard.
    ReferrerPolicy,
    /// `x-accel-buffering`, on the event stream: nginx would buffer it otherwise.
    XAccelBuffering,
}

impl Header {
    /// The name, in lower case.
    ///
    /// ```
    /// use healthz_core::web::adapter::Header;
    ///
    /// assert_eq!(Header::CacheControl.as_str(), "cache-control");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Header::ContentType => "content-type",
            Header::CacheControl => "cache-control",
            Header::XContentTypeOptions => "x-content-type-options",
            Header::Allow => "allow",
            Header::WwwAuthenticate => "www-authenticate",
            Header::ContentSecurityPolicy => "content-security-policy",
            Header::XFrameOptions => "x-frame-options",
            Header::ReferrerPolicy => "referrer-policy",
            Header::XAccelBuffering => "x-accel-buffering",
        }
    }

    /// The name as `http`'s constant.
    const fn http(self) -> http::HeaderName {
        match self {
            Header::ContentType => http::header::CONTENT_TYPE,
            Header::CacheControl => http::header::CACHE_CONTROL,
            Header::XContentTypeOptions => http::header::X_CONTENT_TYPE_OPTIONS,
            Header::Allow => http::header::ALLOW,
            Header::WwwAuthenticate => http::header::WWW_AUTHENTICATE,
            Header::ContentSecurityPolicy => http::header::CONTENT_SECURITY_POLICY,
            Header::XFrameOptions => http::header::X_FRAME_OPTIONS,
            Header::ReferrerPolicy => http::header::REFERRER_POLICY,
            Header::XAccelBuffering => http::HeaderName::from_static("x-accel-buffering"),
        }
    }
}

/// A header value as `http`'s type. Every value the endpoints answer with is visible ASCII,
/// known when healthz is built or (the dashboard's policy) computed once; those of every answer
/// are built at compile time, the others checked by `HeaderValue::from_static`, which cannot
/// fail on them.
fn http_value(value: &'static str) -> http::HeaderValue {
    match value {
        HEALTH_JSON => const { http::HeaderValue::from_static(HEALTH_JSON) },
        TEXT => const { http::HeaderValue::from_static(TEXT) },
        NO_STORE => const { http::HeaderValue::from_static(NO_STORE) },
        NOSNIFF => const { http::HeaderValue::from_static(NOSNIFF) },
        other => http::HeaderValue::from_static(other),
    }
}

/// The headers every answer carries besides its `Content-Type`.
const ALWAYS: [(Header, &str); 2] = [
    (Header::CacheControl, NO_STORE),
    (Header::XContentTypeOptions, NOSNIFF),
];

/// An answer of the endpoints: status, headers and body. An adapter copies it into its
/// framework's response.
#[derive(Debug)]
#[non_exhaustive]
pub struct Answer {
    /// The status code.
    pub status: StatusCode,
    /// The body.
    pub body: Body,
    content_type: &'static str,
    extra: Option<(Header, &'static str)>,
    /// The dashboard's and the event stream's own headers.
    more: &'static [(Header, &'static str)],
}

impl Answer {
    pub(crate) fn new(status: StatusCode, content_type: &'static str, body: Body) -> Self {
        Answer {
            status,
            body,
            content_type,
            extra: None,
            more: &[],
        }
    }

    /// A one-line `text/plain` error, in one allocation (the text, fitted to its length: a
    /// `Bytes` made from a `String` with room to spare allocates a second block to share it).
    pub(crate) fn error(status: StatusCode, message: impl fmt::Display) -> Self {
        let text = format!("{message}\n").into_boxed_str().into_boxed_bytes();
        Answer::new(status, TEXT, Body::Full(Bytes::from(text)))
    }

    /// A constant one-line `text/plain` answer, allocating nothing.
    pub(crate) fn text(status: StatusCode, text: &'static str) -> Self {
        Answer::new(
            status,
            TEXT,
            Body::Full(Bytes::from_static(text.as_bytes())),
        )
    }

    /// `404 not found`, allocating nothing.
    pub(crate) fn not_found() -> Self {
        Answer::text(StatusCode::NOT_FOUND, "not found\n")
    }

    /// `405` for `method`, with `Allow`. The methods HTTP defines besides `GET` and `HEAD` get a
    /// constant answer (no allocation for a scanner's `POST`); any other is echoed, escaped.
    pub(crate) fn method_not_allowed(method: &str) -> Self {
        macro_rules! known {
            ($($method:literal)*) => {
                match method {
                    $($method => Some(concat!(
                        "method ", $method, " is not allowed here: use GET or HEAD\n"
                    )),)*
                    _ => None,
                }
            };
        }
        let answer = match known!("POST" "PUT" "DELETE" "PATCH" "OPTIONS" "TRACE" "CONNECT") {
            Some(text) => Answer::text(StatusCode::METHOD_NOT_ALLOWED, text),
            None => Answer::error(
                StatusCode::METHOD_NOT_ALLOWED,
                format_args!(
                    "method {} is not allowed here: use GET or HEAD",
                    printable(method)
                ),
            ),
        };
        answer.with(Header::Allow, "GET, HEAD")
    }

    pub(crate) fn with(mut self, name: Header, value: &'static str) -> Self {
        self.extra = Some((name, value));
        self
    }

    pub(crate) fn with_more(mut self, more: &'static [(Header, &'static str)]) -> Self {
        self.more = more;
        self
    }

    /// Every header and its value: `content-type`, `cache-control` and `x-content-type-options`
    /// always, `allow` or `www-authenticate` where they apply, and the dashboard's own.
    pub fn headers(&self) -> impl Iterator<Item = (Header, &'static str)> + '_ {
        std::iter::once((Header::ContentType, self.content_type))
            .chain(ALWAYS)
            .chain(self.extra)
            .chain(self.more.iter().copied())
    }

    /// The answer as an `http::Response`.
    pub(crate) fn into_http(self) -> http::Response<Body> {
        let mut headers = http::HeaderMap::with_capacity(4 + self.more.len());
        for (name, value) in self.headers() {
            headers.insert(name.http(), http_value(value));
        }
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        response
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::*;

    fn body(answer: &Answer) -> &[u8] {
        match &answer.body {
            Body::Full(bytes) => bytes,
            Body::Events(_) => b"",
        }
    }

    #[test]
    fn a_known_method_gets_the_message_any_method_gets() {
        for method in [
            "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW", "P\nST",
        ] {
            let answer = Answer::method_not_allowed(method);
            let formatted = format!(
                "method {} is not allowed here: use GET or HEAD\n",
                printable(method)
            );
            assert_eq!(answer.status, 405);
            assert_eq!(body(&answer), formatted.as_bytes(), "{method}");
            assert!(
                answer.headers().any(|h| h == (Header::Allow, "GET, HEAD")),
                "{method}"
            );
        }
        assert_eq!(body(&Answer::not_found()), b"not found\n");
    }

    #[test]
    fn each_header_value_is_the_value_it_names() {
        for value in [HEALTH_JSON, TEXT, NO_STORE, NOSNIFF, "GET, HEAD", "no"] {
            assert_eq!(http_value(value), http::HeaderValue::from_static(value));
            assert_eq!(http_value(value).to_str().unwrap(), value);
        }
    }

    #[tokio::test]
    async fn an_http_response_carries_every_header_and_the_whole_body() {
        let answer = Answer::method_not_allowed("PUT");
        let expected: Vec<(String, String)> = answer
            .headers()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_owned()))
            .collect();
        let response = answer.into_http();
        assert_eq!(response.status(), 405);
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(headers, expected);
        let body = response.into_body();
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(48));
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(
            &bytes[..],
            b"method PUT is not allowed here: use GET or HEAD\n"
        );
    }
}
