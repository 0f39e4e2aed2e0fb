//! Single flight: concurrent callers that need a fresh result share one run.
//!
//! A new run is polled once on the caller's thread: a probe that answers at once (most liveness
//! probes) costs no task and no extra trip through the caller's executor. A run still pending
//! after that poll moves to a spawned task, where it finishes (and lands in the cache) whoever
//! waits for it. Callers that arrive meanwhile join it through the flight, marked running before
//! the poll.
//!
//! Each probe's flight is one long-lived value: a run is a generation of it, not an allocation.
//! Whoever joined generation `g` is answered by the result of `g` or of a later run, whichever
//! the flight holds when it looks (a later one is only fresher). Of the flight's own, a run
//! answered at once costs one allocation, the boxed run. Callers who join wait on a `watch`
//! channel of the finished generation: each waiter is its own entry in Tokio's intrusive list,
//! added and removed in constant time (a caller that gives up leaves at once, its memory freed),
//! so N callers waiting on a slow probe cost N, not N² (a list of wakers scanned for duplicates
//! on every poll cost N²/2 comparisons under the lock).

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt as _;
use tokio::sync::watch;

use super::{Snapshot, lock};
use crate::Status;

/// The runs of one probe: whether one is in flight, and the latest one's result.
pub(crate) struct Flight {
    state: Mutex<State>,
    /// The generation of the latest run that finished, for the callers who joined one.
    finished: watch::Sender<u64>,
}

impl Default for Flight {
    fn default() -> Self {
        Flight {
            state: Mutex::default(),
            finished: watch::Sender::new(0),
        }
    }
}

#[derive(Default)]
struct State {
    /// A run is in flight: generation `generation`.
    running: bool,
    /// The number of runs started so far.
    generation: u64,
    /// The result of the latest run that finished.
    result: Option<Arc<Snapshot>>,
}

/// A run started or joined by [`Flight::run`]: its result, at once or when the run finishes.
pub(crate) enum Running {
    /// The run finished during [`Flight::run`].
    Done(Option<Arc<Snapshot>>),
    /// The run goes on elsewhere (in flight for other callers, or spawned): waiting for it.
    Joined(Pin<Box<dyn Future<Output = Arc<Snapshot>> + Send>>),
}

impl Running {
    /// The result, if the run already finished.
    pub(crate) fn finished(self) -> Result<Arc<Snapshot>, Running> {
        match self {
            Running::Done(Some(snapshot)) => Ok(snapshot),
            other => Err(other),
        }
    }

    /// Waits for run `generation` of `flight` to finish.
    fn joined(flight: &Arc<Flight>, generation: u64) -> Running {
        let flight = Arc::clone(flight);
        let mut finished = flight.finished.subscribe();
        Running::Joined(Box::pin(async move {
            // The sender lives in the flight, which this future holds: it is never closed.
            let _ = finished.wait_for(|done| *done >= generation).await;
            // A finished run always leaves its result; were it missing, the caller would get a
            // failure rather than wait forever.
            lock(&flight.state).result.clone().unwrap_or_else(|| {
                Arc::new(Snapshot::synthetic(
                    Status::Fail,
                    "probe run ended without a result".into(),
                ))
            })
        }))
    }
}

impl Future for Running {
    type Output = Arc<Snapshot>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Running::Done(snapshot) => match snapshot.take() {
                Some(snapshot) => Poll::Ready(snapshot),
                // Polled after it completed: never, since `join_all` and `.await` stop at
                // `Ready`; answer as the contract of `Future` allows, without a panic.
                None => Poll::Pending,
            },
            Running::Joined(waiting) => waiting.as_mut().poll(cx),
        }
    }
}

/// Ends a run: records its result for the callers that joined, wakes them, and marks the flight
/// idle. If the run is dropped before it finished (it panicked, or its runtime is shutting
/// down), it ends as cancelled, so that the next read starts a new one.
struct Finish {
    flight: Arc<Flight>,
    generation: u64,
    done: bool,
}

