//! Latency and error bookkeeping for one worker, merged at the end.

use std::collections::BTreeMap;
use std::time::Duration;

/// Counts and latencies.
#[derive(Debug, Default)]
pub struct Stats {
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    throttled: u64,
}

impl Stats {
    /// A successful request.
    pub fn ok(&mut self, d: Duration) {
        self.latencies_us.push(d.as_micros() as u64);
    }

    /// A failed request, by AWS error code (or a transport error name). `ThrottlingException`
    /// is counted apart ([`Stats::throttled_count`]), not among the errors.
    pub fn error(&mut self, code: String, _d: Duration) {
        if code == super::progress::THROTTLED {
            self.throttled += 1;
        } else {
            *self.errors.entry(code).or_insert(0) += 1;
        }
    }

    /// Adds another worker's figures.
    pub fn merge(&mut self, other: Stats) {
        self.latencies_us.extend(other.latencies_us);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_insert(0) += v;
        }
        self.throttled += other.throttled;
    }

    /// Successful requests.
    pub fn ok_count(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    /// Failed requests, throttling excepted.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Requests refused with `ThrottlingException` (a request quota).
    pub fn throttled_count(&self) -> u64 {
        self.throttled
    }

    /// `{"<code>": count}`.
    pub fn errors_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.errors).unwrap_or_default()
    }

    /// The `q` quantile of successful latencies, in milliseconds (0 with no samples).
    pub fn percentile_ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.latencies_us[i] as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut s = Stats::default();
        for ms in 1..=100 {
            s.ok(Duration::from_millis(ms));
        }
        assert_eq!(s.percentile_ms(0.5), 50.0);
        assert_eq!(s.percentile_ms(0.99), 99.0);
        assert_eq!(s.percentile_ms(1.0), 100.0);
    }

    #[test]
    fn throttling_is_not_an_error_and_merges() {
        let mut a = Stats::default();
        a.error("ThrottlingException".into(), Duration::ZERO);
        a.error("KMSInternalException".into(), Duration::ZERO);
        let mut b = Stats::default();
        b.error("ThrottlingException".into(), Duration::ZERO);
        a.merge(b);
        assert_eq!(a.throttled_count(), 2);
        assert_eq!(a.error_count(), 1);
        assert_eq!(
            a.errors_json(),
            serde_json::json!({"KMSInternalException": 1})
        );
    }
}
