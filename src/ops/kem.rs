//! Encapsulate and Decapsulate: the ML-KEM operations of ENCAPSULATE_DECAPSULATE keys (issue 8;
//! botocore model shapes `EncapsulateRequest` … `DecapsulateResponse`). The cryptography is in
//! `domain::pq`.
//!
//! Both run on the CPU pool (`ops::placement`) [CHOICE]: an ML-KEM encapsulation or
//! decapsulation is a lattice operation costing about what an ECDSA signature does (tens of
//! microseconds, not measured here), far more than the AES-GCM of an Encrypt, and Sign
//! already runs there.

use std::sync::Arc;

use serde::Serialize;

use super::resolve::{resolve, Accept};
use crate::domain::enums::{EncapsulationAlgorithm, KeySpec, KeyUsage, TrackedOperation};
use crate::domain::pq;
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{DecapsulateRequest, EncapsulateRequest};
use crate::protocol::types::Blob;

/// `EncapsulateResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncapsulateResponse {
    key_id: String,
    shared_secret: Blob,
    shared_secret_ciphertext_blob: Blob,
    encapsulation_algorithm: &'static str,
}

/// `DecapsulateResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecapsulateResponse {
    key_id: String,
    shared_secret: Blob,
    encapsulation_algorithm: &'static str,
}

/// What an ML-KEM operation needs from a key, copied out under one shard read.
struct KemKey {
    id: String,
    arn: String,
    spec: KeySpec,
    /// The expanded decapsulation key (Decapsulate) — unused by Encapsulate.
    secret: Arc<[u8]>,
    /// DER SubjectPublicKeyInfo (Encapsulate).
    public_key: Arc<[u8]>,
}

/// Resolves the key, then the key-state table (§4.3, `OpClass::Crypto`: DisabledException,
/// KMSInvalidStateException), then usage: any key but ENCAPSULATE_DECAPSULATE →
/// `InvalidKeyUsageException "<ARN> key usage is <U> which is not valid for <Op>."` (E-3's
/// text), then DryRun (`DryRunOperationException` once everything else would pass).
fn kem_key(node: &Node, key_id: &str, op: &str, dry: Option<bool>) -> KmsResult<KemKey> {
    let id = resolve(node, key_id, Accept::AnyIdentifier)?;
    let key = node.read_key(&id, |k| {
        k.permits(OpClass::Crypto)?;
        if k.usage != KeyUsage::EncapsulateDecapsulate || !pq::is_ml_kem(k.spec) {
            return Err(KmsError::key_usage(&k.arn, k.usage.as_str(), op));
        }
        let secret = k.sole_secret()?;
        let public_key = k.public_key_der()?;
        Ok(KemKey {
            id: k.id.clone(),
            arn: k.arn.clone(),
            spec: k.spec,
            secret,
            public_key,
        })
    })??;
    if dry == Some(true) {
        return Err(KmsError::dry_run());
    }
    Ok(key)
}

/// Encapsulate: a fresh 32-byte shared secret and its ciphertext under the key's public key.
pub fn encapsulate(node: &Node, req: EncapsulateRequest) -> KmsResult<EncapsulateResponse> {
    let k = kem_key(node, &req.key_id, "Encapsulate", req.dry_run)?;
    let (ct, ss) = pq::encapsulate(k.spec, &k.public_key)?;
    crate::last_usage::record(node, &k.id, TrackedOperation::Encapsulate);
    Ok(EncapsulateResponse {
        key_id: k.arn,
        shared_secret: Blob(ss),
        shared_secret_ciphertext_blob: Blob(ct),
        encapsulation_algorithm: EncapsulationAlgorithm::MlKem.as_str(),
    })
}

/// Decapsulate: recovers the shared secret; a tampered ciphertext of the right length gives a
/// pseudo-random secret (implicit rejection), a wrong length `InvalidCiphertextException`.
/// `SharedSecretCiphertextBlob` is a `CiphertextType` (1..6144 bytes, W-35).
pub fn decapsulate(node: &Node, req: DecapsulateRequest) -> KmsResult<DecapsulateResponse> {
    let k = kem_key(node, &req.key_id, "Decapsulate", req.dry_run)?;
    let ss = pq::decapsulate(k.spec, &k.secret, &req.shared_secret_ciphertext_blob.0)?;
    crate::last_usage::record(node, &k.id, TrackedOperation::Decapsulate);
    Ok(DecapsulateResponse {
        key_id: k.arn,
        shared_secret: Blob(ss),
        encapsulation_algorithm: EncapsulationAlgorithm::MlKem.as_str(),
    })
}
