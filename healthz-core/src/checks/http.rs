//! [`http`](fn@http): an HTTP upstream answers `GET` with a 2xx status.

use super::CheckFuture;
use super::sealed::Handle;

/// An HTTP client that [`http`](fn@http) can send its request with.
///
/// Implemented, with the feature `reqwest-0_13`, for reqwest 0.13's `Client`, so the check
/// uses your client's TLS, proxy, headers and redirect policy. healthz enables no reqwest
/// features (no TLS): enable the ones you need on your own reqwest dependency. The trait is
/// sealed: a later reqwest major gets its own feature and implementation, and your calls stay
/// the same.
pub trait HttpClient: for<'url> Handle<&'url str> {}

/// Checks that `GET url` answers with a 2xx status. The body is read (up to 64 KiB, so the
/// connection can be reused) and otherwise ignored.
///
/// Passes with the latency in milliseconds as the observed value. Fails with
/// `GET http://payments:8080/healthz answered 503 Service Unavailable`,
/// `GET …: error sending request: …` (connection refused, DNS, TLS),
/// `GET …: no response within 500ms`, or `invalid URL …` for a URL that does not parse.
/// A password in the URL is shown as `***`, and so are `token=`-like query parameters.
///
/// ```no_run
/// use healthz_core::{Health, ProbeOptions, checks};
///
/// # fn demo() -> Result<(), healthz_core::BuildError> {
/// let client = reqwest::Client::new();
/// let health = Health::builder()
///     .readiness("payments", ProbeOptions::new(), move || {
///         checks::http(&client, "http://payments.internal:8080/readyz")
///     })
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn http(client: &impl HttpClient, url: &str) -> CheckFuture {
    client.check(url)
}

/// reqwest 0.13. A later major goes in a module of its own beside this one, behind its own
/// feature.
mod reqwest_0_13 {
    use futures_util::TryFutureExt as _;
    use reqwest::{Client, Url};

    use crate::Check;
    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome};

    /// How much of a body is read so the connection can go back to the client's pool.
    const MAX_BODY: usize = 64 * 1024;

    impl super::HttpClient for Client {}

    impl Handle<&str> for Client {
        fn check(&self, url: &str) -> CheckFuture {
            match Url::parse(url) {
                Ok(url) => {
                    let client = self.clone();
                    CheckFuture::new(format!("GET {url}"), move |budget| get(client, url, budget))
                }
                Err(e) => {
                    let reason = format!("invalid URL {url:?}: {e}");
                    CheckFuture::new("HTTP", move |_| async move { Err(reason) })
                }
            }
        }
    }

    async fn get(client: Client, url: Url, budget: Budget) -> Outcome {
        let send = client.get(url).send().map_err(reqwest::Error::without_url);
        let mut response = budget.step(send, "no response", "").await?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{} answered {status}", budget.what()));
        }
        // Read a small body to its end so the connection is reused; a large one is dropped.
        let missed = format!("answered {status}, but the body did not end");
        let failed = format!("answered {status}, then the body failed");
        let mut read = 0;
        while read <= MAX_BODY {
            let chunk = response.chunk().map_err(reqwest::Error::without_url);
            match budget.step(chunk, &missed, &failed).await? {
                Some(chunk) => read += chunk.len(),
                None => break,
            }
        }
        Ok(Check::pass())
    }
}
