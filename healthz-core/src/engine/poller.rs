//! Background refresh of `interval` probes.

use std::hash::BuildHasher as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{RunCtx, Slot};

/// Spawns the poller of one `interval` probe. It runs the probe at once, then about every
/// interval (±10 % jitter, so replicas do not hit a shared dependency in lockstep), until `stop`'s
/// sender is dropped, which happens when the last `Health` clone is dropped.
pub(crate) fn spawn(
    runtime: &tokio::runtime::Handle,
    slot: Arc<Slot>,
    ctx: Arc<RunCtx>,
    mut stop: watch::Receiver<()>,
) {
    let Some(interval) = slot.probe.options.interval_duration() else {
        return;
    };
    runtime.spawn(async move {
        let mut turn = 0_u64;
        loop {
            tokio::select! {
                _ = slot.run(&ctx) => {}
                _ = stop.changed() => return,
            }
            turn = turn.wrapping_add(1);
            tokio::select! {
                () = tokio::time::sleep(jitter(interval, turn)) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// `period` moved by up to ±10 %, pseudo-randomly.
pub(crate) fn jitter(period: Duration, salt: u64) -> Duration {
    let random = std::collections::hash_map::RandomState::new().hash_one(salt);
    // A fraction in [-0.1, 0.1].
    #[allow(clippy::cast_precision_loss)]
    let fraction = (random % 2001) as f64 / 10_000.0 - 0.1;
    period.mul_f64(1.0 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent_and_varies() {
        let period = Duration::from_secs(10);
        let samples: Vec<_> = (0..200).map(|i| jitter(period, i)).collect();
        assert!(
            samples
                .iter()
                .all(|d| *d >= Duration::from_secs(9) && *d <= Duration::from_secs(11))
        );
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(
            distinct.len() > 100,
            "only {} distinct delays",
            distinct.len()
        );
    }
}
