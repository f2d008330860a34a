//! A `Recipient` that cannot be served: `ValidationException` naming the rule, before the key
//! is looked at, with nothing returned in plaintext.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyEncryptionMechanism, RecipientInfo};
use ciborium::Value;
use rsa::pkcs8::EncodePublicKey;

use super::*;
use crate::common::*;

const NOT_COSE: &str =
    "The attestation document in the Recipient parameter is not a valid CBOR-encoded COSE_Sign1 structure.";
const NO_PUBLIC_KEY: &str =
    "The attestation document in the Recipient parameter does not include a public key.";
const NOT_A_MAP: &str =
    "The payload of the attestation document in the Recipient parameter is not a CBOR map.";
const UNUSABLE_KEY: &str = "The public key in the attestation document must be a DER-encoded SubjectPublicKeyInfo of an RSA key of 2048 to 4096 bits.";

/// An RSA-1024 public key: well-formed, too small.
fn rsa_1024_spki() -> Vec<u8> {
    let k = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 1024).expect("rsa-1024");
    k.to_public_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec()
}

/// An EC P-256 public key: a SubjectPublicKeyInfo, not RSA.
fn ec_spki() -> Vec<u8> {
    use p256::pkcs8::EncodePublicKey as _;
    p256::SecretKey::random(&mut rand::thread_rng())
        .public_key()
        .to_public_key_der()
        .expect("ec spki")
        .as_bytes()
        .to_vec()
}

/// Every malformed document, on each of the three operations.
#[tokio::test]
async fn malformed_attestation_documents_are_validation_exceptions() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = c
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let blob = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"secret".to_vec()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    let no_key = cose_sign1(cbor_map(vec![("module_id", Value::Text("m".into()))]));
    let mut array = Vec::new();
    ciborium::into_writer(&Value::Array(vec![]), &mut array).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "not CBOR",
            b"\xffnot an attestation document".to_vec(),
            NOT_COSE,
        ),
        ("a CBOR map, not COSE_Sign1", cbor_map(vec![]), NOT_COSE),
        ("payload not a map", cose_sign1(array), NOT_A_MAP),
        ("no public_key", no_key, NO_PUBLIC_KEY),
        (
            "public_key null",
            attestation_document(Value::Null),
            NO_PUBLIC_KEY,
        ),
        (
            "public_key not DER",
            attestation_document(Value::Bytes(b"not a key".to_vec())),
            UNUSABLE_KEY,
        ),
        (
            "public_key EC",
            attestation_document(Value::Bytes(ec_spki())),
            UNUSABLE_KEY,
        ),
        (
            "public_key RSA-1024",
            attestation_document(Value::Bytes(rsa_1024_spki())),
            UNUSABLE_KEY,
        ),
    ];
    for (name, doc, want) in cases {
        let r = recipient_with(doc);
        let (code, msg) = err_code(
            c.decrypt()
                .ciphertext_blob(blob.clone())
                .recipient(r.clone())
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "Decrypt, {name}");
        assert_eq!(msg.as_deref(), Some(want), "Decrypt, {name}");
        let (code, msg) = err_code(
            c.generate_data_key()
                .key_id(&id)
                .number_of_bytes(32)
                .recipient(r.clone())
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "GenerateDataKey, {name}");
        assert_eq!(msg.as_deref(), Some(want), "GenerateDataKey, {name}");
        let (code, msg) = err_code(
            c.generate_random()
                .number_of_bytes(32)
                .recipient(r)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "GenerateRandom, {name}");
        assert_eq!(msg.as_deref(), Some(want), "GenerateRandom, {name}");
    }
    tc.stop().await;
}

/// The model's constraints on the members, and both members required.
#[tokio::test]
async fn recipient_members_are_validated() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let doc = attestation_document(Value::Bytes(enclave_spki()));
    let (code, msg) = err_code(
        c.generate_random()
            .number_of_bytes(8)
            .recipient(
                RecipientInfo::builder()
                    .attestation_document(Blob::new(doc.clone()))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value null at 'recipient.keyEncryptionAlgorithm' failed \
         to satisfy constraint: Member must not be null"
            .into(),
    );
    let (code, msg) = err_code(
        c.generate_random()
            .number_of_bytes(8)
            .recipient(
                RecipientInfo::builder()
                    .attestation_document(Blob::new(doc))
                    .key_encryption_algorithm(KeyEncryptionMechanism::from("RSAES_OAEP_SHA_1"))
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value 'RSAES_OAEP_SHA_1' at \
         'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy \
         enum value set: [RSAES_OAEP_SHA_256]"
            .into(),
    );
    let (code, msg) = err_code(
        c.generate_random()
            .number_of_bytes(8)
            .recipient(recipient_with(vec![0u8; 262_145]))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value at 'recipient.attestationDocument' failed to \
         satisfy constraint: Member must have length less than or equal to 262144"
            .into(),
    );
    tc.stop().await;
}

/// The document is judged before the key: a bad document on a key that does not exist is a
/// ValidationException, and with DryRun a good one still gets DryRunOperationException.
#[tokio::test]
async fn document_is_judged_before_the_key_and_dry_run() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (code, _) = err_code(
        c.generate_data_key()
            .key_id("alias/does-not-exist")
            .number_of_bytes(32)
            .recipient(recipient_with(b"junk".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, _) = err_code(
        c.generate_data_key()
            .key_id("alias/does-not-exist")
            .number_of_bytes(32)
            .recipient(recipient())
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    let id = c
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let (code, _) = err_code(
        c.generate_data_key()
            .key_id(&id)
            .number_of_bytes(32)
            .recipient(recipient())
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    tc.stop().await;
}
