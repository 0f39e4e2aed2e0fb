//! healthz-tonic's `HealthService` on real TCP in this process, asked with tonic-health's own
//! generated client: what the example's tests (`examples/grpc/tests`) cannot reach from outside,
//! a polled probe flipping under `Watch`, and a `Shutdown` whose grace ends the open streams.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use healthz_tests::grpc::{NOT_SERVING, SERVING, check, next, watch};
use healthz_tonic::events::Event;
use healthz_tonic::{Health, HealthService, Kind, ProbeOptions, Shutdown, Status};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Server};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

async fn serve(
    service: HealthService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (
    SocketAddr,
    tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), shutdown),
    );
    (addr, server)
}

async fn client(addr: SocketAddr) -> HealthClient<Channel> {
    healthz_tests::grpc::client(&format!("http://{addr}")).await
}

/// A polled probe (`interval = 20ms`) flips; nothing asks for readiness meanwhile, yet every
/// `Watch` of it sees the change within 100 ms of the probe's new result (the moment its event is
/// published).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sees_a_polled_probe_flip_within_100ms() {
    let up = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&up);
    let health = Health::builder()
        .without_registered()
        .readiness(
            "upstream",
            ProbeOptions::new().interval(Duration::from_millis(20)),
            move || {
                let up = flag.load(Ordering::Relaxed);
                async move { up }
            },
        )
        .readiness("database", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let (addr, server) = serve(HealthService::new(health.clone()), std::future::pending()).await;
    let mut client = client(addr).await;
    let mut streams = Vec::new();
    for service in ["", "readyz", "readyz/upstream", "healthz"] {
        let mut stream = watch(&mut client, service).await;
        // The poller's first result may come after the first evaluation: wait for SERVING.
        let mut first = next(&mut stream, Duration::from_secs(5)).await;
        if first == Some(ServingStatus::NotServing) {
            first = next(&mut stream, Duration::from_secs(5)).await;
        }
        assert_eq!(first, Some(ServingStatus::Serving), "{service:?}");
        streams.push((service, stream));
    }
    let mut events = health.subscribe();

    for (value, expected) in [
        (false, ServingStatus::NotServing),
        (true, ServingStatus::Serving),
    ] {
        up.store(value, Ordering::Relaxed);
        // The probe's result changes when the poller's run ends: its event says when.
        let changed = loop {
            if let Event::Probe(change) = events.recv().await
                && &*change.name == "upstream"
            {
                assert_eq!(change.to.is_healthy(), value);
                break Instant::now();
            }
        };
        for (service, stream) in &mut streams {
            assert_eq!(
                next(stream, Duration::from_millis(100)).await,
                Some(expected),
                "{service:?}"
            );
            let seen = changed.elapsed();
            assert!(
                seen < Duration::from_millis(100),
                "Watch({service:?}) saw it {seen:?} after the probe's result changed"
            );
        }
    }
    server.abort();
}

/// `Shutdown` through tonic's `serve_with_shutdown`: `""` turns `NOT_SERVING` at once and its
/// `Watch` says so, liveness stays `SERVING`; when the grace period is over, the open `Watch`
/// streams end, so tonic's graceful stop does not wait on them, and the server stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_then_ends_the_watches_and_the_server_stops() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness("database", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let grace = Duration::from_millis(500);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = Shutdown::new(health.clone())
        .grace(grace)
        .trigger(async move {
            let _ = stopped.await;
        });
    let (addr, server) = serve(HealthService::new(health.clone()), shutdown).await;
    let mut client = client(addr).await;
    let mut whole = watch(&mut client, "").await;
    let mut live = watch(&mut client, "livez").await;
    let mut unknown = watch(&mut client, "nope").await;
    let first = Duration::from_secs(5);
    assert_eq!(next(&mut whole, first).await, Some(ServingStatus::Serving));
    assert_eq!(next(&mut live, first).await, Some(ServingStatus::Serving));
    assert_eq!(
        next(&mut unknown, first).await,
        Some(ServingStatus::ServiceUnknown)
    );

    stop.send(()).unwrap();
    let triggered = Instant::now();
    assert_eq!(
        next(&mut whole, Duration::from_millis(100)).await,
        Some(ServingStatus::NotServing)
    );
    assert_eq!(check(&mut client, "").await, NOT_SERVING);
    assert_eq!(check(&mut client, "readyz").await, NOT_SERVING);
    assert_eq!(check(&mut client, "livez").await, SERVING);
    assert_eq!(health.report(Kind::Readiness).await.status(), Status::Fail);

    let limit = grace + Duration::from_secs(5);
    for stream in [&mut whole, &mut live, &mut unknown] {
        assert_eq!(next(stream, limit).await, None, "the stream ends");
    }
    assert!(triggered.elapsed() >= grace, "{:?}", triggered.elapsed());
    drop(client);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

