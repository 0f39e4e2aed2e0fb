//! Execution: one call of a probe under its timeout, with panics caught, on the runtime or on
//! the blocking pool.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::FutureExt as _;

use crate::observe::Outcome;
use crate::probe::{BoxFuture, Run, Runner};
use crate::{Check, StateMap};

/// Calls a probe once under `timeout`, catching panics. `busy` belongs to the probe: it keeps a
/// blocking probe from being started while its previous call still runs.
pub(crate) async fn call(
    runner: &Runner,
    state: &Arc<StateMap>,
    timeout: Duration,
    busy: &Arc<AtomicBool>,
) -> (Outcome, Check) {
    match runner {
        Runner::Registered(Run::Async(run)) => match run(state) {
            Ok(future) => guarded(timeout, future).await,
            Err(missing) => (Outcome::Fail, Check::fail(missing.to_string())),
        },
        Runner::Closure(make) => match std::panic::catch_unwind(AssertUnwindSafe(|| make())) {
            Ok(future) => guarded(timeout, future).await,
            Err(panic) => panicked(&*panic),
        },
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
    let handle = tokio::task::spawn_blocking(move || {
        let _release = release;
        call()
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
async fn guarded(timeout: Duration, future: BoxFuture<'_, Check>) -> (Outcome, Check) {
    match tokio::time::timeout(timeout, AssertUnwindSafe(future).catch_unwind()).await {
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
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)");
    (
        Outcome::Panic,
        Check::fail(format!("probe panicked: {message}")),
    )
}
