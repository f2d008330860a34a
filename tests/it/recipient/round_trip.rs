//! With a valid `Recipient`, the plaintext comes back only inside `CiphertextForRecipient`,
//! and the enclave's key opens it.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, EncryptionAlgorithmSpec, KeySpec, KeyUsageType};
use aws_sdk_kms::Client;

use super::*;
use crate::common::*;

/// A symmetric key; returns (id, ARN).
async fn symmetric(c: &Client) -> (String, String) {
    let md = c
        .create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .expect("md");
    (md.key_id, md.arn.expect("arn"))
}

/// Decrypt of symmetric ciphertext: `CiphertextForRecipient` opens to the plaintext that was
/// encrypted; no `Plaintext`; KeyId, algorithm and KeyMaterialId as without a recipient.
#[tokio::test]
async fn decrypt_returns_the_plaintext_only_for_the_recipient() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = symmetric(&c).await;
    for plain in [b"enclave secret".to_vec(), vec![0x5a; 4096], vec![1]] {
        let blob = c
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new(plain.clone()))
            .encryption_context("purpose", "enclave")
            .send()
            .await
            .expect("Encrypt")
            .ciphertext_blob
            .expect("blob");
        let out = c
            .decrypt()
            .ciphertext_blob(blob)
            .encryption_context("purpose", "enclave")
            .recipient(recipient())
            .send()
            .await
            .expect("Decrypt with Recipient");
        assert!(out.plaintext().is_none(), "Plaintext must be absent");
        assert_eq!(out.key_id(), Some(key_arn.as_str()));
        assert_eq!(
            out.encryption_algorithm(),
            Some(&EncryptionAlgorithmSpec::SymmetricDefault)
        );
        assert!(out.key_material_id().is_some());
        let envelope = out
            .ciphertext_for_recipient()
            .expect("CiphertextForRecipient");
        assert_eq!(open(envelope.as_ref()), plain);
    }
    tc.stop().await;
}

/// Decrypt with an RSA key (RSAES_OAEP_SHA_256 ciphertext) also answers the recipient only.
#[tokio::test]
async fn decrypt_with_an_rsa_key_returns_the_plaintext_only_for_the_recipient() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let md = c
        .create_key()
        .key_spec(KeySpec::Rsa2048)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .expect("md");
    let plain = b"rsa-wrapped secret".to_vec();
    let blob = c
        .encrypt()
        .key_id(&md.key_id)
        .plaintext(Blob::new(plain.clone()))
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob
        .expect("blob");
    let out = c
        .decrypt()
        .key_id(&md.key_id)
        .ciphertext_blob(blob)
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .recipient(recipient())
        .send()
        .await
        .expect("Decrypt with Recipient");
    assert!(out.plaintext().is_none());
    assert_eq!(
        open(out.ciphertext_for_recipient().expect("CFR").as_ref()),
        plain
    );
    tc.stop().await;
}

/// GenerateDataKey: `CiphertextBlob` is still returned, `Plaintext` is not, and the data key
/// inside `CiphertextForRecipient` is the one KMS Decrypt recovers from `CiphertextBlob`.
#[tokio::test]
async fn generate_data_key_gives_the_data_key_to_the_recipient_only() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = symmetric(&c).await;
    for (spec, n, len) in [
        (Some(DataKeySpec::Aes256), None, 32),
        (Some(DataKeySpec::Aes128), None, 16),
        (None, Some(1024), 1024),
    ] {
        let out = c
            .generate_data_key()
            .key_id(&id)
            .set_key_spec(spec)
            .set_number_of_bytes(n)
            .recipient(recipient())
            .send()
            .await
            .expect("GenerateDataKey with Recipient");
        assert!(out.plaintext().is_none(), "Plaintext must be absent");
        assert_eq!(out.key_id(), Some(key_arn.as_str()));
        assert!(out.key_material_id().is_some());
        let data_key = open(out.ciphertext_for_recipient().expect("CFR").as_ref());
        assert_eq!(data_key.len(), len);
        let dec = c
            .decrypt()
            .ciphertext_blob(out.ciphertext_blob().expect("CiphertextBlob").clone())
            .send()
            .await
            .expect("Decrypt of CiphertextBlob");
        assert_eq!(dec.plaintext().expect("Plaintext").as_ref(), data_key);
    }
    tc.stop().await;
}

/// GenerateRandom: the bytes arrive in `CiphertextForRecipient`, `Plaintext` is absent.
#[tokio::test]
async fn generate_random_gives_the_bytes_to_the_recipient_only() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let mut seen = Vec::new();
    for n in [1, 32, 1024] {
        let out = c
            .generate_random()
            .number_of_bytes(n)
            .recipient(recipient())
            .send()
            .await
            .expect("GenerateRandom with Recipient");
        assert!(out.plaintext().is_none(), "Plaintext must be absent");
        let bytes = open(out.ciphertext_for_recipient().expect("CFR").as_ref());
        assert_eq!(bytes.len(), n as usize);
        seen.push(bytes);
    }
    let again = c
        .generate_random()
        .number_of_bytes(32)
        .recipient(recipient())
        .send()
        .await
        .expect("again");
    assert_ne!(
        open(again.ciphertext_for_recipient().unwrap().as_ref()),
        seen[1]
    );
    tc.stop().await;
}

/// Without `Recipient` nothing changes: `Plaintext`, no `CiphertextForRecipient`.
#[tokio::test]
async fn without_recipient_the_plaintext_is_returned() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = symmetric(&c).await;
    let out = c
        .generate_data_key()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .expect("GenerateDataKey");
    assert_eq!(out.plaintext().expect("Plaintext").as_ref().len(), 32);
    assert!(out.ciphertext_for_recipient().is_none());
    let out = c.generate_random().number_of_bytes(8).send().await.unwrap();
    assert_eq!(out.plaintext().expect("Plaintext").as_ref().len(), 8);
    assert!(out.ciphertext_for_recipient().is_none());
    tc.stop().await;
}
