//! Runs the gRPC example as a user would, over real TCP, and asks it with tonic-health's own
//! client (the generated `grpc.health.v1` client, code nobody here wrote): `Check` for every name,
//! `NOT_FOUND` for unknown ones, `Watch` following a probe within 100 ms, the drain on SIGTERM, the
//! access policy, and 1,000 `Watch` streams opened and dropped with the example's memory back
//! where it was. Python's `grpcio-health-checking` asks the same in `python_client.rs`.

mod common;

use std::time::{Duration, Instant};

use common::{KNOWN, UNKNOWN, channel, client, maintenance, start};
use healthz_tests::example::rss_kib;
use healthz_tests::grpc::{NOT_SERVING, SERVING, check, check_request, next, request, watch};
use tonic::Code;
use tonic::metadata::MetadataValue;
use tonic_health::pb::health_check_response::ServingStatus;

#[tokio::test]
async fn check_answers_every_name_and_not_found_for_others() {
    let example = start(&[]);
    let mut client = client(&example).await;
    for service in KNOWN {
        assert_eq!(check(&mut client, service).await, SERVING, "{service:?}");
    }
    for unknown in UNKNOWN
        .into_iter()
        .chain(["/readyz", "READYZ", "grpc.health.v1.Health"])
    {
        assert_eq!(
            check(&mut client, unknown).await,
            Err(Code::NotFound),
            "{unknown:?}"
        );
    }

    // Maintenance takes readiness down, and only readiness.
    maintenance(channel(&example).await, true).await;
    for (service, expected) in [
        ("", NOT_SERVING),
        ("readyz", NOT_SERVING),
        ("healthz", NOT_SERVING),
        ("readyz/database", SERVING),
        ("livez", SERVING),
        ("startupz", SERVING),
    ] {
        assert_eq!(check(&mut client, service).await, expected, "{service:?}");
    }
    maintenance(channel(&example).await, false).await;
    assert_eq!(check(&mut client, "").await, SERVING);
}

/// `Watch` sends the status at once, then each change: here within 100 ms of maintenance mode
/// refusing or accepting traffic. A probe's own name and liveness do not change with it. An
/// unknown name is `SERVICE_UNKNOWN`, and the call stays open.
#[tokio::test]
async fn watch_follows_the_traffic_switch_within_100ms() {
    let example = start(&[]);
    let mut client = client(&example).await;
    let limit = Duration::from_millis(100);
    let mut whole = watch(&mut client, "").await;
    let mut readyz = watch(&mut client, "readyz").await;
    let mut probe = watch(&mut client, "readyz/database").await;
    let mut everything = watch(&mut client, "healthz").await;
    let mut live = watch(&mut client, "livez").await;
    let mut unknown = watch(&mut client, "readyz/nope").await;
    let first = Duration::from_secs(5);
    for stream in [
        &mut whole,
        &mut readyz,
        &mut probe,
        &mut everything,
        &mut live,
    ] {
        assert_eq!(next(stream, first).await, Some(ServingStatus::Serving));
    }
    assert_eq!(
        next(&mut unknown, first).await,
        Some(ServingStatus::ServiceUnknown)
    );

    for (on, expected) in [
        (true, ServingStatus::NotServing),
        (false, ServingStatus::Serving),
    ] {
        let changed = Instant::now();
        maintenance(channel(&example).await, on).await;
        for (name, stream) in [
            ("", &mut whole),
            ("readyz", &mut readyz),
            ("healthz", &mut everything),
        ] {
            assert_eq!(next(stream, limit).await, Some(expected), "{name:?}");
            let seen = changed.elapsed();
            assert!(
                seen < limit,
                "Watch({name:?}) saw the change {seen:?} after it"
            );
        }
    }
    // The database probe and liveness never changed, and nothing became of the unknown name: no
    // message on any of them.
    for stream in [&mut probe, &mut live, &mut unknown] {
        let quiet = tokio::time::timeout(Duration::from_millis(300), stream.message()).await;
        assert!(quiet.is_err(), "{quiet:?}");
    }
}

/// SIGTERM: `""` and `"readyz"` turn `NOT_SERVING` within 100 ms (and `Watch` says so), liveness
/// stays `SERVING`; after `DRAIN_SECS` the open `Watch` streams end and the example exits 0.
#[tokio::test]
async fn sigterm_drains_then_ends_the_watches_and_exits() {
    let grace = Duration::from_secs(2);
    let mut example = start(&[("DRAIN_SECS", "2")]);
    let mut client = client(&example).await;
    let mut whole = watch(&mut client, "").await;
    let mut live = watch(&mut client, "livez").await;
    let first = Duration::from_secs(5);
    assert_eq!(next(&mut whole, first).await, Some(ServingStatus::Serving));
    assert_eq!(next(&mut live, first).await, Some(ServingStatus::Serving));

    example.terminate();
    let signalled = Instant::now();
    assert_eq!(
        next(&mut whole, Duration::from_millis(100)).await,
        Some(ServingStatus::NotServing)
    );
    let drained = signalled.elapsed();
    assert!(drained < Duration::from_millis(100), "{drained:?}");
    assert_eq!(check(&mut client, "").await, NOT_SERVING);
    assert_eq!(check(&mut client, "readyz").await, NOT_SERVING);
    assert_eq!(check(&mut client, "livez").await, SERVING);
    assert_eq!(check(&mut client, "readyz/database").await, SERVING);
    assert!(signalled.elapsed() < grace, "inside the grace period");

    // Then both streams end (cleanly), and the process exits.
    let limit = grace + Duration::from_secs(5);
    assert_eq!(next(&mut whole, limit).await, None);
    assert_eq!(next(&mut live, limit).await, None);
    let ended = signalled.elapsed();
    assert!(ended >= grace, "the streams ended {ended:?} after SIGTERM");
    drop((whole, live, client));
    let exit = example.exit_within(Duration::from_secs(10)).await;
    assert!(exit.success(), "exit status {exit}");
}

