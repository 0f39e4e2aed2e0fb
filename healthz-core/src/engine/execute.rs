//! Execution: one call of a probe under its timeout, with panics caught, on the runtime or on
//! the blocking pool.
//!
//! A probe's panic is caught and becomes its `fail`, but Rust's panic hook runs first, and the
//! default one prints the raw message (credentials and line breaks included) to stderr. So a
//! hook of our own is installed, once, in front of the one that was there: while a probe's own
//! code runs ([`InProbe`]), a panic is logged through `tracing`, redacted and on one line; any
//! other panic goes to the previous hook unchanged.

use std::cell::Cell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::time::Instant;

use crate::escape::one_line;
use crate::observe::Outcome;
use crate::probe::{BoxFuture, Run, Runner};
use crate::{Check, StateMap, redact};

/// Calls a probe once under `timeout` from `started`, catching panics. `busy` belongs to the
/// probe: it keeps a blocking probe from being started while its previous call still runs.
pub(crate) async fn call(
    runner: &Runner,
    state: &Arc<StateMap>,
    started: Instant,
    timeout: Duration,
    busy: &Arc<AtomicBool>,
) -> (Outcome, Check) {
    install_panic_hook();
    match runner {
        Runner::Registered(Run::Async(run)) => match run(state) {
            Ok(future) => guarded(started, timeout, future).await,
            Err(missing) => (Outcome::Fail, Check::fail(missing.to_string())),
        },
        Runner::Closure(make) => {
            let future = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let _in_probe = InProbe::enter();
                make()
            }));
            match future {
                Ok(future) => guarded(started, timeout, future).await,
                Err(panic) => panicked(&*panic),
            }
        }
        Runner::Registered(Run::Blocking(run)) => {
            let (run, state) = (*run, Arc::clone(state));
            blocking(timeout, busy, move || {
                run(&state).unwrap_or_else(|m| Check::fail(m.to_string()))
            })
            .await
        }
        Runner::BlockingClosure(call) => {
            let call = Arc::clone(call);
            blocking(timeout, busy, move || call()).await
        }
    }
}

/// Runs a synchronous probe on the blocking pool. At most one call per probe is ever running:
/// a call that outlived its timeout keeps its thread, so a new one is not started beside it.
async fn blocking(
    timeout: Duration,
    busy: &Arc<AtomicBool>,
    call: impl FnOnce() -> Check + Send + 'static,
) -> (Outcome, Check) {
    if busy.swap(true, Ordering::AcqRel) {
        return (
            Outcome::Timeout,
            Check::fail("the previous run is still going (blocking probes cannot be cancelled)"),
        );
    }
    let release = Release(Arc::clone(busy));
    let span = tracing::Span::current();
    let handle = tokio::task::spawn_blocking(move || {
        let _release = release;
        let _in_probe = InProbe::enter();
        span.in_scope(call)
    });
    match tokio::time::timeout(timeout, handle).await {
        Ok(Ok(check)) => (Outcome::of(check.status()), check),
        Ok(Err(e)) if e.is_panic() => panicked(&*e.into_panic()),
        Ok(Err(e)) => (
            Outcome::Fail,
            Check::fail(format!("probe run was cancelled: {e}")),
        ),
        Err(_) => (
            Outcome::Timeout,
            Check::fail(format!(
                "timed out after {} (a blocking probe keeps running on its thread)",
                humantime::format_duration(timeout)
            )),
        ),
    }
}

/// Clears a blocking probe's busy flag when its call ends, even by panic.
struct Release(Arc<AtomicBool>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Awaits a probe's future under its timeout, catching panics. The future is dropped (cancelled)
/// at the timeout.
///
/// A future that answers at its first poll (most liveness probes do) sets no timer: the timer is
/// made when it first returns `Pending`, for what is left of `timeout` since `started`. Making
/// one costs a clock read, a runtime lookup and, held in the run's future, a larger box per run:
/// about 200 instructions of an uncached `/livez`.
async fn guarded(
    started: Instant,
    timeout: Duration,
    future: BoxFuture<'_, Check>,
) -> (Outcome, Check) {
    let mut future = AssertUnwindSafe(Marked(future)).catch_unwind();
    let first = std::future::poll_fn(|cx| Poll::Ready(future.poll_unpin(cx))).await;
    let finished = match first {
        Poll::Ready(result) => Ok(result),
        Poll::Pending => {
            let left = timeout.saturating_sub(started.elapsed());
            // Boxed: the timer is the largest part of a run's future, which the single flight
            // boxes for every run, answered at once or not.
            Box::pin(tokio::time::timeout(left, future)).await
        }
    };
    match finished {
        Ok(Ok(check)) => (Outcome::of(check.status()), check),
        Ok(Err(panic)) => panicked(&*panic),
        Err(_) => (
            Outcome::Timeout,
            Check::fail(format!(
                "timed out after {}",
                humantime::format_duration(timeout)
            )),
        ),
    }
}

fn panicked(payload: &(dyn std::any::Any + Send)) -> (Outcome, Check) {
    (
        Outcome::Panic,
        Check::fail(format!("probe panicked: {}", message(payload))),
    )
}

/// A panic's message, if it has one (`panic!("...")` makes a `&str` or a `String`).
fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

thread_local! {
    /// Whether a probe's own code is running on this thread.
    static IN_PROBE: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as running a probe's code until dropped (also when a panic unwinds), then
/// restores what it was.
struct InProbe(bool);

impl InProbe {
    fn enter() -> Self {
        InProbe(IN_PROBE.replace(true))
    }
}

impl Drop for InProbe {
    fn drop(&mut self) {
        IN_PROBE.set(self.0);
    }
}

/// A probe's future, marked [`InProbe`] while it is polled.
struct Marked<'a>(BoxFuture<'a, Check>);

impl Future for Marked<'_> {
    type Output = Check;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Check> {
        let _in_probe = InProbe::enter();
        self.0.as_mut().poll(cx)
    }
}

/// Puts [`probe_panic`] in front of the panic hook in place, once per process.
///
/// A hook set later with `std::panic::set_hook` replaces this one: probe panics then reach that
/// hook as they are.
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_PROBE.try_with(Cell::get).unwrap_or(false) {
                probe_panic(info);
            } else {
                previous(info);
            }
        }));
    });
}

/// Reports a panic in a probe's code: through `tracing` (in the probe's span), its message
/// redacted and on one line, instead of on stderr as it is.
fn probe_panic(info: &PanicHookInfo<'_>) {
    let message = redact(message(info.payload()));
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    tracing::error!(
        panic = %one_line(&message),
        location,
        "probe panicked"
    );
}
