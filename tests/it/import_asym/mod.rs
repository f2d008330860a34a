//! Asymmetric and HMAC keys with imported material (scenario T4, I-40 … I-42, P-11 … P-21,
//! D-9, A-1 … A-3), checked against independent RustCrypto implementations, and the same
//! operations on AWS_KMS-origin keys of those specs; a file per family, the server and
//! RustCrypto helpers they share here.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, OriginType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand::rngs::OsRng;

use crate::common::{err_code, new_key_of};

mod aws_kms;
mod ec;
mod lifecycle;
mod scenario_t4;

/// RSA_AES_KEY_WRAP with SHA-256, for material too long for plain OAEP (§5.3).
const AES_256: &str = "RSA_AES_KEY_WRAP_SHA_256";

/// Creates an EXTERNAL key of `spec`/`usage`; returns (bare id, ARN).
async fn external(client: &Client, spec: KeySpec, usage: KeyUsageType) -> (String, String) {
    new_key_of(client, spec, usage, OriginType::External).await
}

/// Sign (RAW message) through the server; the signature.
async fn sign(client: &Client, id: &str, alg: SigningAlgorithmSpec, message: &[u8]) -> Vec<u8> {
    client
        .sign()
        .key_id(id)
        .message(Blob::new(message.to_vec()))
        .signing_algorithm(alg)
        .send()
        .await
        .expect("Sign")
        .signature()
        .expect("Signature")
        .as_ref()
        .to_vec()
}

/// Verify through the server; must succeed.
async fn verify_ok(
    client: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    message: &[u8],
    signature: &[u8],
) {
    let out = client
        .verify()
        .key_id(id)
        .message(Blob::new(message.to_vec()))
        .signature(Blob::new(signature.to_vec()))
        .signing_algorithm(alg)
        .send()
        .await
        .expect("Verify");
    assert!(out.signature_valid());
}

/// Verify through the server; must fail with `KMSInvalidSignatureException`, no message.
async fn verify_fails(
    client: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    message: &[u8],
    signature: &[u8],
) {
    let (code, msg) = err_code(
        client
            .verify()
            .key_id(id)
            .message(Blob::new(message.to_vec()))
            .signature(Blob::new(signature.to_vec()))
            .signing_algorithm(alg)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidSignatureException");
    assert_eq!(msg, None, "W-32: no message");
}

/// `bytes` with the last bit flipped: a corrupted signature or MAC.
fn flip_last(mut bytes: Vec<u8>) -> Vec<u8> {
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    bytes
}

/// A fresh P-256 private key and its DER PKCS#8 (P-13), made with the p256 crate.
fn p256_key() -> (p256::SecretKey, Vec<u8>) {
    let sk = p256::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
    (sk, der)
}

/// The DER SubjectPublicKeyInfo of a P-256 key, derived locally (P-21).
fn p256_spki(sk: &p256::SecretKey) -> Vec<u8> {
    sk.public_key()
        .to_public_key_der()
        .expect("SPKI")
        .as_bytes()
        .to_vec()
}

/// Checks a server ECDSA P-256 signature (DER, A-2) with the p256 crate.
fn p256_verifies(spki: &[u8], message: &[u8], der_signature: &[u8]) -> bool {
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(spki).expect("P-256 SPKI");
    let sig = p256::ecdsa::Signature::from_der(der_signature).expect("a DER signature");
    vk.verify(message, &sig).is_ok()
}

/// Parses an RSA DER SubjectPublicKeyInfo with the rsa crate.
fn rsa_public(spki: &[u8]) -> rsa::RsaPublicKey {
    rsa::RsaPublicKey::from_public_key_der(spki).expect("RSA SPKI")
}
