//! Multi-Region keys (contract §3.8, §3.9, §4.5): what the Regions of a set share, and the
//! pure rules that keep it in step through the replication bus.
//!
//! Two kinds of message travel, both full states rather than deltas, so that applying them is
//! idempotent and order-safe:
//!
//! - [`Snapshot`]: the shared properties as the **primary** holds them, with a version that only
//!   the primary increments. A Region applies a snapshot iff its version is newer than the one
//!   it holds (laws: applying twice = once; of two snapshots, the result is the newer one's
//!   whatever the arrival order).
//! - [`Report`]: a Region's own imported material ids, with a per-Region sequence number. The
//!   primary keeps the newest report of each Region (same laws) and from them decides when a
//!   pending material is imported everywhere (I-31, M-4).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::enums::{KeyMaterialState, KeySpec, KeyUsage, MultiRegionKeyType, Origin, RotationType};
use super::import::{all_permanent_imported, is_pending};
use super::key::{AutoRotation, Key, MultiRegion, RegionalKey, ReplicaStatus};
use super::material::{KeyMaterialId, Material};
use super::state::KeyState;
use crate::clock::Millis;

/// One material as the set shares it (§4.5): id, set-wide state, rotation history, and — for
/// AWS_KMS keys only — the bytes, which replicas hold as their own copy. Imported bytes never
/// travel: each Region imports them itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SharedMaterial {
    /// KeyMaterialId (the same in every Region, I-32).
    pub id: KeyMaterialId,
    /// Set-wide `KeyMaterialState`.
    pub state: KeyMaterialState,
    /// `RotationDate`/`RotationType`.
    pub rotated: Option<(Millis, RotationType)>,
    /// AWS_KMS material bytes; `None` for EXTERNAL keys.
    pub bytes: Option<Arc<[u8]>>,
}

/// The shared properties of a multi-Region key, as its primary holds them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// The shared key id.
    pub key_id: String,
    /// Only the primary increments it.
    pub version: u64,
    /// `KeySpec`.
    pub spec: KeySpec,
    /// `KeyUsage`.
    pub usage: KeyUsage,
    /// `Origin`.
    pub origin: Origin,
    /// `PrimaryKey`.
    pub primary: RegionalKey,
    /// `ReplicaKeys`.
    pub replicas: Vec<RegionalKey>,
    /// Associated materials in association order.
    pub materials: Vec<SharedMaterial>,
    /// O-7: on-demand rotations so far, counted on the set.
    pub on_demand_rotations: u32,
    /// Automatic rotation (shared, configured on the primary).
    pub auto_rotation: Option<AutoRotation>,
    /// The primary's public key for asymmetric AWS_KMS keys.
    pub public_key: Option<Arc<[u8]>>,
    /// Replica import reports the primary has applied (inherited by a new primary).
    pub imports: BTreeMap<String, ReplicaStatus>,
}

/// A Region's imported material ids, for the primary (I-31, D-7).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The shared key id.
    pub key_id: String,
    /// The reporting Region.
    pub region: String,
    /// Grows with every report of this Region for this key.
    pub seq: u64,
    /// Materials IMPORTED in that Region.
    pub imported: Vec<KeyMaterialId>,
    /// That Region's `KeyState` (the primary checks it for UpdatePrimaryRegion, U-2).
    pub state: String,
}

/// The shared properties of `key` (a primary) as a snapshot.
pub fn snapshot(key: &Key) -> Option<Snapshot> {
    let mr = key.multi_region.as_ref()?;
    let aws_kms = key.origin == Origin::AwsKms;
    Some(Snapshot {
        key_id: key.id.clone(),
        version: mr.version,
        spec: key.spec,
        usage: key.usage,
        origin: key.origin,
        primary: mr.primary.clone(),
        replicas: mr.replicas.clone(),
        materials: key
            .materials
            .iter()
            .map(|m| SharedMaterial {
                id: m.id,
                state: m.state,
                rotated: m.rotated,
                bytes: if aws_kms { m.bytes.clone() } else { None },
            })
            .collect(),
        on_demand_rotations: key.on_demand_rotations,
        auto_rotation: key.auto_rotation,
        public_key: key.public_key.clone(),
        imports: mr.imports.clone(),
    })
}

