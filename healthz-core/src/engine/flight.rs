//! Single flight: concurrent callers that need a fresh result share one run.
//!
//! A new run is polled once on the caller's thread: a probe that answers at once (most liveness
//! probes) costs no task and no extra trip through the caller's executor. A run still pending
//! after that poll moves to a spawned task, where it finishes (and lands in the cache) whoever
//! waits for it. Callers that arrive meanwhile join it through the flight registered before the
//! poll. A run costs two allocations: the flight and the boxed run.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt as _;

use super::{Snapshot, lock};
use crate::Status;

/// The run in flight of one probe, if any.
#[derive(Default)]
pub(crate) struct Flight {
    current: Mutex<Option<Arc<InFlight>>>,
}

/// One run: who waits for it, then its result.
pub(crate) struct InFlight {
    state: Mutex<State>,
}

enum State {
    /// The wakers of the callers that joined.
    Running(Vec<Waker>),
    Done(Arc<Snapshot>),
}

/// A run started or joined by [`Flight::run`]: its result, at once or when the run finishes.
pub(crate) enum Running {
    /// The run finished during [`Flight::run`].
    Done(Option<Arc<Snapshot>>),
    /// The run goes on elsewhere: in flight for other callers, or spawned.
    Joined(Arc<InFlight>),
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
            Running::Joined(in_flight) => {
                let mut state = lock(&in_flight.state);
                match &mut *state {
                    State::Done(snapshot) => Poll::Ready(Arc::clone(snapshot)),
                    State::Running(wakers) => {
                        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                            wakers.push(cx.waker().clone());
                        }
                        Poll::Pending
                    }
                }
            }
        }
    }
}

/// Ends a run: records its result for the callers that joined, wakes them, and clears the
/// flight. If the run is dropped before it finished (it panicked, or its runtime is shutting
/// down), it ends as cancelled, so that the next read starts a new one.
struct Finish {
    flight: Arc<Flight>,
    in_flight: Arc<InFlight>,
    done: bool,
}

impl Finish {
    fn with(&mut self, snapshot: Arc<Snapshot>) {
        self.done = true;
        let wakers = {
            let mut state = lock(&self.in_flight.state);
            match std::mem::replace(&mut *state, State::Done(snapshot)) {
                State::Running(wakers) => wakers,
                State::Done(_) => Vec::new(),
            }
        };
        self.flight.land(&self.in_flight);
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
    /// resolves, so that the flight is cleared only once the next read can see the result.
    pub(crate) fn run<F>(self: &Arc<Self>, work: impl FnOnce() -> F) -> Running
    where
        F: Future<Output = Arc<Snapshot>> + Send + 'static,
    {
        let mut current = lock(&self.current);
        if let Some(in_flight) = current.as_ref() {
            return Running::Joined(Arc::clone(in_flight));
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            drop(current);
            return Running::Done(Some(Arc::new(Snapshot::synthetic(
                Status::Fail,
                "healthz runs probes on a Tokio runtime, and none is running here".into(),
            ))));
        };
        let in_flight = Arc::new(InFlight {
            state: Mutex::new(State::Running(Vec::new())),
        });
        *current = Some(Arc::clone(&in_flight));
        drop(current);

        let mut finish = Finish {
            flight: Arc::clone(self),
            in_flight: Arc::clone(&in_flight),
            done: false,
        };
        let work = work();
        let mut run = Box::pin(async move {
            let snapshot = work.await;
            finish.with(Arc::clone(&snapshot));
            snapshot
        });
        let mut noop = Context::from_waker(Waker::noop());
        match std::panic::catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(&mut noop))) {
            Ok(Poll::Ready(snapshot)) => Running::Done(Some(snapshot)),
            Ok(Poll::Pending) => {
                // The task's first poll registers its own waker in place of the no-op one; a
                // panic in it drops `finish`, which ends the run as cancelled.
                drop(handle.spawn(AssertUnwindSafe(run).catch_unwind()));
                Running::Joined(in_flight)
            }
            // A panic outside the probe (the probe's own are caught in `execute`), in an
            // observer: dropping the run drops `finish`, which ends it as cancelled.
            Err(_) => {
                drop(run);
                Running::Joined(in_flight)
            }
        }
    }

    /// Clears the flight, if `in_flight` is still the current one.
    fn land(&self, in_flight: &Arc<InFlight>) {
        let mut current = lock(&self.current);
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, in_flight)) {
            *current = None;
        }
    }
}
