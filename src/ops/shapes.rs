//! Response shapes shared by several operations: `KeyMetadata` (C-20), `Tag`,
//! `MultiRegionConfiguration`. Field names and presence follow botocore's model.

use serde::Serialize;

use crate::domain::algorithms;
use crate::domain::enums::{ExpirationModel, KeyManager, KeySpec, KeyUsage};
use crate::domain::key::{Key, RegionalKey};
use crate::domain::state::KeyState;
use crate::protocol::types::Epoch;

/// `KeyMetadata` with C-20's presence rules; absent members are omitted (W-23).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    #[serde(rename = "AWSAccountId")]
    aws_account_id: String,
    key_id: String,
    arn: String,
    creation_date: Epoch,
    enabled: bool,
    description: String,
    key_usage: &'static str,
    key_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<Epoch>,
    origin: &'static str,
    key_manager: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_master_key_spec: Option<&'static str>,
    key_spec: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mac_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_agreement_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encapsulation_algorithms: Option<&'static [&'static str]>,
    multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_region_configuration: Option<MultiRegionConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending_deletion_window_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_key_material_id: Option<String>,
}

/// `MultiRegionConfiguration` (C-22).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionConfiguration {
    multi_region_key_type: &'static str,
    primary_key: MultiRegionKey,
    replica_keys: Vec<MultiRegionKey>,
}

/// `MultiRegionKey`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionKey {
    arn: String,
    region: String,
}

impl From<&RegionalKey> for MultiRegionKey {
    fn from(r: &RegionalKey) -> Self {
        MultiRegionKey {
            arn: r.arn.clone(),
            region: r.region.clone(),
        }
    }
}

impl KeyMetadata {
    /// Builds the metadata of `key` as its Region shows it.
    pub fn of(key: &Key) -> KeyMetadata {
        let (model, valid_to) = expiration(key);
        KeyMetadata {
            aws_account_id: key.account().to_string(),
            key_id: key.id.clone(),
            arn: key.arn.clone(),
            creation_date: Epoch(key.creation_date),
            enabled: key.state.enabled(),
            description: key.description.clone(),
            key_usage: key.usage.as_str(),
            key_state: key.state.as_str(),
            deletion_date: match key.state {
                KeyState::PendingDeletion { deletion_date, .. } => Some(Epoch(deletion_date)),
                _ => None,
            },
            valid_to: valid_to.map(Epoch),
            origin: key.origin.as_str(),
            key_manager: KeyManager::Customer.as_str(),
            customer_master_key_spec: key.spec.customer_master_key_spec(),
            key_spec: key.spec.as_str(),
            encryption_algorithms: algorithms::encryption_algorithms(key.spec, key.usage),
            signing_algorithms: algorithms::signing_algorithms(key.spec, key.usage),
            mac_algorithms: algorithms::mac_algorithms(key.spec),
            key_agreement_algorithms: algorithms::key_agreement_algorithms(key.usage),
            encapsulation_algorithms: algorithms::encapsulation_algorithms(key.usage),
            multi_region: key.multi_region.is_some(),
            multi_region_configuration: key.multi_region.as_ref().map(|m| {
                MultiRegionConfiguration {
                    multi_region_key_type: m.role.as_str(),
                    primary_key: (&m.primary).into(),
                    replica_keys: m.replicas.iter().map(Into::into).collect(),
                }
            }),
            pending_deletion_window_in_days: match key.state {
                KeyState::PendingReplicaDeletion { window_days } => Some(window_days),
                _ => None,
            },
            expiration_model: model.map(ExpirationModel::as_str),
            current_key_material_id: current_material_id(key),
        }
    }
}

/// C-20/M-10/R-6: `CurrentKeyMaterialId` only for SYMMETRIC_DEFAULT keys that have a CURRENT
/// material — in every Region of a multi-Region set, a replica whose own copy is still
/// PENDING_IMPORT included (M-10) — except while a new replica is `Creating`. It stays
/// after the current material is deleted.
fn current_material_id(key: &Key) -> Option<String> {
    if key.spec != KeySpec::SymmetricDefault
        || key.usage != KeyUsage::EncryptDecrypt
        || key.state == KeyState::Creating
    {
        return None;
    }
    key.current_material().map(|m| m.id.to_hex())
}

/// C-20: `ExpirationModel` and `ValidTo` of an EXTERNAL key, from its imported permanently
/// associated materials: EXPIRES if any expires [CHOICE], with the earliest `ValidTo`.
fn expiration(key: &Key) -> (Option<ExpirationModel>, Option<i64>) {
    let imported: Vec<_> = key
        .materials
        .iter()
        .filter(|m| m.permanently_associated() && m.bytes.is_some())
        .filter_map(|m| m.expiry)
        .collect();
    if imported.is_empty() {
        return (None, None);
    }
    let valid_to = imported.iter().filter_map(|e| e.valid_to).min();
    match valid_to {
        Some(v) => (Some(ExpirationModel::KeyMaterialExpires), Some(v)),
        None => (Some(ExpirationModel::KeyMaterialDoesNotExpire), None),
    }
}

/// `Tag` (C-9) in responses.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `TagKey` (1..128).
    pub tag_key: Option<String>,
    /// `TagValue` (0..256).
    pub tag_value: Option<String>,
}
