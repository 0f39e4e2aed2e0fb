//! Probing a health endpoint from the command line, for container `HEALTHCHECK`s in images
//! without `curl` (distroless, scratch): the service's own binary probes itself.
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     // Dockerfile: HEALTHCHECK --interval=10s --timeout=3s CMD ["/app/my-service", "healthcheck"]
//!     if std::env::args().nth(1).as_deref() == Some("healthcheck") {
//!         return healthz_core::healthcheck("http://127.0.0.1:8080/livez");
//!     }
//!     // ... start the service ...
//!     ExitCode::SUCCESS
//! }
//! ```

use std::fmt;
use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The timeout [`healthcheck`] gives [`probe_url`]: below Docker's default `--timeout` of 30 s and
/// the usual `timeoutSeconds` of a few seconds.
pub(crate) const HEALTHCHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The most response bytes read: enough for the status line and headers.
const MAX_HEAD: usize = 8 * 1024;

/// Why [`probe_url`] got no HTTP status.
#[derive(Debug)]
#[non_exhaustive]
pub(crate) enum ProbeUrlError {
    /// The URL is not `http://host[:port][/path]`.
    Url(String),
    /// The host did not resolve, or the connection failed.
    Connect(io::Error),
    /// No complete answer within the timeout.
    Timeout(Duration),
    /// The answer was not an HTTP/1.x response.
    Protocol(String),
}

impl fmt::Display for ProbeUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeUrlError::Url(reason) => write!(f, "invalid URL: {reason}"),
            ProbeUrlError::Connect(e) => write!(f, "cannot connect: {e}"),
            ProbeUrlError::Timeout(t) => {
                write!(f, "no answer within {}", humantime::format_duration(*t))
            }
            ProbeUrlError::Protocol(reason) => write!(f, "not an HTTP response: {reason}"),
        }
    }
}

impl std::error::Error for ProbeUrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProbeUrlError::Connect(e) => Some(e),
            _ => None,
        }
    }
}

/// Sends `GET` to an `http://` URL and returns the response's status code. Blocking; everything
/// (resolving, connecting, writing, reading) happens within `timeout`. Plain HTTP only: it is
/// meant for a service probing itself on loopback.
///
/// # Errors
///
/// A [`ProbeUrlError`] saying what went wrong.
pub(crate) fn probe_url(url: &str, timeout: Duration) -> Result<u16, ProbeUrlError> {
    let deadline = Instant::now() + timeout;
    let (host, port, path) = parse(url)?;
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(ProbeUrlError::Connect)?
        .collect();
    let mut stream = connect(&addrs, deadline, timeout)?;
    let authority = if port == 80 {
        host.to_owned()
    } else {
        format!("{host}:{port}")
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: healthz-healthcheck\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    set_timeouts(&stream, deadline, timeout)?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| io_error(e, timeout))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0_u8; 1024];
    while !head.windows(2).any(|w| w == b"\r\n") {
        set_timeouts(&stream, deadline, timeout)?;
        let n = stream.read(&mut buf).map_err(|e| io_error(e, timeout))?;
        if n == 0 {
            return Err(ProbeUrlError::Protocol(if head.is_empty() {
                "the connection closed without a response".into()
            } else {
                "the connection closed in the middle of the status line".into()
            }));
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_HEAD {
            return Err(ProbeUrlError::Protocol(
                "no status line in the first 8 KiB".into(),
            ));
        }
    }
    status_code(&head)
}

/// Probes `url` (a plain `http://` URL, within 3 s) and turns the answer into a process exit code: success for a
/// 2xx status, failure otherwise. It prints one line saying what it saw (stdout on success, stderr
/// on failure), which `docker inspect` shows as the health check's output.
pub fn healthcheck(url: &str) -> ExitCode {
    match probe_url(url, HEALTHCHECK_TIMEOUT) {
        Ok(status) if (200..300).contains(&status) => {
            println!("healthy: {url} answered {status}");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("unhealthy: {url} answered {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("unhealthy: {url}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(url: &str) -> Result<(&str, u16, &str), ProbeUrlError> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(ProbeUrlError::Url(format!(
            "`{url}` is not an http:// URL (https is not supported: probe the service on loopback)"
        )));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if path.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(ProbeUrlError::Url(format!(
            "the path of `{url}` holds whitespace or control characters"
        )));
    }
    if authority.contains('@') {
        return Err(ProbeUrlError::Url(
            "credentials in the URL are not supported".into(),
        ));
    }
    let port_of = |port: &str| {
        port.parse::<u16>()
            .map_err(|_| ProbeUrlError::Url(format!("invalid port `{port}` in `{url}`")))
    };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // An IPv6 literal: `[::1]` or `[::1]:8080`.
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(ProbeUrlError::Url(format!("unclosed `[` in `{url}`")));
        };
        match after {
            "" => (host, 80),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, port_of(port)?),
                None => {
                    return Err(ProbeUrlError::Url(format!(
                        "unexpected `{after}` after `]` in `{url}`"
                    )));
                }
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, port_of(port)?),
            None => (authority, 80),
        }
    };
    if host.is_empty() {
        return Err(ProbeUrlError::Url(format!("`{url}` has no host")));
    }
    Ok((host, port, path))
}

