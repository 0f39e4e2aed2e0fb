//! `checks::redis` against a real Redis, with its `ConnectionManager` and
//! `MultiplexedConnection`.

use healthz_actix::Status;
use healthz_actix::checks;
use healthz_tests::{Needs, Proxy, Service};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

#[tokio::test]
async fn redis_passes_with_either_connection() {
    let Some(redis) = Service::get(Needs::Redis) else {
        return;
    };
    let client = redis::Client::open(redis.url()).unwrap();
    let manager = ConnectionManager::new(client.clone()).await.unwrap();
    let multiplexed = client.get_multiplexed_async_connection().await.unwrap();
    assert_pass(&checks::redis(&manager).await);
    let check = checks::redis(&multiplexed).await;
    assert_pass(&check);
    let (key, version) = check.details().next().expect("the server's version");
    assert_eq!(key, "redis_version");
    assert!(
        version
            .as_str()
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit())),
        "{version}"
    );

    let health = health(crate::TIMEOUT * 10, move || checks::redis(&manager));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
}

/// The manager notices a lost connection on the next command (which fails) and reconnects in the
/// background with back-off, so an outage shows as a failed PING or as the timeout.
const REDIS_DOWN: Expect<'static> = Expect {
    probe: &["Redis: PING failed: ", TIMED_OUT],
    alone: &[
        "Redis: PING failed: ",
        "Redis: no answer to PING within 300ms",
    ],
};

#[tokio::test]
async fn redis_outage_refused_blackholed_and_recovered() {
    let Some(redis) = Service::get(Needs::Redis) else {
        return;
    };
    let proxy = Proxy::start(redis.addr()).await;
    let client = redis::Client::open(redis.url_via(proxy.addr())).unwrap();
    let manager = ConnectionManager::new(client).await.unwrap();
    outage_and_recovery(
        &proxy,
        move || checks::redis(&manager),
        REDIS_DOWN,
        REDIS_DOWN,
    )
    .await;
}

/// A lazy manager whose server never answers waits for its first connection (with retries); the
/// timeout ends the wait.
#[tokio::test]
async fn redis_outage_before_the_first_connection_times_out() {
    let Some(redis) = Service::get(Needs::Redis) else {
        return;
    };
    let proxy = Proxy::start(redis.addr()).await;
    proxy.blackhole().await;
    let client = redis::Client::open(redis.url_via(proxy.addr())).unwrap();
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(None)
        .set_response_timeout(None);
    let manager = ConnectionManager::new_lazy_with_config(client, config).unwrap();
    let check = checks::redis(&manager).timeout(crate::TIMEOUT).await;
    assert_eq!(
        check.output(),
        Some("Redis: no answer to PING within 300ms")
    );
    let health = health(crate::TIMEOUT, move || checks::redis(&manager));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!((status, output.as_deref()), (Status::Fail, Some(TIMED_OUT)));
}

#[tokio::test]
async fn redis_outputs_never_show_the_password() {
    let Some(redis) = Service::get(Needs::Redis) else {
        return;
    };
    let mut url = url::Url::parse(redis.url()).unwrap();
    url.set_username("healthz_no_such_user").unwrap();
    url.set_password(Some("hunter2")).unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    // The manager retries failed logins too; one attempt shows the error within the check's time.
    let config = ConnectionManagerConfig::new().set_number_of_retries(0);
    let manager = ConnectionManager::new_lazy_with_config(client, config).unwrap();
    let check = checks::redis(&manager).await;
    assert_eq!(check.status(), Status::Fail);
    let output = check.output().unwrap();
    assert!(output.starts_with("Redis: PING failed: "), "{output}");
    assert!(!output.contains("hunter2"), "{output}");
}
