//! [`HealthBuilder`] and [`BuildError`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt as _;

use healthz_rules::{NameError, RuleError, TagError, check_name, check_tag};

use crate::Kind;
use crate::check::IntoCheck;
use crate::engine::{HistoryLimits, PanicHook, RunCtx, Slot};
use crate::health::Health;
use crate::observe::Observer;
use crate::options::ProbeOptions;
use crate::probe::{self, Location, ProbeInfo, ProbeSpec, Runner};
use crate::report::Meta;
use crate::state::{ProbeState, StateMap};

/// Builds a [`Health`]: supplies state, adds probes made at run time, and checks that every
/// probe can run.
///
/// ```
/// use std::time::Duration;
/// use healthz_core::{Check, Health, ProbeOptions};
///
/// #[derive(Clone)]
/// struct Queue;
/// impl Queue {
///     async fn depth(&self) -> usize { 3 }
/// }
///
/// let queue = Queue;
/// let health = Health::builder()
///     .state(Queue)
///     .readiness("queue", ProbeOptions::new().cache(Duration::from_secs(1)), move || {
///         let queue = queue.clone();
///         async move {
///             let depth = queue.depth().await;
///             Check::pass().observed(depth as f64, "jobs")
///         }
///     })
///     .version("1.4.2")
///     .build()
///     .expect("every probe has its state");
/// # let _ = health;
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
pub struct HealthBuilder {
    state: StateMap,
    duplicate_state: Vec<&'static str>,
    probes: Vec<ProbeSpec>,
    registered: Box<dyn Fn(&ProbeInfo<'_>) -> bool + Send + Sync>,
    observers: Vec<Arc<dyn Observer>>,
    meta: Meta,
    history: HistoryLimits,
    panics: PanicHook,
}

impl fmt::Debug for HealthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthBuilder")
            .field("state", &self.state)
            .field("probes", &self.probes)
            .finish_non_exhaustive()
    }
}

impl Health {
    /// Starts building a `Health`, from every probe registered by attribute in the binary.
    pub fn builder() -> HealthBuilder {
        HealthBuilder::default()
    }
}

impl Default for HealthBuilder {
    /// A builder that includes every probe registered by attribute in the binary.
    fn default() -> Self {
        HealthBuilder {
            state: StateMap::new(),
            duplicate_state: Vec::new(),
            probes: Vec::new(),
            registered: Box::new(|_| true),
            observers: Vec::new(),
            meta: Meta::default(),
            history: HistoryLimits::new(),
            panics: PanicHook::default(),
        }
    }
}

impl HealthBuilder {
    /// Supplies the value behind probe arguments of type `&T`. One value per type: supplying a
    /// second `T` makes [`build`](Self::build) fail.
    pub fn state<T: ProbeState>(mut self, value: T) -> Self {
        if !self.state.insert(value) {
            self.duplicate_state.push(std::any::type_name::<T>());
        }
        self
    }

    /// Leaves out every probe registered by attribute; only probes added on this builder remain.
    /// Useful in tests.
    pub fn without_registered(self) -> Self {
        self.filter_registered(|_| false)
    }