impl Finish {
    fn with(&mut self, snapshot: Arc<Snapshot>) {
        self.done = true;
        let mut state = lock(&self.flight.state);
        // Only this run can end its own generation: no other starts while it is in flight.
        if state.generation == self.generation {
            state.running = false;
        }
        state.result = Some(snapshot);
        drop(state);
        // Wakes every caller who joined this run or an earlier one.
        self.flight.finished.send_replace(self.generation);
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        if !self.done {
            self.with(Arc::new(Snapshot::synthetic(
                Status::Fail,
                "probe run was cancelled before it finished".into(),
            )));
        }
    }
}

impl Flight {
    /// Joins the run in flight, or starts `work` as the new one. The returned future resolves to
    /// the run's result; dropping it does not cancel the run. `work` stores its result before it
    /// resolves, so that the flight is idle again only once the next read can see the result.
    pub(crate) fn run<F>(self: &Arc<Self>, work: impl FnOnce() -> F + Send + 'static) -> Running
    where
        F: Future<Output = Arc<Snapshot>> + Send + 'static,
    {
        let mut state = lock(&self.state);
        if state.running {
            let generation = state.generation;
            drop(state);
            return Running::joined(self, generation);
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            drop(state);
            return Running::Done(Some(Arc::new(Snapshot::synthetic(
                Status::Fail,
                "healthz runs probes on a Tokio runtime, and none is running here".into(),
            ))));
        };
        state.running = true;
        state.generation += 1;
        let generation = state.generation;
        drop(state);

        let mut finish = Finish {
            flight: Arc::clone(self),
            generation,
            done: false,
        };
        // `work` is called inside the boxed run, so that its future is made in place rather
        // than built on the stack and moved into the box.
        let mut run = Box::pin(async move {
            let snapshot = work().await;
            finish.with(Arc::clone(&snapshot));
            snapshot
        });
        let mut noop = Context::from_waker(Waker::noop());
        let joined = || Running::joined(self, generation);
        match std::panic::catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(&mut noop))) {
            Ok(Poll::Ready(snapshot)) => Running::Done(Some(snapshot)),
            Ok(Poll::Pending) => {
                // The task's first poll registers its own waker in place of the no-op one; a
                // panic in it drops `finish`, which ends the run as cancelled.
                drop(handle.spawn(AssertUnwindSafe(run).catch_unwind()));
                joined()
            }
            // A panic outside the probe (the probe's own are caught in `execute`), in an
            // observer: dropping the run drops `finish`, which ends it as cancelled.
            Err(_) => {
                drop(run);
                joined()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn passing() -> Arc<Snapshot> {
        Arc::new(Snapshot::synthetic(Status::Pass, "ok".into()))
    }

    #[tokio::test]
    async fn callers_who_give_up_leave_at_once_and_the_rest_are_answered() {
        let flight = Arc::new(Flight::default());
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let first = flight.run(move || async move {
            let _ = released.await;
            passing()
        });
        let joined: Vec<Running> = (0..1_000)
            .map(|_| flight.run(|| async { unreachable!() }))
            .collect();
        // Each waiting caller is one receiver of the flight's channel, polled or not.
        let mut waiting: Vec<_> = joined.into_iter().map(Box::pin).collect();
        for running in &mut waiting {
            let polled = std::future::poll_fn(|cx| Poll::Ready(running.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
        }
        assert_eq!(flight.finished.receiver_count(), 1_001);
        // 900 of them disconnect: their places are freed before the run ends.
        waiting.truncate(100);
        assert_eq!(flight.finished.receiver_count(), 101);
        release.send(()).unwrap();
        for running in waiting {
            let snapshot = tokio::time::timeout(Duration::from_secs(5), running)
                .await
                .expect("answered when the run ends");
            assert_eq!(snapshot.status, Status::Pass);
        }
        assert_eq!(first.await.status, Status::Pass);
        assert_eq!(flight.finished.receiver_count(), 0);
    }
}
