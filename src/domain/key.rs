//! One KMS key as one Region holds it (contract §2): identity, per-Region properties, and the
//! shared properties that a multi-Region set keeps in step (§4.5).

use std::sync::Arc;

use super::enums::{KeyMaterialState, KeySpec, KeyUsage, MultiRegionKeyType, Origin, RotationType};
use super::material::{random_bytes, KeyMaterialId, Material};
use super::state::{KeyState, OpClass};
use crate::clock::{Millis, DAY_MS};
use crate::error::{KmsError, KmsResult};

/// A key record in one Region's store.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Key {
    /// Bare key id (UUID or `mrk-…`).
    pub id: String,
    /// This Region's ARN.
    pub arn: String,
    /// Creation sequence number in this Region: the stable ListKeys order (W-52).
    pub seq: u64,
    /// `CreationDate` (a replica has its own).
    pub creation_date: Millis,
    /// `Description` (C-10: default "").
    pub description: String,
    /// `KeySpec`.
    pub spec: KeySpec,
    /// `KeyUsage`.
    pub usage: KeyUsage,
    /// `Origin`.
    pub origin: Origin,
    /// `KeyState` with its data.
    pub state: KeyState,
    /// The key policy document, stored verbatim (enforced in `sigv4` mode, `ops::access`).
    /// Shared: every key created
    /// without a policy points at its Region's one default document.
    pub policy: std::sync::Arc<str>,
    /// Tags in the order first added; a re-tag replaces the value in place.
    pub tags: Vec<(String, String)>,
    /// Present iff `MultiRegion=true` (C-7). Boxed: most keys are single-Region, and a key
    /// should cost a few hundred bytes.
    pub multi_region: Option<Box<MultiRegion>>,
    /// Symmetric keys: the associated materials in association order (§4.4, W-52).
    pub materials: Vec<Material>,
    /// Automatic rotation of AWS_KMS symmetric keys (K-2); `None` when disabled.
    pub auto_rotation: Option<AutoRotation>,
    /// Completed on-demand rotations (O-7, M-14).
    pub on_demand_rotations: u32,
    /// Whether any material was ever imported (I-20's default ImportType).
    pub ever_imported: bool,
    /// Asymmetric keys: DER SubjectPublicKeyInfo derived from the private key (P-21).
    pub public_key: Option<std::sync::Arc<[u8]>>,
}

/// Automatic-rotation settings (K-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AutoRotation {
    /// `RotationPeriodInDays` (90..2560).
    pub period_days: u32,
    /// `NextRotationDate`.
    pub next_rotation: Millis,
}

/// A Region and the ARN of the set's key there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegionalKey {
    /// Region name.
    pub region: String,
    /// Key ARN in that Region.
    pub arn: String,
}

/// `MultiRegionConfiguration` (C-20, C-22): the same lists in every Region; `role` is this
/// Region's key's own type. Also the replication bookkeeping of §4.5.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MultiRegion {
    /// `MultiRegionKeyType` of this key.
    pub role: MultiRegionKeyType,
    /// `PrimaryKey`.
    pub primary: RegionalKey,
    /// `ReplicaKeys`, in the order they were created.
    pub replicas: Vec<RegionalKey>,
    /// Version of the shared properties this Region holds. Only the primary increments it;
    /// a replica applies a snapshot only if it is newer (idempotent, order-safe apply).
    pub version: u64,
    /// The primary's knowledge of which materials each replica has imported: Region →
    /// (report sequence number, imported ids). Travels in snapshots so a new primary
    /// (UpdatePrimaryRegion) inherits it.
    pub imports: std::collections::BTreeMap<String, ReplicaStatus>,
    /// Sequence number of this Region's last import report (replicas).
    pub report_seq: u64,
    /// While `Creating`: when the replica becomes usable.
    pub ready_at: Option<Millis>,
    /// While `Updating`: the state to return to (U-3).
    pub state_before_update: Option<KeyState>,
}

/// What the primary last heard from one replica (its newest [`super::multi_region::Report`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReplicaStatus {
    /// The report's sequence number.
    pub seq: u64,
    /// Materials imported in that Region.
    pub imported: Vec<super::material::KeyMaterialId>,
    /// That Region's key state.
    pub state: String,
}

impl MultiRegion {
    /// A new primary's configuration (C-7).
    pub fn primary(here: RegionalKey) -> MultiRegion {
        MultiRegion {
            role: MultiRegionKeyType::Primary,
            primary: here,
            replicas: Vec::new(),
            version: 1,
            imports: Default::default(),
            report_seq: 0,
            ready_at: None,
            state_before_update: None,
        }
    }
}