/// Marks a change of shared properties on the primary: the next snapshot supersedes every
/// earlier one.
pub fn bump(key: &mut Key) {
    if let Some(mr) = key.multi_region.as_mut() {
        mr.version += 1;
    }
}

/// This Region's import report (and a fresh sequence number for it).
pub fn report(key: &mut Key, region: &str) -> Option<Report> {
    key.multi_region.as_mut()?.report_seq += 1;
    current_report(key, region)
}

/// This Region's last import report again, with its own sequence number (a primary that has
/// it ignores it).
pub fn current_report(key: &Key, region: &str) -> Option<Report> {
    let mr = key.multi_region.as_ref()?;
    Some(Report {
        key_id: key.id.clone(),
        region: region.to_string(),
        seq: mr.report_seq,
        imported: key
            .materials
            .iter()
            .filter(|m| m.bytes.is_some())
            .map(|m| m.id)
            .collect(),
        state: key.state.as_str().to_string(),
    })
}

/// Applies a snapshot to this Region's key. Returns `false` (and changes nothing) unless the
/// snapshot is newer than what the key holds.
///
/// The shared properties are replaced; this Region's own ones (state, description, tags,
/// policy, each material's bytes/expiry/description) are kept, except that the key state
/// follows its materials (I-29, S-6): PendingImport while a permanently associated material
/// is not imported here, Enabled once all are.
pub fn apply_snapshot(key: &mut Key, snap: &Snapshot, region: &str) -> bool {
    let Some(mr) = key.multi_region.as_mut() else {
        return false;
    };
    if snap.version <= mr.version || snap.key_id != key.id {
        return false;
    }
    mr.version = snap.version;
    mr.primary = snap.primary.clone();
    mr.replicas = snap.replicas.clone();
    mr.imports = snap.imports.clone();
    mr.role = if snap.primary.region == region {
        MultiRegionKeyType::Primary
    } else {
        MultiRegionKeyType::Replica
    };
    key.on_demand_rotations = snap.on_demand_rotations;
    key.auto_rotation = snap.auto_rotation;
    if key.public_key.is_none() {
        key.public_key = snap.public_key.clone();
    }
    let old = std::mem::take(&mut key.materials);
    key.materials = snap
        .materials
        .iter()
        .map(|s| {
            let mine = old.iter().find(|m| m.id == s.id);
            Material {
                id: s.id,
                bytes: s
                    .bytes
                    .clone()
                    .or_else(|| mine.and_then(|m| m.bytes.clone())),
                state: s.state,
                expiry: mine.and_then(|m| m.expiry),
                description: mine.and_then(|m| m.description.clone()),
                rotated: s.rotated,
            }
        })
        .collect();
    settle_state(key);
    true
}

/// I-29/S-6 for a Region whose material list changed underneath it.
pub fn settle_state(key: &mut Key) {
    let complete = all_permanent_imported(key);
    match key.state {
        KeyState::PendingImport if complete => key.state = KeyState::Enabled,
        KeyState::Enabled | KeyState::Disabled if !complete => key.state = KeyState::PendingImport,
        _ => {}
    }
}

/// Applies a replica's report on the primary; then recomputes the pending state (I-31, M-4).
/// Returns whether the shared properties changed (the primary then bumps and broadcasts).
pub fn apply_report(primary: &mut Key, report: &Report) -> bool {
    let Some(mr) = primary.multi_region.as_mut() else {
        return false;
    };
    if mr.role != MultiRegionKeyType::Primary || report.key_id != primary.id {
        return false;
    }
    let newer = mr
        .imports
        .get(&report.region)
        .is_none_or(|st| report.seq > st.seq);
    if !newer {
        return false;
    }
    mr.imports.insert(
        report.region.clone(),
        ReplicaStatus {
            seq: report.seq,
            imported: report.imported.clone(),
            state: report.state.clone(),
        },
    );
    recompute_pending(primary);
    true
}

