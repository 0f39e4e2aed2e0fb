//! No leak: 1,000 checks in a row leave the process's open file descriptors, and a pool's size,
//! where they were.
//!
//! One test in a binary of its own, so that nothing else in the process opens or closes file
//! descriptors while it counts them. SQL pools get one connection, so the count is exact: a
//! check that kept its connection would make the next one wait, and one that opened another
//! would show in the descriptors. The AMQP connection may have only 8 channels open at once, and
//! must still open 8 after the 1,000 checks: one channel kept open by a check would fail that.
//! The NATS client's server must have answered every request with a message of its own. The
//! process checks' counts are compared with this process's own.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use healthz_actix::checks::{self, CheckFuture};
use healthz_actix::{Check, Health, ProbeOptions, Status};
use healthz_tests::{Mqtt, Needs, Service, TestServer};
use sqlx::mysql::MySqlPoolOptions;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;

#[test]
fn a_thousand_checks_in_a_row_leak_nothing() {
    actix_web::rt::System::new().block_on(async {
        sqlite().await;
        postgres().await;
        mysql().await;
        redis().await;
        http().await;
        tcp().await;
        disk().await;
        amqp().await;
        nats().await;
        mqtt().await;
        process().await;
    });
}

async fn sqlite() {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let size = pool.clone();
    no_leak("SQLite", move || checks::sql(&pool), Some(&|| size.size())).await;
}

async fn postgres() {
    let Some(postgres) = Service::get(Needs::Postgres) else {
        return;
    };
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(postgres.url())
        .await
        .unwrap();
    let size = pool.clone();
    no_leak(
        "PostgreSQL",
        move || checks::sql(&pool),
        Some(&|| size.size()),
    )
    .await;
}

async fn mysql() {
    let Some(mysql) = Service::get(Needs::MySql) else {
        return;
    };
    let pool = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(mysql.url())
        .await
        .unwrap();
    let size = pool.clone();
    no_leak("MySQL", move || checks::sql(&pool), Some(&|| size.size())).await;
}

async fn redis() {
    let Some(redis) = Service::get(Needs::Redis) else {
        return;
    };
    let client = redis::Client::open(redis.url()).unwrap();
    let manager = redis::aio::ConnectionManager::new(client).await.unwrap();
    no_leak("Redis", move || checks::redis(&manager), None).await;
}

async fn http() {
    let server = TestServer::start(
        Health::builder()
            .without_registered()
            .liveness("up", ProbeOptions::new(), || async {})
            .build()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let url = server.url("/livez");
    no_leak("HTTP", move || checks::http(&client, &url), None).await;
}

async fn tcp() {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let accepting = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    no_leak("TCP", move || checks::tcp(addr), None).await;
    accepting.abort();
}

async fn disk() {
    let dir = std::env::temp_dir();
    no_leak("disk", move || checks::disk_space(&dir, 1), None).await;
}

async fn amqp() {
    let Some(rabbitmq) = Service::get(Needs::Amqp) else {
        return;
    };
    let url = format!("{}?channel_max=8", rabbitmq.url());
    let properties = lapin::ConnectionProperties::default();
    let connection = Arc::new(lapin::Connection::connect(&url, properties).await.unwrap());
    assert_eq!(connection.configuration().channel_max(), 8);
    let checked = Arc::clone(&connection);
    no_leak("AMQP", move || checks::amqp(&checked), None).await;

    // Every channel the checks opened is closed: all 8 open again, at once.
    let mut channels = Vec::new();
    for n in 0..8 {
        let channel = connection.create_channel().await;
        channels.push(channel.unwrap_or_else(|e| panic!("AMQP: channel {n} of 8: {e}")));
    }
    assert!(connection.create_channel().await.is_err(), "a 9th channel");
    eprintln!(
        "AMQP: {} channels open at once after the checks",
        channels.len()
    );
}

async fn nats() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let client = async_nats::connect(nats.url()).await.unwrap();
    let statistics = client.statistics();
    let counts = || {
        let (sent, received) = (&statistics.out_messages, &statistics.in_messages);
        (
            sent.load(Ordering::Relaxed),
            received.load(Ordering::Relaxed),
        )
    };
    let before = counts();
    let checked = client.clone();
    no_leak("NATS", move || checks::nats(&checked), None).await;
    let (sent, received) = counts();
    assert_eq!(
        (sent - before.0, received - before.1),
        (1010, 1010),
        "NATS: requests sent and answers received"
    );
    let jetstream = async_nats::jetstream::new(client);
    no_leak("JetStream", move || checks::jetstream(&jetstream), None).await;
}

