//! Helpers for testing your probes: run one registered probe, or every probe of a kind, against
//! state you give, with no server. Under Tokio's paused clock (`start_paused = true`), timeouts,
//! caches and thresholds are exact and nothing sleeps.
//!
//! ```rust,standalone_crate
//! use std::time::Duration;
//! use healthz_core::{readiness, testing, Kind, Status};
//!
//! struct Database { latency: Duration }
//!
//! #[readiness(timeout = "200ms")]
//! async fn database(db: &Database) -> bool {
//!     tokio::time::sleep(db.latency).await;
//!     true
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // (In a test: #[tokio::test(start_paused = true)].)
//! let fast = testing::probe(Kind::Readiness, "database")
//!     .state(Database { latency: Duration::from_millis(10) })
//!     .run()
//!     .await
//!     .unwrap();
//! assert_eq!(fast.status(), Status::Pass);
//!
//! // A database slower than the timeout fails, at once under the paused clock.
//! let slow = testing::probe(Kind::Readiness, "database")
//!     .state(Database { latency: Duration::from_secs(5) })
//!     .run()
//!     .await
//!     .unwrap();
//! assert_eq!(slow.status(), Status::Fail);
//! assert_eq!(slow.output(), Some("timed out after 200ms"));
//! # }
//! ```

use std::fmt;

use crate::{BuildError, CheckResult, Health, HealthBuilder, Kind, ProbeState, Report};

/// Selects one attribute-registered probe to run; see the [module docs](self).
pub fn probe(kind: Kind, name: &str) -> ProbeTest {
    let wanted = name.to_owned();
    let builder =
        Health::builder().filter_registered(move |def| def.kind == kind && def.name == wanted);
    ProbeTest {
        kind,
        name: name.to_owned(),
        builder,
    }
}

/// Selects every attribute-registered probe of a kind to run.
///
/// Readiness still waits for startup probes: registered startup probes are included (and need
/// their state) when `kind` is [`Kind::Readiness`].
pub fn kind(kind: Kind) -> KindTest {
    let builder = Health::builder().filter_registered(move |def| {
        def.kind == kind || (kind == Kind::Readiness && def.kind == Kind::Startup)
    });
    KindTest { kind, builder }
}

/// One probe, about to run; see [`probe`].
#[must_use = "call `.run().await`"]
pub struct ProbeTest {
    kind: Kind,
    name: String,
    builder: HealthBuilder,
}

impl fmt::Debug for ProbeTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeTest")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl ProbeTest {
    /// Supplies state, as [`HealthBuilder::state`] does.
    pub fn state<T: ProbeState>(mut self, value: T) -> Self {
        self.builder = self.builder.state(value);
        self
    }

    /// Builds a `Health` holding only this probe and runs it once.
    ///
    /// # Errors
    ///
    /// [`TestError::NoSuchProbe`] when no probe of that kind and name is registered in the test
    /// binary, [`TestError::Build`] when its state is missing.
    pub async fn run(self) -> Result<CheckResult, TestError> {
        let health = self.builder.build()?;
        let report = health.report(self.kind).probe(&self.name).await;
        report
            .and_then(|r| r.checks().first().cloned())
            .ok_or(TestError::NoSuchProbe {
                kind: self.kind,
                name: self.name,
            })
    }
}

/// Every probe of a kind, about to run; see [`kind`].
#[must_use = "call `.run().await`"]
pub struct KindTest {
    kind: Kind,
    builder: HealthBuilder,
}

impl fmt::Debug for KindTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KindTest")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl KindTest {
    /// Supplies state, as [`HealthBuilder::state`] does.
    pub fn state<T: ProbeState>(mut self, value: T) -> Self {
        self.builder = self.builder.state(value);
        self
    }

    /// Builds a `Health` of the kind's registered probes and evaluates the kind once.
    ///
    /// # Errors
    ///
    /// [`TestError::Build`] when a probe's state is missing.
    pub async fn run(self) -> Result<Report, TestError> {
        Ok(self.builder.build()?.report(self.kind).await)
    }

    /// The `Health`, for tests that evaluate more than once (caches, thresholds, startup).
    ///
    /// # Errors
    ///
    /// [`TestError::Build`] when a probe's state is missing.
    pub fn build(self) -> Result<Health, TestError> {
        Ok(self.builder.build()?)
    }
}

/// Why a test run could not happen.
#[derive(Debug)]
#[non_exhaustive]
pub enum TestError {
    /// No probe of that kind and name is registered in this binary.
    NoSuchProbe {
        /// The kind asked for.
        kind: Kind,
        /// The name asked for.
        name: String,
    },
    /// The probe could not be built (usually: its state was not supplied).
    Build(BuildError),
}

impl From<BuildError> for TestError {
    fn from(error: BuildError) -> Self {
        TestError::Build(error)
    }
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::NoSuchProbe { kind, name } => write!(
                f,
                "no {kind} probe named `{name}` is registered in this test binary (is its module compiled in, and is the name right?)"
            ),
            TestError::Build(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TestError::Build(error) => Some(error),
            TestError::NoSuchProbe { .. } => None,
        }
    }
}
