//! The ways to serve, side by side: [`Adapter::serve`] runs one `healthz_core::web::Endpoints`
//! behind actix-web, behind axum, on `healthz_core::serve`, or through `HealthLayer` in front of a
//! plain hyper service, each on a real TCP listener on `127.0.0.1` in a thread of its own, so
//! that one list of HTTP cases runs against all four and they cannot drift apart.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use healthz_core::web::Endpoints;

/// A healthz adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapter {
    /// `healthz-actix`, on actix-web 4.
    Actix,
    /// `healthz-axum`, on axum 0.8 (served with `ConnectInfo<SocketAddr>`).
    Axum,
    /// `healthz_core::serve`, healthz's own server.
    Serve,
    /// `healthz_core::web::HealthLayer` in front of a plain hyper service, which answers every
    /// other path with an empty 404 (as a framework does).
    Layer,
}

impl Adapter {
    /// Every adapter.
    pub const ALL: [Adapter; 4] = [
        Adapter::Actix,
        Adapter::Axum,
        Adapter::Serve,
        Adapter::Layer,
    ];

    /// Whether a path under an endpoint's that is none of its routes (`/readyz/`,
    /// `/readyz/a/b`) gets the framework's own 404 (an empty body), not healthz's
    /// (`not found`): axum's router and the plain hyper service behind `HealthLayer` answer it
    /// themselves, while actix (which mounts the endpoints as prefixes) and `serve` hand it to
    /// healthz.
    pub fn has_own_404(self) -> bool {
        matches!(self, Adapter::Axum | Adapter::Layer)
    }

    /// Serves `endpoints` on `127.0.0.1:0`, one worker, until the returned server is dropped.
    ///
    /// # Panics
    ///
    /// If the port cannot be bound or the server thread cannot start.
    pub fn serve(self, endpoints: Endpoints) -> Served {
        match self {
            Adapter::Actix => serve_actix(endpoints),
            Adapter::Axum => serve_axum(endpoints, true),
            Adapter::Serve => in_thread(move |listener, stopped| async move {
                healthz_core::serve(listener, endpoints)
                    .with_graceful_shutdown(stopped)
                    .await
                    .expect("the server runs until stopped");
            }),
            Adapter::Layer => {
                in_thread(move |listener, stopped| serve_layer(listener, endpoints, stopped))
            }
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
    in_thread(move |listener, stopped| async move {
        let app = axum::Router::new().merge(healthz_axum::Endpoints::from(endpoints));
        let served = if connect_info {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(stopped)
            .await
        } else {
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
        };
        drop(served);
    })
}

/// Runs `server` on a listener bound to `127.0.0.1:0`, in a thread with a current-thread Tokio
/// runtime, until the returned [`Served`] is dropped (then `stopped` completes).
fn in_thread<F, Fut>(server: F) -> Served
where
    F: FnOnce(tokio::net::TcpListener, Stopped) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
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
            server(listener, Box::pin(async move { drop(stopped.await) })).await;
        });
    });
    let addr = started.recv().expect("the server starts");
    Served {
        addr,
        stop: Some(Box::new(move || {
            let _ = stop.send(());
        })),
        thread: Some(thread),
    }
}

/// The signal that a server in a thread stops.
type Stopped = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// `HealthLayer` in front of a hyper service of its own, served by hyper-util's connection
/// builder, each connection's peer given as `PeerAddr`; stops accepting when `stopped` completes.
async fn serve_layer(listener: tokio::net::TcpListener, endpoints: Endpoints, stopped: Stopped) {
    use healthz_core::web::{HealthLayer, PeerAddr};
    use tower::{Layer as _, ServiceExt as _};

    let app = tower::service_fn(|request: http::Request<hyper::body::Incoming>| async move {
        let body = if request.uri().path() == "/app" {
            "the app\n"
        } else {
            ""
        };
        let status = if body.is_empty() { 404 } else { 200 };
        let response = http::Response::builder()
            .status(status)
            .body(http_body_util::Full::new(bytes::Bytes::from_static(
                body.as_bytes(),
            )))
            .expect("a valid response");
        Ok::<_, std::convert::Infallible>(response)
    });
    let service = HealthLayer::new(endpoints).layer(app);
    let mut stopped = stopped;
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
        };
        let service = service.clone();
        let per_request = hyper::service::service_fn(move |mut request| {
            request.extensions_mut().insert(PeerAddr(peer));
            service.clone().oneshot(request)
        });
        tokio::spawn(async move {
            drop(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), per_request)
                    .await,
            );
        });
    }
}
