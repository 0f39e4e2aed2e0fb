//! The rule book of [healthz](https://docs.rs/healthz-actix) probe definitions: the probe
//! [`Kind`]s, the option [`Key`]s of `#[liveness(..)]`, `#[readiness(..)]` and `#[startup(..)]`
//! (with their value types, defaults, examples and the kinds that accept them), the rules of
//! probe [names](check_name) and [tags](check_tag), and the [rules between options](check).
//!
//! Every rule and every message is written here once. The attribute macros apply them at compile
//! time, pointing at the token that breaks them; the runtime applies them to probes built at run
//! time (`ProbeOptions::validate`, `HealthBuilder::build`). You do not need this crate directly:
//! `healthz-core` and the adapters re-export what users name.
//!
//! ```
//! use std::time::Duration;
//! use healthz_rules::{Given, Key, Kind, RuleError, Value, check};
//!
//! let given = Given::new()
//!     .with(Key::Cache, Value::Duration(Duration::from_secs(5)))
//!     .with(Key::Interval, Value::Duration(Duration::from_secs(5)));
//! let error = check(Kind::Readiness, &given).unwrap_err();
//! assert_eq!(error, RuleError::CacheWithInterval);
//! assert_eq!(error.key(), Key::Cache);
//! ```

mod key;
mod kind;
mod name;
mod rules;

pub use key::{Key, KeyInfo, ValueType};
pub use kind::{Kind, ParseKindError};
pub use name::{MAX_NAME_LEN, NameError, TagError, check_name, check_tag};
pub use rules::{DEFAULT_TIMEOUT, Given, RuleError, Value, check};
