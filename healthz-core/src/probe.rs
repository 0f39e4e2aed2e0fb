//! Probe definitions: the static registrations the attributes generate ([`ProbeDef`]) and the
//! run-time form every probe takes inside a [`Health`](crate::Health).

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::{Check, Kind, MissingState, ProbeOptions, StateKey, StateMap};

/// A boxed, sendable future, as probes return it.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The generated caller of an `async fn` probe: looks up the state it needs, then returns the
/// probe's future.
pub type AsyncRun = for<'a> fn(&'a StateMap) -> Result<BoxFuture<'a, Check>, MissingState>;

/// The generated caller of a `blocking = true` probe; it runs on Tokio's blocking pool.
pub type BlockingRun = fn(&StateMap) -> Result<Check, MissingState>;

/// How a registered probe is called.
#[derive(Clone, Copy)]
pub enum Run {
    /// An `async fn`, polled on the runtime and cancelled at its timeout.
    Async(AsyncRun),
    /// A synchronous fn, run with `spawn_blocking`. It cannot be cancelled: at the timeout it is
    /// reported as failed, but the thread runs on until the function returns.
    Blocking(BlockingRun),
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Run::Async(_) => "Run::Async(..)",
            Run::Blocking(_) => "Run::Blocking(..)",
        })
    }
}

/// Where a probe was defined: its file, line and column, and the path of its function.
///
/// Probes added on the builder get the location of the builder call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// The source file, as `file!()` gives it.
    pub file: &'static str,
    /// The line of the probe function (1-based).
    pub line: u32,
    /// The column (1-based).
    pub column: u32,
    /// The function's path (`my_crate::probes::database`), or empty for a closure.
    pub function: &'static str,
}

impl Location {
    /// The location of the caller of a `#[track_caller]` function.
    #[track_caller]
    pub(crate) fn caller() -> Self {
        let at = std::panic::Location::caller();
        Location {
            file: at.file(),
            line: at.line(),
            column: at.column(),
            function: "",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)?;
        if !self.function.is_empty() {
            write!(f, " (`{}`)", self.function)?;
        }
        Ok(())
    }
}

/// A probe registered by `#[liveness]`, `#[readiness]` or `#[startup]`. Not public API: the
/// attributes build these in a `const` and submit them with `inventory`; every
/// [`Health::builder`](crate::Health::builder) collects them. Probes made at run time go through
/// [`HealthBuilder::readiness`](crate::HealthBuilder::readiness) and its siblings.
#[derive(Debug)]
pub struct ProbeDef {
    /// The kind.
    pub kind: Kind,
    /// The probe's name, unique within its kind.
    pub name: &'static str,
    /// The settings.
    pub options: ProbeOptions,
    /// The state types behind the probe's arguments, in order.
    pub state: &'static [StateKey],
    /// Where the probe was defined.
    pub location: Location,
    /// How to call it.
    pub run: Run,
}

inventory::collect!(ProbeDef);

/// A closure probe, as added on the builder.
pub(crate) type DynRun = Arc<dyn Fn() -> BoxFuture<'static, Check> + Send + Sync>;
/// A blocking closure probe.
pub(crate) type DynBlockingRun = Arc<dyn Fn() -> Check + Send + Sync>;

/// The ways a probe can be called, whatever registered it.
#[derive(Clone)]
pub(crate) enum Runner {
    Registered(Run),
    Closure(DynRun),
    BlockingClosure(DynBlockingRun),
}

impl Runner {
    pub(crate) fn is_blocking(&self) -> bool {
        matches!(
            self,
            Runner::Registered(Run::Blocking(_)) | Runner::BlockingClosure(_)
        )
    }
}

/// What a probe is, whoever registered it: what reports and observers show of it.
pub(crate) struct ProbeMeta {
    pub(crate) kind: Kind,
    pub(crate) name: Cow<'static, str>,
    pub(crate) options: ProbeOptions,
    pub(crate) location: Location,
    pub(crate) blocking: bool,
    /// The options' tags.
    pub(crate) tags: Box<[Cow<'static, str>]>,
    /// The name as a key of a JSON body's `checks`, with its array's opening (`"name":[`),
    /// written once instead of on every fresh body.
    pub(crate) json_key: Box<[u8]>,
}

impl fmt::Debug for ProbeMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not `json_key`: the name again, as bytes.
        f.debug_struct("ProbeMeta")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("options", &self.options)
            .field("location", &self.location)
            .field("blocking", &self.blocking)
            .field("tags", &self.tags)
            .finish_non_exhaustive()
    }
}

