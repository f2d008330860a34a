//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext (DK-1 … DK-5): an asymmetric
//! data key pair whose private key comes back encrypted under a symmetric KMS key exactly as
//! Encrypt would encrypt it, so Decrypt returns the PKCS#8 bytes.

use serde::Serialize;

use super::crypto::{context, current_for_encrypt};
use super::recipient;
use super::resolve::{resolve, Accept};
use crate::domain::ciphertext::{self, EncryptionContext};
use crate::domain::enums::{DataKeyPairSpec, TrackedOperation};
use crate::domain::key_pair;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    GenerateDataKeyPairRequest, GenerateDataKeyPairWithoutPlaintextRequest, RecipientInfo,
};
use crate::protocol::types::Blob;

/// What the two operations share (the WithoutPlaintext shape has no `Recipient`).
struct PairRequest {
    encryption_context: Option<EncryptionContext>,
    key_id: String,
    key_pair_spec: DataKeyPairSpec,
    recipient: Option<RecipientInfo>,
    dry_run: Option<bool>,
}

/// `GenerateDataKeyPairResponse`; `PrivateKeyPlaintext` is left out for
/// GenerateDataKeyPairWithoutPlaintext (whose response shape has no such member), and replaced
/// by `CiphertextForRecipient` when the request has a `Recipient`.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext_for_recipient: Option<Blob>,
}

/// GenerateDataKeyPair.
pub fn generate_data_key_pair(
    node: &Node,
    req: GenerateDataKeyPairRequest,
) -> KmsResult<GenerateDataKeyPairResponse> {
    let req = PairRequest {
        encryption_context: req.encryption_context,
        key_id: req.key_id,
        key_pair_spec: req.key_pair_spec,
        recipient: req.recipient,
        dry_run: req.dry_run,
    };
    data_key_pair(node, req, TrackedOperation::GenerateDataKeyPair, true)
}

/// GenerateDataKeyPairWithoutPlaintext: the same, without `PrivateKeyPlaintext`.
pub fn generate_data_key_pair_without_plaintext(
    node: &Node,
    req: GenerateDataKeyPairWithoutPlaintextRequest,
) -> KmsResult<GenerateDataKeyPairResponse> {
    let req = PairRequest {
        encryption_context: req.encryption_context,
        key_id: req.key_id,
        key_pair_spec: req.key_pair_spec,
        recipient: None,
        dry_run: req.dry_run,
    };
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
    req: PairRequest,
    op: TrackedOperation,
    with_plaintext: bool,
) -> KmsResult<GenerateDataKeyPairResponse> {
    let spec = req.key_pair_spec;
    let recipient = recipient::parse(req.recipient.as_ref())?;
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    let s = current_for_encrypt(node, &id, op.as_str(), None)?;
    let key_spec = key_pair::check_available(spec, node.partition)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
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
    let (private_key_plaintext, ciphertext_for_recipient) =
        recipient::deliver(recipient.as_ref(), pair.private_key)?;
    Ok(GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: Blob(blob),
        private_key_plaintext: private_key_plaintext.filter(|_| with_plaintext),
        ciphertext_for_recipient,
        public_key: Blob(pair.public_key),
        key_id: s.arn,
        key_pair_spec: spec.as_str(),
        key_material_id: s.material_id.to_hex(),
    })
}
