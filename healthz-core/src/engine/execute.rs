//! Execution: one call of a probe under its timeout, with panics caught, on the runtime or on
//! the blocking pool.
//!
//! A probe's panic is caught and becomes its `fail`, but Rust's panic hook runs first, and the
//! default one prints the raw message (credentials and line breaks included) to stderr. So
//! `build()` puts a hook of its own, once per process, in front of the one in place (unless told
//! otherwise, [`PanicHook`]): while a probe's own code runs ([`InProbe`]), the hook only notes
//! where the panic happened (and, with [`PanicHook::LogAndForward`], hands it to the previous
//! hook too); any other panic goes to the previous hook unchanged. The caught panic is then
//! logged here, where the probe is known: through `tracing`, with the probe's kind and name,
//! redacted and on one line.

use std::cell::{Cell, RefCell};
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
use crate::output::bounded;
use crate::probe::{BoxFuture, ProbeMeta, Run, Runner};
use crate::{Check, StateMap};

/// What a probe's panic does besides failing the probe, and what [`HealthBuilder::build`](crate::HealthBuilder::build) does to
/// the process's panic hook to make it so.
///
/// A probe that panics is always caught and reported failed with the panic's message (credentials
/// redacted), and the service runs on. But Rust calls the panic hook first, and the default hook
/// prints the raw message, credentials and line breaks included, to stderr. So by default
/// `build()` puts a hook of healthz's in front of the hook in place, once per process: while a
/// probe's own code runs (its future, its closure, its blocking call), a panic is logged as one
/// `tracing` ERROR event, `probe panicked`, with the probe's `kind` and `probe` name, its message
/// redacted and on one line, and its location; every other panic goes to the previous hook
/// unchanged.
///
/// This happens in `build()`, so the order is yours to choose:
///
/// - A crash reporter (Sentry and the like) installed **before** `build()` keeps every panic
///   outside probes; with [`LogAndForward`](PanicHook::LogAndForward) it sees probe panics too.
/// - A hook installed **after** the first `build()` replaces healthz's, as `set_hook` always
///   does: probe panics then reach that hook as they are, unredacted, and are still logged as
///   `probe panicked` once caught.
///
/// A thread or task the probe spawns is not the probe's own code. Under `panic = "abort"` a
/// panicking probe aborts the process like any other panic.
///
/// ```
/// use healthz_core::{Health, PanicHook};
///
/// # fn main() -> Result<(), healthz_core::BuildError> {
/// // A crash reporter's hook, installed first, is told of probe panics too.
/// let health = Health::builder()
///     .without_registered()
///     .panic_hook(PanicHook::LogAndForward)
///     .build()?;
/// # drop(health);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PanicHook {
    /// Install healthz's hook at `build()`: a probe's panic is logged through `tracing`, redacted,
    /// and not passed to the previous hook. The default.
    #[default]
    Log,
    /// As [`Log`](PanicHook::Log), and a probe's panic is passed to the previous hook as well, as
    /// it is (its message unredacted): for a crash reporter that should count probe panics.
    LogAndForward,
    /// Leave the process's panic hook alone: a probe's panic reaches whatever hook is in place, as
    /// any panic does, and is logged as `probe panicked` once caught.
    Leave,
}

/// One call of a probe: what it is and how its panics are handled.
pub(crate) struct Call<'a> {
    pub(crate) probe: &'a ProbeMeta,
    pub(crate) runner: &'a Runner,
    pub(crate) state: &'a Arc<StateMap>,
    pub(crate) panics: PanicHook,
    /// Belongs to the probe: it keeps a blocking probe from being started while its previous
    /// call still runs.
    pub(crate) busy: &'a Arc<AtomicBool>,
}

/// Calls a probe once under `timeout` from `started`, catching panics.
pub(crate) async fn call(call: Call<'_>, started: Instant, timeout: Duration) -> (Outcome, Check) {
    let Call {
        probe,
        runner,
        state,
        panics,
        busy,
    } = call;
    let mode = Mode::of(panics);
    let caught = match runner {
        Runner::Registered(Run::Async(run)) => match run(state) {
            Ok(future) => guarded(started, timeout, mode, future).await,
            Err(missing) => return (Outcome::Fail, Check::fail(missing.to_string())),
        },
        Runner::Closure(make) => {
            let future = std::panic::catch_unwind(AssertUnwindSafe(|| {
                let _in_probe = InProbe::enter(mode);
                make()
            }));
            match future {
                Ok(future) => guarded(started, timeout, mode, future).await,
                Err(panic) => Err(Caught::here(panic)),
            }
        }
        Runner::Registered(Run::Blocking(run)) => {
            let (run, state) = (*run, Arc::clone(state));
            blocking(timeout, busy, mode, move || {
                run(&state).unwrap_or_else(|m| Check::fail(m.to_string()))
            })
            .await
        }
        Runner::BlockingClosure(call) => {
            let call = Arc::clone(call);
            blocking(timeout, busy, mode, move || call()).await
        }
    };
    caught.unwrap_or_else(|caught| caught.report(probe))
}

/// A probe's panic, caught: its payload, and where it happened if the hook saw it.
struct Caught {
    payload: Box<dyn std::any::Any + Send>,
    location: Option<String>,
}

