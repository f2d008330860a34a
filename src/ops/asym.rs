//! Sign, Verify, GetPublicKey, GenerateMac and VerifyMac (contract §3.16, A-1 … A-3), for
//! AWS_KMS and imported (EXTERNAL) keys alike.

use std::sync::Arc;

use serde::Serialize;

use super::resolve::{resolve, Accept};
use crate::domain::algorithms;
use crate::domain::asymmetric;
use crate::domain::enums::{
    KeySpec, KeyUsage, MacAlgorithm, MessageType, SigningAlgorithm, TrackedOperation,
};
use crate::domain::key::Key;
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    GenerateMacRequest, GetPublicKeyRequest, SignRequest, VerifyMacRequest, VerifyRequest,
};
use crate::protocol::types::Blob;

fn incompatible(alg: &str, spec: KeySpec) -> KmsError {
    KmsError::new(
        ErrorCode::InvalidKeyUsage,
        format!(
            "Algorithm {alg} is incompatible with key spec {}.",
            spec.as_str()
        ),
    )
}

/// What Sign/Verify need from a key, copied out under one shard read.
struct Signer {
    id: String,
    arn: String,
    spec: KeySpec,
    secret: Arc<[u8]>,
    public_key: Arc<[u8]>,
}

/// A-3 (state), E-3 (usage), then the algorithm must be one the key lists (C-20).
fn signer(node: &Node, key_id: &str, op: &str, alg: SigningAlgorithm) -> KmsResult<Signer> {
    let id = resolve(node, key_id, Accept::AnyIdentifier)?;
    node.read_key(&id, |k| {
        k.permits(OpClass::Crypto)?;
        if k.usage != KeyUsage::SignVerify {
            return Err(KmsError::key_usage(&k.arn, k.usage.as_str(), op));
        }
        let allowed = algorithms::signing_algorithms(k.spec, k.usage).unwrap_or(&[]);
        if !allowed.contains(&alg.as_str()) {
            return Err(incompatible(alg.as_str(), k.spec));
        }
        let (secret, public_key) = key_pair(k)?;
        Ok(Signer {
            id: k.id.clone(),
            arn: k.arn.clone(),
            spec: k.spec,
            secret,
            public_key,
        })
    })?
}

/// A private key's bytes and its public key's DER.
type KeyPair = (Arc<[u8]>, Arc<[u8]>);

/// M-12: an Enabled key's material is imported; its public key was derived at import/creation.
fn key_pair(k: &Key) -> KmsResult<KeyPair> {
    let secret = k.sole_secret()?;
    let public = k.public_key_der()?;
    Ok((secret, public))
}

/// `SignResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SignResponse {
    key_id: String,
    signature: Blob,
    signing_algorithm: &'static str,
}

/// Sign.
pub fn sign(node: &Node, req: SignRequest) -> KmsResult<SignResponse> {
    let alg = req.signing_algorithm;
    let s = signer(node, &req.key_id, "Sign", alg)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let sig = asymmetric::sign(
        s.spec,
        &s.secret,
        alg,
        req.message_type.unwrap_or(MessageType::Raw),
        &req.message.0,
    )?;
    crate::last_usage::record(node, &s.id, TrackedOperation::Sign);
    Ok(SignResponse {
        key_id: s.arn,
        signature: Blob(sig),
        signing_algorithm: alg.as_str(),
    })
}

/// `VerifyResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyResponse {
    key_id: String,
    signature_valid: bool,
    signing_algorithm: &'static str,
}

/// Verify: a bad signature is `KMSInvalidSignatureException` with no message, never
/// `SignatureValid: false` (§3.16, W-32).
pub fn verify(node: &Node, req: VerifyRequest) -> KmsResult<VerifyResponse> {
    let alg = req.signing_algorithm;
    let s = signer(node, &req.key_id, "Verify", alg)?;
    if req.dry_run == Some(true) {
        return Err(KmsError::dry_run());
    }
    let ok = asymmetric::verify(
        s.spec,
        &s.public_key,
        alg,
        req.message_type.unwrap_or(MessageType::Raw),
        &req.message.0,
        &req.signature.0,
    )?;
    if !ok {
        return Err(KmsError::bare(ErrorCode::KmsInvalidSignature));
    }
    crate::last_usage::record(node, &s.id, TrackedOperation::Verify);
    Ok(VerifyResponse {
        key_id: s.arn,
        signature_valid: true,
        signing_algorithm: alg.as_str(),
    })
}

