//! The server that `bench/run` loads: one process, one set of actix workers, serving
//!
//! | path | what |
//! |---|---|
//! | `/bare` | a plain actix handler returning a constant `application/health+json` body: the bytes `/readyz` served at start |
//! | `/hand` | what people write by hand: a handler returning `{"status":"pass"}` |
//! | `/bare?livez` | as `/bare`, with the bytes `/livez` served at start: the baseline with `/livez`'s own body (a query rather than a route of its own: actix tries routes in turn, and one more before the endpoints would cost every healthz request a failed match; on axum, whose router is a tree, it is the route `/bare-livez`) |
//! | `/bare?floor` | the least an endpoint must do to answer what `/livez` answers afresh, by hand, without healthz ([`floor`]); on axum the route `/floor` |
//! | `/livez`, `/readyz`, `/healthz`, … | `healthz_actix::Endpoints`: one uncached liveness probe, ten readiness probes cached for 1 s |
//! | `/hang/readyz` | `Endpoints` over a second `Health` whose one readiness probe never finishes (`timeout = 200ms`, no cache) |
//! | `/stats` | probe run counts, the Tokio tasks alive in every runtime of the process, and how long `/hang/...` requests spent in the server (p50, p99, max; `?reset` clears them), as JSON |
//!
//! `healthz-bench-server [--bind ADDR] [--workers N] [--framework actix|axum|grpc|serve] [--static-bind ADDR] [--ready-probes N] [--dashboard]`
//! (default 10 readiness probes; `--dashboard` adds `/healthz/ui` and `/healthz/events`, for
//! `bench/run --only streams`); it prints `listening on http://ADDR` once it is ready.
//!
//! With `--framework axum` the same `Health` is served by `healthz_axum::Endpoints` on a Tokio
//! runtime of N worker threads, beside an axum `/bare` with the same body and `/stats`: so each
//! adapter is compared with a bare handler of its own framework, in one server.
//!
//! With `--framework grpc` the same `Health` is served as `grpc.health.v1.Health` by
//! `healthz_tonic::HealthService` on `--bind`, and tonic-health's own static `HealthReporter`
//! (`""` set to `SERVING`) on `--static-bind`, both by tonic on one Tokio runtime of N worker
//! threads: `grpc-load` (the other binary of this package) drives `Check` on each.
//!
//! With `--framework serve` the same `Health` is served by `healthz_core::serve` on `--bind`, and
//! a bare hyper 1 HTTP/1.1 server (`/bare`, `/hand`, `/bare-livez`, `/floor`, `/stats`, the same
//! bodies) on `--static-bind`, on one Tokio runtime of N worker threads: `serve` is healthz's own
//! server, so its baseline is hyper with nothing around it.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use healthz_actix::{Detail, Endpoint, Endpoints, Health, Kind, ProbeOptions, Status};

/// The media type of health reports.
const HEALTH_JSON: &str = "application/health+json";
use tokio::runtime::Handle;

mod floor;

/// How many readiness probes `/readyz` evaluates, unless `--ready-probes` says otherwise.
const READY_PROBES: usize = 10;

/// Probe run counters, for `/stats`.
#[derive(Debug)]
struct Runs {
    live: AtomicU64,
    ready: Vec<AtomicU64>,
    hang: AtomicU64,
    /// How long each `/hang/...` request spent inside the server, in microseconds: from the
    /// router handing it to the scope to the response being ready (what wrk adds is not in it).
    hang_latency_us: Mutex<Vec<u32>>,
}

impl Runs {
    fn new(ready_probes: usize) -> Self {
        Runs {
            live: AtomicU64::new(0),
            ready: (0..ready_probes).map(|_| AtomicU64::new(0)).collect(),
            hang: AtomicU64::new(0),
            hang_latency_us: Mutex::default(),
        }
    }

    fn record_hang(&self, elapsed: Duration) {
        let us = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
        lock(&self.hang_latency_us).push(us);
    }

