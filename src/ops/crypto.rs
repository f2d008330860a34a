//! Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom
//! (contract §3.13, E-1 … E-12, §6.2), and the key look-ups ReEncrypt shares
//! ([`super::re_encrypt`]).
//!
//! The hot path: one shard read copies out the current material's id and an `Arc` of its
//! bytes, and the AES work runs with no lock held.

use std::sync::Arc;

use serde::Serialize;

use super::recipient::{self, RecipientKey};
use super::resolve::{resolve, Accept};
use crate::domain::asymmetric;
use crate::domain::ciphertext::{self, EncryptionContext};
use crate::domain::enums::{DataKeySpec, EncryptionAlgorithm, KeySpec, KeyUsage, TrackedOperation};
use crate::domain::key::Key;
use crate::domain::material::{random_bytes, KeyMaterialId};
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::model::DryRunModifierType;
use crate::node::Node;
use crate::protocol::requests::{
    DecryptRequest, EncryptRequest, GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextRequest,
    GenerateRandomRequest,
};
use crate::protocol::types::Blob;

/// What a symmetric operation needs from a key, copied out under one shard read.
pub(super) struct Symmetric {
    pub(super) id: String,
    pub(super) arn: String,
    pub(super) material_id: KeyMaterialId,
    pub(super) material: Arc<[u8]>,
}

