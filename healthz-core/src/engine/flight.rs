//! Single flight: concurrent callers that need a fresh result share one run.
//!
//! A new run is polled once on the caller's thread: a probe that answers at once (most liveness
//! probes) costs no task and no extra trip through the caller's executor. A run still pending
//! after that poll moves to a spawned task, where it finishes (and lands in the cache) whoever
//! waits for it. Callers that arrive meanwhile join it through the flight registered before the
//! poll.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};

use super::Snapshot;
use crate::Status;

type Joined = Shared<BoxFuture<'static, Arc<Snapshot>>>;

/// The run in flight of one probe, if any.
#[derive(Default)]
pub(crate) struct Flight {
    current: Mutex<Option<(u64, Joined)>>,
    next: AtomicU64,
}

/// A run started or joined by [`Flight::run`]: its result, at once or when the run finishes.
pub(crate) enum Running {
    /// The run finished during [`Flight::run`].
    Done(std::future::Ready<Arc<Snapshot>>),
    /// The run goes on elsewhere: in flight for other callers, or spawned.
    Joined(Joined),
}

impl Future for Running {
    type Output = Arc<Snapshot>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Running::Done(snapshot) => snapshot.poll_unpin(cx),
            Running::Joined(flight) => flight.poll_unpin(cx),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Flight {
    /// Joins the run in flight, or starts `work` as the new one. The returned future resolves to
    /// the run's result; dropping it does not cancel the run. `work` stores its result before it
    /// resolves, so that the flight is cleared only once the next read can see the result.
    pub(crate) fn run(
        self: &Arc<Self>,
        work: impl FnOnce() -> BoxFuture<'static, Arc<Snapshot>>,
    ) -> Running {
        let mut current = lock(&self.current);
        if let Some((_, running)) = current.as_ref() {
            return Running::Joined(running.clone());
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            drop(current);
            return Running::Done(std::future::ready(Arc::new(Snapshot::synthetic(
                Status::Fail,
                "healthz runs probes on a Tokio runtime, and none is running here".into(),
            ))));
        };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = tokio::sync::oneshot::channel::<Arc<Snapshot>>();
        let joined = {
            let flight = Arc::clone(self);
            receiver
                .map(move |result| {
                    result.unwrap_or_else(|_| {
                        // The run never finished (it panicked, or its runtime is shutting down):
                        // forget the flight so the next read starts a new one.
                        flight.land(id);
                        Arc::new(Snapshot::synthetic(
                            Status::Fail,
                            "probe run was cancelled before it finished".into(),
                        ))
                    })
                })
                .boxed()
                .shared()
        };
        *current = Some((id, joined.clone()));
        drop(current);

        let flight = Arc::clone(self);
        let mut work = work()
            .map(move |snapshot| {
                flight.land(id);
                snapshot
            })
            .boxed();
        let mut noop = Context::from_waker(Waker::noop());
        match std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(&mut noop))) {
            Ok(Poll::Ready(snapshot)) => {
                // Only joiners listen; with none, nobody needs it.
                drop(sender.send(Arc::clone(&snapshot)));
                Running::Done(std::future::ready(snapshot))
            }
            Ok(Poll::Pending) => {
                // The task's first poll registers its own waker in place of the no-op one.
                let flight = Arc::clone(self);
                drop(handle.spawn(async move {
                    match AssertUnwindSafe(work).catch_unwind().await {
                        Ok(snapshot) => drop(sender.send(snapshot)),
                        Err(_) => flight.land(id),
                    }
                }));
                Running::Joined(joined)
            }
            // A panic outside the probe (the probe's own are caught in `execute`), in an
            // observer: clear the flight; `sender` is dropped, so `joined` reports the run
            // cancelled.
            Err(_) => {
                self.land(id);
                Running::Joined(joined)
            }
        }
    }

    /// Clears the flight `id`, if it is still the current one.
    fn land(&self, id: u64) {
        let mut current = lock(&self.current);
        if current.as_ref().is_some_and(|(running, _)| *running == id) {
            *current = None;
        }
    }
}
