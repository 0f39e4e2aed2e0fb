//! No leak in `Watch`: 1,000 streams opened and dropped, eleven times, leave the Tokio tasks where
//! they were and the memory settled. The server is healthz-tonic's `HealthService` on real
//! TCP in this process (so its runtime's tasks can be counted), and the client tonic-health's own
//! generated one.
//!
//! One test in a binary of its own, so that nothing else in the process allocates or spawns while
//! it measures.

use std::time::{Duration, Instant};

use healthz_tonic::{Health, HealthService, ProbeOptions};
use tokio::runtime::Handle;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint, Server};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_watch_streams_opened_and_dropped_leave_no_task_and_no_memory() {
    let health = Health::builder()
        .without_registered()
        .liveness("event_loop", ProbeOptions::new(), || async {})
        .readiness(
            "database",
            ProbeOptions::new().cache(Duration::from_secs(1)),
            || async {},
        )
        .readiness(
            "polled",
            ProbeOptions::new().interval(Duration::from_millis(50)),
            || async {},
        )
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        Server::builder()
            .add_service(HealthService::new(health.clone()))
            .serve_with_incoming(TcpIncoming::from(listener)),
    );
    let metrics = Handle::current().metrics();
    let url = format!("http://{addr}");

    let round = || async {
        let mut clients: Vec<HealthClient<Channel>> = Vec::new();
        for _ in 0..10 {
            let channel = Endpoint::from_shared(url.clone())
                .unwrap()
                .connect()
                .await
                .unwrap();
            clients.push(HealthClient::new(channel));
        }
        let mut streams = Vec::with_capacity(1000);
        for i in 0..1000 {
            let service = ["", "readyz", "livez", "healthz", "readyz/polled", "nope"][i % 6];
            let request = HealthCheckRequest {
                service: service.to_owned(),
            };
            let mut stream = clients[i % 10].watch(request).await.unwrap().into_inner();
            let first = stream.message().await.unwrap().unwrap().status();
            let expected = if service == "nope" {
                ServingStatus::ServiceUnknown
            } else {
                ServingStatus::Serving
            };
            assert_eq!(first, expected, "{service:?}");
            streams.push(stream);
        }
        let open = metrics.num_alive_tasks();
        drop(streams);
        drop(clients);
        open
    };

    // Settled: the pollers, the server's accept loop; no connection, no watch.
    let idle = settled_tasks(&metrics, None).await;
    // The allocator settles over the first rounds, and each round's memory varies by a megabyte
    // or so (which thread's arena served what); a leak would grow by the same amount every round.
    // So: three rounds to settle, then eight, and the mean of the last four against the mean of
    // the first four, 4,000 streams apart.
    let mut open = 0;
    for _ in 0..3 {
        open = round().await;
        settled_tasks(&metrics, Some(idle)).await;
    }
    let mut rounds = Vec::new();
    for _ in 0..8 {
        round().await;
        rounds.push((settled_tasks(&metrics, Some(idle)).await, rss_kib()));
    }
    println!(
        "tasks idle {idle}, with 1,000 streams open {open}; after each round (tasks, VmRSS KiB): \
         {rounds:?}"
    );
    // hyper runs each HTTP/2 stream as a task of its own, and each connection has a few on either
    // side (tonic's channel and buffer, hyper's connection); healthz adds none per stream, and
    // watching starts no task of its own. Every one of them is gone once the clients are.
    assert!(
        open <= idle + 1000 + 5 * 10,
        "{open} tasks with 1,000 streams open"
    );
    let rss: Vec<u64> = rounds.iter().map(|&(_, rss)| rss).collect();
    let (early, late) = (mean(&rss[..4]), mean(&rss[4..]));
    // This process holds the clients too, whose connections and streams share the heap with the
    // server's: twice the noise of the example's own test (`examples/grpc/tests/grpc.rs`, 1 MiB).
    // A leak of 512 bytes a stream would show as 2 MiB.
    assert!(
        late < early + 2048,
        "VmRSS grew from {early} KiB to {late} KiB (means of four rounds of 1,000 Watch streams, \
         4,000 streams apart): {rounds:?}"
    );
    server.abort();
}

/// Waits (up to 5 s) until the number of alive tasks stops changing, and, with `back_to`, until it
/// is back to it; returns it.
async fn settled_tasks(metrics: &tokio::runtime::RuntimeMetrics, back_to: Option<usize>) -> usize {
    let started = Instant::now();
    let mut last = metrics.num_alive_tasks();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = metrics.num_alive_tasks();
        if now == last && back_to.is_none_or(|idle| now <= idle) {
            return now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "tasks not back to {back_to:?}: {now} alive"
        );
        last = now;
    }
}

fn mean(values: &[u64]) -> u64 {
    values.iter().sum::<u64>() / u64::try_from(values.len()).unwrap()
}

fn rss_kib() -> u64 {
    healthz_tests::example::rss_kib(std::process::id())
}
