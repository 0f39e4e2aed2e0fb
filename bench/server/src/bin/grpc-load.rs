//! `grpc-load`: the gRPC load client `bench/run` drives (wrk speaks no gRPC). It keeps N `Check`
//! calls in flight over a few HTTP/2 connections for a while, with tonic-health's generated
//! client, and prints one line of JSON: calls per second, calls, errors, and the p50 and p99
//! latency.
//!
//! `grpc-load --target http://ADDR [--service NAME] [--connections 4] [--concurrency 32]
//! [--seconds 5] [--threads 1]`
//!
//! Every answer must be `SERVING`; anything else counts as an error. One thread by default, as
//! `bench/run` gives wrk one: on two cores the client keeps one busy and leaves the other to a
//! one-worker server.

use std::time::{Duration, Instant};

use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

struct Args {
    target: String,
    service: String,
    connections: usize,
    concurrency: usize,
    seconds: f64,
    threads: usize,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        target: String::new(),
        service: String::new(),
        connections: 4,
        concurrency: 32,
        seconds: 5.0,
        threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--target" => args.target = value,
            "--service" => args.service = value,
            "--connections" => args.connections = number(&value)?.max(1),
            "--concurrency" => args.concurrency = number(&value)?.max(1),
            "--threads" => args.threads = number(&value)?.max(1),
            "--seconds" => {
                args.seconds = value.parse().map_err(|e| format!("--seconds: {e}"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.target.is_empty() {
        return Err("usage: grpc-load --target http://ADDR [--service NAME] [--connections N] [--concurrency N] [--seconds S] [--threads N]".into());
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()?;
    runtime.block_on(load(args))
}

/// What one caller saw.
#[derive(Default)]
struct Tally {
    calls: u64,
    errors: u64,
    latencies_us: Vec<u32>,
}

async fn load(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut channels: Vec<Channel> = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        channels.push(
            Endpoint::from_shared(args.target.clone())?
                .connect()
                .await?,
        );
    }
    let duration = Duration::from_secs_f64(args.seconds);
    let started = Instant::now();
    let deadline = started + duration;
    let callers: Vec<_> = (0..args.concurrency)
        .map(|i| {
            let mut client = HealthClient::new(channels[i % channels.len()].clone());
            let service = args.service.clone();
            tokio::spawn(async move {
                let mut tally = Tally::default();
                while Instant::now() < deadline {
                    let request = HealthCheckRequest {
                        service: service.clone(),
                    };
                    let sent = Instant::now();
                    let answer = client.check(request).await;
                    let latency = sent.elapsed();
                    match answer {
                        Ok(response) if response.get_ref().status() == ServingStatus::Serving => {
                            tally.calls += 1;
                            tally
                                .latencies_us
                                .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
                        }
                        _ => tally.errors += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let mut total = Tally::default();
    for caller in callers {
        let tally = caller.await?;
        total.calls += tally.calls;
        total.errors += tally.errors;
        total.latencies_us.extend(tally.latencies_us);
    }
    let elapsed = started.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    let at = |percent: usize| {
        let rank = (percent * total.latencies_us.len()).div_ceil(100);
        total
            .latencies_us
            .get(rank.saturating_sub(1))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    #[allow(clippy::cast_precision_loss)] // calls per second, shown with no decimals
    let rps = total.calls as f64 / elapsed;
    println!(
        "{{\"rps\":{rps:.1},\"requests\":{},\"errors\":{},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"seconds\":{elapsed:.3}}}",
        total.calls,
        total.errors,
        at(50),
        at(99),
    );
    Ok(())
}