impl Caught {
    /// A panic caught on the thread it happened on.
    fn here(payload: Box<dyn std::any::Any + Send>) -> Self {
        let location = LOCATION.try_with(RefCell::take).ok().flatten();
        Caught { payload, location }
    }

    /// Logs the panic with the probe's kind and name (its message redacted and on one line), and
    /// turns it into the probe's failure.
    fn report(self, probe: &ProbeMeta) -> (Outcome, Check) {
        let message = message(&*self.payload);
        tracing::error!(
            kind = %probe.kind,
            probe = %probe.name,
            panic = %one_line(&bounded(message)),
            location = self.location,
            "probe panicked"
        );
        (
            Outcome::Panic,
            Check::fail(format!("probe panicked: {message}")),
        )
    }
}

/// Runs a synchronous probe on the blocking pool. At most one call per probe is ever running:
/// a call that outlived its timeout keeps its thread, so a new one is not started beside it.
async fn blocking(
    timeout: Duration,
    busy: &Arc<AtomicBool>,
    mode: Mode,
    call: impl FnOnce() -> Check + Send + 'static,
) -> Result<(Outcome, Check), Caught> {
    if busy.swap(true, Ordering::AcqRel) {
        return Ok((
            Outcome::Timeout,
            Check::fail("the previous run is still going (blocking probes cannot be cancelled)"),
        ));
    }
    let release = Release(Arc::clone(busy));
    let span = tracing::Span::current();
    let handle = tokio::task::spawn_blocking(move || {
        let _release = release;
        // Caught on the thread it happens on, where the hook noted its location.
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _in_probe = InProbe::enter(mode);
            span.in_scope(call)
        }))
        .map_err(Caught::here)
    });
    match tokio::time::timeout(timeout, handle).await {
        Ok(Ok(Ok(check))) => Ok((Outcome::of(check.status()), check)),
        Ok(Ok(Err(caught))) => Err(caught),
        Ok(Err(e)) => Ok((
            Outcome::Fail,
            Check::fail(format!("probe run was cancelled: {e}")),
        )),
        Err(_) => Ok((
            Outcome::Timeout,
            Check::fail(format!(
                "timed out after {} (a blocking probe keeps running on its thread)",
                humantime::format_duration(timeout)
            )),
        )),
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
    mode: Mode,
    future: BoxFuture<'_, Check>,
) -> Result<(Outcome, Check), Caught> {
    let mut future = AssertUnwindSafe(Marked(future, mode)).catch_unwind();
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
        Ok(Ok(check)) => Ok((Outcome::of(check.status()), check)),
        // Polled on this thread, inside `catch_unwind`: the hook ran here.
        Ok(Err(panic)) => Err(Caught::here(panic)),
        Err(_) => Ok((
            Outcome::Timeout,
            Check::fail(format!(
                "timed out after {}",
                humantime::format_duration(timeout)
            )),
        )),
    }
}

/// A panic's message, if it has one (`panic!("...")` makes a `&str` or a `String`).
fn message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

/// How the hook treats a panic on this thread: outside a probe's code, or inside it under a
/// [`PanicHook`] that logs it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not a probe's (or a probe whose `Health` leaves the hook alone): the previous hook's.
    Outside,
    /// A probe's: noted, and logged once caught.
    Log,
    /// A probe's: noted, logged once caught, and handed to the previous hook too.
    LogAndForward,
}

impl Mode {
    fn of(panics: PanicHook) -> Self {
        match panics {
            PanicHook::Log => Mode::Log,
            PanicHook::LogAndForward => Mode::LogAndForward,
            PanicHook::Leave => Mode::Outside,
        }
    }
}

thread_local! {
    /// Whose code is running on this thread, for the hook.
    static IN_PROBE: Cell<Mode> = const { Cell::new(Mode::Outside) };
    /// Where the latest probe panic on this thread happened, noted by the hook for the code that
    /// catches it.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks this thread as running a probe's code until dropped (also when a panic unwinds), then
/// restores what it was.
struct InProbe(Mode);

impl InProbe {
    fn enter(mode: Mode) -> Self {
        InProbe(IN_PROBE.replace(mode))
    }
}

impl Drop for InProbe {
    fn drop(&mut self) {
        IN_PROBE.set(self.0);
    }
}

/// A probe's future, marked [`InProbe`] while it is polled.
struct Marked<'a>(BoxFuture<'a, Check>, Mode);

impl Future for Marked<'_> {
    type Output = Check;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Check> {
        let _in_probe = InProbe::enter(self.1);
        self.0.as_mut().poll(cx)
    }
}

/// Puts healthz's hook in front of the panic hook in place, once per process (`build()` calls
/// it, unless its `Health` leaves the hook alone).
///
/// A hook set later with `std::panic::set_hook` replaces this one: probe panics then reach that
/// hook as they are.
pub(crate) fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            match IN_PROBE.try_with(Cell::get).unwrap_or(Mode::Outside) {
                Mode::Outside => previous(info),
                Mode::Log => note(info),
                Mode::LogAndForward => {
                    note(info);
                    previous(info);
                }
            }
        }));
    });
}

/// Notes where a probe's panic happened, for the code that catches it.
fn note(info: &PanicHookInfo<'_>) {
    let location = info
        .location()
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
    let _ = LOCATION.try_with(|noted| *noted.borrow_mut() = location);
}
