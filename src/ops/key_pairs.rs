//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext (DK-1 … DK-5): an asymmetric
//! data key pair whose private key comes back encrypted under a symmetric KMS key exactly as
//! Encrypt would encrypt it, so Decrypt returns the PKCS#8 bytes.

use serde::{Deserialize, Serialize};

use super::crypto::{context, current_for_encrypt, dry_run, validate_key_id};
use super::resolve::{resolve, Accept};
use crate::domain::ciphertext::{self, EncryptionContext};
use crate::domain::enums::{DataKeyPairSpec, TrackedOperation};
use crate::domain::key_pair;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::types::Blob;
use crate::protocol::validate::Validator;

/// `GenerateDataKeyPairRequest` / `GenerateDataKeyPairWithoutPlaintextRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairRequest {
    encryption_context: Option<EncryptionContext>,
    key_id: Option<String>,
    key_pair_spec: Option<String>,
    #[allow(dead_code)]
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

/// `GenerateDataKeyPairResponse`; `PrivateKeyPlaintext` is left out for
/// GenerateDataKeyPairWithoutPlaintext (whose response shape has no such member).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyPairResponse {
    private_key_ciphertext_blob: Blob,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_key_plaintext: Option<Blob>,
    public_key: Blob,
    key_id: String,
    key_pair_spec: &'static str,
    key_material_id: String,
}

/// GenerateDataKeyPair.
pub fn generate_data_key_pair(
    node: &Node,
    req: GenerateDataKeyPairRequest,
) -> KmsResult<GenerateDataKeyPairResponse> {
    data_key_pair(node, req, TrackedOperation::GenerateDataKeyPair, true)
}

/// GenerateDataKeyPairWithoutPlaintext: the same, without `PrivateKeyPlaintext`.
pub fn generate_data_key_pair_without_plaintext(
    node: &Node,
    req: GenerateDataKeyPairRequest,
) -> KmsResult<GenerateDataKeyPairResponse> {
    data_key_pair(
        node,
        req,
        TrackedOperation::GenerateDataKeyPairWithoutPlaintext,
        false,
    )
}

/// DK-4: the key must be a usable symmetric ENCRYPT_DECRYPT key (E-1, E-3: an asymmetric or
/// HMAC key → `InvalidKeyUsageException`), checked before DryRun (E-12). DK-5: the private
/// key is sealed under the key's CURRENT material like Encrypt, so the response's
/// `KeyMaterialId` is that material's id (E-4).
fn data_key_pair(
    node: &Node,
    req: GenerateDataKeyPairRequest,
    op: TrackedOperation,
    with_plaintext: bool,
) -> KmsResult<GenerateDataKeyPairResponse> {
    let mut v = Validator::new();
    validate_key_id(&mut v, &req.key_id, "keyId", true);
    v.required(&req.key_pair_spec, "keyPairSpec");
    let spec = v.enumeration(
        req.key_pair_spec.as_deref(),
        "keyPairSpec",
        DataKeyPairSpec::parse,
        DataKeyPairSpec::value_set,
    );
    v.finish()?;
    let spec = spec.ok_or_else(|| KmsError::internal("validated member missing"))?;
    let id = resolve(
        node,
        req.key_id.as_deref().unwrap_or_default(),
        Accept::AnyIdentifier,
    )?;
    let s = current_for_encrypt(node, &id, op.as_str(), None)?;
    let key_spec = key_pair::check_available(spec, node.partition)?;
    if req.dry_run == Some(true) {
        return Err(dry_run());
    }
    let pair = key_pair::generate(key_spec)?;
    let blob = ciphertext::seal(
        &s.id,
        &s.material_id,
        &s.material,
        &pair.private_key,
        &context(req.encryption_context),
    )?;
    crate::last_usage::record(node, &s.id, op);
    Ok(GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: Blob(blob),
        private_key_plaintext: with_plaintext.then_some(Blob(pair.private_key)),
        public_key: Blob(pair.public_key),
        key_id: s.arn,
        key_pair_spec: spec.as_str(),
        key_material_id: s.material_id.to_hex(),
    })
}
