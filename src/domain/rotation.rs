//! RotateKeyOnDemand's rules (O-2 … O-9, M-5) as a pure change to one Region's key.

use super::enums::{KeyMaterialState, KeySpec, Origin, RotationType};
use super::key::Key;
use super::state::OpClass;
use crate::clock::Millis;
use crate::error::{ErrorCode, KmsError, KmsResult};

/// Rotates `key` now, checking in the contract's order: state (O-2, before the key type),
/// key spec (O-3, no message), replica (O-4), a PENDING_ROTATION material for EXTERNAL keys
/// (O-5), the lifetime limit (O-7). Then O-8 (EXTERNAL: the pending material becomes CURRENT)
/// or O-9 (AWS_KMS: fresh random material), and the counter grows (M-14).
pub fn rotate_on_demand(key: &mut Key, now: Millis, limit: u32) -> KmsResult<()> {
    key.permits(OpClass::RotateOnDemand)?;
    if key.spec != KeySpec::SymmetricDefault {
        return Err(KmsError::bare(ErrorCode::UnsupportedOperation));
    }
    if key.is_replica() {
        return Err(KmsError::unsupported(format!(
            "{} is a multi-Region replica key: rotate its primary key.",
            key.arn
        )));
    }
    if key.origin == Origin::External {
        let pending = key.materials.iter().find(|m| {
            matches!(
                m.state,
                KeyMaterialState::PendingRotation
                    | KeyMaterialState::PendingMultiRegionImportAndRotation
            )
        });
        match pending.map(|m| (m.state, m.id)) {
            None => {
                return Err(KmsError::invalid_state(format!(
                    "No available key material pending rotation for the key: {}.",
                    key.arn
                )))
            }
            Some((KeyMaterialState::PendingMultiRegionImportAndRotation, id)) => {
                return Err(KmsError::invalid_state(format!(
                    "Key material (id: {id}) of KMS key {} must be imported into every replica key before it can be rotated.",
                    key.arn
                )))
            }
            Some(_) => {}
        }
    }
    if key.on_demand_rotations >= limit {
        return Err(KmsError::new(
            ErrorCode::LimitExceeded,
            format!(
                "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
                key.arn
            ),
        ));
    }
    if key.origin == Origin::External {
        promote_pending(key, now);
    } else {
        key.rotate_to_random(now, RotationType::OnDemand)?;
    }
    key.on_demand_rotations += 1;
    Ok(())
}

/// O-8/M-5: the PENDING_ROTATION material becomes CURRENT with `RotationDate=now`,
/// `RotationType=ON_DEMAND`; the old CURRENT becomes NON_CURRENT.
pub fn promote_pending(key: &mut Key, now: Millis) {
    for m in &mut key.materials {
        match m.state {
            KeyMaterialState::Current => m.state = KeyMaterialState::NonCurrent,
            KeyMaterialState::PendingRotation => {
                m.state = KeyMaterialState::Current;
                m.rotated = Some((now, RotationType::OnDemand));
            }
            _ => {}
        }
    }
}
