//! The newer key families end to end through the SDK (issue 8): Ed25519
//! (`ECC_NIST_EDWARDS25519`), ML-DSA and ML-KEM keys, Sign/Verify and Encapsulate/Decapsulate.
//! Every signature and shared secret is checked with an implementation other than the one the
//! server used for it (RustCrypto `ed25519-dalek`, `ml-dsa`, `ml-kem`, `sha3`, or aws-lc-rs).

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, OriginType, SigningAlgorithmSpec};
use aws_sdk_kms::Client;

use crate::common::*;

mod ed25519;
mod ml_dsa;
mod ml_kem;

/// An AWS_KMS key of `spec`/`usage`; returns (bare id, ARN).
async fn key(c: &Client, spec: KeySpec, usage: KeyUsageType) -> (String, String) {
    new_key_of(c, spec, usage, OriginType::AwsKms).await
}

/// Sign; the signature.
async fn sign(
    c: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    mt: MessageType,
    msg: &[u8],
) -> Vec<u8> {
    let out = c
        .sign()
        .key_id(id)
        .signing_algorithm(alg.clone())
        .message_type(mt)
        .message(Blob::new(msg))
        .send()
        .await
        .expect("Sign");
    assert_eq!(out.signing_algorithm(), Some(&alg));
    out.signature().expect("Signature").as_ref().to_vec()
}

/// Verify that must succeed.
async fn verify_ok(
    c: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    mt: MessageType,
    msg: &[u8],
    sig: &[u8],
) {
    let out = c
        .verify()
        .key_id(id)
        .signing_algorithm(alg)
        .message_type(mt)
        .message(Blob::new(msg))
        .signature(Blob::new(sig))
        .send()
        .await
        .expect("Verify");
    assert!(out.signature_valid());
}

/// Verify that must fail with `KMSInvalidSignatureException` and no message (§3.16).
async fn verify_fails(
    c: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    mt: MessageType,
    msg: &[u8],
    sig: &[u8],
) {
    let r = c
        .verify()
        .key_id(id)
        .signing_algorithm(alg)
        .message_type(mt)
        .message(Blob::new(msg))
        .signature(Blob::new(sig))
        .send()
        .await;
    let (code, msg) = err_code(r);
    assert_eq!(code, "KMSInvalidSignatureException");
    assert_eq!(msg, None);
}

/// The error code and message of a Sign call.
async fn sign_err(
    c: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    mt: Option<MessageType>,
    msg: &[u8],
) -> (String, Option<String>) {
    err_code(
        c.sign()
            .key_id(id)
            .signing_algorithm(alg)
            .set_message_type(mt)
            .message(Blob::new(msg))
            .send()
            .await,
    )
}

/// The error code and message of CreateKey for `spec`/`usage`/`origin`.
async fn create_err(
    c: &Client,
    spec: KeySpec,
    usage: KeyUsageType,
    origin: OriginType,
) -> (String, Option<String>) {
    err_code(
        c.create_key()
            .key_spec(spec)
            .key_usage(usage)
            .origin(origin)
            .send()
            .await,
    )
}

/// `sig` with its last byte flipped.
fn flipped(mut sig: Vec<u8>) -> Vec<u8> {
    if let Some(b) = sig.last_mut() {
        *b ^= 1;
    }
    sig
}