/// `HealthLayer` in front of a tonic server: gRPC `Check` and HTTP `/readyz` on one port, the
/// HTTP client's address taken from tonic's `TcpConnectInfo` (a loopback caller sees reasons),
/// and every other gRPC call handed to tonic untouched.
#[tokio::test]
async fn health_layer_serves_http_beside_grpc_on_one_port() {
    use healthz_core::web::{AccessPolicy, Endpoints, HealthLayer};
    use tonic::transport::server::TcpConnectInfo;

    let health = Health::builder()
        .without_registered()
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("connection refused")
        })
        .liveness("loop", ProbeOptions::new(), || async {})
        .build()
        .unwrap();
    let endpoints = Endpoints::builder(health.clone())
        .access(AccessPolicy::new().details_on_loopback(true))
        .build()
        .unwrap();
    let layer = HealthLayer::new(endpoints)
        .peer(|extensions| extensions.get::<TcpConnectInfo>()?.remote_addr());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder()
            .accept_http1(true)
            .layer(layer)
            .add_service(HealthService::new(health))
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                drop(stopped.await);
            }),
    );

    let mut grpc = client(addr).await;
    assert_eq!(check(&mut grpc, "livez").await, SERVING);
    assert_eq!(check(&mut grpc, "readyz").await, NOT_SERVING);

    let http = reqwest::Client::new();
    let readyz = http
        .get(format!("http://{addr}/readyz?verbose"))
        .send()
        .await
        .unwrap();
    assert_eq!(readyz.status(), 503);
    assert_eq!(
        readyz.text().await.unwrap(),
        "[-]database failed: connection refused\nreadyz check failed\n",
        "a loopback client, from tonic's connection info"
    );
    let livez = http
        .get(format!("http://{addr}/livez"))
        .send()
        .await
        .unwrap();
    assert_eq!(livez.status(), 200);
    assert_eq!(livez.headers()["content-type"], "application/health+json");
    // A gRPC call after the HTTP ones, on a fresh channel: tonic still answers its own.
    let mut again = client(addr).await;
    assert_eq!(check(&mut again, "").await, NOT_SERVING);

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

