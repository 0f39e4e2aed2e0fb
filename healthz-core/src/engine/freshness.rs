//! Freshness: how a stored result may be served as it ages. Worked out once, when the result is
//! stored, from the probe's `cache`, `interval` and `max_stale`; a read then compares instants.

use std::time::Duration;

use tokio::time::Instant;

use crate::ProbeOptions;

/// Until when something holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deadline {
    /// Never.
    Never,
    /// While `now < deadline`.
    Before(Instant),
    /// While `now <= deadline`.
    Through(Instant),
    /// Always (no limit, or one past the clock's range).
    Always,
}

/// The time, read from the clock when first asked for and only then: a read of an uncached
/// probe's result, never fresh whatever the time, costs no clock read.
#[derive(Default)]
pub(crate) struct Now(Option<Instant>);

impl Now {
    pub(crate) fn get(&mut self) -> Instant {
        *self.0.get_or_insert_with(Instant::now)
    }
}

impl Deadline {
    /// Whether it holds at `now`, reading the clock only for a deadline that is an instant.
    pub(crate) fn holds(self, now: &mut Now) -> bool {
        match self {
            Deadline::Never => false,
            Deadline::Before(deadline) => now.get() < deadline,
            Deadline::Through(deadline) => now.get() <= deadline,
            Deadline::Always => true,
        }
    }

    /// The deadline that holds while both hold.
    #[cfg(feature = "web")]
    pub(crate) fn and(self, other: Self) -> Self {
        use Deadline::{Always, Before, Never, Through};
        match (self, other) {
            (Never, _) | (_, Never) => Never,
            (Always, d) | (d, Always) => d,
            (Before(a), Before(b)) => Before(a.min(b)),
            (Through(a), Through(b)) => Through(a.min(b)),
            // `now < b` implies `now <= a` when `b <= a`; otherwise `now <= a` is the stricter.
            (Before(b), Through(a)) | (Through(a), Before(b)) => {
                if b <= a {
                    Before(b)
                } else {
                    Through(a)
                }
            }
        }
    }

    fn after(at: Instant, span: Duration, strict: bool) -> Self {
        match at.checked_add(span) {
            Some(deadline) if strict => Deadline::Before(deadline),
            Some(deadline) => Deadline::Through(deadline),
            None => Deadline::Always,
        }
    }
}

/// What a read does with a stored result, by its age.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Age {
    /// Serve it as it is.
    Fresh,
    /// Serve it, and refresh it in the background (stale-while-revalidate, inside `max_stale`).
    Revalidate,
    /// A polled result past `max_stale`: serve a failure saying how old it is.
    Stale {
        /// How old it is.
        age: Duration,
        /// Its `max_stale`.
        max: Duration,
    },
    /// Not servable: run the probe.
    Expired,
}

/// How a result stored at `at` ages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Freshness {
    at: Instant,
    /// Until when it is [`Age::Fresh`].
    fresh: Deadline,
    /// What it becomes after that.
    then: Then,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    /// [`Age::Revalidate`] until the deadline, then [`Age::Expired`].
    Revalidate(Deadline),
    /// [`Age::Stale`], with this `max_stale`.
    Stale(Duration),
}

impl Freshness {
    /// How a result of a probe with `options`, stored at `at`, ages.
    pub(crate) fn of(options: &ProbeOptions, at: Instant) -> Self {
        let max_stale = options.max_stale_duration();
        let (fresh, then) = if options.interval_duration().is_some() {
            // Polled: fresh through `max_stale`, then stale (a failure).
            match max_stale {
                Some(max) => (Deadline::after(at, max, false), Then::Stale(max)),
                None => (Deadline::Always, Then::Revalidate(Deadline::Never)),
            }
        } else {
            let fresh = match options.cache_duration() {
                Some(ttl) if !ttl.is_zero() => Deadline::after(at, ttl, true),
                _ => Deadline::Never,
            };
            let revalidate = match (options.cache_duration(), max_stale) {
                (Some(_), Some(max)) => Deadline::after(at, max, true),
                _ => Deadline::Never,
            };
            (fresh, Then::Revalidate(revalidate))
        };
        Freshness { at, fresh, then }
    }

    /// Never fresh: a result no run produced (`pending`, `stale`), or a probe without `cache`.
    pub(crate) fn never(at: Instant) -> Self {
        Freshness {
            at,
            fresh: Deadline::Never,
            then: Then::Revalidate(Deadline::Never),
        }
    }

    /// Until when the result is [`Age::Fresh`]: what the render cache compares with the time.
    #[cfg(feature = "web")]
    pub(crate) fn fresh_until(&self) -> Deadline {
        self.fresh
    }