/// The access policy over gRPC: outside the allowlist `PERMISSION_DENIED`; with a token required,
/// `UNAUTHENTICATED` without it or with a wrong one, and `SERVING` with it; two `authorization`
/// entries `INVALID_ARGUMENT`. `Watch` is refused the same way.
#[tokio::test]
async fn the_access_policy_refuses_with_grpc_codes() {
    let outside = start(&[("HEALTHZ_ALLOW", "192.0.2.0/24")]);
    let mut refused = client(&outside).await;
    for service in ["", "livez", "readyz/database", "nope"] {
        assert_eq!(
            check(&mut refused, service).await,
            Err(Code::PermissionDenied),
            "{service:?}"
        );
    }
    let watched = refused.watch(request("")).await.map(drop);
    assert_eq!(watched.unwrap_err().code(), Code::PermissionDenied);
    drop(outside);

    let guarded = start(&[
        ("HEALTHZ_ALLOW", "127.0.0.0/8"),
        ("HEALTHZ_TOKEN", "s3cr3t-t0ken-0123456789"),
    ]);
    let mut client = client(&guarded).await;
    let with = |tokens: &[&str]| {
        let mut request = request("");
        for token in tokens {
            let value: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
            request.metadata_mut().append("authorization", value);
        }
        request
    };
    assert_eq!(
        check_request(&mut client, with(&[])).await,
        Err(Code::Unauthenticated)
    );
    assert_eq!(
        check_request(&mut client, with(&["wrong"])).await,
        Err(Code::Unauthenticated)
    );
    assert_eq!(
        check_request(&mut client, with(&["s3cr3t-t0ken-0123456789"])).await,
        SERVING
    );
    assert_eq!(
        check_request(
            &mut client,
            with(&["s3cr3t-t0ken-0123456789", "s3cr3t-t0ken-0123456789"])
        )
        .await,
        Err(Code::InvalidArgument)
    );
    let refused = client.watch(with(&["wrong"])).await.map(drop);
    assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
    let mut allowed = client
        .watch(with(&["s3cr3t-t0ken-0123456789"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        next(&mut allowed, Duration::from_secs(5)).await,
        Some(ServingStatus::Serving)
    );
}

/// 1,000 `Watch` streams opened (each until its first message) and dropped, over 10 connections,
/// eleven times: after three rounds to settle, the example's memory stays where it was. (The Tokio tasks
/// are counted in-process, in `tests/tests/grpc_no_leak.rs`.)
#[tokio::test]
async fn a_thousand_watch_streams_opened_and_dropped_leave_memory_where_it_was() {
    let example = start(&[]);
    let round = || async {
        let mut clients = Vec::new();
        for _ in 0..10 {
            clients.push(client(&example).await);
        }
        let mut streams = Vec::with_capacity(1000);
        for i in 0..1000 {
            let service = ["", "readyz", "livez", "healthz", "readyz/database"][i % 5];
            let mut stream = watch(&mut clients[i % 10], service).await;
            assert_eq!(
                next(&mut stream, Duration::from_secs(10)).await,
                Some(ServingStatus::Serving)
            );
            streams.push(stream);
        }
        drop(streams);
        drop(clients);
        // Let the example see the streams and connections go.
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // The allocator settles over the first rounds, and each round's memory varies by a megabyte
    // or so; a leak would grow by the same amount every round. So: three rounds to settle, then
    // eight, and the mean of the last four against the mean of the first four.
    for _ in 0..3 {
        round().await;
    }
    let mut rounds = Vec::new();
    for _ in 0..8 {
        round().await;
        rounds.push(rss_kib(example.pid()));
    }
    println!("VmRSS of the example after each round of 1,000 Watch streams: {rounds:?} KiB");
    let mean = |values: &[u64]| values.iter().sum::<u64>() / u64::try_from(values.len()).unwrap();
    let (early, late) = (mean(&rounds[..4]), mean(&rounds[4..]));
    // 4,000 streams apart: a leak of 256 bytes a stream would show as 1 MiB.
    assert!(
        late < early + 1024,
        "VmRSS grew from {early} KiB to {late} KiB (means of four rounds, 4,000 streams apart): \
         {rounds:?}"
    );
}
