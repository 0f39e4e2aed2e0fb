//! Attribute expansions of every option set, compiled under the workspace's lints (clippy
//! pedantic with `-D warnings` in CI, which trybuild cannot run), and checked against what they
//! register. Also: duplicate names across modules fail `build()` naming both locations.

use std::sync::Arc;
use std::time::Duration;

use healthz_actix::{Check, Health, HealthBuilder, Kind, ProbeInfo, liveness, readiness, startup};

/// Probe state.
#[derive(Debug)]
struct Pool;

/// More probe state.
#[derive(Debug)]
struct Config {
    limit: u32,
}

mod options {
    use super::{Arc, Check, Config, Pool, liveness, readiness, startup};

    #[liveness]
    async fn plain() {}

    #[readiness(timeout = "200ms", cache = "5s", max_stale = "1m")]
    async fn cached(_pool: &Pool) -> Result<(), std::io::Error> {
        Ok(())
    }

    #[readiness(
        name = "polled",
        critical = false,
        interval = "10s",
        max_stale = "30s",
        failure_threshold = 3,
        success_threshold = 2
    )]
    async fn polled_probe(_pool: &Pool, config: &Config) -> Check {
        Check::pass().observed(f64::from(config.limit), "rows")
    }

    #[startup(timeout = "2s", tags = ["db", "external"])]
    async fn tagged(config: &Arc<Config>) -> bool {
        config.limit > 0
    }

    #[readiness(blocking = true, timeout = "1s 500ms", crate = ::healthz_actix)]
    fn blocking(config: &Config) -> Result<u32, String> {
        if config.limit > 0 {
            Ok(config.limit)
        } else {
            Err("no limit".into())
        }
    }

    #[liveness]
    #[readiness(name = "stacked-ready", cache = "1s")]
    pub(super) async fn stacked() -> bool {
        true
    }
}

/// Probes whose names clash within one kind.
mod clash {
    pub(super) mod first {
        #[healthz_actix::readiness(name = "clash")]
        async fn one() {}
    }
    pub(super) mod second {
        #[healthz_actix::readiness(name = "clash")]
        async fn two() {}
    }
}

fn only(module: &'static str) -> HealthBuilder {
    Health::builder().filter_registered(move |def: &ProbeInfo<'_>| {
        def.location
            .function
            .strip_prefix(module)
            .is_some_and(|rest| rest.starts_with("::"))
    })
}

fn state() -> HealthBuilder {
    only(concat!(module_path!(), "::options"))
        .state(Pool)
        .state(Config { limit: 3 })
        .state(Arc::new(Config { limit: 1 }))
}

#[test]
fn every_option_set_registers_what_it_says() {
    let health = state().build().unwrap();
    let probe = |kind: Kind, name: &str| {
        health
            .probes(kind)
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{kind} probe {name} is registered"))
    };

    let plain = probe(Kind::Liveness, "plain");
    assert_eq!(plain.timeout, Duration::from_millis(500));
    assert_eq!(plain.cache, None);
    assert!(plain.critical);
    assert!(!plain.blocking);

    let cached = probe(Kind::Readiness, "cached");
    assert_eq!(cached.timeout, Duration::from_millis(200));
    assert_eq!(cached.cache, Some(Duration::from_secs(5)));
    assert_eq!(cached.max_stale, Some(Duration::from_secs(60)));

    let polled = probe(Kind::Readiness, "polled");
    assert_eq!(polled.interval, Some(Duration::from_secs(10)));
    assert_eq!(polled.max_stale, Some(Duration::from_secs(30)));
    assert!(!polled.critical);
    assert_eq!(polled.failure_threshold, 3);
    assert_eq!(polled.success_threshold, 2);
    assert!(
        polled
            .location
            .function
            .ends_with("::options::polled_probe")
    );

    let tagged = probe(Kind::Startup, "tagged");
    assert_eq!(tagged.timeout, Duration::from_secs(2));
    assert_eq!(tagged.tags, ["db", "external"]);

    let blocking = probe(Kind::Readiness, "blocking");
    assert!(blocking.blocking);
    assert_eq!(blocking.timeout, Duration::from_millis(1500));

    assert!(health.probes(Kind::Liveness).any(|p| p.name == "stacked"));
    let stacked = probe(Kind::Readiness, "stacked-ready");
    assert_eq!(stacked.cache, Some(Duration::from_secs(1)));
    assert_eq!(health.probes(Kind::Liveness).count(), 2);
    assert_eq!(health.probes(Kind::Readiness).count(), 4);
    assert_eq!(health.probes(Kind::Startup).count(), 1);
}

#[tokio::test]
async fn every_option_set_runs_with_its_state() {
    let health = state().build().unwrap();
    for kind in [Kind::Startup, Kind::Liveness, Kind::Readiness] {
        let report = health.report(kind).await;
        assert!(report.status().is_healthy(), "{kind}: {report:?}");
    }
    assert!(options::stacked().await, "the function stays callable");
}

#[test]
fn missing_state_names_the_probe_and_the_type() {
    let error = only(concat!(module_path!(), "::options"))
        .state(Pool)
        .state(Arc::new(Config { limit: 1 }))
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("readiness probe `polled` at tests/tests/expansions.rs:"),
        "{error}"
    );
    assert!(error.contains("`&expansions::Config`"), "{error}");
}

#[test]
fn duplicate_names_fail_build_naming_both_locations() {
    let error = only(concat!(module_path!(), "::clash"))
        .build()
        .unwrap_err();
    assert_eq!(error.problems().len(), 1, "{error}");
    let message = error.to_string();
    // The two definitions, in either order: each names its file, line and function.
    for function in ["first::one", "second::two"] {
        assert!(
            message.contains(&format!("(`expansions::clash::{function}`)")),
            "{function} is not named in {message}"
        );
    }
    assert!(message.contains("readiness probe `clash` at tests/tests/expansions.rs:"));
    assert!(
        message.contains("has the same name as the readiness probe at tests/tests/expansions.rs:"),
        "{message}"
    );
    assert!(
        message.contains("give one of them `name = \"...\"`"),
        "{message}"
    );
}
