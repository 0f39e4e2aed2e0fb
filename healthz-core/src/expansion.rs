//! Helpers of the `#[liveness]`/`#[readiness]`/`#[startup]` expansions, reached through
//! `__private`. Not public API. Their job is to turn a mistake in a probe's signature into
//! exactly one error, at the user's token, that says what to do, and that names nothing of
//! healthz's internals.
//!
//! For each argument `&T`, the expansion writes `<T as ProbeState>::CHECKED`: a `T` that cannot
//! be state is refused there, at the user's type, with [`ProbeState`]'s message. Its lookup
//! (`(&StateType::<T>::NEW).lookup()`) then resolves to [`RejectState`] instead of
//! [`AcceptState`], and the probe's future is passed through [`Select`] for [`Rejected`], which
//! drops it: the future, which holds a `&T` that is not `Send` either, is not refused a second
//! time. With every type accepted, [`Select`] keeps the future, and the expansion boxes it as a
//! `Send` future: a future that is not `Send` is refused there, with rustc naming the value held
//! across an `.await`.

use std::fmt;
use std::future::{Future, Pending};
use std::marker::PhantomData;

use crate::{MissingState, ProbeState, StateMap};

/// How the expansion fetches one state argument.
pub type Lookup<T> = for<'a> fn(&'a StateMap) -> Result<&'a T, MissingState>;

/// The state type of one probe argument. The expansion calls `(&StateType::<T>::NEW).lookup()`:
/// method resolution picks [`AcceptState`] when `T` can be state, and falls back on
/// [`RejectState`] (one auto-reference further) when it cannot, so that the lookup itself always
/// type-checks.
pub struct StateType<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for StateType<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StateType<{}>", std::any::type_name::<T>())
    }
}

impl<T> StateType<T> {
    /// The value to call `lookup` on.
    pub const NEW: Self = StateType(PhantomData);
}

/// Every state type so far can be state.
#[derive(Debug, Default)]
pub struct Accepted;

/// A state type cannot be state (and was reported at its `CHECKED`).
#[derive(Debug, Default)]
pub struct Rejected;

/// Chosen when `T: ProbeState`: looks the value up in the [`StateMap`].
pub trait AcceptState<T> {
    /// The lookup, and [`Accepted`].
    fn lookup(&self) -> (Accepted, Lookup<T>);
}

impl<T: ProbeState> AcceptState<T> for StateType<T> {
    fn lookup(&self) -> (Accepted, Lookup<T>) {
        (Accepted, StateMap::get::<T>)
    }
}

/// Chosen otherwise. The program does not compile then, so its lookup never runs.
pub trait RejectState<T> {
    /// A lookup that finds nothing, and [`Rejected`].
    fn lookup(&self) -> (Rejected, Lookup<T>);
}

impl<T> RejectState<T> for &StateType<T> {
    fn lookup(&self) -> (Rejected, Lookup<T>) {
        (Rejected, |_| {
            Err(MissingState {
                type_name: std::any::type_name::<T>(),
            })
        })
    }
}

/// Whether all of a probe's state types were accepted: `Self` so far, combined with the next.
pub trait Both<Next> {
    /// [`Accepted`] when both are.
    type Output: Default;
}

impl Both<Accepted> for Accepted {
    type Output = Accepted;
}

impl Both<Rejected> for Accepted {
    type Output = Rejected;
}

impl<Next> Both<Next> for Rejected {
    type Output = Rejected;
}

/// Looks up one state argument, and combines whether its type was accepted with the others'.
///
/// # Errors
///
/// [`MissingState`] when no value of the type was supplied (`build()` checks this first).
#[allow(clippy::needless_pass_by_value)] // the expansion passes a temporary
pub fn state_arg<T, SoFar: Both<Outcome>, Outcome>(
    state: &StateMap,
    _so_far: SoFar,
    found: (Outcome, Lookup<T>),
) -> Result<(&T, SoFar::Output), MissingState> {
    let (_, lookup) = found;
    Ok((lookup(state)?, SoFar::Output::default()))
}

/// Keeps the probe's future when every state type was [`Accepted`]; with one [`Rejected`], puts
/// a future that never runs in its place (the program does not compile then).
pub trait Select<F: Future> {
    /// The future kept.
    type Out: Future<Output = F::Output>;
    /// Keeps `future`, or not.
    fn select(self, future: F) -> Self::Out;
}

impl<F: Future> Select<F> for Accepted {
    type Out = F;
    fn select(self, future: F) -> F {
        future
    }
}

impl<F: Future> Select<F> for Rejected {
    type Out = Pending<F::Output>;
    fn select(self, _: F) -> Self::Out {
        std::future::pending()
    }
}
