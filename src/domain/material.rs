//! Key material records and KeyMaterialId (contract §2, §4.4, §6.1).

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use super::enums::{ExpirationModel, ImportState, KeyMaterialState, RotationType};
use crate::clock::Millis;
use crate::error::{KmsError, KmsResult};

/// A KeyMaterialId: 256 bits shown as 64 lowercase hex characters (`BackingKeyIdType`).
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct KeyMaterialId(pub [u8; 32]);

impl KeyMaterialId {
    /// §6.1 [CHOICE, Q-1]: `HMAC-SHA256(key = material, msg = "aws-kms-key-material-id\0" ‖
    /// bare key id)`. Deterministic (I-28 recomputes it), depends on the key id but not the
    /// Region (I-32: the same in every Region of a multi-Region set, different across keys),
    /// and reveals nothing about the material.
    pub fn derive(key_id: &str, material: &[u8]) -> KeyMaterialId {
        let k = hmac::Key::new(hmac::HMAC_SHA256, material);
        let mut ctx = hmac::Context::with_key(&k);
        ctx.update(b"aws-kms-key-material-id\x00");
        ctx.update(key_id.as_bytes());
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        KeyMaterialId(out)
    }

    /// Parses 64 lowercase hex characters.
    pub fn parse_hex(s: &str) -> Option<KeyMaterialId> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(KeyMaterialId(out))
    }

    /// The 64-character lowercase hex form used on the wire.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for KeyMaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMaterialId({})", self.to_hex())
    }
}

impl fmt::Display for KeyMaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The expiry settings of one imported material in one Region (I-6, I-33).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Expiry {
    /// The model given at import.
    pub model: ExpirationModel,
    /// Set iff `model` is `KEY_MATERIAL_EXPIRES`.
    pub valid_to: Option<Millis>,
}

/// One key material record (§2). `state` is set-wide for multi-Region keys; `bytes`
/// (ImportState), `expiry` and `description` are this Region's own (§4.5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Material {
    /// Its KeyMaterialId.
    pub id: KeyMaterialId,
    /// The secret bytes while `ImportState=IMPORTED`; `None` while `PENDING_IMPORT`.
    pub bytes: Option<Arc<[u8]>>,
    /// CURRENT, NON_CURRENT, or one of the pending states.
    pub state: KeyMaterialState,
    /// EXTERNAL keys: the expiry of the imported copy; `None` for AWS_KMS material or while
    /// not imported.
    pub expiry: Option<Expiry>,
    /// `KeyMaterialDescription`, if one was ever set (L-3).
    pub description: Option<String>,
    /// `RotationDate`/`RotationType`, for materials made current by a rotation (L-3).
    pub rotated: Option<(Millis, RotationType)>,
}

impl Material {
    /// A CURRENT, imported record that no rotation produced (M-1, S-1).
    pub fn initial(key_id: &str, bytes: Vec<u8>) -> Material {
        Material {
            id: KeyMaterialId::derive(key_id, &bytes),
            bytes: Some(bytes.into()),
            state: KeyMaterialState::Current,
            expiry: None,
            description: None,
            rotated: None,
        }
    }

    /// The record's `ImportState` in this Region.
    pub fn import_state(&self) -> ImportState {
        if self.bytes.is_some() {
            ImportState::Imported
        } else {
            ImportState::PendingImport
        }
    }

    /// CURRENT and NON_CURRENT materials are permanently associated (§2); pending ones are not.
    pub fn permanently_associated(&self) -> bool {
        matches!(
            self.state,
            KeyMaterialState::Current | KeyMaterialState::NonCurrent
        )
    }
}

/// 32 fresh random bytes: AWS_KMS key material (S-1, O-9) and data keys.
pub fn random_bytes(n: usize) -> KmsResult<Vec<u8>> {
    let mut b = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| KmsError::internal("random number generator failed"))?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_id_is_deterministic_and_bound_to_the_key_id() {
        let m = [7u8; 32];
        let a = KeyMaterialId::derive("mrk-0123456789abcdef0123456789abcdef", &m);
        let b = KeyMaterialId::derive("mrk-0123456789abcdef0123456789abcdef", &m);
        let c = KeyMaterialId::derive("mrk-fedcba9876543210fedcba9876543210", &m);
        assert_eq!(a, b);
        assert_ne!(a, c);
        let hex = a.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(KeyMaterialId::parse_hex(&hex), Some(a));
        assert_eq!(KeyMaterialId::parse_hex(&hex.to_uppercase()), None);
    }
}