impl ProbeMeta {
    pub(crate) fn info(&self) -> ProbeInfo<'_> {
        ProbeInfo {
            kind: self.kind,
            name: &self.name,
            timeout: self.options.timeout_duration(),
            cache: self.options.cache_duration(),
            interval: self.options.interval_duration(),
            max_stale: self.options.max_stale_duration(),
            critical: self.options.is_critical(),
            failure_threshold: self.options.failure_threshold_runs(),
            success_threshold: self.options.success_threshold_runs(),
            location: &self.location,
            blocking: self.blocking,
            tags: &self.tags,
        }
    }

    /// Whether the probe has any of `tags`.
    pub(crate) fn has_any(&self, tags: &[Cow<'static, str>]) -> bool {
        self.tags.iter().any(|tag| tags.contains(tag))
    }
}

/// A probe as a [`Health`](crate::Health) knows it: its kind, name, settings and where it was
/// defined. [`HealthBuilder::filter_registered`](crate::HealthBuilder::filter_registered) and
/// [`Observer::on_build`](crate::Observer::on_build) see probes this way.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ProbeInfo<'a> {
    /// The kind.
    pub kind: Kind,
    /// The name.
    pub name: &'a str,
    /// How long one run may take.
    pub timeout: Duration,
    /// How long a result is reused, if it is.
    pub cache: Option<Duration>,
    /// How often it is run in the background, if it is.
    pub interval: Option<Duration>,
    /// The age past which a cached or polled result counts as failed, if any.
    pub max_stale: Option<Duration>,
    /// Whether its failure fails the report (otherwise it makes it `warn`).
    pub critical: bool,
    /// How many failed runs in a row it takes to report it failed.
    pub failure_threshold: u32,
    /// How many passing runs in a row it takes to report it passing again.
    pub success_threshold: u32,
    /// Where it was defined or added.
    pub location: &'a Location,
    /// Whether it runs on the blocking pool.
    pub blocking: bool,
    /// Its tags.
    pub tags: &'a [Cow<'static, str>],
}

/// One probe about to go into a `Health`: what the registry and the builder both produce.
pub(crate) struct ProbeSpec {
    pub(crate) meta: ProbeMeta,
    pub(crate) state: &'static [StateKey],
    pub(crate) runner: Runner,
}

impl ProbeSpec {
    pub(crate) fn new(
        kind: Kind,
        name: Cow<'static, str>,
        options: ProbeOptions,
        location: Location,
        runner: Runner,
    ) -> Self {
        let mut json_key = Vec::with_capacity(name.len() + 4);
        crate::escape::json_string(&mut json_key, &name);
        json_key.extend_from_slice(b":[");
        ProbeSpec {
            meta: ProbeMeta {
                kind,
                json_key: json_key.into_boxed_slice(),
                name,
                options,
                location,
                blocking: runner.is_blocking(),
                // In the order given, each once.
                tags: options
                    .tag_list()
                    .iter()
                    .enumerate()
                    .filter(|&(i, tag)| !options.tag_list()[..i].contains(tag))
                    .map(|(_, tag)| Cow::Borrowed(*tag))
                    .collect(),
            },
            state: &[],
            runner,
        }
    }

    pub(crate) fn from_def(def: &'static ProbeDef) -> Self {
        ProbeSpec {
            state: def.state,
            ..ProbeSpec::new(
                def.kind,
                Cow::Borrowed(def.name),
                def.options,
                def.location,
                Runner::Registered(def.run),
            )
        }
    }
}

impl fmt::Debug for ProbeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe")
            .field("meta", &self.meta)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// The probes registered by attributes anywhere in the binary.
pub(crate) fn registered() -> impl Iterator<Item = &'static ProbeDef> {
    inventory::iter::<ProbeDef>.into_iter()
}
