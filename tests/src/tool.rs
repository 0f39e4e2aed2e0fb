//! The command-line tools some tests drive (`promtool`, `haproxy`): where they are, and whether a
//! test runs, skips or fails when one is missing.

use std::process::Command;

use crate::REQUIRE_SERVICES;

/// The path of `program`, from the environment variable `var` or the `PATH`, if running it with
/// `version_arg` succeeds.
///
/// When it does not, this prints that the calling test skips and returns `None`.
///
/// # Panics
///
/// With `HEALTHZ_REQUIRE_SERVICES=1` (as `.ci/run` sets, after installing the tools), when the
/// tool is missing.
///
/// ```no_run
/// let Some(haproxy) = healthz_tests::tool("haproxy", "HAPROXY", "-v") else { return };
/// ```
pub fn tool(program: &str, var: &str, version_arg: &str) -> Option<String> {
    let candidate = std::env::var(var).unwrap_or_else(|_| program.to_owned());
    let works = Command::new(&candidate)
        .arg(version_arg)
        .output()
        .is_ok_and(|out| out.status.success());
    if works {
        return Some(candidate);
    }
    let message = format!("`{candidate}` (from {var} or the PATH) does not run");
    assert!(
        std::env::var(REQUIRE_SERVICES).as_deref() != Ok("1"),
        "{message}; {REQUIRE_SERVICES}=1 makes this a failure (.ci/run installs {program})"
    );
    let test = std::thread::current();
    eprintln!(
        "skipped {}: {message}; set {REQUIRE_SERVICES}=1 to fail instead",
        test.name().unwrap_or("a test")
    );
    None
}
