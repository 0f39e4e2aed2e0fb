//! [`memory`] and [`open_files`]: the process's own resident memory and open file descriptors.
//!
//! Both read Linux's `/proc/self`, which costs microseconds and never waits on a device, so they
//! run inline. On other systems they warn that they are unsupported rather than fail: a service
//! must not be unready because its health check cannot measure.

use super::{Budget, CheckFuture, Outcome};

/// Checks that the process's resident memory (`VmRSS` in `/proc/self/status`) is at most
/// `max_rss_bytes`.
///
/// The observed value is the resident memory in bytes (`"observedUnit": "bytes"`), pass or
/// fail. Passes with an output such as `212.4 MiB resident, limit 1.0 GiB`; fails with
/// `memory: 1.2 GiB resident, above the limit of 1.0 GiB`, or `memory: cannot read
/// /proc/self/status: …`. On systems without Linux's `/proc` it warns
/// `memory: unsupported on macos (it reads Linux's /proc/self/status)`.
///
/// Set the limit below the container's memory limit, so that readiness fails (and traffic goes
/// elsewhere) before the kernel's OOM killer ends the process.
///
/// ```
/// use healthz_core::{Status, checks};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let check = checks::memory(64 << 30).await;
/// assert_eq!(check.status(), Status::Pass);
/// let (resident, unit) = check.observation().unwrap();
/// assert!(resident > 0.0 && unit == "bytes");
///
/// let check = checks::memory(1).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert!(check.output().unwrap().ends_with(" resident, above the limit of 1 B"));
/// # }
/// ```
pub fn memory(max_rss_bytes: u64) -> CheckFuture {
    CheckFuture::new("memory", move |budget| async move {
        resident(max_rss_bytes, &budget)
    })
}