/// gRPC's health protocol has a status and nothing else, so no policy can leak an output through
/// it: not the default, not `details_on_loopback`, not a token. Behind a trusted proxy, the
/// client the proxy names in `x-forwarded-for` metadata is the one the allowlist judges. A
/// refusal's message names nothing of the probes either.
#[tokio::test]
async fn grpc_answers_carry_statuses_only_under_every_policy() {
    use healthz_tests::grpc::check_request;
    use healthz_tonic::AccessPolicy;
    use tonic::Code;
    use tonic_health::pb::HealthCheckRequest;

    const TOKEN: &str = "c2VjcmV0LXRva2VuLTAxMjM0NTY3";
    let health = Health::builder()
        .without_registered()
        .readiness("database", ProbeOptions::new(), || async {
            Err::<(), _>("password=hunter2 refused at db:5432")
        })
        .build()
        .unwrap();
    let with_metadata = |service: &str, name: &'static str, value: &str| {
        let mut request = tonic::Request::new(HealthCheckRequest {
            service: service.into(),
        });
        request.metadata_mut().insert(name, value.parse().unwrap());
        request
    };
    let policies = [
        AccessPolicy::new(),
        AccessPolicy::new().details_on_loopback(true),
        AccessPolicy::new()
            .details_on_loopback(true)
            .token(TOKEN)
            .unwrap(),
    ];
    for policy in policies {
        let service = HealthService::new(health.clone()).access(policy.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = serve(service, async {
            drop(stopped.await);
        })
        .await;
        let mut grpc = client(addr).await;
        let request = with_metadata(
            "readyz/database",
            "authorization",
            &format!("Bearer {TOKEN}"),
        );
        let answer = grpc.check(request).await.unwrap();
        let text = format!("{:?} {:?}", answer.metadata(), answer.get_ref());
        assert_eq!(Ok(answer.get_ref().status()), NOT_SERVING, "{policy:?}");
        assert!(!text.contains("hunter2"), "{policy:?}: {text}");
        let unknown = grpc
            .check(HealthCheckRequest {
                service: "readyz/nope".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(unknown.code(), Code::NotFound);
        assert!(!unknown.message().contains("hunter2"), "{unknown:?}");
        let mut stream = watch(&mut grpc, "").await;
        let first = next(&mut stream, Duration::from_secs(5)).await;
        assert_eq!(first.ok_or(Code::Unknown), NOT_SERVING, "{policy:?}");
        drop(stream);
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    let behind_proxy = AccessPolicy::new()
        .details_on_loopback(true)
        .trust_proxies("loopback")
        .unwrap()
        .allow("203.0.113.0/24")
        .unwrap();
    let service = HealthService::new(health).access(behind_proxy);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr, server) = serve(service, async {
        drop(stopped.await);
    })
    .await;
    let mut grpc = client(addr).await;
    for (forwarded, expected) in [
        ("203.0.113.9", NOT_SERVING),
        ("192.0.2.1", Err(Code::PermissionDenied)),
    ] {
        let request = with_metadata("readyz", "x-forwarded-for", forwarded);
        assert_eq!(
            check_request(&mut grpc, request).await,
            expected,
            "the trusted proxy's client {forwarded}"
        );
    }
    assert_eq!(
        check(&mut grpc, "readyz").await,
        Err(Code::PermissionDenied),
        "the proxy itself is not allowed"
    );
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// Watching runs nothing. An event stream and a `Watch` stay open for 10 s beside an uncached
/// probe: it runs no more than the one evaluation that opened the `Watch`. A polled probe's
/// change still reaches both within its interval, with nobody requesting anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_stream_and_watch_run_no_probe_yet_see_a_polled_change() {
    use healthz_core::web::{Endpoints, HealthLayer};
    use std::sync::atomic::AtomicUsize;

    const POLL: Duration = Duration::from_millis(500);
    let up = Arc::new(AtomicBool::new(true));
    let runs = Arc::new(AtomicUsize::new(0));
    let health = Health::builder()
        .without_registered()
        .readiness("upstream", ProbeOptions::new().interval(POLL), {
            let up = Arc::clone(&up);
            move || std::future::ready(up.load(Ordering::SeqCst))
        })
        .readiness("database", ProbeOptions::new(), {
            let runs = Arc::clone(&runs);
            move || {
                runs.fetch_add(1, Ordering::SeqCst);
                std::future::ready(())
            }
        })
        .build()
        .unwrap();
    let endpoints = Endpoints::builder(health.clone())
        .dashboard(true)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        Server::builder()
            .accept_http1(true)
            .layer(HealthLayer::new(endpoints))
            .add_service(HealthService::new(health.clone()))
            .serve_with_incoming(TcpIncoming::from(listener)),
    );

    let mut grpc = client(addr).await;
    let mut watching = watch(&mut grpc, "readyz").await;
    // The poller's first result may come after the first evaluation: wait for SERVING.
    let mut first = next(&mut watching, Duration::from_secs(5)).await;
    if first == Some(ServingStatus::NotServing) {
        first = next(&mut watching, Duration::from_secs(5)).await;
    }
    assert_eq!(first, Some(ServingStatus::Serving));
    let mut stream = reqwest::get(format!("http://{addr}/healthz/events"))
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let opened = runs.load(Ordering::SeqCst);
    assert!(opened >= 1, "the Watch's first status evaluated readiness");

    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        opened,
        "watching ran the uncached probe"
    );

    up.store(false, Ordering::SeqCst);
    let flipped = Instant::now();
    let limit = POLL.mul_f64(1.1) + Duration::from_millis(200);
    assert_eq!(
        next(&mut watching, limit).await,
        Some(ServingStatus::NotServing)
    );
    let mut text = String::new();
    let seen = tokio::time::timeout(limit, async {
        loop {
            let chunk = stream
                .chunk()
                .await
                .unwrap()
                .expect("the stream stays open");
            text.push_str(std::str::from_utf8(&chunk).unwrap());
            let failed = text.lines().any(|line| {
                line.starts_with(
                    "data: {\"from\":\"pass\",\"kind\":\"readiness\",\"status\":\"fail\"",
                )
            });
            if failed {
                return;
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "no readiness failure on the stream: {text}");
    assert!(flipped.elapsed() <= limit, "{:?}", flipped.elapsed());
    assert_eq!(runs.load(Ordering::SeqCst), opened);
    server.abort();
}
