//! [`disk_space`]: a file system has enough free space.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use futures_util::FutureExt as _;
use futures_util::future::Shared;

use super::{Budget, CheckFuture, Outcome, bytes, chain};
use crate::BoxFuture;

/// Checks that the file system holding `path` has at least `min_free` bytes available to
/// unprivileged users (`statvfs`'s `f_bavail`, through fs4).
///
/// Passes with an output such as `41.2 GiB free of 98.3 GiB`, the details `free_bytes` and
/// `total_bytes`, and like every check, the latency
/// in milliseconds as the observed value. Fails with
/// `disk /var/lib/app: 812.0 MiB free, below the minimum of 1.0 GiB`,
/// `disk /var/lib/app: cannot read free space: …` or `disk /var/lib/app: no answer within 500ms`.
///
/// The query runs on Tokio's blocking pool, since a network file system can block it. A query
/// that does not return keeps its thread; further checks of the same path wait for that one
/// query instead of starting more, so a hung mount costs one thread, not one per check.
///
/// ```
/// use healthz_core::{Status, checks};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let check = checks::disk_space(".", 1).await;
/// assert_eq!(check.status(), Status::Pass);
/// assert!(check.output().unwrap().contains(" free of "));
/// let details: Vec<&str> = check.details().map(|(key, _)| key).collect();
/// assert_eq!(details, ["free_bytes", "total_bytes"]);
///
/// let check = checks::disk_space(".", u64::MAX).await;
/// assert_eq!(check.status(), Status::Fail);
/// assert!(check.output().unwrap().contains("below the minimum of 16.0 EiB"));
/// # }
/// ```
pub fn disk_space(path: impl AsRef<Path>, min_free: u64) -> CheckFuture {
    let path = path.as_ref().to_path_buf();
    CheckFuture::new(format!("disk {}", path.display()), move |budget| {
        measure(path, min_free, budget)
    })
}

async fn measure(path: PathBuf, min_free: u64, budget: Budget) -> Outcome {
    let Some(stats) = budget.run(space(path)).await else {
        return Err(budget.fail(budget.missed("no answer")));
    };
    let Space { available, total } = stats.map_err(|e| budget.fail(e))?;
    if available < min_free {
        return Err(budget.fail(format_args!(
            "{} free, below the minimum of {}",
            bytes(available),
            bytes(min_free)
        )));
    }
    Ok(
        crate::checks::pass_with(format!("{} free of {}", bytes(available), bytes(total)))
            .detail("free_bytes", available)
            .detail("total_bytes", total),
    )
}

#[derive(Clone, Copy, Debug)]
struct Space {
    available: u64,
    total: u64,
}

type Query = Shared<BoxFuture<'static, Result<Space, String>>>;

/// The queries running now, by path.
static RUNNING: Mutex<BTreeMap<PathBuf, Query>> = Mutex::new(BTreeMap::new());

/// The free space of `path`'s file system, from the query already running for `path` if there is
/// one, or from a new one on the blocking pool.
fn space(path: PathBuf) -> Query {
    let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(query) = running.get(&path) {
        return query.clone();
    }
    let key = path.clone();
    // The closure takes the lock to forget its query, so it cannot do so before the query is in.
    let handle = tokio::task::spawn_blocking(move || {
        let stats = fs4::statvfs(&path);
        RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&path);
        stats
    });
    let query: Query = async move {
        match handle.await {
            Ok(Ok(stats)) => Ok(Space {
                available: stats.available_space(),
                total: stats.total_space(),
            }),
            Ok(Err(e)) => Err(format!("cannot read free space: {}", chain(&e))),
            Err(e) => Err(format!("the free-space query failed: {}", chain(&e))),
        }
    }
    .boxed()
    .shared();
    running.insert(key, query.clone());
    query
}
