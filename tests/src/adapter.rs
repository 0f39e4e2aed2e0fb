//! The adapters, side by side: [`Adapter::serve`] runs one `healthz_core::web::Endpoints` behind
//! actix-web or behind axum, each on a real TCP listener on `127.0.0.1` in a thread of its own,
//! so that one list of HTTP cases runs against both and they cannot drift apart.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use healthz_actix::web::Endpoints;

/// A healthz adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// `healthz-actix`, on actix-web 4.
    Actix,
    /// `healthz-axum`, on axum 0.8 (served with `ConnectInfo<SocketAddr>`).
    Axum,
}

impl Adapter {
    /// Every adapter.
    pub const ALL: [Adapter; 2] = [Adapter::Actix, Adapter::Axum];

    /// Serves `endpoints` on `127.0.0.1:0`, one worker, until the returned server is dropped.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound or the server thread cannot start.
    pub fn serve(self, endpoints: Endpoints) -> Served {
        match self {
            Adapter::Actix => serve_actix(endpoints),
            Adapter::Axum => serve_axum(endpoints, true),
        }
    }

    /// Serves `endpoints` behind axum *without* `into_make_service_with_connect_info`: the
    /// client's address is then unknown to healthz.
    ///
    /// # Panics
    ///
    /// As [`serve`](Self::serve).
    pub fn serve_axum_without_connect_info(endpoints: Endpoints) -> Served {
        serve_axum(endpoints, false)
    }
}

/// A server running in a thread of its own; stops (and joins the thread) when dropped.
pub struct Served {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<JoinHandle<()>>,
}

impl Served {
    /// `http://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn serve_actix(endpoints: Endpoints) -> Served {
    let (ready, started) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || {
                actix_web::App::new().service(healthz_actix::Endpoints::from(endpoints.clone()))
            })
            .workers(1)
            .disable_signals()
            .bind(("127.0.0.1", 0))
            .expect("bind an ephemeral port");
            let addr = server.addrs()[0];
            let server = server.run();
            ready
                .send((addr, server.handle()))
                .expect("the test waits for the address");
            drop(server.await);
        });
    });
    let (addr, handle) = started.recv().expect("the actix server starts");
    Served {
        addr,
        stop: Some(Box::new(move || drop(handle.stop(false)))),
        thread: Some(thread),
    }
}

fn serve_axum(endpoints: Endpoints, connect_info: bool) -> Served {
    let (ready, started) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                .await
                .expect("bind an ephemeral port");
            let addr = listener
                .local_addr()
                .expect("a bound listener has an address");
            ready.send(addr).expect("the test waits for the address");
            let app = axum::Router::new().merge(healthz_axum::Endpoints::from(endpoints));
            let shutdown = async {
                drop(stopped.await);
            };
            let served = if connect_info {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(shutdown)
                .await
            } else {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .await
            };
            drop(served);
        });
    });
    let addr = started.recv().expect("the axum server starts");
    Served {
        addr,
        stop: Some(Box::new(move || {
            let _ = stop.send(());
        })),
        thread: Some(thread),
    }
}
