//! EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand and
//! ListKeyRotations (contract §3.10 – §3.12).

use serde::Serialize;

use super::keys::Empty;
use super::paging;
use super::resolve::{resolve, Accept};
use crate::clock::DAY_MS;
use crate::domain::enums::{ExpirationModel, IncludeKeyMaterial, KeySpec, Origin};
use crate::domain::key::{AutoRotation, Key};
use crate::domain::rotation;
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    DisableKeyRotationRequest, EnableKeyRotationRequest, GetKeyRotationStatusRequest,
    ListKeyRotationsRequest, RotateKeyOnDemandRequest,
};
use crate::protocol::types::Epoch;

/// K-1: automatic rotation exists only for AWS_KMS symmetric keys, and is configured on the
/// primary of a multi-Region set. Checked before the key state (§4.3 legend).
fn check_auto_rotation_target(k: &Key) -> KmsResult<()> {
    if k.origin != Origin::AwsKms {
        return Err(KmsError::wrong_origin(&k.arn, k.origin.as_str()));
    }
    if k.spec != KeySpec::SymmetricDefault {
        return Err(KmsError::unsupported(format!(
            "{} key spec {} does not support automatic rotation.",
            k.arn,
            k.spec.as_str()
        )));
    }
    if k.is_replica() {
        return Err(KmsError::unsupported(format!(
            "{} is a multi-Region replica key: configure rotation on its primary key.",
            k.arn
        )));
    }
    Ok(())
}

/// EnableKeyRotation: period 90..2560 days (default 365); `NextRotationDate = now + period`.
pub fn enable_key_rotation(node: &Node, req: EnableKeyRotationRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let period = req.rotation_period_in_days.unwrap_or(365) as u32;
    let now = node.now();
    node.update_key(&id, |k| {
        check_auto_rotation_target(k)?;
        k.permits(OpClass::ConfigureRotation)?;
        k.auto_rotation = Some(AutoRotation {
            period_days: period,
            next_rotation: now + period as i64 * DAY_MS,
        });
        Ok(Empty {})
    })
}

/// DisableKeyRotation.
pub fn disable_key_rotation(node: &Node, req: DisableKeyRotationRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        check_auto_rotation_target(k)?;
        k.permits(OpClass::ConfigureRotation)?;
        k.auto_rotation = None;
        Ok(Empty {})
    })
}

/// `GetKeyRotationStatusResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyRotationStatusResponse {
    key_rotation_enabled: bool,
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_period_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_rotation_date: Option<Epoch>,
}

/// K-2/K-3/K-4: AWS_KMS symmetric keys report their automatic rotation (false while pending
/// deletion); EXTERNAL symmetric keys report `false` [CHOICE, Q-8]; rotation completes within
/// the request, so `OnDemandRotationStartDate` never appears (O-10). Other specs → UO.
pub fn get_key_rotation_status(
    node: &Node,
    req: GetKeyRotationStatusRequest,
) -> KmsResult<GetKeyRotationStatusResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.read_key(&id, |k| {
        if k.spec != KeySpec::SymmetricDefault {
            return Err(KmsError::unsupported(format!(
                "{} key spec {} does not support rotation.",
                k.arn,
                k.spec.as_str()
            )));
        }
        let auto = k.auto_rotation.filter(|_| !k.state.pending_deletion());
        Ok(GetKeyRotationStatusResponse {
            key_rotation_enabled: auto.is_some(),
            key_id: k.arn.clone(),
            rotation_period_in_days: auto.map(|a| a.period_days),
            next_rotation_date: auto.map(|a| Epoch(a.next_rotation)),
        })
    })?
}

/// `RotateKeyOnDemandResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotateKeyOnDemandResponse {
    key_id: String,
}

/// RotateKeyOnDemand, checks in O-1 … O-7 order (state before key type), then O-8/O-9. The
/// rotation completes before the response (O-10 allows it).
pub fn rotate_key_on_demand(
    node: &Node,
    req: RotateKeyOnDemandRequest,
) -> KmsResult<RotateKeyOnDemandResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let limit = node.limits.on_demand_rotations;
    let now = node.now();
    node.update_key(&id, |k| {
        rotation::rotate_on_demand(k, now, limit)?;
        Ok(RotateKeyOnDemandResponse {
            key_id: k.arn.clone(),
        })
    })
}

/// `ListKeyRotationsResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyRotationsResponse {
    rotations: Vec<RotationsListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// `RotationsListEntry` with L-3's presence rules.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationsListEntry {
    key_id: String,
    key_material_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_state: Option<&'static str>,
    key_material_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_to: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_date: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_type: Option<&'static str>,
}

/// ListKeyRotations (L-1 … L-6): materials in association order (W-52).
pub fn list_key_rotations(
    node: &Node,
    req: ListKeyRotationsRequest,
) -> KmsResult<ListKeyRotationsResponse> {
    let include = req.include_key_material;
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let all = include == Some(IncludeKeyMaterial::AllKeyMaterial);
    let start = paging::numeric_position("rotations", req.marker.as_deref())?;
    let entries = node.read_key(&id, |k| {
        if k.spec != KeySpec::SymmetricDefault {
            return Err(KmsError::unsupported(format!(
                "{} key spec {} does not support key rotations.",
                k.arn,
                k.spec.as_str()
            )));
        }
        k.permits(OpClass::ListKeyRotations)?;
        let external = k.origin == Origin::External;
        Ok(k.materials
            .iter()
            .filter(|m| all || m.rotated.is_some())
            .map(|m| RotationsListEntry {
                key_id: k.id.clone(),
                key_material_id: m.id.to_hex(),
                key_material_description: m.description.clone().filter(|_| external),
                import_state: external.then(|| m.import_state().as_str()),
                key_material_state: m.state.as_str(),
                expiration_model: m.expiry.filter(|_| external).map(|e| e.model.as_str()),
                valid_to: m
                    .expiry
                    .filter(|e| external && e.model == ExpirationModel::KeyMaterialExpires)
                    .and_then(|e| e.valid_to)
                    .map(Epoch),
                rotation_date: m.rotated.map(|r| Epoch(r.0)),
                rotation_type: m.rotated.map(|r| r.1.as_str()),
            })
            .collect::<Vec<_>>())
    })??;
    let (page, next) = paging::page(
        entries,
        start,
        req.limit.unwrap_or(100) as usize,
        "rotations",
    );
    Ok(ListKeyRotationsResponse {
        rotations: page,
        truncated: next.is_some(),
        next_marker: next,
    })
}