fn connect(
    addrs: &[SocketAddr],
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream, ProbeUrlError> {
    let mut last = None;
    for addr in addrs {
        let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return Err(ProbeUrlError::Timeout(timeout));
        };
        match TcpStream::connect_timeout(addr, left) {
            Ok(stream) => return Ok(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                return Err(ProbeUrlError::Timeout(timeout));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(ProbeUrlError::Connect(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, "the host resolved to no address")
    })))
}

fn set_timeouts(
    stream: &TcpStream,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), ProbeUrlError> {
    let left = deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or(ProbeUrlError::Timeout(timeout))?;
    stream
        .set_read_timeout(Some(left))
        .map_err(ProbeUrlError::Connect)?;
    stream
        .set_write_timeout(Some(left))
        .map_err(ProbeUrlError::Connect)
}

fn io_error(error: io::Error, timeout: Duration) -> ProbeUrlError {
    match error.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ProbeUrlError::Timeout(timeout),
        _ => ProbeUrlError::Connect(error),
    }
}

/// The status code of `HTTP/1.1 200 OK\r\n...`.
fn status_code(head: &[u8]) -> Result<u16, ProbeUrlError> {
    let line_end = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..line_end]);
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        let shown: String = line.chars().take(60).collect();
        return Err(ProbeUrlError::Protocol(format!(
            "unexpected status line `{}`",
            shown.escape_debug()
        )));
    }
    code.parse().map_err(|_| {
        ProbeUrlError::Protocol(format!("invalid status code `{}`", code.escape_debug()))
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::TcpListener;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(5);

    #[test]
    fn a_refused_connection_is_a_connect_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let error = probe_url(&format!("http://127.0.0.1:{port}/livez"), TIMEOUT).unwrap_err();
        assert!(matches!(error, ProbeUrlError::Connect(_)), "{error:?}");
        assert!(error.to_string().starts_with("cannot connect: "), "{error}");
        assert_eq!(
            healthcheck(&format!("http://127.0.0.1:{port}/livez")),
            ExitCode::FAILURE
        );
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        // Accept and hold the connection without answering.
        let holder = std::thread::spawn(move || listener.accept().map(|(stream, _)| stream));
        let error = probe_url(
            &format!("http://127.0.0.1:{port}/livez"),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(matches!(error, ProbeUrlError::Timeout(_)), "{error:?}");
        assert_eq!(error.to_string(), "no answer within 300ms");
        drop(holder.join());
    }

    #[test]
    fn a_non_http_answer_is_a_protocol_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0_u8; 1024];
            let n = stream.read(&mut request).unwrap();
            stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").unwrap();
            String::from_utf8_lossy(&request[..n]).into_owned()
        });
        let error =
            probe_url(&format!("http://127.0.0.1:{port}/readyz?verbose"), TIMEOUT).unwrap_err();
        assert!(matches!(error, ProbeUrlError::Protocol(_)), "{error:?}");
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /readyz?verbose HTTP/1.1\r\nHost: 127.0.0.1:"),
            "{request}"
        );
        assert!(request.contains("Connection: close\r\n"), "{request}");
    }

    #[test]
    fn a_connection_closed_without_an_answer_is_a_protocol_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || drop(listener.accept()));
        let error = probe_url(&format!("http://127.0.0.1:{port}/"), TIMEOUT).unwrap_err();
        server.join().unwrap();
        assert!(
            matches!(&error, ProbeUrlError::Protocol(m) if m.contains("closed"))
                || matches!(error, ProbeUrlError::Connect(_)),
            "{error:?}"
        );
    }

    #[test]
    fn the_status_code_is_read_from_the_status_line() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0_u8; 1024];
            let _ = stream.read(&mut request).unwrap();
            stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
        });
        let status = probe_url(&format!("http://127.0.0.1:{port}/readyz"), TIMEOUT).unwrap();
        server.join().unwrap();
        assert_eq!(status, 503);
    }

    #[test]
    fn urls() {
        assert_eq!(
            parse("http://127.0.0.1:8080/livez").unwrap(),
            ("127.0.0.1", 8080, "/livez")
        );
        assert_eq!(parse("http://localhost").unwrap(), ("localhost", 80, "/"));
        assert_eq!(
            parse("http://[::1]:9000/readyz?verbose").unwrap(),
            ("::1", 9000, "/readyz?verbose")
        );
        assert_eq!(parse("http://[::1]/x").unwrap(), ("::1", 80, "/x"));
        for (bad, reason) in [
            ("https://x/", "not an http:// URL"),
            ("ftp://x", "not an http:// URL"),
            ("http://:80/", "has no host"),
            ("http://h:99999/", "invalid port"),
            ("http://h:port/", "invalid port"),
            ("http://u:p@h/", "credentials"),
            ("http://h/a b", "whitespace"),
        ] {
            let error = parse(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n").unwrap(), 200);
        assert_eq!(
            status_code(b"HTTP/1.0 503 Service Unavailable\r\nx").unwrap(),
            503
        );
        assert_eq!(status_code(b"HTTP/1.1 204\r\n").unwrap(), 204);
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n",
            b"HTTP/1.1 abc OK\r\n",
            b"\r\n",
        ] {
            assert!(
                matches!(status_code(bad), Err(ProbeUrlError::Protocol(_))),
                "{bad:?}"
            );
        }
    }
}