    /// `{"count":…,"p50_ms":…,"p99_ms":…,"max_ms":…}` of the recorded `/hang` latencies;
    /// `reset` clears them.
    fn hang_latency(&self, reset: bool) -> String {
        let mut recorded = lock(&self.hang_latency_us);
        let mut sorted = recorded.clone();
        if reset {
            recorded.clear();
        }
        drop(recorded);
        sorted.sort_unstable();
        let at = |percent: usize| {
            // Nearest rank.
            let rank = (percent * sorted.len()).div_ceil(100);
            sorted
                .get(rank.saturating_sub(1))
                .map_or(0.0, |us| f64::from(*us) / 1000.0)
        };
        format!(
            "{{\"count\":{},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
            sorted.len(),
            at(50),
            at(99),
            at(100)
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The runtimes of the process (the main one and one per actix worker), for task counts.
#[derive(Debug, Default)]
struct Runtimes(Mutex<Vec<(ThreadId, Handle)>>);

impl Runtimes {
    fn register_current(&self) {
        let id = std::thread::current().id();
        let mut runtimes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !runtimes.iter().any(|(t, _)| *t == id) {
            runtimes.push((id, Handle::current()));
        }
    }

    /// Tasks alive in every runtime, and how many runtimes there are.
    fn alive_tasks(&self) -> (usize, usize) {
        let runtimes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let alive = runtimes
            .iter()
            .map(|(_, h)| h.metrics().num_alive_tasks())
            .sum();
        (alive, runtimes.len())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Framework {
    Actix,
    Axum,
    Grpc,
    Serve,
}

struct Args {
    bind: String,
    static_bind: String,
    workers: usize,
    framework: Framework,
    ready_probes: usize,
    /// `--dashboard`: serve `/healthz/ui` and `/healthz/events` too (off by default, so that the
    /// routes the other benchmarks measure are the same with and without it).
    dashboard: bool,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        bind: "127.0.0.1:0".into(),
        static_bind: "127.0.0.1:0".into(),
        workers: 1,
        framework: Framework::Actix,
        ready_probes: READY_PROBES,
        dashboard: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bind" => args.bind = value()?,
            "--workers" => {
                args.workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?;
            }
            "--ready-probes" => {
                args.ready_probes = value()?
                    .parse()
                    .map_err(|e| format!("--ready-probes: {e}"))?;
            }
            "--static-bind" => args.static_bind = value()?,
            "--dashboard" => args.dashboard = true,
            "--framework" => {
                args.framework = match value()?.as_str() {
                    "actix" => Framework::Actix,
                    "axum" => Framework::Axum,
                    "grpc" => Framework::Grpc,
                    "serve" => Framework::Serve,
                    other => {
                        return Err(format!(
                            "--framework: actix, axum, grpc or serve, not {other}"
                        ));
                    }
                };
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: healthz-bench-server [--bind ADDR] [--workers N] [--framework actix|axum|grpc|serve] [--static-bind ADDR] [--ready-probes N] [--dashboard]"
                ));
            }
        }
    }
    Ok(args)
}

/// The service's `Health`: one uncached liveness probe, ten readiness probes cached for 1 s.
fn health(runs: &Arc<Runs>) -> Result<Health, healthz_actix::BuildError> {
    let counted = |runs: &Arc<Runs>, counter: fn(&Runs) -> &AtomicU64| {
        let runs = Arc::clone(runs);
        move || {
            counter(&runs).fetch_add(1, Ordering::Relaxed);
            async {}
        }
    };
    let mut builder = Health::builder()
        .without_registered()
        .version(env!("CARGO_PKG_VERSION"))
        .service_id("healthz-bench")
        .liveness(
            "event_loop",
            ProbeOptions::new(),
            counted(runs, |r| &r.live),
        );
    // Two digits for the usual ten (the names bench/run has always measured), more for more.
    let width = runs.ready.len().saturating_sub(1).to_string().len().max(2);
    for i in 0..runs.ready.len() {
        let runs = Arc::clone(runs);
        builder = builder.readiness(
            format!("dependency-{i:0width$}"),
            ProbeOptions::new()
                .timeout(Duration::from_millis(200))
                .cache(Duration::from_secs(1)),
            move || {
                runs.ready[i].fetch_add(1, Ordering::Relaxed);
                async {}
            },
        );
    }
    builder.build()
}

/// A `Health` whose one readiness probe never finishes: every run times out at 200 ms.
fn hanging(runs: &Arc<Runs>) -> Result<Health, healthz_actix::BuildError> {
    let runs = Arc::clone(runs);
    Health::builder()
        .without_registered()
        .readiness(
            "hang",
            ProbeOptions::new().timeout(Duration::from_millis(200)),
            move || {
                runs.hang.fetch_add(1, Ordering::Relaxed);
                std::future::pending::<()>()
            },
        )
        .build()
}

/// `/bare`: a constant body, no healthz involved; `/livez`'s with `?livez`; `/livez`'s floor
/// with `?floor`.
async fn bare(req: HttpRequest, bodies: web::Data<Bodies>) -> HttpResponse {
    if req.query_string() == "floor" {
        let peer = req.peer_addr().map(|addr| addr.ip());
        let local = floor::is_local(peer, req.headers().keys());
        let (pass, body) = floor::livez(local);
        let status = if pass {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        return HttpResponse::build(status)
            .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
            .content_type(HEALTH_JSON)
            .body(body);
    }
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .content_type(HEALTH_JSON)
        .body(bodies.of(req.query_string()))
}

/// What people write by hand for a health endpoint.
const HAND: &[u8] = br#"{"status":"pass"}"#;

/// `/hand`: `{"status":"pass"}`, no healthz involved.
async fn hand() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .content_type(HEALTH_JSON)
        .body(HAND)
}

/// The `/stats` body (`reset` clears the recorded `/hang` latencies after reporting them).
fn stats_json(runs: &Runs, runtimes: &Runtimes, reset: bool) -> String {
    let (alive, count) = runtimes.alive_tasks();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut ready = String::new();
    for (i, c) in runs.ready.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(ready, "{sep}{}", load(c));
    }
    format!(
        "{{\"live_runs\":{},\"ready_runs\":[{ready}],\"hang_runs\":{},\"hang_server\":{},\"alive_tasks\":{alive},\"runtimes\":{count}}}\n",
        load(&runs.live),
        load(&runs.hang),
        runs.hang_latency(reset),
    )
}

