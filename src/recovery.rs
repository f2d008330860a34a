//! Start-up from a data dir (issue 9): every stored record goes to its Region's
//! [`Node::restore`], the bus gets its undelivered events back, and then every multi-Region
//! key announces itself again — the primary its snapshot, each replica its import report — so
//! that an event lost with an unacknowledged request (its key change committed, its event not
//! yet) still arrives. The replication apply is idempotent and version-guarded, so the
//! announcements change nothing where nothing was lost.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::enums::{MultiRegionKeyType, WrappingKeySpec};
use crate::domain::wrapping::WrappingKey;
use crate::durable::Change;
use crate::node::Node;
use crate::regions::Regions;
use crate::replication::bus::Bus;
use crate::replication::observe;

/// The wrapping keys of a data dir, parsed once each, for the import tokens that name them.
#[derive(Debug, Default)]
pub struct KeyCache {
    by_fingerprint: HashMap<[u8; 32], Arc<WrappingKey>>,
    used: std::collections::HashSet<[u8; 32]>,
}

impl KeyCache {
    /// Parses a stored wrapping key.
    pub fn add(&mut self, fingerprint: [u8; 32], pkcs8: &[u8]) -> Result<(), String> {
        // The spec only labels the pair; the modulus decides how it unwraps.
        let k = WrappingKey::from_pkcs8(WrappingKeySpec::Rsa2048, pkcs8)
            .map_err(|_| "a stored wrapping key is unreadable".to_string())?;
        if k.fingerprint != fingerprint {
            return Err("a stored wrapping key does not match its fingerprint".into());
        }
        k.persisted
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.by_fingerprint.insert(fingerprint, Arc::new(k));
        Ok(())
    }

    /// The wrapping key a token names.
    pub fn get(&mut self, fingerprint: &[u8; 32]) -> Result<Arc<WrappingKey>, String> {
        self.used.insert(*fingerprint);
        self.by_fingerprint
            .get(fingerprint)
            .cloned()
            .ok_or_else(|| "an import token names a wrapping key that is not stored".to_string())
    }

    /// Stored keys that no token names any more.
    pub fn unused(&self) -> Vec<[u8; 32]> {
        self.by_fingerprint
            .keys()
            .filter(|f| !self.used.contains(*f))
            .copied()
            .collect()
    }
}

/// What a recovery restored, for the start-up line.
#[derive(Debug, Default, Clone)]
pub struct Restored {
    /// Keys, over all Regions.
    pub keys: usize,
    /// Undelivered bus events.
    pub events: usize,
    /// Stored wrapping keys no import token names any more (to forget).
    pub unused_wrapping_keys: Vec<[u8; 32]>,
}

/// Installs `records` (as [`crate::durable::tables::load`] returns them) into the nodes and
/// the bus. A record for a Region the cluster cannot serve (not configured, and not opened
/// on first use) is an error (the data would otherwise be unreachable, and lost by the next
/// reset).
pub fn restore(regions: &Regions, bus: &Bus, records: Vec<Change>) -> Result<Restored, String> {
    let mut cache = KeyCache::default();
    let mut out = Restored::default();
    for c in records {
        match c.region() {
            Some(region) => {
                // Issue 13, item 1: a Region opened on first use before the restart opens
                // again (the data dir check has already refused any other).
                let node = regions.open(region).map_err(|_| {
                    format!(
                        "it holds state of Region {region}, which the configuration does not have (configured: {})",
                        regions.names().join(", ")
                    )
                })?;
                if matches!(c, Change::Key { .. }) {
                    out.keys += 1;
                }
                node.restore(c, &mut cache)?;
            }
            None => match c {
                Change::BusEvent {
                    seq,
                    envelope: Some(e),
                } => {
                    bus.install(seq, e);
                    out.events += 1;
                }
                Change::WrappingKey {
                    fingerprint,
                    pkcs8: Some(der),
                } => cache.add(fingerprint, &der)?,
                _ => {}
            },
        }
    }
    out.unused_wrapping_keys = cache.unused();
    Ok(out)
}

/// Every multi-Region key of `node` announces its state again (see the module doc).
pub fn reannounce(node: &Node) {
    for id in node.store.key_ids() {
        let role = node.peek_key(&id, |k| k.multi_region.as_ref().map(|m| m.role));
        match role {
            Some(Some(MultiRegionKeyType::Primary)) => {
                let events = node
                    .store
                    .read(&id, |k| observe::broadcast(k, &node.region))
                    .unwrap_or_default();
                node.bus.publish(events);
            }
            Some(Some(MultiRegionKeyType::Replica)) => {
                // The last report again, with its own sequence number: a primary that has it
                // ignores it; one that missed it applies it. (No report yet: nothing to miss.)
                let again = node
                    .store
                    .read(&id, |k| observe::report_again(k, &node.region));
                if let Some(Some(env)) = again {
                    node.bus.publish(vec![env]);
                }
            }
            _ => {}
        }
    }
}
