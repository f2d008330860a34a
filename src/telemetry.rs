//! Metrics (issue 12, item 2): Prometheus text at `GET /metrics` on the gateway and on every
//! Region port, through the `metrics` facade and `metrics-exporter-prometheus`.
//!
//! Recorded as requests are served (two map look-ups and atomic adds per request):
//! - `kmsim_requests_total{region, operation, outcome}`: `outcome` is `ok` or the `__type`;
//! - `kmsim_request_duration_seconds{region, operation}`: a histogram;
//! - `kmsim_throttled_total{region, quota}` ([`crate::quotas`]).
//!
//! Read from the cluster when `/metrics` is scraped (never on the request path):
//! - `kmsim_keys{region, state}`: keys by `KeyState`;
//! - `kmsim_wrapping_keys_ready{region, spec}`: wrapping key pairs ready in the pool;
//! - `kmsim_bus_queued{region}`, `kmsim_bus_pending{region}`: replication events waiting for a
//!   destination Region; `kmsim_bus_delivered_total`;
//! - `kmsim_replication_lag_seconds{region, quantile}`: publish → applied, p50 and p99.
//!
//! The recorder is process-wide (the `metrics` facade has one); a process serving several
//! clusters (the test suite) shares it, and every series is labelled by Region.

use std::sync::OnceLock;
use std::time::Duration;

use dashmap::DashMap;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::cluster::ClusterState;
use crate::model::WrappingKeySpec;

/// Latency buckets, seconds: 50 µs … 2.5 s.
const BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's Prometheus recorder (once); `None` if another recorder was
/// installed first by an embedding program.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("kmsim_request_duration_seconds".into()),
                    BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

/// One Region's request series, their handles kept so that recording a request costs a map
/// read and two atomic updates (no label allocation or registry look-up once warm).
#[derive(Debug)]
pub struct RegionMetrics {
    region: String,
    counters: DashMap<(&'static str, &'static str), Counter>,
    latency: DashMap<&'static str, Histogram>,
}

impl RegionMetrics {
    /// The series of `region`.
    pub fn new(region: &str) -> RegionMetrics {
        RegionMetrics {
            region: region.to_string(),
            counters: DashMap::new(),
            latency: DashMap::new(),
        }
    }

    /// Records one served KMS request of this Region.
    pub fn request(&self, operation: &'static str, outcome: &'static str, elapsed: Duration) {
        if let Some(c) = self.counters.get(&(operation, outcome)) {
            c.increment(1);
        } else {
            let c = metrics::counter!(
                "kmsim_requests_total",
                "region" => self.region.clone(),
                "operation" => operation,
                "outcome" => outcome
            );
            c.increment(1);
            self.counters.insert((operation, outcome), c);
        }
        let secs = elapsed.as_secs_f64();
        if let Some(h) = self.latency.get(operation) {
            h.record(secs);
        } else {
            let h = metrics::histogram!(
                "kmsim_request_duration_seconds",
                "region" => self.region.clone(),
                "operation" => operation
            );
            h.record(secs);
            self.latency.insert(operation, h);
        }
    }
}

/// Records one served KMS request that no Region took (refused before routing).
pub fn request(region: &str, operation: &str, outcome: &str, elapsed: Duration) {
    metrics::counter!(
        "kmsim_requests_total",
        "region" => region.to_string(),
        "operation" => operation.to_string(),
        "outcome" => outcome.to_string()
    )
    .increment(1);
    metrics::histogram!(
        "kmsim_request_duration_seconds",
        "region" => region.to_string(),
        "operation" => operation.to_string()
    )
    .record(elapsed.as_secs_f64());
}

/// `GET /metrics`: the cluster's gauges read now, then every series in Prometheus text.
pub fn render(cluster: &ClusterState) -> String {
    let Some(handle) = install() else {
        return "# kmsim: another metrics recorder is installed in this process\n".into();
    };
    for (region, node) in &cluster.nodes.all() {
        let mut by_state = std::collections::BTreeMap::<&'static str, u64>::new();
        for state in [
            "Enabled",
            "Disabled",
            "PendingImport",
            "PendingDeletion",
            "PendingReplicaDeletion",
            "Creating",
            "Unavailable",
            "Updating",
        ] {
            by_state.insert(state, 0);
        }
        for id in node.store.key_ids() {
            if let Some(state) = node.store.read(&id, |k| k.state.as_str()) {
                *by_state.entry(state).or_default() += 1;
            }
        }
        for (state, n) in by_state {
            metrics::gauge!("kmsim_keys", "region" => region.clone(), "state" => state)
                .set(n as f64);
        }
        for spec in [
            WrappingKeySpec::Rsa2048,
            WrappingKeySpec::Rsa3072,
            WrappingKeySpec::Rsa4096,
        ] {
            metrics::gauge!(
                "kmsim_wrapping_keys_ready",
                "region" => region.clone(),
                "spec" => spec.as_str()
            )
            .set(node.wrapping.ready(spec) as f64);
        }
    }
    let bus = cluster.bus.status();
    for region in cluster.bus.regions() {
        let queued = bus.queued.get(&region).copied().unwrap_or(0);
        let pending = bus.pending.get(&region).copied().unwrap_or(0);
        metrics::gauge!("kmsim_bus_queued", "region" => region.clone()).set(queued as f64);
        metrics::gauge!("kmsim_bus_pending", "region" => region.clone()).set(pending as f64);
        if let Some(lag) = bus.lag.get(&region) {
            for (q, ms) in [("0.5", lag.p50_ms), ("0.99", lag.p99_ms)] {
                metrics::gauge!(
                    "kmsim_replication_lag_seconds",
                    "region" => region.clone(),
                    "quantile" => q
                )
                .set(ms / 1000.0);
            }
        }
    }
    metrics::gauge!("kmsim_bus_delivered_total").set(bus.delivered as f64);
    handle.render()
}
