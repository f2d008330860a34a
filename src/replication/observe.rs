//! Which bus events a committed change to a multi-Region key implies — and every other event
//! kmsim sends: the one module where envelopes are made. The store calls
//! [`Before::of`] before an operation or time rule changes a key and [`Before::events`] after,
//! on the copy about to be committed.
//!
//! - On the primary: pending states are recomputed (M-4); if the shared properties changed, the
//!   version grows (unless the operation already bumped it) and every replica that existed
//!   before gets the new snapshot. New replicas get theirs from ReplicateKey itself.
//! - On a replica: if its imported materials or its key state changed, the primary gets a
//!   report (I-31, D-7, U-2).

use crate::domain::enums::MultiRegionKeyType;
use crate::domain::key::{Key, RegionalKey};
use crate::domain::material::KeyMaterialId;
use crate::domain::multi_region::{self, ReplicaLocal, Snapshot};

use super::event::{Envelope, Event};

/// What a multi-Region key looked like before a change.
#[derive(Debug, Clone)]
pub struct Before {
    role: MultiRegionKeyType,
    version: u64,
    content: Option<Snapshot>,
    replicas: Vec<RegionalKey>,
    imported: Vec<KeyMaterialId>,
    state: &'static str,
}

/// The snapshot with its bookkeeping blanked, for comparing shared content.
fn content(k: &Key) -> Option<Snapshot> {
    multi_region::snapshot(k).map(|mut s| {
        s.version = 0;
        s.imports.clear();
        s
    })
}

fn imported(k: &Key) -> Vec<KeyMaterialId> {
    k.materials
        .iter()
        .filter(|m| m.bytes.is_some())
        .map(|m| m.id)
        .collect()
}

impl Before {
    /// Records `k` before a change; `None` for single-Region keys.
    pub fn of(k: &Key) -> Option<Before> {
        let mr = k.multi_region.as_ref()?;
        Some(Before {
            role: mr.role,
            version: mr.version,
            content: content(k),
            replicas: mr.replicas.clone(),
            imported: imported(k),
            state: k.state.as_str(),
        })
    }

    /// The events implied by the change from `self` to `k` (which may still be adjusted: the
    /// version bump and pending recomputation happen here, before commit).
    pub fn events(self, k: &mut Key, region: &str) -> Vec<Envelope> {
        let Some(mr) = k.multi_region.as_ref() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if mr.role == MultiRegionKeyType::Primary && self.role == MultiRegionKeyType::Primary {
            multi_region::recompute_pending(k);
            if content(k) != self.content {
                if k.multi_region
                    .as_ref()
                    .is_some_and(|m| m.version == self.version)
                {
                    multi_region::bump(k);
                }
                if let Some(snap) = multi_region::snapshot(k) {
                    out.extend(snapshots(region, &self.replicas, &snap, &k.multi_region));
                }
            }
        } else if self.role == MultiRegionKeyType::Primary {
            // UpdatePrimaryRegion on the old primary: it is now a replica; everyone who was a
            // replica learns the new primary.
            if k.multi_region
                .as_ref()
                .is_some_and(|m| m.version == self.version)
            {
                multi_region::bump(k);
            }
            if let Some(snap) = multi_region::snapshot(k) {
                out.extend(snapshot_to(region, &self.replicas, &snap));
            }
        } else if imported(k) != self.imported || k.state.as_str() != self.state {
            out.extend(report(k, region));
        }
        out
    }
}

/// The snapshot for every replica that existed before (new ones are created by ReplicateKey).
fn snapshots(
    from: &str,
    before: &[RegionalKey],
    snap: &Snapshot,
    now: &Option<Box<crate::domain::key::MultiRegion>>,
) -> Vec<Envelope> {
    let current: Vec<&str> = now
        .as_ref()
        .map(|m| m.replicas.iter().map(|r| r.region.as_str()).collect())
        .unwrap_or_default();
    before
        .iter()
        .filter(|r| current.contains(&r.region.as_str()))
        .map(|r| Envelope {
            from: from.to_string(),
            to: r.region.clone(),
            event: Event::Snapshot(snap.clone()),
        })
        .collect()
}

/// A replica's report to its primary.
pub fn report(k: &mut Key, region: &str) -> Option<Envelope> {
    let primary = k.multi_region.as_ref()?.primary.region.clone();
    if primary == region {
        return None;
    }
    let r = multi_region::report(k, region)?;
    Some(Envelope {
        from: region.to_string(),
        to: primary,
        event: Event::Report(r),
    })
}

/// A deleted replica's notice to its primary; nothing for a primary or a single-Region
/// key.
pub fn replica_deleted(k: &Key, region: &str) -> Vec<Envelope> {
    match &k.multi_region {
        Some(mr) if mr.primary.region != region => vec![Envelope {
            from: region.to_string(),
            to: mr.primary.region.clone(),
            event: Event::ReplicaDeleted {
                key_id: k.id.clone(),
                region: region.to_string(),
            },
        }],
        _ => Vec::new(),
    }
}

/// `snap` from `from` to each of `to`.
fn snapshot_to(from: &str, to: &[RegionalKey], snap: &Snapshot) -> Vec<Envelope> {
    to.iter()
        .map(|r| Envelope {
            from: from.to_string(),
            to: r.region.clone(),
            event: Event::Snapshot(snap.clone()),
        })
        .collect()
}

/// The primary's snapshot to every replica it lists.
pub fn broadcast(k: &Key, from: &str) -> Vec<Envelope> {
    match multi_region::snapshot(k) {
        Some(snap) => snapshot_to(from, &snap.replicas, &snap),
        None => Vec::new(),
    }
}

/// A replica's last report sent again (recovery): nothing before its first report, and
/// nothing from the primary itself.
pub fn report_again(k: &Key, region: &str) -> Option<Envelope> {
    let mr = k.multi_region.as_ref()?;
    if mr.report_seq == 0 || mr.primary.region == region {
        return None;
    }
    Some(Envelope {
        from: region.to_string(),
        to: mr.primary.region.clone(),
        event: Event::Report(multi_region::current_report(k, region)?),
    })
}

/// ReplicateKey's order to create the replica in `to`.
pub fn create_replica(from: &str, to: &str, snapshot: Snapshot, local: ReplicaLocal) -> Envelope {
    Envelope {
        from: from.to_string(),
        to: to.to_string(),
        event: Event::CreateReplica { snapshot, local },
    }
}
