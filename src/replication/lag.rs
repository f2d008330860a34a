//! Replication lag (publish → applied in the destination Region) per destination Region, as
//! HDR histograms: what `GET /_kmsim/bus` reports as `lagMs` on either transport.

use std::collections::BTreeMap;

use super::bus::Lag;

/// Lag histograms per destination Region.
#[derive(Debug, Default)]
pub struct LagBook {
    by_region: BTreeMap<String, hdrhistogram::Histogram<u64>>,
}

impl LagBook {
    /// Records one applied event's lag, in microseconds.
    pub fn record(&mut self, region: &str, lag_us: u64) {
        if !self.by_region.contains_key(region) {
            // 1 µs to 1 hour at 3 significant figures: valid bounds, so this never fails.
            let Ok(h) = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3) else {
                return;
            };
            self.by_region.insert(region.to_string(), h);
        }
        if let Some(h) = self.by_region.get_mut(region) {
            h.saturating_record(lag_us.max(1));
        }
    }

    /// Forgets every measurement (`/_kmsim/reset`).
    pub fn clear(&mut self) {
        self.by_region.clear();
    }

    /// The summary per Region.
    pub fn summary(&self) -> BTreeMap<String, Lag> {
        let ms = |us: u64| us as f64 / 1000.0;
        self.by_region
            .iter()
            .map(|(r, h)| {
                let lag = Lag {
                    count: h.len(),
                    p50_ms: ms(h.value_at_quantile(0.5)),
                    p99_ms: ms(h.value_at_quantile(0.99)),
                    max_ms: ms(h.max()),
                };
                (r.clone(), lag)
            })
            .collect()
    }
}