    /// Keeps only the attribute-registered probes for which `keep` returns `true`, for example
    /// those of one module: `|probe| probe.location.function.starts_with("my_app::probes::")`.
    ///
    /// ```
    /// use healthz_core::{Health, Kind};
    ///
    /// let builder = Health::builder().filter_registered(|probe| probe.kind == Kind::Liveness);
    /// # drop(builder);
    /// ```
    pub fn filter_registered(
        mut self,
        keep: impl Fn(&ProbeInfo<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.registered = Box::new(keep);
        self
    }

    /// Adds a probe made at run time: `probe` is called for every run and returns the future to
    /// await. It captures whatever state it needs.
    #[track_caller]
    pub(crate) fn probe<F, Fut>(
        mut self,
        kind: Kind,
        name: impl Into<Cow<'static, str>>,
        options: ProbeOptions,
        probe: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoCheck,
    {
        let run = Arc::new(move || probe().map(IntoCheck::into_check).boxed());
        self.probes.push(ProbeSpec::new(
            kind,
            name.into(),
            options,
            Location::caller(),
            Runner::Closure(run),
        ));
        self
    }

    /// Adds a synchronous probe made at run time. It runs on Tokio's blocking pool and cannot be
    /// cancelled: at its timeout it is reported as failed, and no second call starts while it
    /// still runs.
    #[track_caller]
    pub fn blocking_probe<F, T>(
        mut self,
        kind: Kind,
        name: impl Into<Cow<'static, str>>,
        options: ProbeOptions,
        probe: F,
    ) -> Self
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: IntoCheck,
    {
        self.probes.push(ProbeSpec::new(
            kind,
            name.into(),
            options,
            Location::caller(),
            Runner::BlockingClosure(Arc::new(move || probe().into_check())),
        ));
        self
    }

    /// Adds a liveness probe made at run time: `probe` is called for every run and returns the
    /// future to await. It captures whatever state it needs.
    #[track_caller]
    pub fn liveness<F, Fut>(
        self,
        name: impl Into<Cow<'static, str>>,
        options: ProbeOptions,
        probe: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoCheck,
    {
        self.probe(Kind::Liveness, name, options, probe)
    }

    /// Adds a readiness probe made at run time, as [`liveness`](Self::liveness) adds a liveness
    /// probe.
    #[track_caller]
    pub fn readiness<F, Fut>(
        self,
        name: impl Into<Cow<'static, str>>,
        options: ProbeOptions,
        probe: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoCheck,
    {
        self.probe(Kind::Readiness, name, options, probe)
    }

    /// Adds a startup probe made at run time, as [`liveness`](Self::liveness) adds a liveness
    /// probe.
    #[track_caller]
    pub fn startup<F, Fut>(
        self,
        name: impl Into<Cow<'static, str>>,
        options: ProbeOptions,
        probe: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoCheck,
    {
        self.probe(Kind::Startup, name, options, probe)
    }

    /// Adds an [`Observer`] of runs and status changes (metrics, audit logs).
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// How many recent runs each probe keeps for [`Health::history`] and the dashboard (default
    /// 120 runs and 64 KiB per probe).
    ///
    /// ```
    /// use healthz_core::history::HistoryLimits;
    /// use healthz_core::Health;
    ///
    /// # fn main() -> Result<(), healthz_core::BuildError> {
    /// let health = Health::builder()
    ///     .without_registered()
    ///     .history(HistoryLimits::default().runs(30))
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn history(mut self, limits: HistoryLimits) -> Self {
        self.history = limits;
        self
    }

    /// What a probe's panic does besides failing the probe ([`PanicHook`]; by default `build()`
    /// installs healthz's panic hook, which logs it redacted).
    pub fn panic_hook(mut self, panics: PanicHook) -> Self {
        self.panics = panics;
        self
    }

    /// The service version, reported as `version` to authorized callers.
    pub fn version(mut self, version: impl Into<Cow<'static, str>>) -> Self {
        self.meta.version = Some(version.into());
        self
    }

    /// The service id, reported as `serviceId` to authorized callers.
    pub fn service_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.meta.service_id = Some(id.into());
        self
    }

    /// A description of the service, reported as `description` to authorized callers.
    pub fn description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.meta.description = Some(description.into());
        self
    }

    /// Checks every probe and builds the [`Health`]. When called inside a Tokio runtime, the
    /// pollers of `interval` probes start now; otherwise at the first evaluation. Unless told to
    /// [leave it alone](PanicHook::Leave), the first `build()` of the process puts healthz's panic
    /// hook in front of the one in place ([`PanicHook`]).
    ///
    /// # Errors
    ///
    /// Every problem found, each naming the probe and where it was defined: a probe whose
    /// state type was not supplied, two probes of one kind with the same name, a state type
    /// supplied twice, invalid options or an invalid name.
    pub fn build(self) -> Result<Health, BuildError> {
        let HealthBuilder {
            state,
            duplicate_state,
            probes,
            registered,
            observers,
            meta,
            history,
            panics,
        } = self;
        let mut problems: Vec<Problem> = duplicate_state
            .into_iter()
            .map(|type_name| Problem::DuplicateState { type_name })
            .collect();
        let specs = probe::registered()
            .map(ProbeSpec::from_def)
            .filter(|spec| registered(&spec.meta.info()))
            .chain(probes);
        let mut slots: [Vec<Arc<Slot>>; 3] = Default::default();
        let mut seen: HashMap<(Kind, String), Location> = HashMap::new();
        for spec in specs {
            let meta = &spec.meta;
            let probe = || ProbeRef {
                kind: meta.kind,
                name: meta.name.to_string(),
                location: meta.location,
            };
            if let Err(reason) = check_name(&meta.name) {
                problems.push(Problem::InvalidName {
                    probe: probe(),
                    reason,
                });
            }
            if let Err(error) = meta.options.validate(meta.kind) {
                problems.push(Problem::InvalidOptions {
                    probe: probe(),
                    error,
                });
            }
            for tag in &meta.tags {
                if let Err(error) = check_tag(tag) {
                    problems.push(Problem::InvalidTag {
                        probe: probe(),
                        tag: tag.to_string(),
                        error,
                    });
                }
            }
            for key in spec.state.iter().filter(|key| !state.contains(**key)) {
                problems.push(Problem::MissingState {
                    probe: probe(),
                    type_name: key.type_name(),
                });
            }
            if let Some(first) = seen.insert((meta.kind, meta.name.to_string()), meta.location) {
                problems.push(Problem::DuplicateName {
                    probe: probe(),
                    first,
                });
            }
            slots[meta.kind.index()].push(Arc::new(Slot::new(spec.meta, spec.runner)));
        }
        if !problems.is_empty() {
            problems.sort_by_key(ToString::to_string);
            return Err(BuildError { problems });
        }
        for kind in &mut slots {
            kind.sort_by(|a, b| a.name().cmp(b.name()));
        }
        if panics != PanicHook::Leave {
            crate::engine::install_panic_hook();
        }
        Ok(Health::from_parts(slots, meta, |sink| RunCtx {
            state: Arc::new(state),
            observers,
            sink,
            history,
            panics,
            changes: Default::default(),
        }))
    }
}

/// The probe a [`Problem`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbeRef {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Where it was defined or added.
    pub location: Location,
}

impl fmt::Display for ProbeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} probe `{}` at {}",
            self.kind, self.name, self.location
        )
    }
}

