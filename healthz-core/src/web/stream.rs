//! `GET /healthz/events`: the [`Health`]'s changes and runs as Server-Sent Events, for the
//! dashboard and anything else that would rather listen than poll.
//!
//! A stream starts with `retry: 1000` and a `snapshot` event (every kind's aggregate and every
//! probe's latest result), then one `history` event per probe (its recent runs), so that a client
//! needs nothing else to start. Then:
//!
//! | event | when | data |
//! |---|---|---|
//! | `history` | after the snapshot, once per probe | `kind`, `name`, `runs`: `[time in ms since the epoch, status, duration in ms, output]` each, oldest first; `output` only on runs that did not pass |
//! | `probe` | a probe's status changed | `kind`, `name`, `from`, `status`, `time`, `output` |
//! | `aggregate` | a kind's aggregate status or gate changed | `kind`, `from`, `status`, `gate`, `time`, `output` |
//! | `run` | a probe ran (not from the cache) | `kind`, `name`, `status`, `time`, `durationMs`, `output` |
//!
//! and a `: heartbeat` comment after every [`HEARTBEAT`] without an event, so that proxies keep
//! the connection and a dead client is noticed. Each `data` line is one JSON object; times are RFC 3339. A caller
//! without details gets no `output`, `gate`, `version` or `serviceId`, as in the JSON reports.
//!
//! A client that falls more than 256 events behind is
//! dropped (the stream ends; `EventSource` reconnects and gets a fresh snapshot), so a slow or
//! dead client costs a bounded buffer and never grows one. The stream also ends when the server
//! stops ([`Health::end_subscriptions`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::Stream;
use serde_json::{Map, Value, json};

use crate::events::{AggregateEvent, Event, ProbeEvent, ProbeRun, Subscription};
use crate::history::Run;
use crate::report::MAX_OUTPUT_BYTES;
use crate::report::time::{as_text, rfc3339_millis};
use crate::report::truncate;
use crate::{Detail, Health, Kind, Status};

/// How often an idle stream sends a `: heartbeat` comment.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(15);

/// How many event streams an [`Endpoints`](super::Endpoints) keeps open at once; one more is
/// answered 503.
pub(crate) const MAX_EVENT_STREAMS: usize = 4096;

/// How many of a probe's recent runs its `history` event carries.
const HISTORY_RUNS: usize = 60;

/// How much of each run's output a `history` event carries.
const HISTORY_OUTPUT_BYTES: usize = 128;

/// The body of an event stream: a [`Stream`] of chunks that never fails, as actix-web's
/// `HttpResponse::streaming` and axum's `Body::from_stream` take it. Dropping it (the client went
/// away) unsubscribes.
pub struct EventStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, Infallible>> + Send>>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

impl Stream for EventStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Counts the open streams of one `Endpoints`.
#[derive(Debug, Default)]
pub(crate) struct Streams(AtomicUsize);

/// One open stream's place in the count, given back on drop.
struct Place(Arc<Streams>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Streams {
    /// A place for one more stream, unless [`MAX_EVENT_STREAMS`] are open.
    fn take(self: &Arc<Self>) -> Option<Place> {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < MAX_EVENT_STREAMS).then_some(open + 1)
            })
            .ok()
            .map(|_| Place(Arc::clone(self)))
    }
}

struct Open {
    health: Health,
    detail: Detail,
    events: Subscription,
    heartbeat: tokio::time::Interval,
    started: bool,
    /// The `history` events still to send after the snapshot.
    backlog: VecDeque<Bytes>,
    /// Each probe's latest run in the snapshot: the runs the subscription also delivers up to
    /// it are skipped, so none is shown twice. An entry goes at the probe's first newer run, and
    /// the list with its last entry.
    shown: Vec<(Kind, Arc<str>, SystemTime)>,
    _place: Place,
}

impl EventStream {
    /// A stream of `health`'s events as `detail` allows, or `None` when `streams` is full.
    pub(crate) fn open(health: &Health, detail: Detail, streams: &Arc<Streams>) -> Option<Self> {
        let place = streams.take()?;
        // Subscribed before the snapshot is taken, so no change falls between the two.
        let events = health.subscribe();
        let start = tokio::time::Instant::now() + HEARTBEAT;
        let open = Open {
            health: health.clone(),
            detail,
            events,
            heartbeat: tokio::time::interval_at(start, HEARTBEAT),
            started: false,
            backlog: VecDeque::new(),
            shown: Vec::new(),
            _place: place,
        };
        let stream = futures_util::stream::unfold(open, |mut open| async move {
            let chunk = open.next().await?;
            Some((Ok(chunk), open))
        });
        Some(EventStream {
            inner: Box::pin(stream),
        })
    }
}

