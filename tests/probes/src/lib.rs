//! Probes defined in a library crate that depends on healthz under another name
//! (`hz = { package = "healthz-actix" }` in its `Cargo.toml`).
//!
//! - The rename: this crate has no `healthz_actix` to fall back on, so it compiles only if the
//!   attributes find the runtime as `::hz`.
//! - The library: a binary gets these probes only if it references this crate
//!   (`use healthz_test_probes as _;`); the trybuild cases `tests/ui/pass/library.rs` and
//!   `tests/ui/pass/library_unreferenced.rs` show both sides.

use hz::{liveness, readiness};

/// A liveness probe at the crate root.
#[liveness(name = "library-liveness")]
pub async fn event_loop() {}

/// Probes in a nested module.
pub mod storage {
    use hz::Check;

    use super::readiness;

    /// A readiness probe in a nested module, with options.
    #[readiness(name = "library-storage", timeout = "300ms", critical = false)]
    pub async fn storage() -> Check {
        Check::pass()
    }
}
