//! AWS's request quotas (issue 12, item 1), opt-in with `[quotas] mode = "aws"`: every Region
//! enforces, per account, the published quotas of `data/kms-quotas.toml` ([`Table`]) with
//! token buckets on the real clock ([`bucket`]). A throttled request answers HTTP 400
//! `ThrottlingException` "You have exceeded the rate at which you may call KMS. Reduce the
//! frequency of your calls." before anything else is read or changed.
//!
//! Which quota a request counts against: a cryptographic operation counts against the shared
//! quota of its key's type (the key found as for authorisation: by `KeyId`, or from the
//! ciphertext for Decrypt and ReEncrypt); another operation against its own quota.
//! `ReplicateKey` counts once in the primary's Region and as two `CreateKey` in the replica's;
//! `UpdatePrimaryRegion` once in each of the two Regions; a state change (EnableKey,
//! DisableKey, …) also counts against its key's hot-key quota. Cross-account requests count
//! against the caller's account. In a cluster split across processes each process counts the
//! requests it serves [CHOICE].
//! [CHOICE] An operation the table does not list is not throttled.

pub mod bucket;
pub mod table;

use std::collections::BTreeMap;
use std::time::Instant;

use dashmap::DashMap;
use parking_lot::Mutex;

pub use bucket::TokenBucket;
pub use table::Table;

use crate::config::{QuotasConfig, QuotasMode};
use crate::error::{ErrorCode, KmsError, KmsResult};

/// AWS's throttling message.
pub const THROTTLED: &str =
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.";

/// The quota state of a cluster (shared by its Regions: `ReplicateKey` counts in two).
#[derive(Debug, Default)]
pub struct Quotas {
    enabled: bool,
    scale: f64,
    overrides: BTreeMap<String, f64>,
    /// (Region, account or key id, quota) → bucket.
    buckets: DashMap<(String, String, String), Mutex<TokenBucket>>,
}

impl Quotas {
    /// From `[quotas]`.
    pub fn new(cfg: &QuotasConfig) -> Quotas {
        Quotas {
            enabled: cfg.mode == QuotasMode::Aws,
            scale: cfg.scale,
            overrides: cfg.overrides.clone(),
            buckets: DashMap::new(),
        }
    }

    /// Whether quotas are enforced.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The rate of quota `name` in `region` after overrides and scale.
    pub fn rate(&self, name: &str, region: &str) -> Option<f64> {
        match self.overrides.get(name) {
            Some(r) => Some(*r),
            None => Table::aws().rate(name, region).map(|r| r * self.scale),
        }
    }

    /// Counts one request of `account` against quota `name` in `region`; `Err` throttled.
    pub fn admit(&self, region: &str, account: &str, name: &str) -> KmsResult<()> {
        let Some(rate) = self.rate(name, region) else {
            return Ok(());
        };
        self.take(region, account, name, rate, rate)
    }

    /// Counts one state change of key `key_id` (hot-key throttling) if `op` is one.
    pub fn admit_key_change(&self, region: &str, key_id: &str, op: &str) -> KmsResult<()> {
        match Table::aws().hot_key(op) {
            Some(h) => self.take(region, key_id, "hot_key", h.rate * self.scale, h.burst),
            None => Ok(()),
        }
    }

    fn take(&self, region: &str, who: &str, name: &str, rate: f64, burst: f64) -> KmsResult<()> {
        let now = Instant::now();
        let key = (region.to_string(), who.to_string(), name.to_string());
        let bucket = self
            .buckets
            .entry(key)
            .or_insert_with(|| Mutex::new(TokenBucket::new(burst, now)));
        let admitted = bucket.lock().take(rate, burst, now);
        if admitted {
            Ok(())
        } else {
            metrics::counter!("kmsim_throttled_total", "region" => region.to_string(), "quota" => name.to_string())
                .increment(1);
            Err(throttled())
        }
    }
}

/// `ThrottlingException`.
pub fn throttled() -> KmsError {
    KmsError::new(ErrorCode::Throttling, THROTTLED)
}
