//! ReEncrypt (E-13, RE-1 … RE-5): decrypt under the source key, encrypt under the
//! destination key, each side symmetric or RSA ENCRYPT_DECRYPT, with every Decrypt and
//! Encrypt rule applying to its side.

use std::sync::Arc;

use serde::Serialize;

use super::crypto::{
    check_symmetric, context, current_for_encrypt, material_for_decrypt, required_ciphertext,
    rsa_key, RsaKey, Symmetric,
};
use super::resolve::{resolve, Accept};
use crate::domain::asymmetric;
use crate::domain::ciphertext;
use crate::domain::enums::{EncryptionAlgorithm, TrackedOperation};
use crate::domain::material::KeyMaterialId;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::ReEncryptRequest;
use crate::protocol::types::Blob;

/// `ReEncryptResponse`. RE-4: `SourceKeyMaterialId` / `DestinationKeyMaterialId` only for the
/// side whose key is symmetric (the model: "present only when …").
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReEncryptResponse {
    ciphertext_blob: Blob,
    source_key_id: String,
    key_id: String,
    source_encryption_algorithm: &'static str,
    destination_encryption_algorithm: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_key_material_id: Option<String>,
}

/// One side of a ReEncrypt: a symmetric key (with the material to use) or an RSA key.
enum Side {
    Symmetric(Symmetric),
    Rsa(RsaKey),
}

impl Side {
    fn id(&self) -> &str {
        match self {
            Side::Symmetric(s) => &s.id,
            Side::Rsa(r) => &r.id,
        }
    }
}

/// ReEncrypt (E-13, RE-1 … RE-5): Decrypt with the source key, then Encrypt under the
/// destination key; both keys must be usable, every Decrypt and Encrypt rule applies to its
/// side, and each side may be symmetric or RSA ENCRYPT_DECRYPT.
///
/// RE-1 (model): RSA ciphertext carries no key id, so an RSA source needs `SourceKeyId` and
/// its `SourceEncryptionAlgorithm` (RSAES_OAEP_SHA_1/256). Without `SourceKeyId` the blob is
/// read as symmetric ciphertext, and raw RSA output is not one: `InvalidCiphertextException`,
/// as Decrypt answers without `KeyId` [CHOICE]. RE-2: an algorithm that does not suit a
/// side's key (SYMMETRIC_DEFAULT, the default, for an RSA key; RSAES_* for a symmetric key)
/// → `InvalidKeyUsageException "Algorithm <A> is incompatible with key spec <S>."` (E-10).
/// RE-3: a plaintext larger than the RSA destination can carry → Encrypt's
/// `ValidationException "Algorithm <A> and key spec <S> cannot encrypt data larger than <N>
/// bytes."` (E-9), found only after decrypting, so after the DryRun check. An encryption
/// context on an RSA side is ignored, as Encrypt and Decrypt ignore it (E-10).
/// RE-5 (model): with `DryRun` and `DryRunModifiers=[IGNORE_CIPHERTEXT]` the ciphertext is
/// not needed (nor checked) but `SourceKeyId` is [CHOICE: reported as W-35's missing
/// member]; both keys are checked as usual.
pub fn re_encrypt(node: &Node, req: ReEncryptRequest) -> KmsResult<ReEncryptResponse> {
    let (src_alg, dst_alg) = (
        req.source_encryption_algorithm,
        req.destination_encryption_algorithm,
    );
    let blob = required_ciphertext(
        req.ciphertext_blob,
        req.dry_run,
        req.dry_run_modifiers.as_deref(),
    )?;
    if blob.is_none() && req.source_key_id.is_none() {
        return Err(KmsError::validation(
            "1 validation error detected: Value null at 'sourceKeyId' failed to satisfy constraint: Member must not be null",
        ));
    }
    let blob = blob.unwrap_or_default();
    let src = source(
        node,
        req.source_key_id.as_deref(),
        &blob.0,
        src_alg,
        blob.0.is_empty(),
    )?;
    let dst_id = resolve(node, &req.destination_key_id, Accept::AnyIdentifier)?;
    let dst = match rsa_key(node, &dst_id, dst_alg)? {
        Some(rsa) => Side::Rsa(rsa),
        None => Side::Symmetric(current_for_encrypt(node, &dst_id, "ReEncrypt", dst_alg)?),
    };
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let (plain, source_key_material_id) = match &src {
        Side::Symmetric(s) => (
            ciphertext::open(
                &blob.0,
                &s.material,
                &context(req.source_encryption_context),
            )?,
            Some(s.material_id.to_hex()),
        ),
        Side::Rsa(r) => (asymmetric::rsa_decrypt(&r.secret, r.alg, &blob.0)?, None),
    };
    let (out, destination_key_material_id) = match &dst {
        Side::Symmetric(d) => (
            ciphertext::seal(
                &d.id,
                &d.material_id,
                &d.material,
                &plain,
                &context(req.destination_encryption_context),
            )?,
            Some(d.material_id.to_hex()),
        ),
        Side::Rsa(r) => {
            let max = asymmetric::rsa_max_plaintext(r.spec, r.alg).unwrap_or(0);
            if plain.len() > max {
                return Err(KmsError::validation(format!(
                    "Algorithm {} and key spec {} cannot encrypt data larger than {max} bytes.",
                    r.alg.as_str(),
                    r.spec.as_str()
                )));
            }
            (asymmetric::rsa_encrypt(&r.public_key, r.alg, &plain)?, None)
        }
    };
    crate::last_usage::record(node, src.id(), TrackedOperation::ReEncrypt);
    crate::last_usage::record(node, dst.id(), TrackedOperation::ReEncrypt);
    let (source_key_id, source_encryption_algorithm) = arn_and_alg(src);
    let (key_id, destination_encryption_algorithm) = arn_and_alg(dst);
    Ok(ReEncryptResponse {
        ciphertext_blob: Blob(out),
        source_key_id,
        key_id,
        source_encryption_algorithm,
        destination_encryption_algorithm,
        source_key_material_id,
        destination_key_material_id,
    })
}

