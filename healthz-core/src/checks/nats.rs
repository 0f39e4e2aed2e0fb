//! [`nats`] and [`jetstream`]: a NATS client is connected and the server answers it.

use super::CheckFuture;
use super::sealed::Handle;

/// A NATS client that [`nats`] can check.
///
/// Implemented, with the feature `nats-0_51`, for async-nats 0.51's `Client` (a cheap handle; the
/// check clones it). The trait is sealed: a later async-nats major gets its own feature and
/// implementation, and your calls stay the same.
///
/// ```no_run
/// use healthz_core::{Check, checks};
///
/// // A probe that takes the client as state: `Health::builder().state(client)`.
/// async fn nats(client: &async_nats::Client) -> Check {
///     checks::nats(client).await
/// }
/// ```
pub trait NatsClient: Handle {}

/// A JetStream context that [`jetstream`] can check.
///
/// Implemented, with the feature `nats-0_51`, for async-nats 0.51's `jetstream::Context`. Sealed,
/// as [`NatsClient`] is.
///
/// ```no_run
/// use healthz_core::{Check, checks};
/// use async_nats::jetstream::Context;
///
/// async fn jetstream(context: &Context) -> Check {
///     checks::jetstream(context).await
/// }
/// ```
pub trait JetStreamContext: Handle {}

/// Checks that a NATS client is connected and that the server answers a request from it (one
/// round trip).
///
/// The request goes to a fresh inbox subject that nobody listens on, and the server answers it at
/// once with "no responders" (NATS 2.2 and later do, for clients such as async-nats that ask for
/// it). async-nats's own `flush` is no round trip: it returns once the bytes are written to the
/// socket, which a server that stopped answering still accepts. Your NATS user needs permission
/// to publish to its inbox prefix (`_INBOX.>`, or the client's `custom_inbox_prefix`).
///
/// Passes with the latency in milliseconds as the observed value. Fails with
/// `NATS: not connected (disconnected)` or `(pending)` while the client is not connected (it
/// reconnects on its own; nothing is sent meanwhile, since async-nats would queue it),
/// `NATS: request failed: …` with async-nats's error, or `NATS: no answer within 500ms`.
///
/// ```no_run
/// use healthz_core::{Health, ProbeOptions, checks};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::connect("nats://127.0.0.1:4222").await?;
///
/// // In a probe of your own:
/// let check = checks::nats(&client).await;
///
/// // Or as the probe:
/// let health = Health::builder()
///     .readiness("nats", ProbeOptions::new(), move || checks::nats(&client))
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn nats(client: &impl NatsClient) -> CheckFuture {
    client.check(())
}

/// Checks that JetStream answers: the context's client is connected (as in [`nats`]) and the
/// server returns the account's JetStream information (`$JS.API.INFO`).
///
/// Passes with the latency in milliseconds as the observed value, and the account's use as the
/// output (`3 streams, 5 consumers`). Fails with `JetStream: not connected (…)`,
/// `JetStream: no account information: …` with the server's or async-nats's error (JetStream
/// disabled on the server or for the account, for example) or `JetStream: no answer within 500ms`.
///
/// Only the counts are read from the answer, so the check also works with NATS servers older than
/// async-nats 0.51 expects (its `query_account` rejects a 2.9 server's answer, which lacks
/// `reserved_memory`).
///
/// ```no_run
/// use healthz_core::{Health, ProbeOptions, checks};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = async_nats::connect("nats://127.0.0.1:4222").await?;
/// let jetstream = async_nats::jetstream::new(client);
///
/// let health = Health::builder()
///     .readiness("jetstream", ProbeOptions::new(), move || checks::jetstream(&jetstream))
///     .build()?;
/// # Ok(())
/// # }
/// ```
pub fn jetstream(context: &impl JetStreamContext) -> CheckFuture {
    context.check(())
}

/// async-nats 0.51. A later major goes in a module of its own beside this one, behind its own
/// feature.
mod async_nats_0_51 {
    use async_nats::connection::State;
    use async_nats::jetstream::response::Response;
    use async_nats::{Client, RequestErrorKind, jetstream};
    use bytes::Bytes;
    use futures_util::FutureExt as _;
    use serde::Deserialize;

    use crate::Check;
    use crate::checks::sealed::Handle;
    use crate::checks::{Budget, CheckFuture, Outcome};

    impl super::NatsClient for Client {}
    impl super::JetStreamContext for jetstream::Context {}

    impl Handle for Client {
        fn check(&self, (): ()) -> CheckFuture {
            let client = self.clone();
            CheckFuture::new("NATS", move |budget| round_trip(client, budget))
        }
    }

    impl Handle for jetstream::Context {
        fn check(&self, (): ()) -> CheckFuture {
            let context = self.clone();
            CheckFuture::new("JetStream", move |budget| account(context, budget))
        }
    }

    /// Fails unless the client is connected: a request sent while it is not would wait in its
    /// queue until it reconnects.
    fn connected(client: &Client, budget: &Budget) -> Result<(), String> {
        match client.connection_state() {
            State::Connected => Ok(()),
            state => Err(budget.fail(format_args!("not connected ({state})"))),
        }
    }

    async fn round_trip(client: Client, budget: Budget) -> Outcome {
        connected(&client, &budget)?;
        let answered =
            client
                .request(client.new_inbox(), Bytes::new())
                .map(|answer| match answer {
                    // The answer expected: the server says that no one listens on the inbox.
                    Err(e) if e.kind() == RequestErrorKind::NoResponders => Ok(()),
                    answer => answer.map(drop),
                });
        budget.step(answered, "no answer", "request failed").await?;
        Ok(Check::pass())
    }

    /// The part of JetStream's account information (`$JS.API.INFO`) that the check reports. Not
    /// async-nats's `Account`, which requires fields that servers before 2.10 do not send.
    #[derive(Deserialize)]
    struct Usage {
        streams: u64,
        consumers: u64,
    }

    async fn account(context: jetstream::Context, budget: Budget) -> Outcome {
        connected(&context.client(), &budget)?;
        let info = context.request::<_, _, Response<Usage>>("INFO", b"");
        let usage = budget
            .step(info, "no answer", "no account information")
            .await?;
        match usage {
            Response::Ok(Usage { streams, consumers }) => Ok(crate::checks::pass_with(format!(
                "{streams} streams, {consumers} consumers"
            ))),
            Response::Err { error } => {
                Err(budget.fail(format_args!("no account information: {error}")))
            }
        }
    }
}
