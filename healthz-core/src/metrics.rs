//! Prometheus metrics for probes, with [prometheus-client](https://docs.rs/prometheus-client)
//! 0.26 (feature `prometheus`).
//!
//! [`Metrics::new`] registers these families in your `Registry`, under the prefix `healthz`:
//!
//! | metric | type | labels | meaning |
//! |---|---|---|---|
//! | `healthz_probe_status` | gauge | `kind`, `probe`, `status` | 1 for the probe's current status (`pass`, `warn`, `fail`), 0 for the others |
//! | `healthz_probe_duration_seconds` | histogram | `kind`, `probe` | run time of each run |
//! | `healthz_probe_runs_total` | counter | `kind`, `probe`, `outcome` | runs by outcome: `pass`, `warn`, `fail`, `timeout`, `panic` |
//! | `healthz_probe_cache_hits_total` | counter | `kind`, `probe` | requests answered from a cached or polled result |
//! | `healthz_status` | gauge | `kind`, `status` | 1 for the kind's current aggregate status, 0 for the others |
//! | `healthz_gate` | gauge | `kind`, `gate` | 1 while the gate (`starting`, `refusing_traffic`, `draining`) holds the kind failed, 0 otherwise |
//!
//! Alert on `healthz_probe_status{status="fail"} == 1`, or on a rising
//! `healthz_probe_runs_total{outcome="timeout"}`.
//!
//! ```
//! use healthz_core::metrics::Metrics;
//! use healthz_core::{Health, ProbeOptions};
//! use prometheus_client::registry::Registry;
//!
//! let mut registry = Registry::default();
//! let health = Health::builder()
//!     .without_registered()
//!     .readiness("db", ProbeOptions::new(), || async {})
//!     .observer(Metrics::new(&mut registry))
//!     .build()
//!     .unwrap();
//!
//! // Serve this at /metrics (`text/plain; version=0.0.4`).
//! let mut text = String::new();
//! prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
//! assert!(text.contains(r#"healthz_probe_runs_total{kind="readiness",probe="db",outcome="timeout"} 0"#));
//! # drop(health);
//! ```

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::observe::{Outcome, RunEvent, StatusChange};
use crate::{Gate, Kind, Observer, ProbeInfo, Status};

/// `kind` and `probe` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProbeLabels {
    kind: KindLabel,
    probe: String,
}

/// `kind`, `probe` and `status` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProbeStatusLabels {
    kind: KindLabel,
    probe: String,
    status: StatusLabel,
}

/// `kind`, `probe` and `outcome` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    kind: KindLabel,
    probe: String,
    outcome: OutcomeLabel,
}

/// `kind` and `gate` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindGateLabels {
    kind: KindLabel,
    gate: &'static str,
}

/// The gates, by their label.
const GATES: [&str; 3] = ["starting", "refusing_traffic", "draining"];

/// `kind` and `status` labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindStatusLabels {
    kind: KindLabel,
    status: StatusLabel,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct KindLabel(Kind);

impl EncodeLabelValue for KindLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.0.as_str())
    }
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct StatusLabel(Status);

impl EncodeLabelValue for StatusLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.0.as_str())
    }
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct OutcomeLabel(Outcome);

impl EncodeLabelValue for OutcomeLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.0.as_str())
    }
}

const STATUSES: [Status; 3] = [Status::Pass, Status::Warn, Status::Fail];

/// Per kind, per probe name: each probe's handles.
type HandleMap = [HashMap<Box<str>, ProbeHandles>; 3];

/// One probe's metric handles, made once so the hot path never builds a label set.
#[derive(Clone, Debug)]
struct ProbeHandles {
    cache_hits: Counter,
}

/// The healthz metrics, an [`Observer`] to add with
/// [`HealthBuilder::observer`](crate::HealthBuilder::observer). Cheap to clone: clones share the
/// same metrics.
#[derive(Clone, Debug)]
pub struct Metrics {
    status: Family<ProbeStatusLabels, Gauge>,
    duration: Family<ProbeLabels, Histogram>,
    runs: Family<RunLabels, Counter>,
    cache_hits: Family<ProbeLabels, Counter>,
    aggregate: Family<KindStatusLabels, Gauge>,
    gate: Family<KindGateLabels, Gauge>,
    /// Per kind, per probe name: made when the `Health` is built.
    handles: Arc<OnceLock<HandleMap>>,
}

