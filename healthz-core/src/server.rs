//! [`serve`]: a small HTTP/1.1 server of its own for [`Endpoints`], for processes that have no
//! web framework (queue workers, stream processors, daemons) and for health on an admin port.

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, IntoFuture, Pending, pending};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower_service::Service as _;

use crate::probe::BoxFuture;
use crate::web::{Body, Endpoints, PeerAddr};

/// The most connections served at once. Further clients wait in the listener's backlog until
/// one closes: a health port needs a handful (the kubelet, a load balancer, a scraper).
const MAX_CONNECTIONS: usize = 256;
/// The most bytes a request's head (request line and headers) may take: hyper answers 431
/// beyond it. Probes send a few hundred.
const MAX_HEAD_BYTES: usize = 16 * 1024;
// The most header fields a request may carry is hyper's own fixed cap, 100 (431 beyond). Setting
// a lower one (`max_headers`) makes hyper fill a heap array of that size on every parse, about
// 700 instructions per request (4 % of `/readyz`, BENCHMARKS.md), for no gain in safety: 100
// fields fit in the 16 KiB the head may take anyway.
/// How long a client may take to send a request's head, counted from the moment the connection
/// waits for one: a slow client, or an idle keep-alive connection, is closed after it.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a graceful shutdown waits for the requests in flight (an open event stream never
/// ends by itself) before it drops the connections left.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);
/// How long accepting pauses after an error that is not the client's (out of file descriptors,
/// say), so that the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Serves `endpoints` over HTTP/1.1 on `listener`, for a process without a web framework or for
/// health on an admin port. Await it; it runs until the listener fails for good, or until the
/// signal given to [`with_graceful_shutdown`](Serve::with_graceful_shutdown) completes.
///
/// Built on hyper 1 and hyper-util, the server beneath axum and tonic, on the caller's Tokio
/// runtime. Each connection's [`PeerAddr`] is its socket's peer, so the
/// [access policy](crate::web::AccessPolicy) judges the real client. It keeps connections alive
/// between requests and is bounded against careless and hostile clients alike:
///
/// - a request's head (request line and headers) is at most 16 KiB and 100 fields (431 beyond);
/// - a client has 5 s to send a head, whether it is slow or idle on a kept-alive connection;
/// - at most 256 connections are served at once, and the rest wait in the listener's backlog;
/// - a malformed request is answered 400, and the connection closed;
/// - a failed `accept` is logged (`tracing`, target `healthz_core::server`) and retried.
///
/// It returns `Err` only when the listener cannot accept at all (a socket that is not
/// listening).
///
/// ```no_run
/// use healthz_core::web::Endpoints;
/// use healthz_core::{Health, Shutdown, serve};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let health = Health::builder().build()?;
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:9090").await?;
/// serve(listener, Endpoints::new(health.clone()))
///     .with_graceful_shutdown(Shutdown::new(health))
///     .await?;
/// # Ok(()) }
/// ```
pub fn serve(listener: TcpListener, endpoints: Endpoints) -> Serve {
    Serve {
        listener,
        endpoints,
        signal: pending(),
    }
}

/// The server that [`serve`] returns: await it to run it.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve<F = Pending<()>> {
    listener: TcpListener,
    endpoints: Endpoints,
    signal: F,
}

impl<F> fmt::Debug for Serve<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl<F> Serve<F> {
    /// Stops gracefully when `signal` completes, as axum's `with_graceful_shutdown` does: the
    /// server stops accepting, lets each connection finish the request in flight and closes it,
    /// and resolves once all are closed, or after 10 s with the rest dropped (an open event
    /// stream does not end by itself). [`Shutdown`](crate::Shutdown) is such a signal, which
    /// drains readiness first and ends the event streams.
    ///
    /// ```no_run
    /// # async fn run(listener: tokio::net::TcpListener, health: healthz_core::Health) -> std::io::Result<()> {
    /// use healthz_core::web::Endpoints;
    ///
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let server = healthz_core::serve(listener, Endpoints::new(health))
    ///     .with_graceful_shutdown(async { stopped.await.ok(); });
    /// # drop(stop);
    /// server.await
    /// # }
    /// ```
    pub fn with_graceful_shutdown<G>(self, signal: G) -> Serve<G>
    where
        G: Future<Output = ()> + Send + 'static,
    {
        Serve {
            listener: self.listener,
            endpoints: self.endpoints,
            signal,
        }
    }
}

impl<F> IntoFuture for Serve<F>
where
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = BoxFuture<'static, io::Result<()>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(run(self.listener, self.endpoints, self.signal))
    }
}

async fn run<F>(listener: TcpListener, endpoints: Endpoints, signal: F) -> io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let http = Arc::new(http);
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut signal = std::pin::pin!(signal);
    loop {
        let accepted = tokio::select! {
            () = &mut signal => break,
            accepted = accept(&listener, &permits) => accepted,
        };
        let (stream, peer, permit) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_per_connection(&error) => continue,
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => return Err(error),
            Err(error) => {
                tracing::error!(target: "healthz_core::server", %error, "accept failed; retrying in 1 s");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let service = PeerService {
            endpoints: endpoints.clone(),
            peer,
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's own errors (a client that went away, a malformed request that
            // hyper answered 400) end that connection only.
            if let Err(error) = connection.await {
                tracing::debug!(target: "healthz_core::server", %peer, %error, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_LIMIT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            target: "healthz_core::server",
            "connections still open after 10 s of graceful shutdown; dropping them"
        );
    }
    Ok(())
}

/// Waits for a connection slot, then for a connection.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> io::Result<(TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit)> {
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let (stream, peer) = listener.accept().await?;
    Ok((stream, peer, permit))
}

/// An error of one incoming connection, not of the listener: accepting goes on at once.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// [`Endpoints`] for one connection, with its peer's address as each request's [`PeerAddr`].
struct PeerService {
    endpoints: Endpoints,
    peer: SocketAddr,
}

impl hyper::service::Service<http::Request<Incoming>> for PeerService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Infallible>>;

    fn call(&self, mut request: http::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(PeerAddr(self.peer));
        self.endpoints.clone().call(request)
    }
}
