//! DeriveSharedSecret (KA-1 … KA-4): ECDH between a KEY_AGREEMENT key's private key and a
//! peer's public key; with a `Recipient`, the secret goes to the attested enclave only.

use std::sync::Arc;

use serde::Serialize;

use super::recipient;
use super::resolve::{resolve, Accept};
use crate::domain::agreement;
use crate::domain::enums::{KeySpec, KeyUsage, TrackedOperation};
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::DeriveSharedSecretRequest;
use crate::protocol::types::Blob;

/// `DeriveSharedSecretResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeriveSharedSecretResponse {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    shared_secret: Option<Blob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext_for_recipient: Option<Blob>,
    key_agreement_algorithm: &'static str,
    key_origin: &'static str,
}

/// What ECDH needs from the key, copied out under one shard read.
struct AgreementKey {
    id: String,
    arn: String,
    spec: KeySpec,
    origin: &'static str,
    secret: Arc<[u8]>,
}

/// DeriveSharedSecret. KA-3: the key must be usable (the crypto column of §4.3) and have
/// KeyUsage KEY_AGREEMENT, else `InvalidKeyUsageException "<ARN> key usage is <usage> which
/// is not valid for DeriveSharedSecret."` (E-3's text). KA-2: the peer key is checked before
/// DryRun. KA-1: the response carries the raw ECDH secret and the key's `Origin`.
pub fn derive_shared_secret(
    node: &Node,
    req: DeriveSharedSecretRequest,
) -> KmsResult<DeriveSharedSecretResponse> {
    let alg = req.key_agreement_algorithm;
    let recipient = recipient::parse(req.recipient.as_ref())?;
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    let k = node.read_key(&id, |k| {
        k.permits(OpClass::Crypto)?;
        if k.usage != KeyUsage::KeyAgreement {
            return Err(KmsError::key_usage(
                &k.arn,
                k.usage.as_str(),
                "DeriveSharedSecret",
            ));
        }
        // M-12: an Enabled key's material is imported (or generated at creation).
        let secret = k.sole_secret()?;
        Ok(AgreementKey {
            id: k.id.clone(),
            arn: k.arn.clone(),
            spec: k.spec,
            origin: k.origin.as_str(),
            secret,
        })
    })??;
    let peer = req.public_key;
    // Parsing the peer key is cheap next to the scalar multiplication; doing the whole
    // derivation before DryRun keeps one code path for every peer-key error.
    let secret = agreement::derive(k.spec, &k.secret, &peer.0)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    crate::last_usage::record(node, &k.id, TrackedOperation::DeriveSharedSecret);
    let (shared_secret, ciphertext_for_recipient) = recipient::deliver(recipient.as_ref(), secret)?;
    Ok(DeriveSharedSecretResponse {
        key_id: k.arn,
        shared_secret,
        ciphertext_for_recipient,
        key_agreement_algorithm: alg.as_str(),
        key_origin: k.origin,
    })
}
