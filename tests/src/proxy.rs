//! A TCP proxy that tests put between a check and a real server to cause outages on demand.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Forward bytes both ways.
    Forward,
    /// Nothing listens: connecting is refused, and open connections are closed.
    Refuse,
    /// Accept connections and never answer; open connections stop forwarding and stay open.
    Blackhole,
}

/// A TCP proxy on `127.0.0.1` in front of one upstream address, whose [`Mode`] a test switches
/// to cut the path. Stops (closing every connection) when dropped. Needs a Tokio runtime.
///
/// It listens on a port below the kernel's ephemeral range, so while it refuses, no outgoing
/// connection can take its port and it can listen there again.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    mode: watch::Sender<Mode>,
    listener: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    /// Starts forwarding to `upstream`.
    ///
    /// # Panics
    ///
    /// If no port can be bound.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = bind_free_port().await;
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let (mode, _) = watch::channel(Mode::Forward);
        let proxy = Proxy {
            addr,
            upstream,
            mode,
            listener: Mutex::new(None),
        };
        proxy.listen(listener);
        proxy
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches to `mode`; when this returns, the mode is in effect for new connections.
    ///
    /// # Panics
    ///
    /// If the proxy cannot listen on its port again.
    pub async fn set(&self, mode: Mode) {
        let old = self.mode.send_replace(mode);
        let running = self.listener.lock().expect("not poisoned").take();
        match (mode, running) {
            (Mode::Refuse, Some(task)) => {
                task.abort();
                // The listener is closed once its task is gone.
                let _ = task.await;
            }
            (Mode::Refuse, None) => {}
            (_, Some(task)) => *self.listener.lock().expect("not poisoned") = Some(task),
            (_, None) => {
                let listener = TcpListener::bind(self.addr)
                    .await
                    .unwrap_or_else(|e| panic!("listen on {} again after {old:?}: {e}", self.addr));
                self.listen(listener);
            }
        }
    }

    /// [`Mode::Refuse`].
    pub async fn refuse(&self) {
        self.set(Mode::Refuse).await;
    }

    /// [`Mode::Blackhole`].
    pub async fn blackhole(&self) {
        self.set(Mode::Blackhole).await;
    }

    /// [`Mode::Forward`] again.
    pub async fn restore(&self) {
        self.set(Mode::Forward).await;
    }

    fn listen(&self, listener: TcpListener) {
        let (upstream, mode) = (self.upstream, self.mode.subscribe());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, upstream, mode.clone()));
            }
        });
        *self.listener.lock().expect("not poisoned") = Some(task);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(task) = self.listener.lock().expect("not poisoned").take() {
            task.abort();
        }
        // Dropping `mode` ends every connection.
    }
}

/// One client connection, for as long as the mode lets it live.
async fn serve(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let mut next = *mode.borrow_and_update();
    if next == Mode::Forward {
        let Ok(mut server) = TcpStream::connect(upstream).await else {
            return;
        };
        next = tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            next = leaves(&mut mode, Mode::Forward) => next,
        };
        if next == Mode::Blackhole {
            // Hold both ends, silent, until the mode changes again.
            let _ = mode.changed().await;
        }
        return;
    }
    if next == Mode::Blackhole {
        let _ = mode.changed().await;
    }
}

/// Waits until the mode is no longer `current`; `Refuse` if the proxy is gone.
async fn leaves(mode: &mut watch::Receiver<Mode>, current: Mode) -> Mode {
    loop {
        if mode.changed().await.is_err() {
            return Mode::Refuse;
        }
        let next = *mode.borrow_and_update();
        if next != current {
            return next;
        }
    }
}

/// Binds `127.0.0.1` on a free port below the ephemeral range (or any free port if the range
/// leaves no room below it).
async fn bind_free_port() -> TcpListener {
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    if low > 11_024 {
        let span = 10_000;
        let start = spread() % span;
        for i in 0..200 {
            let port = low - span + (start + i * 37) % span;
            if let Ok(listener) = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
                return listener;
            }
        }
    }
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind a port on 127.0.0.1")
}

/// A number that differs between processes and calls, to spread concurrent tests over ports.
fn spread() -> u16 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    u16::try_from(hasher.finish() % u64::from(u16::MAX)).unwrap_or(0)
}
