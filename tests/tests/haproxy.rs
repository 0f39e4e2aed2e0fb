//! The real HAProxy, running `examples/haproxy/haproxy.cfg`, in front of two instances: when one
//! instance's readiness fails, traffic moves to the other within the check interval, and comes
//! back after it recovers.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpServer, web};
use healthz_actix::{Endpoints, Health, ProbeOptions};

/// One instance of a service: `/whoami` answers its name; its readiness follows `ready`.
struct Instance {
    ready: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
    handle: actix_web::dev::ServerHandle,
}

impl Instance {
    fn start(name: &'static str) -> Self {
        let ready = Arc::new(AtomicBool::new(true));
        let health = Health::builder()
            .without_registered()
            .readiness("switch", ProbeOptions::new(), {
                let ready = Arc::clone(&ready);
                move || {
                    let ready = ready.load(Ordering::SeqCst);
                    async move { ready }
                }
            })
            .build()
            .unwrap();
        let server = HttpServer::new(move || {
            App::new()
                .service(Endpoints::new(health.clone()))
                .route("/whoami", web::get().to(move || async move { name }))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Instance {
            ready,
            addr,
            handle,
        }
    }
}

/// The HAProxy process; killed when dropped.
struct Haproxy(Child);

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Asks through HAProxy who answers, on a fresh connection each time.
async fn who(client: &reqwest::Client, url: &str) -> Option<String> {
    let res = client.get(url).send().await.ok()?;
    if !res.status().is_success() {
        return None;
    }
    res.text().await.ok()
}

/// Polls until `n` answers in a row satisfy `want`, or the deadline passes; returns how long it
/// took.
async fn until(
    client: &reqwest::Client,
    url: &str,
    n: usize,
    deadline: Duration,
    want: impl Fn(&[String]) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let mut answers = Vec::with_capacity(n);
        for _ in 0..n {
            if let Some(answer) = who(client, url).await {
                answers.push(answer);
            }
        }
        if answers.len() == n && want(&answers) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < deadline,
            "not reached within {deadline:?}; last answers {answers:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn traffic_follows_readiness_through_haproxy() {
    let Some(haproxy) = healthz_tests::tool("haproxy", "HAPROXY", "-v") else {
        return;
    };
    let (a, b) = (Instance::start("a"), Instance::start("b"));
    let port = free_port();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/haproxy/haproxy.cfg");
    let inter = Duration::from_millis(100);
    let (fall, rise) = (2_u32, 2_u32);
    let proxy = Haproxy(
        Command::new(haproxy)
            .args(["-db", "-f"])
            .arg(&config)
            .env("HAPROXY_BIND", format!("127.0.0.1:{port}"))
            .env("APP1", a.addr.to_string())
            .env("APP2", b.addr.to_string())
            .env("CHECK_INTER", format!("{}ms", inter.as_millis()))
            .env("CHECK_FALL", fall.to_string())
            .env("CHECK_RISE", rise.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy"),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/whoami");
    let both =
        |answers: &[String]| answers.iter().any(|x| x == "a") && answers.iter().any(|x| x == "b");
    until(&client, &url, 10, Duration::from_secs(10), both).await;

    // A fails readiness: HAProxy's checks see 503 and take it out after `fall` checks.
    a.ready.store(false, Ordering::SeqCst);
    let moved = until(&client, &url, 20, Duration::from_secs(10), |answers| {
        answers.iter().all(|x| x == "b")
    })
    .await;
    eprintln!(
        "traffic left the unready instance after {moved:?} (checks every {inter:?}, fall {fall})"
    );
    assert!(moved < inter * (fall + 1) * 10, "took {moved:?}");

    // A recovers: after `rise` passing checks it gets traffic again.
    a.ready.store(true, Ordering::SeqCst);
    let back = until(&client, &url, 10, Duration::from_secs(10), both).await;
    eprintln!("traffic came back after {back:?} (rise {rise})");
    assert!(back < inter * (rise + 1) * 10, "took {back:?}");

    drop(proxy);
    drop(a.handle.stop(false));
    drop(b.handle.stop(false));
}