/// `GetPublicKeyResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPublicKeyResponse {
    key_id: String,
    public_key: Blob,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_master_key_spec: Option<&'static str>,
    key_spec: &'static str,
    key_usage: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_agreement_algorithms: Option<&'static [&'static str]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encapsulation_algorithms: Option<&'static [&'static str]>,
}

/// GetPublicKey (P-21): the DER SubjectPublicKeyInfo derived from the (imported) private key.
/// Symmetric and HMAC keys → `UnsupportedOperationException`; the state rules are A-3's.
pub fn get_public_key(node: &Node, req: GetPublicKeyRequest) -> KmsResult<GetPublicKeyResponse> {
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    node.read_key(&id, |k| {
        if k.spec == KeySpec::SymmetricDefault || k.spec.is_hmac() {
            return Err(KmsError::unsupported(format!(
                "{} key spec {} has no public key.",
                k.arn,
                k.spec.as_str()
            )));
        }
        k.permits(OpClass::Crypto)?;
        let (_, public) = key_pair(k)?;
        Ok(GetPublicKeyResponse {
            key_id: k.arn.clone(),
            public_key: Blob(public.to_vec()),
            customer_master_key_spec: k.spec.customer_master_key_spec(),
            key_spec: k.spec.as_str(),
            key_usage: k.usage.as_str(),
            encryption_algorithms: algorithms::encryption_algorithms(k.spec, k.usage),
            signing_algorithms: algorithms::signing_algorithms(k.spec, k.usage),
            key_agreement_algorithms: algorithms::key_agreement_algorithms(k.usage),
            encapsulation_algorithms: algorithms::encapsulation_algorithms(k.usage),
        })
    })?
}

/// `GenerateMacResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateMacResponse {
    mac: Blob,
    mac_algorithm: &'static str,
    key_id: String,
}

/// `VerifyMacResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyMacResponse {
    key_id: String,
    mac_valid: bool,
    mac_algorithm: &'static str,
}

/// Resolves and checks the key of a MAC request; returns (bare id, ARN, key bytes).
fn mac_key(
    node: &Node,
    key_id: &str,
    alg: MacAlgorithm,
    dry_run_set: Option<bool>,
    op: &str,
) -> KmsResult<(String, String, Arc<[u8]>)> {
    let id = resolve(node, key_id, Accept::AnyIdentifier)?;
    let (arn, secret) = node.read_key(&id, |k| {
        k.permits(OpClass::Crypto)?;
        if k.usage != KeyUsage::GenerateVerifyMac {
            return Err(KmsError::key_usage(&k.arn, k.usage.as_str(), op));
        }
        if asymmetric::mac_for_spec(k.spec) != Some(alg) {
            return Err(incompatible(alg.as_str(), k.spec));
        }
        let secret = k.sole_secret()?;
        Ok((k.arn.clone(), secret))
    })??;
    if dry_run_set == Some(true) {
        return Err(KmsError::dry_run());
    }
    Ok((id, arn, secret))
}

/// GenerateMac (A-1: `HMAC(hash, key, message)`).
pub fn generate_mac(node: &Node, req: GenerateMacRequest) -> KmsResult<GenerateMacResponse> {
    let alg = req.mac_algorithm;
    let (id, arn, secret) = mac_key(node, &req.key_id, alg, req.dry_run, "GenerateMac")?;
    let mac = asymmetric::mac(alg, &secret, &req.message.0);
    crate::last_usage::record(node, &id, TrackedOperation::GenerateMac);
    Ok(GenerateMacResponse {
        mac: Blob(mac),
        mac_algorithm: alg.as_str(),
        key_id: arn,
    })
}

/// VerifyMac: a wrong MAC is `KMSInvalidMacException` with no message.
pub fn verify_mac(node: &Node, req: VerifyMacRequest) -> KmsResult<VerifyMacResponse> {
    let alg = req.mac_algorithm;
    let (id, arn, secret) = mac_key(node, &req.key_id, alg, req.dry_run, "VerifyMac")?;
    let ok = asymmetric::mac_ok(alg, &secret, &req.message.0, &req.mac.0);
    if !ok {
        return Err(KmsError::bare(ErrorCode::KmsInvalidMac));
    }
    crate::last_usage::record(node, &id, TrackedOperation::VerifyMac);
    Ok(VerifyMacResponse {
        key_id: arn,
        mac_valid: true,
        mac_algorithm: alg.as_str(),
    })
}
