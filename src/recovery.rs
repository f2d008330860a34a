//! Start-up from a data dir (issue 9): every stored record goes to its Region's
//! [`Node::restore`], the bus gets its undelivered events back, and then every multi-Region
//! key announces itself again — the primary its snapshot, each replica its import report — so
//! that an event lost with an unacknowledged request (its key change committed, its event not
//! yet) still arrives. The replication apply is idempotent and version-guarded, so the
//! announcements change nothing where nothing was lost.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::enums::{MultiRegionKeyType, WrappingKeySpec};
use crate::domain::multi_region::Report;
use crate::domain::wrapping::WrappingKey;
use crate::durable::Change;
use crate::node::Node;
use crate::replication::bus::Bus;
use crate::replication::event::{Envelope, Event};

/// Wrapping keys parsed while restoring import tokens: many tokens share one pair, which is
/// parsed once.
#[derive(Debug, Default)]
pub struct KeyCache {
    by_der: HashMap<Arc<[u8]>, Arc<WrappingKey>>,
}

impl KeyCache {
    /// The wrapping key whose PKCS#8 is `der`.
    pub fn get(
        &mut self,
        spec: WrappingKeySpec,
        der: &Arc<[u8]>,
    ) -> Result<Arc<WrappingKey>, String> {
        if let Some(k) = self.by_der.get(der) {
            return Ok(k.clone());
        }
        let k = Arc::new(
            WrappingKey::from_pkcs8(spec, der)
                .map_err(|_| "an import token's wrapping key is unreadable".to_string())?,
        );
        self.by_der.insert(der.clone(), k.clone());
        Ok(k)
    }
}

/// What a recovery restored, for the start-up line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Restored {
    /// Keys, over all Regions.
    pub keys: usize,
    /// Undelivered bus events.
    pub events: usize,
}

/// Installs `records` (as [`crate::durable::tables::load`] returns them) into the nodes and
/// the bus. A record for a Region the configuration does not have is an error (the data
/// would otherwise be unreachable, and lost by the next reset).
pub fn restore(
    nodes: &BTreeMap<String, Arc<Node>>,
    bus: &Bus,
    records: Vec<Change>,
) -> Result<Restored, String> {
    let mut cache = KeyCache::default();
    let mut out = Restored::default();
    for c in records {
        match c.region() {
            Some(region) => {
                let node = nodes.get(region).ok_or_else(|| {
                    format!(
                        "it holds state of Region {region}, which the configuration does not have (configured: {})",
                        nodes.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })?;
                if matches!(c, Change::Key { .. }) {
                    out.keys += 1;
                }
                node.restore(c, &mut cache)?;
            }
            None => {
                if let Change::BusEvent {
                    seq,
                    envelope: Some(e),
                } = c
                {
                    bus.install(seq, e);
                    out.events += 1;
                }
            }
        }
    }
    Ok(out)
}

/// Every multi-Region key of `node` announces its state again (see the module doc).
pub fn reannounce(node: &Node) {
    let now = node.now();
    for id in node.store.key_ids() {
        let role = node
            .store
            .read(&id, now, |k| k.multi_region.as_ref().map(|m| m.role));
        match role {
            Some(Some(MultiRegionKeyType::Primary)) => {
                let events = node
                    .store
                    .read(&id, now, |k| {
                        crate::replication::apply::broadcast(k, &node.region)
                    })
                    .unwrap_or_default();
                node.bus.publish(events);
            }
            Some(Some(MultiRegionKeyType::Replica)) => {
                // The last report again, with its own sequence number: a primary that has it
                // ignores it; one that missed it applies it. (No report yet: nothing to miss.)
                let again = node.store.read(&id, now, |k| {
                    let mr = k.multi_region.as_ref()?;
                    (mr.report_seq > 0 && mr.primary.region != node.region).then(|| Envelope {
                        from: node.region.clone(),
                        to: mr.primary.region.clone(),
                        event: Event::Report(Report {
                            key_id: k.id.clone(),
                            region: node.region.clone(),
                            seq: mr.report_seq,
                            imported: k
                                .materials
                                .iter()
                                .filter(|m| m.bytes.is_some())
                                .map(|m| m.id)
                                .collect(),
                            state: k.state.as_str().to_string(),
                        }),
                    })
                });
                if let Some(Some(env)) = again {
                    node.bus.publish(vec![env]);
                }
            }
            _ => {}
        }
    }
}