/// E-1, E-3, E-10: the key must be usable for `op`, be a symmetric ENCRYPT_DECRYPT key, and
/// the algorithm (if given) must be SYMMETRIC_DEFAULT.
pub(super) fn check_symmetric(
    k: &Key,
    op: &str,
    alg: Option<EncryptionAlgorithm>,
) -> KmsResult<()> {
    k.permits(OpClass::Crypto)?;
    if k.usage != KeyUsage::EncryptDecrypt || k.spec != KeySpec::SymmetricDefault {
        return Err(KmsError::key_usage(&k.arn, k.usage.as_str(), op));
    }
    if let Some(a) = alg {
        if a != EncryptionAlgorithm::SymmetricDefault {
            return Err(KmsError::new(
                ErrorCode::InvalidKeyUsage,
                format!(
                    "Algorithm {} is incompatible with key spec {}.",
                    a.as_str(),
                    k.spec.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// An RSA ENCRYPT_DECRYPT key, copied out for one Encrypt/Decrypt.
pub(super) struct RsaKey {
    pub(super) id: String,
    pub(super) arn: String,
    pub(super) spec: KeySpec,
    pub(super) alg: EncryptionAlgorithm,
    pub(super) secret: Arc<[u8]>,
    pub(super) public_key: Arc<[u8]>,
}

/// E-1, E-10: `Some` if `id` is an RSA ENCRYPT_DECRYPT key usable now, with an RSAES_OAEP_*
/// algorithm (a missing algorithm means SYMMETRIC_DEFAULT, which RSA keys refuse). `None`
/// for every other key, which the symmetric path then judges.
pub(super) fn rsa_key(
    node: &Node,
    id: &str,
    alg: Option<EncryptionAlgorithm>,
) -> KmsResult<Option<RsaKey>> {
    node.read_key(id, |k| {
        let rsa = matches!(
            k.spec,
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096
        );
        if !rsa || k.usage != KeyUsage::EncryptDecrypt {
            return Ok(None);
        }
        k.permits(OpClass::Crypto)?;
        let alg = alg.unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        if asymmetric::rsa_max_plaintext(k.spec, alg).is_none() {
            return Err(KmsError::new(
                ErrorCode::InvalidKeyUsage,
                format!(
                    "Algorithm {} is incompatible with key spec {}.",
                    alg.as_str(),
                    k.spec.as_str()
                ),
            ));
        }
        let secret = k.sole_secret()?;
        let public_key = k.public_key_der()?;
        Ok(Some(RsaKey {
            id: k.id.clone(),
            arn: k.arn.clone(),
            spec: k.spec,
            alg,
            secret,
            public_key,
        }))
    })?
}

/// E-4: the CURRENT material of a key that may encrypt.
pub(super) fn current_for_encrypt(
    node: &Node,
    id: &str,
    op: &str,
    alg: Option<EncryptionAlgorithm>,
) -> KmsResult<Symmetric> {
    node.read_key(id, |k| {
        check_symmetric(k, op, alg)?;
        // M-12: an Enabled key has its CURRENT material imported.
        let m = k
            .current_material()
            .and_then(|m| m.bytes.clone().map(|b| (m.id, b)))
            .ok_or_else(|| KmsError::internal(format!("{} has no usable material", k.arn)))?;
        Ok(Symmetric {
            id: k.id.clone(),
            arn: k.arn.clone(),
            material_id: m.0,
            material: m.1,
        })
    })?
}

/// E-5 … E-7, B-1 … B-3: finds the key and material a blob names, in this Region.
/// `key_id` is the request's (optional) KeyId.
pub(super) fn material_for_decrypt(
    node: &Node,
    key_id: Option<&str>,
    blob: &[u8],
    op: &str,
    alg: Option<EncryptionAlgorithm>,
) -> KmsResult<Symmetric> {
    let requested = key_id
        .map(|k| resolve(node, k, Accept::AnyIdentifier))
        .transpose()?;
    let header = ciphertext::parse_header(blob)?;
    if let Some(r) = &requested {
        if *r != header.key_id {
            // E-6: the request names a different key than the blob.
            return Err(KmsError::new(
                ErrorCode::IncorrectKey,
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ));
        }
    }
    // E-7/Q-15: a blob whose key is unknown here is invalid ciphertext.
    node.peek_key(&header.key_id, |k| {
        check_symmetric(k, op, alg)?;
        let m = k
            .material(&header.material_id)
            .and_then(|m| m.bytes.clone())
            .ok_or_else(KmsError::invalid_ciphertext)?;
        Ok(Symmetric {
            id: k.id.clone(),
            arn: k.arn.clone(),
            material_id: header.material_id,
            material: m,
        })
    })
    .unwrap_or_else(|| Err(KmsError::invalid_ciphertext()))
}

/// An absent encryption context is the empty one.
pub(super) fn context(c: Option<EncryptionContext>) -> EncryptionContext {
    c.unwrap_or_default()
}

/// `EncryptResponse`: no KeyMaterialId (E-4, §3.13).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncryptResponse {
    ciphertext_blob: Blob,
    key_id: String,
    encryption_algorithm: &'static str,
}

/// Encrypt (E-1 … E-4, E-9, E-10, E-12).
pub fn encrypt(node: &Node, req: EncryptRequest) -> KmsResult<EncryptResponse> {
    let alg = req.encryption_algorithm;
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    let plain = req.plaintext;
    if let Some(rsa) = rsa_key(node, &id, alg)? {
        let alg = rsa.alg;
        let max = asymmetric::rsa_max_plaintext(rsa.spec, alg).unwrap_or(0);
        if plain.0.len() > max {
            return Err(KmsError::validation(format!(
                "Algorithm {} and key spec {} cannot encrypt data larger than {max} bytes.",
                alg.as_str(),
                rsa.spec.as_str()
            )));
        }
        if req.dry_run == Some(true) {
            return Err(KmsError::dry_run());
        }
        let blob = asymmetric::rsa_encrypt(&rsa.public_key, alg, &plain.0)?;
        crate::last_usage::record(node, &rsa.id, TrackedOperation::Encrypt);
        return Ok(EncryptResponse {
            ciphertext_blob: Blob(blob),
            key_id: rsa.arn,
            encryption_algorithm: alg.as_str(),
        });
    }
    let s = current_for_encrypt(node, &id, "Encrypt", alg)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let blob = ciphertext::seal(
        &s.id,
        &s.material_id,
        &s.material,
        &plain.0,
        &context(req.encryption_context),
    )?;
    crate::last_usage::record(node, &s.id, TrackedOperation::Encrypt);
    Ok(EncryptResponse {
        ciphertext_blob: Blob(blob),
        key_id: s.arn,
        encryption_algorithm: EncryptionAlgorithm::SymmetricDefault.as_str(),
    })
}

/// `DecryptResponse` (E-5: KeyMaterialId of the material used). With a `Recipient`,
/// `CiphertextForRecipient` replaces `Plaintext`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DecryptResponse {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext: Option<Blob>,
    encryption_algorithm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext_for_recipient: Option<Blob>,
}

/// `CiphertextBlob` is optional in the model only for a DryRun with `IGNORE_CIPHERTEXT`
/// (its documentation); anywhere else a missing blob is refused as W-35's missing member.
pub(super) fn required_ciphertext(
    blob: Option<Blob>,
    dry_run: Option<bool>,
    modifiers: Option<&[DryRunModifierType]>,
) -> KmsResult<Option<Blob>> {
    let ignore = dry_run == Some(true)
        && modifiers.is_some_and(|m| m.contains(&DryRunModifierType::IgnoreCiphertext));
    match blob {
        Some(b) => Ok(Some(b)),
        None if ignore => Ok(None),
        None => Err(KmsError::validation(
            "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
        )),
    }
}

/// Decrypt (E-5 … E-8, B-1 … B-4). A DryRun with `IGNORE_CIPHERTEXT` checks only the key
/// named by `KeyId` (the model's documentation: authorization without ciphertext validation).
/// `Recipient`: see [`recipient`].
pub fn decrypt(node: &Node, req: DecryptRequest) -> KmsResult<DecryptResponse> {
    let alg = req.encryption_algorithm;
    let recipient = recipient::parse(req.recipient.as_ref())?;
    let Some(blob) = required_ciphertext(
        req.ciphertext_blob,
        req.dry_run,
        req.dry_run_modifiers.as_deref(),
    )?
    else {
        // Without a blob the key can only come from KeyId [CHOICE: required here].
        let key_id = req.key_id.as_deref().ok_or_else(|| {
            KmsError::validation(
                "KeyId is required when DryRunModifiers includes IGNORE_CIPHERTEXT.",
            )
        })?;
        let id = resolve(node, key_id, Accept::AnyIdentifier)?;
        if rsa_key(node, &id, alg)?.is_none() {
            current_for_encrypt(node, &id, "Decrypt", alg)?;
        }
        return Err(KmsError::dry_run());
    };
    // E-10: RSA ciphertext carries no header; Decrypt needs KeyId and the algorithm.
    if let Some(key_id) = req.key_id.as_deref() {
        let id = resolve(node, key_id, Accept::AnyIdentifier)?;
        if let Some(rsa) = rsa_key(node, &id, alg)? {
            if req.dry_run == Some(true) {
                return Err(KmsError::dry_run());
            }
            let plain = asymmetric::rsa_decrypt(&rsa.secret, rsa.alg, &blob.0)?;
            crate::last_usage::record(node, &rsa.id, TrackedOperation::Decrypt);
            let (plaintext, ciphertext_for_recipient) =
                recipient::deliver(recipient.as_ref(), plain)?;
            return Ok(DecryptResponse {
                key_id: rsa.arn,
                plaintext,
                encryption_algorithm: rsa.alg.as_str(),
                key_material_id: None,
                ciphertext_for_recipient,
            });
        }
    }
    let s = material_for_decrypt(node, req.key_id.as_deref(), &blob.0, "Decrypt", alg)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let plain = ciphertext::open(&blob.0, &s.material, &context(req.encryption_context))?;
    crate::last_usage::record(node, &s.id, TrackedOperation::Decrypt);
    let (plaintext, ciphertext_for_recipient) = recipient::deliver(recipient.as_ref(), plain)?;
    Ok(DecryptResponse {
        key_id: s.arn,
        plaintext,
        encryption_algorithm: EncryptionAlgorithm::SymmetricDefault.as_str(),
        key_material_id: Some(s.material_id.to_hex()),
        ciphertext_for_recipient,
    })
}

/// `GenerateDataKeyResponse` (E-4: KeyMaterialId = the CURRENT id); `Plaintext` is left out
/// for GenerateDataKeyWithoutPlaintext, and replaced by `CiphertextForRecipient` when the
/// request has a `Recipient` (`CiphertextBlob` is still returned).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateDataKeyResponse {
    ciphertext_blob: Blob,
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext: Option<Blob>,
    key_id: String,
    key_material_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext_for_recipient: Option<Blob>,
}

/// GenerateDataKey (E-11: exactly one of KeySpec/NumberOfBytes).
pub fn generate_data_key(
    node: &Node,
    req: GenerateDataKeyRequest,
) -> KmsResult<GenerateDataKeyResponse> {
    let spec = DataKeyRequest {
        key_id: req.key_id,
        encryption_context: req.encryption_context,
        number_of_bytes: req.number_of_bytes,
        key_spec: req.key_spec,
        dry_run: req.dry_run,
        recipient: recipient::parse(req.recipient.as_ref())?,
    };
    data_key(node, spec, "GenerateDataKey", true)
}

/// GenerateDataKeyWithoutPlaintext: the same, without `Plaintext`.
pub fn generate_data_key_without_plaintext(
    node: &Node,
    req: GenerateDataKeyWithoutPlaintextRequest,
) -> KmsResult<GenerateDataKeyResponse> {
    let spec = DataKeyRequest {
        key_id: req.key_id,
        encryption_context: req.encryption_context,
        number_of_bytes: req.number_of_bytes,
        key_spec: req.key_spec,
        dry_run: req.dry_run,
        recipient: None,
    };
    data_key(node, spec, "GenerateDataKeyWithoutPlaintext", false)
}

/// What the two GenerateDataKey operations share.
struct DataKeyRequest {
    key_id: String,
    encryption_context: Option<EncryptionContext>,
    number_of_bytes: Option<i64>,
    key_spec: Option<DataKeySpec>,
    dry_run: Option<bool>,
    /// GenerateDataKey's `Recipient` (the WithoutPlaintext shape has none).
    recipient: Option<RecipientKey>,
}

fn data_key(
    node: &Node,
    req: DataKeyRequest,
    op: &str,
    with_plaintext: bool,
) -> KmsResult<GenerateDataKeyResponse> {
    let len = match (req.key_spec, req.number_of_bytes) {
        (Some(DataKeySpec::Aes256), None) => 32,
        (Some(DataKeySpec::Aes128), None) => 16,
        (None, Some(n)) => n as usize,
        (None, None) => {
            return Err(KmsError::validation(
                "Please specify either number of bytes or key spec.",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(KmsError::validation(
                "Please specify either number of bytes or key spec, not both.",
            ))
        }
    };
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    let s = current_for_encrypt(node, &id, op, None)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let plain = random_bytes(len)?;
    let blob = ciphertext::seal(
        &s.id,
        &s.material_id,
        &s.material,
        &plain,
        &context(req.encryption_context),
    )?;
    if let Some(tracked) = TrackedOperation::parse(op) {
        crate::last_usage::record(node, &s.id, tracked);
    }
    let (plaintext, ciphertext_for_recipient) = recipient::deliver(req.recipient.as_ref(), plain)?;
    Ok(GenerateDataKeyResponse {
        ciphertext_blob: Blob(blob),
        plaintext: plaintext.filter(|_| with_plaintext),
        key_id: s.arn,
        key_material_id: s.material_id.to_hex(),
        ciphertext_for_recipient,
    })
}

/// `GenerateRandomResponse`: `CiphertextForRecipient` instead of `Plaintext` when the request
/// has a `Recipient`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateRandomResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext: Option<Blob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext_for_recipient: Option<Blob>,
}

/// GenerateRandom: 1..1024 bytes. `NumberOfBytes` is optional in the model but AWS requires
/// it ("NumberOfBytes is required.", `protocol::overrides`).
pub fn generate_random(
    _node: &Node,
    req: GenerateRandomRequest,
) -> KmsResult<GenerateRandomResponse> {
    let recipient = recipient::parse(req.recipient.as_ref())?;
    if let Some(id) = req.custom_key_store_id {
        return Err(KmsError::new(
            ErrorCode::CustomKeyStoreNotFound,
            format!("Custom key store '{id}' does not exist"),
        ));
    }
    let plain = random_bytes(req.number_of_bytes.unwrap_or(0) as usize)?;
    let (plaintext, ciphertext_for_recipient) = recipient::deliver(recipient.as_ref(), plain)?;
    Ok(GenerateRandomResponse {
        plaintext,
        ciphertext_for_recipient,
    })
}