/// `/stats` (`?reset` clears the recorded `/hang` latencies after reporting them).
async fn stats(
    req: HttpRequest,
    runs: web::Data<Arc<Runs>>,
    runtimes: web::Data<Arc<Runtimes>>,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(stats_json(&runs, &runtimes, req.query_string() == "reset"))
}

fn main() -> std::io::Result<()> {
    let args = args().map_err(std::io::Error::other)?;
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.workers)
            .enable_all()
            .build()
    };
    match args.framework {
        Framework::Axum => runtime()?.block_on(serve_axum(args)),
        Framework::Grpc => runtime()?.block_on(serve_grpc(args)),
        Framework::Serve => runtime()?.block_on(serve_own(args)),
        Framework::Actix => actix_web::rt::System::new().block_on(serve(args)),
    }
}

/// The bodies `/bare` serves: what `/readyz` served at start, and what `/livez` did (`?livez`).
#[derive(Clone, Copy)]
struct Bodies {
    readyz: &'static [u8],
    livez: &'static [u8],
}

impl Bodies {
    fn of(self, query: &str) -> &'static [u8] {
        if query == "livez" {
            self.livez
        } else {
            self.readyz
        }
    }
}

/// The service's `Health` and the bytes `/readyz` and `/livez` serve at start.
async fn service(runs: &Arc<Runs>) -> std::io::Result<(Health, Bodies)> {
    let health = health(runs).map_err(std::io::Error::other)?;
    let body = |report: healthz_actix::Report| {
        assert_eq!(report.status(), Status::Pass, "the bench probes pass");
        &*Vec::leak(report.to_json(Detail::Full))
    };
    let readyz = body(health.report(Kind::Readiness).await);
    let livez = body(health.report(Kind::Liveness).await);
    Ok((health, Bodies { readyz, livez }))
}

