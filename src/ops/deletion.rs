//! ScheduleKeyDeletion and CancelKeyDeletion (contract §3.15, X-1 … X-8). The key is removed
//! when the simulated clock passes `DeletionDate` (the store's time rules).

use serde::Serialize;

use super::resolve::{resolve, Accept};
use crate::clock::DAY_MS;
use crate::domain::state::{KeyState, OpClass};
use crate::error::KmsResult;
use crate::node::Node;
use crate::protocol::requests::{CancelKeyDeletionRequest, ScheduleKeyDeletionRequest};
use crate::protocol::types::Epoch;

/// `ScheduleKeyDeletionResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduleKeyDeletionResponse {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<Epoch>,
    key_state: &'static str,
    pending_window_in_days: u32,
}

/// X-1 … X-4: window 7..30 (default 30; the range is an override of the model's, see
/// `protocol::overrides`). A single-Region key or a replica → PendingDeletion
/// with `DeletionDate = now + window`; a primary that still has replicas →
/// PendingReplicaDeletion without a date.
pub fn schedule_key_deletion(
    node: &Node,
    req: ScheduleKeyDeletionRequest,
) -> KmsResult<ScheduleKeyDeletionResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let window = req.pending_window_in_days.unwrap_or(30) as u32;
    let now = node.now();
    node.update_key(&id, |k| {
        k.permits(OpClass::ScheduleDeletion)?;
        let has_replicas = k
            .multi_region
            .as_ref()
            .is_some_and(|m| !k.is_replica() && !m.replicas.is_empty());
        k.state = if has_replicas {
            KeyState::PendingReplicaDeletion {
                window_days: window,
            }
        } else {
            KeyState::PendingDeletion {
                deletion_date: now + window as i64 * DAY_MS,
                window_days: window,
            }
        };
        Ok(ScheduleKeyDeletionResponse {
            key_id: k.arn.clone(),
            deletion_date: match k.state {
                KeyState::PendingDeletion { deletion_date, .. } => Some(Epoch(deletion_date)),
                _ => None,
            },
            key_state: k.state.as_str(),
            pending_window_in_days: window,
        })
    })
}

/// `CancelKeyDeletionResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelKeyDeletionResponse {
    key_id: String,
}

/// back to `Disabled`, or `PendingImport` when a permanently associated material is
/// not imported [CHOICE, Q-13]. Any other state → "is not pending deletion.".
pub fn cancel_key_deletion(
    node: &Node,
    req: CancelKeyDeletionRequest,
) -> KmsResult<CancelKeyDeletionResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::CancelDeletion)?;
        let missing = k
            .materials
            .iter()
            .any(|m| m.permanently_associated() && m.bytes.is_none());
        let never_imported = k.origin == crate::domain::enums::Origin::External
            && !k.materials.iter().any(|m| m.permanently_associated());
        k.state = if missing || never_imported {
            KeyState::PendingImport
        } else {
            KeyState::Disabled
        };
        Ok(CancelKeyDeletionResponse {
            key_id: k.arn.clone(),
        })
    })
}
