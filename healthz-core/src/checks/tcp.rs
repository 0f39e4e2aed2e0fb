//! [`tcp`]: an address accepts TCP connections.

use std::fmt;

use tokio::net::TcpStream;

use super::{Budget, CheckFuture, Outcome};
use crate::Check;

/// Checks that `addr` (`"host:port"`, or a `SocketAddr`) accepts a TCP connection, then closes
/// it. The host is resolved on every run, so a moved DNS name is followed.
///
/// Passes with the connect latency in milliseconds as the observed value. Fails with
/// `TCP db:5432: Connection refused (os error 111)`, `TCP db:5432: no connection within 500ms`
/// (the packets are dropped), or a resolution error.
///
/// This proves that something listens, not that it works: a server that accepts connections and
/// never answers passes. Prefer [`sql`](super::sql), [`redis`](fn@super::redis) or
/// [`http`](fn@super::http) where they apply.
///
/// ```
/// use healthz_core::{Status, checks};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// assert_eq!(checks::tcp(addr).await.status(), Status::Pass);
///
/// drop(listener);
/// let check = checks::tcp(addr).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert!(check.output().unwrap().starts_with(&format!("TCP {addr}: ")));
/// # }
/// ```
pub fn tcp(addr: impl fmt::Display) -> CheckFuture {
    let addr = addr.to_string();
    CheckFuture::new(format!("TCP {addr}"), move |budget| connect(addr, budget))
}

async fn connect(addr: String, budget: Budget) -> Outcome {
    let stream = budget
        .step(TcpStream::connect(addr.as_str()), "no connection", "")
        .await?;
    drop(stream);
    Ok(Check::pass())
}