/// The same service on axum: `/bare`, the endpoints, `/stats`.
async fn serve_axum(args: Args) -> std::io::Result<()> {
    use axum::routing::get;

    let runs = Arc::new(Runs::new(args.ready_probes));
    let (health, bodies) = service(&runs).await?;
    let runtimes = Arc::new(Runtimes::default());
    runtimes.register_current();
    // Routes cost axum's router nothing per route (a tree), and a handler that looks at the
    // query would cost `/bare` an extractor: `/livez`'s body has a route of its own here.
    let constant = |body: &'static [u8]| {
        move || async move {
            (
                [
                    (axum::http::header::CACHE_CONTROL, "no-store"),
                    (axum::http::header::CONTENT_TYPE, HEALTH_JSON),
                ],
                body,
            )
        }
    };
    let hand = || async {
        (
            [
                (axum::http::header::CACHE_CONTROL, "no-store"),
                (axum::http::header::CONTENT_TYPE, HEALTH_JSON),
            ],
            HAND,
        )
    };
    let app = axum::Router::new()
        .route("/bare", get(constant(bodies.readyz)))
        .route("/hand", get(hand))
        .route("/bare-livez", get(constant(bodies.livez)))
        .route("/floor", get(floor_axum))
        .merge(
            healthz_axum::Endpoints::builder(health)
                .dashboard(args.dashboard)
                .build()
                .map_err(std::io::Error::other)?,
        )
        .route(
            "/stats",
            get(move || async move { stats_json(&runs, &runtimes, false) }),
        );
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
}

/// `/floor` on axum: the request whole, as healthz-axum takes it (an extractor of the headers
/// would clone them).
async fn floor_axum(req: axum::extract::Request) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;

    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let local = floor::is_local(peer, req.headers().keys());
    let (pass, body) = floor::livez(local);
    let status = if pass {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_TYPE, HEALTH_JSON),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// The same service over gRPC: healthz-tonic on `--bind`, tonic-health's static reporter on