    /// The result's [`Age`] at `now`.
    pub(crate) fn age(&self, now: &mut Now) -> Age {
        if self.fresh.holds(now) {
            return Age::Fresh;
        }
        match self.then {
            Then::Revalidate(until) if until.holds(now) => Age::Revalidate,
            Then::Revalidate(_) => Age::Expired,
            Then::Stale(max) => Age::Stale {
                age: now.get().saturating_duration_since(self.at),
                max,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The age of a result made at `at` with `options`, `offset` later.
    fn age(options: ProbeOptions, offset: Duration) -> Age {
        let at = Instant::now();
        Freshness::of(&options, at).age(&mut Now(Some(at + offset)))
    }

    #[test]
    fn uncached_results_are_expired_at_once() {
        assert_eq!(age(ProbeOptions::new(), Duration::ZERO), Age::Expired);
    }

    #[test]
    fn cached_results_are_fresh_for_the_ttl_exclusive() {
        let cached = ProbeOptions::new().cache(ms(100));
        assert_eq!(age(cached, Duration::ZERO), Age::Fresh);
        assert_eq!(age(cached, ms(99)), Age::Fresh);
        assert_eq!(age(cached, ms(100)), Age::Expired);
    }

    #[test]
    fn max_stale_revalidates_cached_results_until_it_passes() {
        let swr = ProbeOptions::new().cache(ms(100)).max_stale(ms(300));
        assert_eq!(age(swr, ms(50)), Age::Fresh);
        assert_eq!(age(swr, ms(100)), Age::Revalidate);
        assert_eq!(age(swr, ms(299)), Age::Revalidate);
        assert_eq!(age(swr, ms(300)), Age::Expired);
    }

    #[test]
    fn polled_results_are_fresh_through_max_stale_then_stale() {
        let polled = ProbeOptions::new().interval(ms(100)).max_stale(ms(300));
        assert_eq!(age(polled, ms(300)), Age::Fresh);
        assert_eq!(
            age(polled, ms(301)),
            Age::Stale {
                age: ms(301),
                max: ms(300)
            }
        );
        // The default max_stale of a polled probe: 2 × interval + timeout.
        let default = ProbeOptions::new().interval(ms(100)).timeout(ms(50));
        assert_eq!(age(default, ms(250)), Age::Fresh);
        assert!(matches!(age(default, ms(251)), Age::Stale { .. }));
    }

    #[test]
    fn deadlines_past_the_clock_never_end() {
        let forever = ProbeOptions::new().cache(Duration::MAX);
        assert_eq!(age(forever, Duration::from_secs(1 << 40)), Age::Fresh);
        let polled = ProbeOptions::new().interval(ms(1)).max_stale(Duration::MAX);
        assert_eq!(age(polled, Duration::from_secs(1 << 40)), Age::Fresh);
    }

    #[test]
    fn only_an_age_that_depends_on_the_time_reads_the_clock() {
        let at = Instant::now();
        let mut now = Now::default();
        let uncached = Freshness::of(&ProbeOptions::new(), at);
        assert_eq!(uncached.age(&mut now), Age::Expired);
        assert!(now.0.is_none(), "an uncached result is expired at any time");
        let cached = Freshness::of(&ProbeOptions::new().cache(ms(100)), at);
        assert_eq!(cached.age(&mut now), Age::Fresh);
        assert!(now.0.is_some(), "a cached result is fresh until an instant");
    }

    #[test]
    #[cfg(feature = "web")]
    fn fresh_until_agrees_with_age() {
        let at = Instant::now();
        for options in [
            ProbeOptions::new(),
            ProbeOptions::new().cache(ms(100)),
            ProbeOptions::new().cache(ms(100)).max_stale(ms(300)),
            ProbeOptions::new().interval(ms(100)),
        ] {
            let freshness = Freshness::of(&options, at);
            for offset in [0, 1, 99, 100, 101, 299, 300, 301, 10_000] {
                let now = at + ms(offset);
                assert_eq!(
                    freshness.fresh_until().holds(&mut Now(Some(now))),
                    freshness.age(&mut Now(Some(now))) == Age::Fresh,
                    "{options:?} +{offset}ms"
                );
            }
        }
        assert!(!Freshness::never(at).fresh_until().holds(&mut Now(Some(at))));
        assert_eq!(Freshness::never(at).age(&mut Now(Some(at))), Age::Expired);
    }

    #[cfg(feature = "web")]
    proptest::proptest! {
        #[test]
        fn a_joined_deadline_holds_exactly_while_both_hold(
            a in 0..6u64, b in 0..6u64, kinds in (0..4u8, 0..4u8), now in 0..8u64,
        ) {
            let base = Instant::now();
            let deadline = |kind: u8, at: u64| match kind {
                0 => Deadline::Never,
                1 => Deadline::Before(base + ms(at)),
                2 => Deadline::Through(base + ms(at)),
                _ => Deadline::Always,
            };
            let (x, y) = (deadline(kinds.0, a), deadline(kinds.1, b));
            let now = base + ms(now);
            let at = |now| Now(Some(now));
            proptest::prop_assert_eq!(
                x.and(y).holds(&mut at(now)),
                x.holds(&mut at(now)) && y.holds(&mut at(now))
            );
        }
    }
}