/// M-4: a pending material is PENDING_ROTATION iff it is imported in the primary and every
/// replica the primary knows of; otherwise PENDING_MULTI_REGION_IMPORT_AND_ROTATION. A
/// primary without replicas (or a single-Region key) always has PENDING_ROTATION.
pub fn recompute_pending(key: &mut Key) {
    let everywhere: Vec<(KeyMaterialId, bool)> = {
        let Some(mr) = key.multi_region.as_ref() else {
            return;
        };
        key.materials
            .iter()
            .filter(|m| is_pending(m.state))
            .map(|m| {
                let here = m.bytes.is_some();
                let all = mr.replicas.iter().all(|r| {
                    mr.imports
                        .get(&r.region)
                        .is_some_and(|st| st.imported.contains(&m.id))
                });
                (m.id, here && all)
            })
            .collect()
    };
    for (id, ready) in everywhere {
        if let Some(m) = key.materials.iter_mut().find(|m| m.id == id) {
            m.state = if ready {
                KeyMaterialState::PendingRotation
            } else {
                KeyMaterialState::PendingMultiRegionImportAndRotation
            };
        }
    }
}

/// the replica key a Region creates from the primary's snapshot. It starts
/// `Creating` (until `ready_at`); AWS_KMS replicas hold the primary's material, EXTERNAL ones
/// list every material as PENDING_IMPORT.
pub fn new_replica(
    snap: &Snapshot,
    region: &str,
    arn: String,
    seq: u64,
    now: Millis,
    ready_at: Millis,
    local: ReplicaLocal,
) -> Key {
    let mut mr = MultiRegion::primary(snap.primary.clone());
    mr.version = 0;
    mr.ready_at = Some(ready_at);
    let mut key = Key {
        id: snap.key_id.clone(),
        arn,
        seq,
        creation_date: now,
        description: local.description,
        spec: snap.spec,
        usage: snap.usage,
        origin: snap.origin,
        state: KeyState::Creating,
        policy: local.policy.into(),
        tags: local.tags,
        multi_region: Some(Box::new(mr)),
        materials: Vec::new(),
        auto_rotation: None,
        on_demand_rotations: 0,
        ever_imported: false,
        public_key: None,
    };
    apply_snapshot(&mut key, snap, region);
    key.state = KeyState::Creating;
    key
}

/// What a new replica has of its own: not copied from the primary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplicaLocal {
    /// `Description` (default "").
    pub description: String,
    /// The key policy (default policy when none given).
    pub policy: String,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// a replica leaves `Creating` when its time comes: Enabled if every permanently
/// associated material is imported here (AWS_KMS replicas), else PendingImport.
pub fn finish_creating(key: &mut Key, now: Millis) -> bool {
    let due = key.state == KeyState::Creating
        && key
            .multi_region
            .as_ref()
            .and_then(|m| m.ready_at)
            .is_some_and(|t| t <= now);
    if !due {
        return false;
    }
    if let Some(mr) = key.multi_region.as_mut() {
        mr.ready_at = None;
    }
    key.state = if all_permanent_imported(key) {
        KeyState::Enabled
    } else {
        KeyState::PendingImport
    };
    true
}

#[cfg(test)]
mod apply_laws {
    //! The laws the replication bus relies on (issue 10): applying snapshots is idempotent
    //! (a duplicate changes nothing), order-safe per key (any order of delivery, with any
    //! duplicates, ends where in-order delivery ends: the newest snapshot), and commutative
    //! across keys (a key's state depends only on its own snapshots). Reports likewise.

    use proptest::prelude::*;

    use super::*;
    use crate::domain::enums::{KeySpec, KeyUsage, Origin, RotationType};
    use crate::domain::key::{AutoRotation, Key, MultiRegion, RegionalKey};
    use crate::domain::material::Material;

    const ID: &str = "mrk-0123456789abcdef0123456789abcdef";

