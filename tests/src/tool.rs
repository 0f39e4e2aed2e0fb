//! The command-line tools some tests drive (`promtool`, `haproxy`, Python's gRPC health client):
//! where they are, and whether a test runs, skips or fails when one is missing.

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
    missing(
        &format!("`{candidate}` (from {var} or the PATH) does not run"),
        program,
    )
}

/// The environment variable `.ci/run` sets to the Python of a venv with `grpcio` and
/// `grpcio-health-checking` (under `target/grpc-venv`).
pub const GRPC_PYTHON: &str = "HEALTHZ_GRPC_PYTHON";

/// The Python named by [`GRPC_PYTHON`], if it imports `grpc_health.v1`: a gRPC health client
/// nobody here wrote.
///
/// When there is none, this prints that the calling test skips and returns `None`.
///
/// # Panics
///
/// With `HEALTHZ_REQUIRE_SERVICES=1`, when it is missing.
pub fn grpc_python() -> Option<String> {
    let Ok(python) = std::env::var(GRPC_PYTHON) else {
        return missing(&format!("{GRPC_PYTHON} is not set"), "a venv with grpcio");
    };
    let imports = Command::new(&python)
        .args(["-c", "import grpc_health.v1.health_pb2_grpc"])
        .output();
    match imports {
        Ok(out) if out.status.success() => Some(python),
        Ok(out) => missing(
            &format!(
                "`{python}` (from {GRPC_PYTHON}) cannot import grpc_health: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            "a venv with grpcio",
        ),
        Err(e) => missing(
            &format!("`{python}` (from {GRPC_PYTHON}) does not run: {e}"),
            "a venv with grpcio",
        ),
    }
}

/// Skips the calling test with `message`, or fails it under `HEALTHZ_REQUIRE_SERVICES=1`.
fn missing<T>(message: &str, program: &str) -> Option<T> {
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
