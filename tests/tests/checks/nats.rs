//! `checks::nats` and `checks::jetstream` against a real NATS server with JetStream.

use std::time::Duration;

use async_nats::{Client, ConnectOptions};
use healthz_actix::Status;
use healthz_actix::checks;
use healthz_tests::{Needs, Proxy, Service};

use crate::{Expect, TIMED_OUT, assert_pass, evaluate, health, outage_and_recovery};

/// A client of `url` that retries a lost server every 100 ms (its default back-off grows to 4 s).
pub(crate) async fn connect(url: &str) -> Client {
    ConnectOptions::new()
        .reconnect_delay_callback(|_| Duration::from_millis(100))
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

#[tokio::test]
async fn nats_and_jetstream_pass() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let client = connect(nats.url()).await;
    assert_pass(&checks::nats(&client).await);
    let jetstream = async_nats::jetstream::new(client.clone());
    let check = checks::jetstream(&jetstream).await;
    assert_eq!(check.status(), Status::Pass, "{:?}", check.output());
    // The account information as JSON (async-nats's own `query_account` rejects a 2.9 server's).
    let account: serde_json::Value = jetstream.request("INFO", b"").await.unwrap();
    assert_eq!(
        check.output(),
        Some(&*format!(
            "{} streams, {} consumers",
            account["streams"], account["consumers"]
        ))
    );

    let health = health(crate::TIMEOUT * 10, move || checks::nats(&client));
    let (status, output, _) = evaluate(&health).await;
    assert_eq!(status, Status::Pass, "{output:?}");
}

/// A refused server closes the connection, which async-nats notices (or the check's request
/// meets first); a blackholed one leaves async-nats reconnecting into silence.
const NATS_DOWN: Expect<'static> = Expect {
    probe: &["NATS: not connected (", "NATS: request failed: ", TIMED_OUT],
    alone: &[
        "NATS: not connected (",
        "NATS: request failed: ",
        "NATS: no answer within 300ms",
    ],
};
const JETSTREAM_DOWN: Expect<'static> = Expect {
    probe: &[
        "JetStream: not connected (",
        "JetStream: no account information: ",
        TIMED_OUT,
    ],
    alone: &[
        "JetStream: not connected (",
        "JetStream: no account information: ",
        "JetStream: no answer within 300ms",
    ],
};

#[tokio::test]
async fn nats_outage_refused_blackholed_and_recovered() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let proxy = Proxy::start(nats.addr()).await;
    let client = connect(&nats.url_via(proxy.addr())).await;
    outage_and_recovery(&proxy, move || checks::nats(&client), NATS_DOWN, NATS_DOWN).await;
}

#[tokio::test]
async fn jetstream_outage_refused_blackholed_and_recovered() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let proxy = Proxy::start(nats.addr()).await;
    let client = connect(&nats.url_via(proxy.addr())).await;
    let jetstream = async_nats::jetstream::new(client);
    outage_and_recovery(
        &proxy,
        move || checks::jetstream(&jetstream),
        JETSTREAM_DOWN,
        JETSTREAM_DOWN,
    )
    .await;
}

/// A server that stops answering while the connection stays up: async-nats still says it is
/// connected, and its `flush` still succeeds (it only writes to the socket), so only a round trip
/// shows the silence.
#[tokio::test]
async fn nats_silent_server_fails_where_flush_passes() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let proxy = Proxy::start(nats.addr()).await;
    let client = connect(&nats.url_via(proxy.addr())).await;
    assert_pass(&checks::nats(&client).await);

    proxy.blackhole().await;
    assert_eq!(
        client.connection_state(),
        async_nats::connection::State::Connected
    );
    let flushed = tokio::time::timeout(crate::TIMEOUT, client.flush()).await;
    assert!(
        matches!(flushed, Ok(Ok(()))),
        "flush needs no answer: {flushed:?}"
    );
    let jetstream = async_nats::jetstream::new(client.clone());
    let silent = move || checks::jetstream(&jetstream);
    crate::fails_at_the_timeout(silent, "JetStream: no answer within 300ms").await;
    let silent = move || checks::nats(&client);
    let health = crate::fails_at_the_timeout(silent, "NATS: no answer within 300ms").await;

    // Back: the old connection is cut when the path is restored, and the client reconnects.
    proxy.restore().await;
    crate::recovers(&health).await;
}

/// A client whose first connection has not been made yet (`retry_on_initial_connect`) fails
/// without sending anything.
#[tokio::test]
async fn nats_before_the_first_connection_is_not_connected() {
    let Some(nats) = Service::get(Needs::Nats) else {
        return;
    };
    let proxy = Proxy::start(nats.addr()).await;
    proxy.refuse().await;
    let client = ConnectOptions::new()
        .retry_on_initial_connect()
        .reconnect_delay_callback(|_| Duration::from_millis(100))
        .connect(nats.url_via(proxy.addr()))
        .await
        .unwrap();
    let check = checks::nats(&client).timeout(crate::TIMEOUT).await;
    let output = check.output().unwrap_or_default();
    assert!(output.starts_with("NATS: not connected ("), "{output}");
    assert!(
        check.observation().is_some_and(|(ms, _)| ms < 100.0),
        "fails at once: {check:?}"
    );

    proxy.restore().await;
    let health = health(crate::TIMEOUT, move || checks::nats(&client));
    crate::recovers(&health).await;
}