/// One reason a [`Health`] could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A probe takes `&T`, and no `T` was supplied with [`HealthBuilder::state`].
    MissingState {
        /// The probe.
        probe: ProbeRef,
        /// The missing type.
        type_name: &'static str,
    },
    /// Two probes of one kind share a name.
    DuplicateName {
        /// The second probe.
        probe: ProbeRef,
        /// Where the first was defined.
        first: Location,
    },
    /// Two values of one state type were supplied.
    DuplicateState {
        /// The type.
        type_name: &'static str,
    },
    /// A probe's options break a rule of the rule book (`healthz-rules`), the rules the attributes
    /// check at compile time.
    InvalidOptions {
        /// The probe.
        probe: ProbeRef,
        /// The rule broken.
        error: RuleError,
    },
    /// A probe's name is not usable in a URL.
    InvalidName {
        /// The probe.
        probe: ProbeRef,
        /// What is wrong.
        reason: NameError,
    },
    /// A probe's tag is not usable in a query string.
    InvalidTag {
        /// The probe.
        probe: ProbeRef,
        /// The tag.
        tag: String,
        /// What is wrong.
        error: TagError,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::MissingState { probe, type_name } => write!(
                f,
                "{probe} takes `&{type_name}`, but no `{type_name}` was supplied: add `.state(value)` to `Health::builder()`"
            ),
            Problem::DuplicateName { probe, first } => write!(
                f,
                "{probe} has the same name as the {} probe at {first}: give one of them `name = \"...\"`",
                probe.kind
            ),
            Problem::DuplicateState { type_name } => write!(
                f,
                "state of type `{type_name}` was supplied twice: supply each type once (wrap distinct values in newtypes)"
            ),
            Problem::InvalidOptions { probe, error } => write!(f, "{probe}: {error}"),
            Problem::InvalidName { probe, reason } => write!(f, "{probe}: {reason}"),
            Problem::InvalidTag { probe, tag, error } => {
                write!(f, "{probe}: invalid tag {tag:?}: {error}")
            }
        }
    }
}

/// Why [`HealthBuilder::build`] failed: every problem found, one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<Problem>,
}

impl BuildError {
    /// The problems, sorted.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "cannot build health checks: {one}"),
            many => {
                write!(f, "cannot build health checks ({} problems):", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BuildError {}