impl Key {
    /// Issue 11, item 3: the account that owns the key (the one that created it), read from
    /// its ARN.
    pub fn account(&self) -> &str {
        super::ids::arn_account(&self.arn)
    }

    /// §4.3: may `op` run in the key's current state?
    pub fn permits(&self, op: OpClass) -> KmsResult<()> {
        self.state.permits(op, &self.arn)
    }

    /// The CURRENT material, if any (M-10).
    pub fn current_material(&self) -> Option<&Material> {
        self.materials
            .iter()
            .find(|m| m.state == KeyMaterialState::Current)
    }

    /// The associated material with this id (B-3).
    pub fn material(&self, id: &KeyMaterialId) -> Option<&Material> {
        self.materials.iter().find(|m| &m.id == id)
    }

    /// M-12: the one material of an asymmetric or HMAC key (they never rotate); a usable key
    /// holds it, so its absence is an internal fault.
    pub fn sole_secret(&self) -> KmsResult<Arc<[u8]>> {
        self.materials
            .first()
            .and_then(|m| m.bytes.clone())
            .ok_or_else(|| KmsError::internal(format!("{} has no usable material", self.arn)))
    }

    /// P-21: the DER SubjectPublicKeyInfo derived when the material was generated or imported.
    pub fn public_key_der(&self) -> KmsResult<Arc<[u8]>> {
        self.public_key
            .clone()
            .ok_or_else(|| KmsError::internal(format!("{} has no public key", self.arn)))
    }

    /// Whether this key is a multi-Region replica.
    pub fn is_replica(&self) -> bool {
        matches!(&self.multi_region, Some(m) if m.role == MultiRegionKeyType::Replica)
    }

    /// O-9/M-5 for AWS_KMS keys: fresh random material becomes CURRENT with `RotationDate=now`
    /// and the given `RotationType`; the previous CURRENT becomes NON_CURRENT.
    pub fn rotate_to_random(&mut self, now: Millis, kind: RotationType) -> KmsResult<()> {
        let mut m = Material::initial(&self.id, random_bytes(32)?);
        m.rotated = Some((now, kind));
        for old in &mut self.materials {
            if old.state == KeyMaterialState::Current {
                old.state = KeyMaterialState::NonCurrent;
            }
        }
        self.materials.push(m);
        Ok(())
    }

    /// Applies every time rule that is due at `now` other than deletion (which removes the
    /// key and so belongs to the store): expiry of imported material (I-50) and automatic
    /// rotation of AWS_KMS keys (K-2). Returns
    /// whether anything changed. Rotation runs only while the key is Enabled (or Updating).
    pub fn apply_time(&mut self, now: Millis) -> KmsResult<bool> {
        let mut changed = super::multi_region::finish_creating(self, now);
        changed |= super::import::expire(self, now);
        while let Some(rot) = self.auto_rotation {
            if rot.next_rotation > now || !rotates_automatically(self.state) {
                break;
            }
            self.rotate_to_random(rot.next_rotation, RotationType::Automatic)?;
            self.auto_rotation = Some(AutoRotation {
                period_days: rot.period_days,
                next_rotation: rot.next_rotation + rot.period_days as i64 * DAY_MS,
            });
            changed = true;
        }
        Ok(changed)
    }

    /// Whether any time rule is due at `now` (deletion aside).
    pub fn time_rules_due(&self, now: Millis) -> bool {
        self.materials
            .iter()
            .any(|m| super::import::expired(m, now))
            || (self.state == KeyState::Creating
                && self
                    .multi_region
                    .as_ref()
                    .and_then(|m| m.ready_at)
                    .is_some_and(|t| t <= now))
            || (rotates_automatically(self.state)
                && self.auto_rotation.is_some_and(|r| r.next_rotation <= now))
    }

    /// Whether the deletion window has passed (S-13).
    pub fn deletion_due(&self, now: Millis) -> bool {
        matches!(self.state, KeyState::PendingDeletion { deletion_date, .. } if deletion_date <= now)
    }
}

/// KMS does not rotate a disabled key (or one pending deletion); a key re-enabled after its
/// rotation date rotates at once, which the lazy time rules give for free.
fn rotates_automatically(state: KeyState) -> bool {
    matches!(state, KeyState::Enabled | KeyState::Updating)
}

/// C-10: the default key policy AWS attaches when CreateKey has no `Policy`.
pub fn default_policy(partition: &str, account: &str) -> String {
    format!(
        concat!(
            "{{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n",
            "  \"Statement\" : [ {{\n    \"Sid\" : \"Enable IAM User Permissions\",\n",
            "    \"Effect\" : \"Allow\",\n    \"Principal\" : {{\n",
            "      \"AWS\" : \"arn:{}:iam::{}:root\"\n    }},\n",
            "    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}"
        ),
        partition, account
    )
}