impl Open {
    async fn next(&mut self) -> Option<Bytes> {
        if !self.started {
            self.started = true;
            let snapshot = snapshot(
                &self.health,
                self.detail,
                &mut self.backlog,
                &mut self.shown,
            );
            let snapshot = Box::pin(snapshot).await;
            return Some(frame(Some("snapshot"), &snapshot, "retry: 1000\n"));
        }
        if let Some(history) = self.backlog.pop_front() {
            if self.backlog.is_empty() {
                self.backlog = VecDeque::new();
            }
            // One frame per poll: the framework then writes each before it asks for the next,
            // and its write buffer (which it keeps as large as it ever grew, for the life of the
            // connection) stays the size of one frame.
            tokio::task::yield_now().await;
            return Some(history);
        }
        loop {
            let event = tokio::select! {
                event = self.events.recv() => event,
                _ = self.heartbeat.tick() => return Some(Bytes::from_static(b": heartbeat\n\n")),
            };
            let full = self.detail == Detail::Full;
            let (name, data) = match event {
                Event::Probe(change) => ("probe", probe_event(&change, full)),
                Event::Aggregate(change) => ("aggregate", aggregate_event(&change, full)),
                Event::Run(run) => {
                    let shown = self
                        .shown
                        .iter()
                        .position(|(kind, name, _)| *kind == run.kind && *name == run.name);
                    if let Some(i) = shown {
                        if run.run.time() <= self.shown[i].2 {
                            continue;
                        }
                        self.shown.swap_remove(i);
                        if self.shown.is_empty() {
                            self.shown = Vec::new();
                        }
                    }
                    ("run", run_event(&run, full))
                }
                // Fell behind: dropped, so that a slow client never holds more than the shared
                // buffer. Its `EventSource` reconnects and starts from a new snapshot.
                Event::Lagged { missed } => {
                    tracing::debug!(missed, "healthz: event stream fell behind; closed");
                    return None;
                }
                _ => return None,
            };
            self.heartbeat.reset();
            return Some(frame(Some(name), &data, ""));
        }
    }
}

/// One SSE frame: `event:` (if named) and one `data:` line. Compact JSON holds no line break.
fn frame(name: Option<&str>, data: &Value, before: &str) -> Bytes {
    let mut out = String::with_capacity(128);
    out.push_str(before);
    if let Some(name) = name {
        out.push_str("event: ");
        out.push_str(name);
        out.push('\n');
    }
    out.push_str("data: ");
    out.push_str(&data.to_string());
    out.push_str("\n\n");
    Bytes::from(out)
}

fn time(at: SystemTime) -> Value {
    Value::String(as_text(&rfc3339_millis(at)).to_owned())
}

fn millis(duration: Duration) -> Value {
    json!((duration.as_secs_f64() * 1e6).round() / 1e3)
}