/// Checks that the process's open file descriptors (the entries of `/proc/self/fd`) are at most
/// `max_fraction` (between 0 and 1) of its soft `RLIMIT_NOFILE` (`Max open files` in
/// `/proc/self/limits`).
///
/// The observed value is the number of open descriptors (`"observedUnit": "descriptors"`), pass
/// or fail. Passes with an output such as `41 of 1024 descriptors open (4.0%)`; fails with
/// `open files: 900 of 1024 descriptors open (87.9%), above 80.0%`, `open files: cannot read
/// /proc/self/fd: …`, or `open files: the maximum fraction must be between 0 and 1, not 1.5`.
/// Without a limit (`unlimited`) it passes. On systems without Linux's `/proc` it warns
/// `open files: unsupported on macos (it reads Linux's /proc/self/fd and /proc/self/limits)`.
///
/// A process that runs out of descriptors fails every `accept`, `connect` and `open` with
/// `Too many open files`: a leak of sockets or files shows here long before that.
///
/// ```
/// use healthz_core::{Status, checks};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let check = checks::open_files(0.8).await;
/// assert_eq!(check.status(), Status::Pass);
/// assert_eq!(check.observation().map(|(_, unit)| unit), Some("descriptors"));
///
/// let check = checks::open_files(0.0).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert!(check.output().unwrap().ends_with("above 0.0%"));
/// # }
/// ```
pub fn open_files(max_fraction: f64) -> CheckFuture {
    CheckFuture::new("open files", move |budget| async move {
        descriptors(max_fraction, &budget)
    })
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn resident(max: u64, budget: &Budget) -> Outcome {
    use super::bytes;
    use crate::Check;

    let rss = linux::rss().map_err(|e| budget.fail(e))?;
    #[allow(clippy::cast_precision_loss)] // exact below 8 PiB
    let observed = rss as f64;
    Ok(if rss > max {
        Check::fail(budget.fail(format_args!(
            "{} resident, above the limit of {}",
            bytes(rss),
            bytes(max)
        )))
    } else {
        crate::checks::pass_with(format!("{} resident, limit {}", bytes(rss), bytes(max)))
    }
    .observed(observed, "bytes"))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn descriptors(max_fraction: f64, budget: &Budget) -> Outcome {
    use crate::Check;

    if !(0.0..=1.0).contains(&max_fraction) {
        return Err(budget.fail(format_args!(
            "the maximum fraction must be between 0 and 1, not {max_fraction}"
        )));
    }
    let open = linux::open_descriptors().map_err(|e| budget.fail(e))?;
    let limit = linux::max_open_files().map_err(|e| budget.fail(e))?;
    #[allow(clippy::cast_precision_loss)] // exact below 2^53 descriptors
    let observed = open as f64;
    let Some(limit) = limit else {
        return Ok(
            crate::checks::pass_with(format!("{open} descriptors open, no limit"))
                .observed(observed, "descriptors"),
        );
    };
    #[allow(clippy::cast_precision_loss)]
    let fraction = observed / limit as f64;
    let share = format!(
        "{open} of {limit} descriptors open ({:.1}%)",
        fraction * 100.0
    );
    Ok(if fraction > max_fraction {
        Check::fail(budget.fail(format_args!("{share}, above {:.1}%", max_fraction * 100.0)))
    } else {
        crate::checks::pass_with(share)
    }
    .observed(observed, "descriptors"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn resident(_: u64, budget: &Budget) -> Outcome {
    Ok(unsupported(budget, "/proc/self/status"))
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn descriptors(_: f64, budget: &Budget) -> Outcome {
    Ok(unsupported(budget, "/proc/self/fd and /proc/self/limits"))
}

/// `warn`: this system has no Linux `/proc`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn unsupported(budget: &Budget, files: &str) -> crate::Check {
    crate::Check::warn(budget.fail(format_args!(
        "unsupported on {} (it reads Linux's {files})",
        std::env::consts::OS
    )))
}

/// Reading `/proc/self`.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::fs;
    use std::io;

    /// The resident set size in bytes: `VmRSS` of `/proc/self/status`, which the kernel gives
    /// in kB (KiB).
    pub(super) fn rss() -> Result<u64, String> {
        const FILE: &str = "/proc/self/status";
        let status = read(FILE)?;
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().strip_suffix("kB"))
            .and_then(|kib| kib.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("no VmRSS in {FILE}"))?;
        Ok(kib.saturating_mul(1024))
    }

    /// The open file descriptors: the entries of `/proc/self/fd`, less the one that lists them.
    pub(super) fn open_descriptors() -> Result<usize, String> {
        const DIR: &str = "/proc/self/fd";
        let entries = fs::read_dir(DIR).map_err(|e| cannot_read(DIR, &e))?;
        let mut open = 0;
        for entry in entries {
            entry.map_err(|e| cannot_read(DIR, &e))?;
            open += 1;
        }
        Ok(open - usize::from(open > 0))
    }

    /// The soft limit on open files (`RLIMIT_NOFILE`), from `Max open files` in
    /// `/proc/self/limits`; `None` when it is `unlimited`.
    pub(super) fn max_open_files() -> Result<Option<u64>, String> {
        const FILE: &str = "/proc/self/limits";
        let limits = read(FILE)?;
        let soft = limits
            .lines()
            .find_map(|line| line.strip_prefix("Max open files"))
            .and_then(|values| values.split_whitespace().next())
            .ok_or_else(|| format!("no \"Max open files\" in {FILE}"))?;
        match soft {
            "unlimited" => Ok(None),
            soft => soft
                .parse()
                .map(Some)
                .map_err(|_| format!("an odd \"Max open files\" in {FILE}: {soft:?}")),
        }
    }

    fn read(file: &str) -> Result<String, String> {
        fs::read_to_string(file).map_err(|e| cannot_read(file, &e))
    }

    fn cannot_read(file: &str, error: &io::Error) -> String {
        format!("cannot read {file}: {error}")
    }
}
