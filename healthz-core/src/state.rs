//! Probe state: the values behind a probe's `&T` arguments.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;

/// The bound every probe state type meets: `Send + Sync + 'static`, because probes run on any
/// worker thread and outlive the request that triggered them. Every such type implements it.
///
/// A type that does not is refused with one error at the type, wherever it appears: in
/// [`HealthBuilder::state`](crate::HealthBuilder::state), or as a probe argument (`&Rc<Pool>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be probe state: it must be `Send + Sync + 'static`",
    label = "not `Send + Sync + 'static`",
    note = "probes run on any worker thread: use a thread-safe type (`Arc<Mutex<..>>` for `Rc<RefCell<..>>`, atomics for `Cell`, a connection pool for a connection)"
)]
pub trait ProbeState: 'static {
    /// Used by the attributes' expansion to check a probe argument's type at its own span.
    #[doc(hidden)]
    const CHECKED: () = ();

    /// The value, type-erased for the [`StateMap`].
    #[doc(hidden)]
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send + Sync>;
}

// With `do_not_recommend`, a type that is not `Send` or `Sync` gets the message above, once,
// rather than one error per missing auto trait.
#[diagnostic::do_not_recommend]
impl<T: Send + Sync + 'static> ProbeState for T {
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send + Sync> {
        self
    }
}

/// The state values supplied with [`HealthBuilder::state`](crate::HealthBuilder::state), one per
/// type. Not public API: probes' generated callers look their arguments up here.
#[derive(Default)]
pub struct StateMap {
    values: HashMap<TypeId, (Box<dyn Any + Send + Sync>, &'static str)>,
}

impl StateMap {
    /// An empty map.
    pub fn new() -> Self {
        StateMap::default()
    }

    /// Stores `value` as the state of type `T`, returning `false` (and keeping the old value)
    /// when a `T` was already present.
    pub fn insert<T: ProbeState>(&mut self, value: T) -> bool {
        match self.values.entry(TypeId::of::<T>()) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((Box::new(value).into_any(), std::any::type_name::<T>()));
                true
            }
        }
    }

    /// The state of type `T`.
    ///
    /// # Errors
    ///
    /// [`MissingState`] naming `T` when no `T` was supplied.
    pub fn get<T: ProbeState>(&self) -> Result<&T, MissingState> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|(value, _)| value.downcast_ref::<T>())
            .ok_or(MissingState {
                type_name: std::any::type_name::<T>(),
            })
    }

    /// Whether a value of the key's type is present.
    pub fn contains(&self, key: StateKey) -> bool {
        self.values.contains_key(&key.type_id())
    }

    /// The names of the types present, sorted.
    pub fn type_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.values.values().map(|(_, name)| *name).collect();
        names.sort_unstable();
        names
    }
}

impl fmt::Debug for StateMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.type_names()).finish()
    }
}

/// Names a state type in a `const` context, where `TypeId::of` cannot be called: it holds
/// function pointers that compute the type's id and name when asked.
#[derive(Clone, Copy)]
pub struct StateKey {
    type_id: fn() -> TypeId,
    type_name: fn() -> &'static str,
}

impl StateKey {
    /// The key of `T`.
    pub const fn of<T: ?Sized + 'static>() -> Self {
        StateKey {
            type_id: TypeId::of::<T>,
            type_name: std::any::type_name::<T>,
        }
    }

    /// The type's id.
    pub fn type_id(self) -> TypeId {
        (self.type_id)()
    }

    /// The type's name, as [`std::any::type_name`] gives it.
    pub fn type_name(self) -> &'static str {
        (self.type_name)()
    }
}

impl fmt::Debug for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// A probe asked for a state type that was not supplied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingState {
    pub(crate) type_name: &'static str,
}

impl MissingState {
    /// The missing type's name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl fmt::Display for MissingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no state of type `{}` was supplied; add it with `Health::builder().state(value)`",
            self.type_name
        )
    }
}

impl std::error::Error for MissingState {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_and_keys() {
        let mut state = StateMap::new();
        assert!(state.insert(7_u32));
        assert!(
            !state.insert(8_u32),
            "a second value of one type is refused"
        );
        assert_eq!(state.get::<u32>(), Ok(&7));
        let missing = state.get::<String>().unwrap_err();
        assert_eq!(missing.type_name(), "alloc::string::String");
        assert!(missing.to_string().contains("`alloc::string::String`"));
        assert!(state.contains(StateKey::of::<u32>()));
        assert!(!state.contains(StateKey::of::<u64>()));
        assert_eq!(StateKey::of::<u32>().type_name(), "u32");
        assert_eq!(format!("{state:?}"), "{\"u32\"}");
    }
}