/// The decrypting side of ReEncrypt: an RSA key named by `SourceKeyId`, else the symmetric
/// key and material the blob names (E-5 … E-7). With IGNORE_CIPHERTEXT (`no_blob`), only the
/// named key's state and usage are checked.
fn source(
    node: &Node,
    source_key_id: Option<&str>,
    blob: &[u8],
    alg: Option<EncryptionAlgorithm>,
    no_blob: bool,
) -> KmsResult<Side> {
    if let Some(key_id) = source_key_id {
        let id = resolve(node, key_id, Accept::AnyIdentifier)?;
        if let Some(rsa) = rsa_key(node, &id, alg)? {
            return Ok(Side::Rsa(rsa));
        }
        // The named key's usage and state come before anything about the blob, so an RSA
        // SIGN_VERIFY key is InvalidKeyUsage, not InvalidCiphertext (E-3).
        let (id, arn) = node.read_key(&id, |k| {
            check_symmetric(k, "ReEncrypt", alg).map(|()| (k.id.clone(), k.arn.clone()))
        })??;
        if no_blob {
            // No material: DryRun returns before anything is decrypted.
            return Ok(Side::Symmetric(Symmetric {
                id,
                arn,
                material_id: KeyMaterialId([0; 32]),
                material: Arc::from(Vec::new()),
            }));
        }
    }
    material_for_decrypt(node, source_key_id, blob, "ReEncrypt", alg).map(Side::Symmetric)
}

/// A side's key ARN and the algorithm it used.
fn arn_and_alg(side: Side) -> (String, &'static str) {
    match side {
        Side::Symmetric(s) => (s.arn, EncryptionAlgorithm::SymmetricDefault.as_str()),
        Side::Rsa(r) => (r.arn, r.alg.as_str()),
    }
}