/// `--static-bind`, one tonic server each, on this runtime.
async fn serve_grpc(args: Args) -> std::io::Result<()> {
    use tonic::transport::Server;
    use tonic::transport::server::TcpIncoming;

    let runs = Arc::new(Runs::new(args.ready_probes));
    let (health, _) = service(&runs).await?;
    // `health_reporter()` starts with `""` SERVING: what a load balancer asks, answered from a map.
    let (_reporter, reporter_service) = tonic_health::server::health_reporter();
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let static_listener = tokio::net::TcpListener::bind(&args.static_bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    println!(
        "listening on http://{} (tonic-health's static reporter)",
        static_listener.local_addr()?
    );
    let healthz = Server::builder()
        .add_service(healthz_tonic::HealthService::new(health))
        .serve_with_incoming(TcpIncoming::from(listener));
    let reporter = Server::builder()
        .add_service(reporter_service)
        .serve_with_incoming(TcpIncoming::from(static_listener));
    tokio::try_join!(healthz, reporter).map_err(std::io::Error::other)?;
    Ok(())
}

async fn serve(args: Args) -> std::io::Result<()> {
    let runs = Arc::new(Runs::new(args.ready_probes));
    // What /readyz and /livez serve at start: /bare serves the same bytes (`?livez` for
    // /livez's), so each pair moves the same payload.
    let (health, bodies) = service(&runs).await?;
    let hang = hanging(&runs).map_err(std::io::Error::other)?;
    let runtimes = Arc::new(Runtimes::default());
    runtimes.register_current();
    let endpoints = Endpoints::builder(health.clone())
        .dashboard(args.dashboard)
        .build()
        .map_err(std::io::Error::other)?;

    let server = HttpServer::new({
        let data = web::Data::new(Arc::clone(&runs));
        let runtimes = Arc::clone(&runtimes);
        move || {
            runtimes.register_current();
            // Order matters to actix's router, which tries resources in turn: `/bare` first (the
            // best case), then `/hand`, then the endpoints, so `/livez` and `/readyz` pay only for
            // the resources healthz itself mounts; the bench's own extras come last.
            App::new()
                .app_data(web::Data::new(bodies))
                .app_data(data.clone())
                .app_data(web::Data::new(Arc::clone(&runtimes)))
                .route("/bare", web::get().to(bare))
                .route("/hand", web::get().to(hand))
                .service(endpoints.clone())
                .route("/stats", web::get().to(stats))
                .service(
                    web::scope("/hang")
                        .wrap_fn({
                            let runs = Arc::clone(&runs);
                            move |req, service| {
                                let start = Instant::now();
                                let response = service.call(req);
                                let runs = Arc::clone(&runs);
                                async move {
                                    let response = response.await;
                                    runs.record_hang(start.elapsed());
                                    response
                                }
                            }
                        })
                        .service(
                            Endpoints::builder(hang.clone())
                                .without(Endpoint::Livez)
                                .without(Endpoint::Startupz)
                                .without(Endpoint::Healthz)
                                .build()
                                .unwrap(),
                        ),
                )
        }
    })
    .workers(args.workers)
    .backlog(4096)
    .bind(&args.bind)?;
    for addr in server.addrs() {
        println!("listening on http://{addr}");
    }
    server.run().await
}

/// healthz's own server on `--bind`, and beside it, on `--static-bind`, a bare hyper 1 server
/// answering what the other frameworks' bare handlers answer.
async fn serve_own(args: Args) -> std::io::Result<()> {
    let runs = Arc::new(Runs::new(args.ready_probes));
    let (health, bodies) = service(&runs).await?;
    let runtimes = Arc::new(Runtimes::default());
    runtimes.register_current();
    let endpoints = healthz_core::web::Endpoints::builder(health)
        .dashboard(args.dashboard)
        .build()
        .map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let bare_listener = tokio::net::TcpListener::bind(&args.static_bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    println!(
        "listening on http://{} (a bare hyper server)",
        bare_listener.local_addr()?
    );
    let bare = tokio::spawn(bare_hyper(bare_listener, bodies, runs, runtimes));
    healthz_core::serve(listener, endpoints).await?;
    bare.await.map_err(std::io::Error::other)?
}

/// A hyper 1 HTTP/1.1 server with keep-alive and nothing else: no connection cap, no timeouts,
/// no graceful shutdown. Its routes are matched by hand, as few lines as a service has.
async fn bare_hyper(
    listener: tokio::net::TcpListener,
    bodies: Bodies,
    runs: Arc<Runs>,
    runtimes: Arc<Runtimes>,
) -> std::io::Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::header::{self, HeaderValue};
    use hyper::{Response, StatusCode};

    let http = hyper::server::conn::http1::Builder::new();
    loop {
        let (stream, peer) = listener.accept().await?;
        let runs = Arc::clone(&runs);
        let runtimes = Arc::clone(&runtimes);
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let constant = |status: StatusCode, body: Bytes| {
                    let mut response = Response::new(Full::new(body));
                    *response.status_mut() = status;
                    let headers = response.headers_mut();
                    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(HEALTH_JSON));
                    response
                };
                let response = match req.uri().path() {
                    "/bare" => constant(StatusCode::OK, Bytes::from_static(bodies.readyz)),
                    "/bare-livez" => constant(StatusCode::OK, Bytes::from_static(bodies.livez)),
                    "/hand" => constant(StatusCode::OK, Bytes::from_static(HAND)),
                    "/floor" => {
                        let local = floor::is_local(Some(peer.ip()), req.headers().keys());
                        let (pass, body) = floor::livez(local);
                        let status = if pass {
                            StatusCode::OK
                        } else {
                            StatusCode::SERVICE_UNAVAILABLE
                        };
                        let mut response = constant(status, Bytes::from(body));
                        response.headers_mut().insert(
                            header::X_CONTENT_TYPE_OPTIONS,
                            HeaderValue::from_static("nosniff"),
                        );
                        response
                    }
                    "/stats" => {
                        let mut response = Response::new(Full::new(Bytes::from(stats_json(
                            &runs, &runtimes, false,
                        ))));
                        response.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        );
                        response
                    }
                    _ => {
                        let mut response =
                            Response::new(Full::new(Bytes::from_static(b"not found\n")));
                        *response.status_mut() = StatusCode::NOT_FOUND;
                        response
                    }
                };
                std::future::ready(Ok::<_, std::convert::Infallible>(response))
            });
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