impl Metrics {
    /// Registers the metrics in `registry` under the prefix `healthz`.
    pub fn new(registry: &mut Registry) -> Self {
        let metrics = Metrics {
            status: Family::default(),
            duration: Family::new_with_constructor(duration_histogram),
            runs: Family::default(),
            cache_hits: Family::default(),
            aggregate: Family::default(),
            gate: Family::default(),
            handles: Arc::default(),
        };
        let registry = registry.sub_registry_with_prefix("healthz");
        registry.register(
            "probe_status",
            "Current status of each probe: 1 for the status it has, 0 for the others",
            metrics.status.clone(),
        );
        registry.register_with_unit(
            "probe_duration",
            "Run time of each probe run",
            Unit::Seconds,
            metrics.duration.clone(),
        );
        registry.register(
            "probe_runs",
            "Probe runs by outcome (pass, warn, fail, timeout, panic)",
            metrics.runs.clone(),
        );
        registry.register(
            "probe_cache_hits",
            "Requests answered from a probe's cached or polled result without running it",
            metrics.cache_hits.clone(),
        );
        registry.register(
            "status",
            "Current aggregate status of each kind: 1 for the status it has, 0 for the others",
            metrics.aggregate.clone(),
        );
        registry.register(
            "gate",
            "1 while a gate (starting, refusing_traffic, draining) holds a kind failed, 0 otherwise",
            metrics.gate.clone(),
        );
        metrics
    }

    fn set_status(&self, kind: Kind, probe: &str, current: Status) {
        for status in STATUSES {
            let labels = ProbeStatusLabels {
                kind: KindLabel(kind),
                probe: probe.to_owned(),
                status: StatusLabel(status),
            };
            self.status
                .get_or_create(&labels)
                .set(i64::from(status == current));
        }
    }
}

/// Buckets from 1 ms to about 16 s, doubling: probes are usually fast, and timeouts are seconds.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Observer for Metrics {
    fn on_build(&self, probes: &[ProbeInfo<'_>]) {
        let mut handles: HandleMap = Default::default();
        for probe in probes {
            let labels = ProbeLabels {
                kind: KindLabel(probe.kind),
                probe: probe.name.to_owned(),
            };
            // Make every series exist from the start, so dashboards and `rate()` see zeros
            // rather than gaps.
            let cache_hits = self.cache_hits.get_or_create_owned(&labels);
            drop(self.duration.get_or_create(&labels));
            for outcome in Outcome::ALL {
                drop(self.runs.get_or_create(&RunLabels {
                    kind: KindLabel(probe.kind),
                    probe: probe.name.to_owned(),
                    outcome: OutcomeLabel(outcome),
                }));
            }
            handles[probe.kind.index()].insert(probe.name.into(), ProbeHandles { cache_hits });
        }
        // A second `Health` built with the same metrics keeps the first one's handles; its
        // events fall back to a label lookup.
        let _ = self.handles.set(handles);
    }

    fn on_run(&self, event: &RunEvent<'_>) {
        let labels = ProbeLabels {
            kind: KindLabel(event.kind),
            probe: event.name.to_owned(),
        };
        self.duration
            .get_or_create(&labels)
            .observe(event.duration.as_secs_f64());
        self.runs
            .get_or_create(&RunLabels {
                kind: labels.kind,
                probe: labels.probe,
                outcome: OutcomeLabel(event.outcome),
            })
            .inc();
    }

    fn on_change(&self, change: &StatusChange<'_>) {
        self.set_status(change.kind, change.name, change.to);
    }

    fn on_cache_hit(&self, kind: Kind, name: &str) {
        match self.handles.get().and_then(|h| h[kind.index()].get(name)) {
            Some(handles) => {
                handles.cache_hits.inc();
            }
            None => {
                self.cache_hits
                    .get_or_create(&ProbeLabels {
                        kind: KindLabel(kind),
                        probe: name.to_owned(),
                    })
                    .inc();
            }
        }
    }

    fn on_gate(&self, kind: Kind, current: Option<&Gate>) {
        for gate in GATES {
            self.gate
                .get_or_create(&KindGateLabels {
                    kind: KindLabel(kind),
                    gate,
                })
                .set(i64::from(current.is_some_and(|g| g.as_str() == gate)));
        }
    }

    fn on_aggregate(&self, kind: Kind, current: Status) {
        for status in STATUSES {
            let labels = KindStatusLabels {
                kind: KindLabel(kind),
                status: StatusLabel(status),
            };
            self.aggregate
                .get_or_create(&labels)
                .set(i64::from(status == current));
        }
    }
}