async fn mqtt() {
    let Some(mosquitto) = Service::get(Needs::Mqtt) else {
        return;
    };
    let mqtt = Mqtt::start(mosquitto.addr());
    let monitor = mqtt.monitor.clone();
    let started = Instant::now();
    while checks::mqtt(&monitor).await.status() != Status::Pass {
        assert!(started.elapsed() < SETTLE, "MQTT: never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let checked = monitor.clone();
    no_leak("MQTT", move || checks::mqtt(&checked), None).await;
    drop(mqtt);
}

async fn process() {
    no_leak("memory", || checks::memory(64 << 30), None).await;
    no_leak("open files", || checks::open_files(0.9), None).await;

    // Alone in its process, the count is exact: `open_fds` also counts the descriptor that lists
    // `/proc/self/fd`, which the check leaves out.
    let fds = settled_fds().await - 1;
    let check = checks::open_files(1.0).await;
    assert_eq!(
        check.observation().map(|(_, unit)| unit),
        Some("descriptors")
    );
    assert_eq!(
        check.observation().map(|(value, _)| value),
        Some(f64::from(u32::try_from(fds).unwrap())),
        "{:?}",
        check.output()
    );
    eprintln!("open files: the check counts {fds} descriptors, as /proc/self/fd does");
}

/// Runs `check` 1,000 times in a row after a warm-up, asserting that each passes and that the
/// open file descriptors, and the pool's size if there is a pool, come back to where they were.
///
/// Descriptors are compared once they have settled: a previous stage's server, pool or client
/// closes its sockets from its own threads and tasks, a little after it is dropped. A leak never
/// settles back, and fails after the deadline.
async fn no_leak(what: &str, check: impl Fn() -> CheckFuture, pool_size: Option<&dyn Fn() -> u32>) {
    for _ in 0..10 {
        assert_pass(what, &check().await);
    }
    let (fds, size) = (settled_fds().await, pool_size.map(|size| size()));
    for _ in 0..1000 {
        assert_pass(what, &check().await);
    }
    let after = (back_to(fds).await, pool_size.map(|size| size()));
    assert_eq!(
        after,
        (fds, size),
        "{what}: (open file descriptors, pool size) after 1,000 checks"
    );
    eprintln!(
        "{what}: 1,010 checks; {fds} open file descriptors and pool size {size:?} before and after"
    );
}

/// How long descriptors get to settle, or to come back.
const SETTLE: Duration = Duration::from_secs(10);

/// The number of open descriptors once it has not changed for 200 ms (or after [`SETTLE`]).
async fn settled_fds() -> usize {
    let deadline = Instant::now() + SETTLE;
    let (mut count, mut since) = (open_fds(), Instant::now());
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = open_fds();
        if now != count {
            (count, since) = (now, Instant::now());
        } else if since.elapsed() >= Duration::from_millis(200) {
            break;
        }
    }
    count
}

/// The number of open descriptors as soon as it is back to `baseline`, or after [`SETTLE`].
async fn back_to(baseline: usize) -> usize {
    let deadline = Instant::now() + SETTLE;
    loop {
        let now = open_fds();
        if now == baseline || Instant::now() >= deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[track_caller]
fn assert_pass(what: &str, check: &Check) {
    assert_eq!(check.status(), Status::Pass, "{what}: {:?}", check.output());
}

/// The number of file descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("Linux /proc")
        .count()
}