fn put_output(object: &mut Map<String, Value>, output: Option<&str>, full: bool) {
    if let (true, Some(output)) = (full, output) {
        object.insert(
            "output".into(),
            truncate(output, MAX_OUTPUT_BYTES).into_owned().into(),
        );
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn probe_event(change: &ProbeEvent, full: bool) -> Value {
    let mut event = object(json!({
        "kind": change.kind.as_str(),
        "name": &*change.name,
        "from": change.from.map(Status::as_str),
        "status": change.to.as_str(),
        "time": time(change.time),
    }));
    put_output(&mut event, change.output.as_deref(), full);
    Value::Object(event)
}

fn aggregate_event(change: &AggregateEvent, full: bool) -> Value {
    let mut event = object(json!({
        "kind": change.kind.as_str(),
        "from": change.from.map(Status::as_str),
        "status": change.to.as_str(),
        "time": time(change.time),
    }));
    if let (true, Some(gate)) = (full, &change.gate) {
        event.insert("gate".into(), gate.as_str().into());
        put_output(&mut event, Some(gate.output()), full);
    }
    Value::Object(event)
}

fn run_entry(run: &Run, full: bool) -> Map<String, Value> {
    let mut entry = object(json!({
        "time": time(run.time()),
        "status": run.status().as_str(),
        "durationMs": millis(run.duration()),
    }));
    put_output(&mut entry, run.output(), full);
    entry
}

fn run_event(run: &ProbeRun, full: bool) -> Value {
    let mut event = object(json!({ "kind": run.kind.as_str(), "name": &*run.name }));
    event.extend(run_entry(&run.run, full));
    Value::Object(event)
}

/// The first event: every kind's last published aggregate and every probe's latest run; and into
/// `backlog`, each probe's `history` event. It runs no probe.
async fn snapshot(
    health: &Health,
    detail: Detail,
    backlog: &mut VecDeque<Bytes>,
    shown: &mut Vec<(Kind, Arc<str>, SystemTime)>,
) -> Value {
    let full = detail == Detail::Full;
    let mut kinds = Vec::new();
    let mut probes = Vec::new();
    for kind in [Kind::Liveness, Kind::Readiness, Kind::Startup] {
        if kind != Kind::Readiness && health.probes(kind).next().is_none() {
            continue;
        }
        // What the kind last published, as the runs and the requests left it: opening a
        // stream runs no probe (a thousand clients connecting at once would otherwise run every
        // uncached probe a thousand times, and flood every stream with their runs). Only a kind
        // nothing has evaluated yet is evaluated, once.
        let (status, gate) = if let Some(published) = health.published(kind) {
            published
        } else {
            let report = health
                .evaluate(crate::selection::Scope::Kind(kind), &[])
                .await;
            (report.status(), report.gate().cloned())
        };
        let mut aggregate = object(json!({
            "kind": kind.as_str(),
            "status": status.as_str(),
        }));
        if let (true, Some(gate)) = (full, &gate) {
            aggregate.insert("gate".into(), gate.as_str().into());
            put_output(&mut aggregate, Some(gate.output()), full);
        }
        kinds.push(Value::Object(aggregate));
        for probe in health.probes(kind) {
            let runs = health.history(kind, probe.name).unwrap_or_default();
            if let Some(last) = runs.last() {
                shown.push((kind, probe.name.into(), last.time()));
            }
            let mut row = object(json!({
                "kind": kind.as_str(),
                "name": probe.name,
                "critical": probe.critical,
            }));
            // Its latest run (what a gate kept from running shows as it last ran), or `unknown`
            // until it has run.
            match runs.last() {
                Some(run) => row.extend(run_entry(run, full)),
                None => {
                    row.insert("status".into(), "unknown".into());
                }
            }
            if let Some(since) = since(&runs) {
                row.insert("since".into(), time(since));
            }
            probes.push(Value::Object(row));
            let first = runs.len().saturating_sub(HISTORY_RUNS);
            let history = json!({
                "kind": kind.as_str(),
                "name": probe.name,
                "runs": runs[first..].iter().map(|run| compact(run, full)).collect::<Vec<_>>(),
            });
            backlog.push_back(frame(Some("history"), &history, ""));
        }
    }
    let mut snapshot = object(json!({
        "time": time(SystemTime::now()),
        "details": full,
        "kinds": kinds,
        "probes": probes,
    }));
    if full {
        let meta = health.meta();
        if let Some(id) = &meta.service_id {
            snapshot.insert("serviceId".into(), truncate(id, MAX_OUTPUT_BYTES).into());
        }
        if let Some(version) = &meta.version {
            snapshot.insert("version".into(), truncate(version, MAX_OUTPUT_BYTES).into());
        }
    }
    Value::Object(snapshot)
}

/// A run in a `history` event: `[time in ms since the epoch, status, duration in ms]`, and its
/// output (cut short) when it did not pass and the caller sees details.
fn compact(run: &Run, full: bool) -> Value {
    let since_epoch = run
        .time()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let mut entry = vec![
        json!(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)),
        run.status().as_str().into(),
        millis(run.duration()),
    ];
    if let (true, Status::Warn | Status::Fail, Some(output)) = (full, run.status(), run.output()) {
        entry.push(truncate(output, HISTORY_OUTPUT_BYTES).into_owned().into());
    }
    Value::Array(entry)
}

/// When the latest status began, as far as the history reaches: the first of the latest runs
/// with the status of the last.
fn since(runs: &[Run]) -> Option<SystemTime> {
    let last = runs.last()?.status();
    let same = runs.iter().rev().take_while(|r| r.status() == last).count();
    Some(runs[runs.len() - same].time())
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;
    use crate::ProbeOptions;
    use crate::web::adapter::{Answer, Request};
    use crate::web::{Body, Endpoints};

    fn health() -> Health {
        Health::builder()
            .without_registered()
            .readiness("db", ProbeOptions::new(), || async {
                Err::<(), _>("refused by postgres://app:s3cret@db/app")
            })
            .build()
            .expect("builds")
    }

    fn dashboard(health: Health) -> Endpoints {
        Endpoints::builder(health)
            .dashboard(true)
            .build()
            .expect("valid")
    }

    async fn events(endpoints: &Endpoints, method: &str) -> Answer {
        let headers = http::HeaderMap::new();
        let request = Request {
            method,
            path: "/healthz/events",
            query: "",
            headers: &headers,
            peer: Some([127, 0, 0, 1].into()),
        };
        super::super::answer::answer(endpoints, &request).await
    }

    fn stream(answer: Answer) -> Option<EventStream> {
        match answer.body {
            Body::Events(stream) => Some(stream),
            Body::Full(_) => None,
        }
    }

    fn text(answer: &Answer) -> &[u8] {
        match &answer.body {
            Body::Full(bytes) => bytes,
            Body::Events(_) => b"",
        }
    }

    async fn next(stream: &mut EventStream) -> Option<String> {
        let chunk = stream.next().await?.unwrap_or_else(|never| match never {});
        Some(String::from_utf8(chunk.to_vec()).expect("utf-8"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_snapshot_first_then_a_heartbeat_every_15_s_when_idle() {
        let health = Health::builder().without_registered().build().unwrap();
        let endpoints = dashboard(health);
        let mut stream = stream(events(&endpoints, "GET").await).expect("a stream");
        let first = next(&mut stream).await.unwrap();
        assert!(
            first.starts_with("retry: 1000\nevent: snapshot\ndata: {"),
            "{first}"
        );
        assert!(first.ends_with("}\n\n"), "{first}");
        let started = tokio::time::Instant::now();
        // Aggregate events from the first evaluation may come first.
        loop {
            let chunk = next(&mut stream).await.unwrap();
            if chunk == ": heartbeat\n\n" {
                break;
            }
            assert!(chunk.starts_with("event: aggregate\n"), "{chunk}");
        }
        assert_eq!(started.elapsed(), HEARTBEAT);
        assert_eq!(next(&mut stream).await.unwrap(), ": heartbeat\n\n");
        assert_eq!(started.elapsed(), 2 * HEARTBEAT);
    }

    #[tokio::test]
    async fn a_client_that_falls_behind_is_dropped() {
        let health = health();
        let endpoints = dashboard(health.clone());
        let mut stream = stream(events(&endpoints, "GET").await).expect("a stream");
        next(&mut stream).await.unwrap();
        // More changes than the buffer holds, while the client reads nothing.
        for i in 0..crate::events::EVENT_BUFFER {
            health.refuse_traffic(format!("change {i}"));
        }
        let mut read = 0;
        while next(&mut stream).await.is_some() {
            read += 1;
            assert!(read < 10, "the stream ends instead of catching up");
        }
    }

    #[tokio::test]
    async fn streams_are_capped_and_closing_one_frees_its_place() {
        let endpoints = dashboard(health());
        let mut open = Vec::new();
        for _ in 0..MAX_EVENT_STREAMS {
            open.push(stream(events(&endpoints, "GET").await).expect("a stream"));
        }
        let refused = events(&endpoints, "GET").await;
        assert_eq!(refused.status, 503);
        assert_eq!(
            text(&refused),
            format!("too many event streams are open ({MAX_EVENT_STREAMS}): try again later\n")
                .as_bytes()
        );
        open.pop();
        let again = events(&endpoints, "GET").await;
        assert_eq!(again.status, 200);
        assert!(stream(again).is_some());
    }

    #[tokio::test]
    async fn head_answers_the_headers_without_a_stream() {
        let endpoints = dashboard(health());
        let head = events(&endpoints, "HEAD").await;
        assert_eq!(head.status, 200);
        assert!(head.headers().any(|h| h
            == (
                crate::web::adapter::Header::ContentType,
                "text/event-stream"
            )));
        assert!(stream(head).is_none());
    }

    #[test]
    fn since_is_the_start_of_the_latest_status() {
        use crate::engine::Snapshot;
        let run = |status| Run::new(Arc::new(Snapshot::synthetic(status, String::new())));
        let runs = [run(Status::Pass), run(Status::Fail), run(Status::Fail)];
        assert_eq!(since(&runs), Some(runs[1].time()));
        assert_eq!(since(&runs[..1]), Some(runs[0].time()));
        assert_eq!(since(&[]), None);
    }
}
