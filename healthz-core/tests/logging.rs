//! What the engine logs. A test binary of its own: `tracing` caches per-callsite interest
//! process-wide, so a test with a scoped subscriber must not race other tests that hit the same
//! callsites without one.

use std::fmt::Write as _;
use std::future::IntoFuture as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use healthz_core::{Check, Health, Kind, ProbeOptions};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every event's message and fields (and the span it happened in), and every span's name.
#[derive(Default, Clone)]
struct Recorder {
    events: Arc<Mutex<Vec<String>>>,
    spans: Arc<Mutex<Vec<String>>>,
    /// The spans entered and not yet exited, innermost last.
    entered: Arc<Mutex<Vec<u64>>>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    /// Strings as they are, as a plain-text log writes them.
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(span.metadata().name().to_owned());
        span.record(&mut fields);
        let mut spans = self.spans.lock().unwrap();
        spans.push(fields.0);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(event.metadata().level().to_string());
        event.record(&mut fields);
        if let Some(&id) = self.entered.lock().unwrap().last() {
            let spans = self.spans.lock().unwrap();
            let _ = write!(fields.0, " in={}", spans[usize::try_from(id).unwrap() - 1]);
        }
        self.events.lock().unwrap().push(fields.0);
    }
    fn enter(&self, id: &Id) {
        self.entered.lock().unwrap().push(id.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.entered.lock().unwrap().pop();
    }
}

/// A recorder, this thread's subscriber until the guard drops, and a runtime to run probes on.
fn recording() -> (
    Recorder,
    tracing::subscriber::DefaultGuard,
    tokio::runtime::Runtime,
) {
    let recorder = Recorder::default();
    let guard = tracing::subscriber::set_default(recorder.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (recorder, guard, runtime)
}

#[test]
fn what_a_probe_logs_is_inside_its_runs_span() {
    let (recorder, _guard, runtime) = recording();
    let health = Health::builder()
        .without_registered()
        .liveness("loop", ProbeOptions::new(), || async {
            tracing::info!("probe speaking");
            Check::pass()
        })
        .build()
        .unwrap();
    runtime.block_on(health.report(Kind::Liveness).into_future());
    let events = recorder.events.lock().unwrap();
    let spoken: Vec<_> = events
        .iter()
        .filter(|e| e.contains("probe speaking"))
        .collect();
    assert_eq!(spoken.len(), 1, "{events:#?}");
    assert!(
        spoken[0].ends_with(" in=healthz.probe kind=liveness probe=loop"),
        "{spoken:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("probe run finished")
            && e.contains(" kind=liveness probe=loop ")
            && e.contains("in=healthz.probe")),
        "{events:#?}"
    );
}

#[test]
fn a_status_change_is_logged_once_with_its_output_and_runs_get_spans() {
    let (recorder, _guard, runtime) = recording();
    let fail = Arc::new(AtomicBool::new(false));
    let health = Health::builder()
        .without_registered()
        .readiness("db", ProbeOptions::new(), {
            let fail = Arc::clone(&fail);
            move || {
                let failing = fail.load(Ordering::SeqCst);
                async move {
                    if failing {
                        Check::fail("connection refused to postgres://u:pw@db/app\n[+]db ok")
                    } else {
                        Check::pass()
                    }
                }
            }
        })
        .build()
        .unwrap();
    runtime.block_on(async {
        for failing in [false, false, false, true, true, true] {
            fail.store(failing, Ordering::SeqCst);
            health.report(Kind::Readiness).await;
        }
    });
    let events = recorder.events.lock().unwrap();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| e.contains("probe status changed"))
        .collect();
    assert_eq!(
        changes.len(),
        2,
        "first result and one change, not one per request: {events:#?}"
    );
    assert!(
        changes[0].starts_with("INFO") && changes[0].contains("to=pass"),
        "{}",
        changes[0]
    );
    assert!(changes[1].starts_with("WARN"), "{}", changes[1]);
    for change in &changes {
        // The event's own fields, not only its span's: a subscriber that leaves spans out (a
        // JSON log without the current span, say) still says which probe.
        let (fields, _span) = change.split_once(" in=").unwrap_or((change, ""));
        assert!(
            fields.contains(" kind=readiness probe=db "),
            "a status change names its probe: {change}"
        );
    }
    assert!(
        changes[1].contains(r"output=connection refused to postgres://u:***@db/app\n[+]db ok"),
        "the log carries the full output, credentials redacted, on one line: {}",
        changes[1]
    );
    let spans = recorder.spans.lock().unwrap();
    let runs = spans
        .iter()
        .filter(|s| s.starts_with("healthz.probe"))
        .count();
    assert_eq!(runs, 6, "one span per run: {spans:?}");
    assert!(
        spans
            .iter()
            .any(|s| s.contains("kind=readiness") && s.contains("probe=db")),
        "{spans:?}"
    );
}