    fn primary(id: &str) -> Key {
        let here = RegionalKey {
            region: "us-east-1".into(),
            arn: format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
        };
        let mut mr = MultiRegion::primary(here.clone());
        mr.replicas.push(RegionalKey {
            region: "eu-west-1".into(),
            arn: format!("arn:aws:kms:eu-west-1:111122223333:key/{id}"),
        });
        Key {
            id: id.into(),
            arn: here.arn,
            seq: 0,
            creation_date: 1,
            description: String::new(),
            spec: KeySpec::SymmetricDefault,
            usage: KeyUsage::EncryptDecrypt,
            origin: Origin::AwsKms,
            state: KeyState::Enabled,
            policy: "{}".into(),
            tags: Vec::new(),
            multi_region: Some(Box::new(mr)),
            materials: vec![Material::initial(id, vec![7; 32])],
            auto_rotation: None,
            on_demand_rotations: 0,
            ever_imported: false,
            public_key: None,
        }
    }

    /// The primary's snapshots after each of `steps` changes (rotate, or set/clear automatic
    /// rotation).
    fn history(id: &str, steps: &[u8]) -> Vec<Snapshot> {
        let mut k = primary(id);
        let mut out = vec![snapshot(&k).unwrap()];
        for (i, s) in steps.iter().enumerate() {
            match s % 3 {
                0 => k
                    .rotate_to_random(10 + i as i64, RotationType::OnDemand)
                    .unwrap(),
                1 => {
                    k.auto_rotation = Some(AutoRotation {
                        period_days: 90 + i as u32,
                        next_rotation: 1_000_000,
                    })
                }
                _ => k.auto_rotation = None,
            }
            bump(&mut k);
            out.push(snapshot(&k).unwrap());
        }
        out
    }

    fn replica_of(first: &Snapshot) -> Key {
        let local = ReplicaLocal {
            description: String::new(),
            policy: "{}".into(),
            tags: Vec::new(),
        };
        let arn = format!("arn:aws:kms:eu-west-1:111122223333:key/{}", first.key_id);
        new_replica(first, "eu-west-1", arn, 0, 1, 1, local)
    }

    proptest! {
        #[test]
        fn any_delivery_order_with_duplicates_ends_at_the_newest_snapshot(
            steps in proptest::collection::vec(any::<u8>(), 1..8),
            order in proptest::collection::vec(any::<prop::sample::Index>(), 1..24),
            newest_at in any::<prop::sample::Index>(),
        ) {
            let snaps = history(ID, &steps);
            // In order, once each.
            let mut expected = replica_of(&snaps[0]);
            for s in &snaps {
                apply_snapshot(&mut expected, s, "eu-west-1");
            }
            // Any order, any duplicates, as long as the newest arrives at least once (anywhere:
            // older ones after it must change nothing).
            let mut delivery: Vec<&Snapshot> = order.iter().map(|i| i.get(&snaps)).collect();
            delivery.insert(newest_at.index(delivery.len() + 1), snaps.last().unwrap());
            let mut got = replica_of(&snaps[0]);
            for s in delivery {
                apply_snapshot(&mut got, s, "eu-west-1");
            }
            prop_assert_eq!(&got, &expected);
            // Idempotent: everything again changes nothing.
            for s in &snaps {
                prop_assert!(!apply_snapshot(&mut got, s, "eu-west-1"));
            }
            prop_assert_eq!(&got, &expected);
        }

        #[test]
        fn another_keys_snapshots_change_nothing(steps in proptest::collection::vec(any::<u8>(), 1..6)) {
            let mine = history(ID, &steps);
            let theirs = history("mrk-fedcba9876543210fedcba9876543210", &steps);
            let mut k = replica_of(&mine[0]);
            let before = k.clone();
            for s in &theirs {
                prop_assert!(!apply_snapshot(&mut k, s, "eu-west-1"));
            }
            prop_assert_eq!(k, before);
        }

        #[test]
        fn reports_apply_newest_first_in_any_order(seqs in proptest::collection::vec(1..50u64, 1..20)) {
            let mut p = primary(ID);
            let report = |seq| Report {
                key_id: ID.into(),
                region: "eu-west-1".into(),
                seq,
                imported: Vec::new(),
                state: format!("s{seq}"),
            };
            for s in &seqs {
                apply_report(&mut p, &report(*s));
            }
            let max = *seqs.iter().max().unwrap();
            let st = &p.multi_region.as_ref().unwrap().imports["eu-west-1"];
            prop_assert_eq!(st.seq, max);
            prop_assert_eq!(st.state.clone(), format!("s{max}"));
        }
    }
}
