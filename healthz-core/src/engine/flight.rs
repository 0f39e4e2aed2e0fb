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
//! answered at once costs one allocation, the boxed run; callers who join add their wakers to a
//! list.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt as _;

use super::{Snapshot, lock};
use crate::Status;

/// The runs of one probe: whether one is in flight, and the latest one's result.
#[derive(Default)]
pub(crate) struct Flight {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A run is in flight: generation `generation`.
    running: bool,
    /// The number of runs started so far.
    generation: u64,
    /// The result of the latest run that finished.
    result: Option<Arc<Snapshot>>,
    /// The wakers of the callers waiting for the run in flight.
    wakers: Vec<Waker>,
}

/// A run started or joined by [`Flight::run`]: its result, at once or when the run finishes.
pub(crate) enum Running {
    /// The run finished during [`Flight::run`].
    Done(Option<Arc<Snapshot>>),
    /// The run `generation` goes on elsewhere: in flight for other callers, or spawned.
    Joined {
        flight: Arc<Flight>,
        generation: u64,
    },
}

impl Running {
    /// The result, if the run already finished.
    pub(crate) fn finished(self) -> Result<Arc<Snapshot>, Running> {
        match self {
            Running::Done(Some(snapshot)) => Ok(snapshot),
            other => Err(other),
        }
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
            Running::Joined { flight, generation } => {
                let mut state = lock(&flight.state);
                if state.running && state.generation == *generation {
                    if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        state.wakers.push(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                // The run finished, and a finished run always leaves its result; were it missing,
                // the caller would get a failure rather than wait forever.
                Poll::Ready(state.result.clone().unwrap_or_else(|| {
                    Arc::new(Snapshot::synthetic(
                        Status::Fail,
                        "probe run ended without a result".into(),
                    ))
                }))
            }
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
        let wakers = std::mem::take(&mut state.wakers);
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
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
            return Running::Joined {
                flight: Arc::clone(self),
                generation: state.generation,
            };
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
        let joined = || Running::Joined {
            flight: Arc::clone(self),
            generation,
        };
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
