//! Helpers of the `#[liveness]`/`#[readiness]`/`#[startup]` expansions, reached through
//! `__private`. Not public API. Their job is to turn a mistake in a probe's signature into
//! exactly one error, at the user's token, that says what to do.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use crate::{BoxFuture, Check, MissingState, ProbeState, StateMap};

/// How the expansion fetches one state argument.
pub type Lookup<T> = for<'a> fn(&'a StateMap) -> Result<&'a T, MissingState>;

/// The state type of one probe argument. The expansion calls `(&StateType::<T>::NEW).lookup()`:
/// method resolution picks [`AcceptState`] when `T` can be state, and falls back on
/// [`RejectState`] (one auto-reference further) when it cannot, so that the lookup itself always
/// type-checks and [`state_arg`] reports the problem once. Checking `T: ProbeState` directly
/// would report `Send` and `Sync` as two errors for a type such as `Rc<T>`.
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

/// The outcome of [`AcceptState`]: `T` can be state.
#[derive(Debug, Default)]
pub struct Accepted;

/// The outcome of [`RejectState`]: `T` cannot be state.
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

/// Chosen otherwise. The program does not compile then ([`state_arg`] fails), so its lookup
/// never runs.
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

/// Implemented by [`Accepted`] only: the one error for a state type that cannot be state.
#[diagnostic::on_unimplemented(
    message = "`{T}` cannot be probe state: it must be `Send + Sync + 'static`",
    label = "not `Send + Sync + 'static`",
    note = "probes run on any worker thread: use a thread-safe type (`Arc<Mutex<..>>` for `Rc<RefCell<..>>`, atomics for `Cell`, a connection pool for a connection)"
)]
pub trait IsProbeState<T> {}

impl<T> IsProbeState<T> for Accepted {}

/// Whether all of a probe's state types were accepted: `Self` so far, combined with the next.
pub trait Both<Next> {
    /// [`Accepted`] when both are.
    type Output;
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

/// Looks up one state argument. Fails to compile, at the argument's type, when the type was
/// [`Rejected`]; also returns whether every state type so far was accepted, for [`boxed`].
///
/// # Errors
///
/// [`MissingState`] when no value of the type was supplied (`build()` checks this first).
#[allow(clippy::needless_pass_by_value)] // the expansion passes a temporary
pub fn state_arg<T, SoFar, Outcome>(
    state: &StateMap,
    _so_far: SoFar,
    found: (Outcome, Lookup<T>),
) -> Result<(&T, SoFar::Output), MissingState>
where
    SoFar: Both<Outcome>,
    Outcome: IsProbeState<T>,
    SoFar::Output: Default,
{
    let (_, lookup) = found;
    Ok((lookup(state)?, SoFar::Output::default()))
}

/// Boxes the future of an `async fn` probe, with the conversion of its output.
pub trait BoxProbe<'a, F: Future, C> {
    /// The boxed future.
    fn boxed(future: F, convert: C) -> BoxFuture<'a, Check>;
}

/// Every state type was accepted: the future must be `Send`, as probes run on any worker thread.
impl<'a, F, C> BoxProbe<'a, F, C> for Accepted
where
    F: Future + Send + 'a,
    C: FnOnce(F::Output) -> Check + Send + 'a,
{
    fn boxed(future: F, convert: C) -> BoxFuture<'a, Check> {
        Box::pin(async move { convert(future.await) })
    }
}

/// A state type was rejected, and reported: the future (which holds a reference to that state,
/// so it is not `Send` either) is not checked again. The program does not compile, so this never
/// runs.
impl<'a, F: Future, C> BoxProbe<'a, F, C> for Rejected {
    fn boxed(_: F, _: C) -> BoxFuture<'a, Check> {
        Box::pin(std::future::ready(Check::fail("probe state was rejected")))
    }
}

/// The boxed future of an `async fn` probe. Spanned at the function's name in the expansion, so
/// that a future that is not `Send` is reported there, once, with rustc naming the value held
/// across an `.await`.
pub fn boxed<'a, Outcome, F, C>(_: Outcome, future: F, convert: C) -> BoxFuture<'a, Check>
where
    Outcome: BoxProbe<'a, F, C>,
    F: Future,
    C: FnOnce(F::Output) -> Check,
{
    Outcome::boxed(future, convert)
}
