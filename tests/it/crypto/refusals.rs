//! Encrypt and Decrypt that are refused (E-6, E-7, E-9, E-10, W-35): encryption context,
//! tampered blobs, another key or Region, plaintext size and algorithm.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::EncryptionAlgorithmSpec;

use super::*;
use crate::common::*;

/// E-7/B-4: the encryption context is authenticated and must match exactly.
#[tokio::test]
async fn e7_encryption_context_must_match_exactly() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let blob = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"ctx".to_vec()))
        .encryption_context("purpose", "test")
        .encryption_context("tenant", "a")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();

    // The exact context (in any order) decrypts.
    let ok = c
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("tenant", "a")
        .encryption_context("purpose", "test")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.plaintext().unwrap().as_ref(), b"ctx");

    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("missing", vec![]),
        ("partial", vec![("purpose", "test")]),
        (
            "different value",
            vec![("purpose", "test"), ("tenant", "b")],
        ),
        ("different case", vec![("purpose", "Test"), ("tenant", "a")]),
        (
            "extra pair",
            vec![("purpose", "test"), ("tenant", "a"), ("x", "y")],
        ),
    ];
    for (name, ctx) in cases {
        let mut req = c.decrypt().ciphertext_blob(blob.clone());
        for (k, v) in ctx {
            req = req.encryption_context(k, v);
        }
        let (code, msg) = err_code(req.send().await);
        assert_eq!(code, "InvalidCiphertextException", "{name}");
        assert_eq!(msg, None, "{name}: W-32 no message");
    }

    // A blob made without context refuses a context given at Decrypt.
    let plain_blob = encrypt(&c, &id, b"no ctx").await;
    let (code, msg) = err_code(
        c.decrypt()
            .ciphertext_blob(plain_blob)
            .encryption_context("purpose", "test")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(msg, None);
    tc.stop().await;
}

/// E-7/B-1/B-4: a tampered, truncated or garbage blob is invalid ciphertext, with no message.
#[tokio::test]
async fn e7_tampered_blob_is_invalid_ciphertext() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let blob = encrypt(&c, &id, b"do not touch").await.into_inner();

    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
    for i in [blob.len() - 1, blob.len() - 20, blob.len() / 2, 0, 1] {
        let mut b = blob.clone();
        b[i] ^= 0x01;
        variants.push((format!("byte {i} flipped"), b));
    }
    variants.push(("truncated".into(), blob[..blob.len() - 1].to_vec()));
    variants.push(("header only".into(), blob[..40].to_vec()));
    variants.push(("one byte".into(), vec![0x01]));
    variants.push(("garbage".into(), b"not a kms ciphertext at all".to_vec()));
    for (name, b) in variants {
        let (code, msg) = err_code(c.decrypt().ciphertext_blob(Blob::new(b)).send().await);
        assert_eq!(code, "InvalidCiphertextException", "{name}");
        assert_eq!(msg, None, "{name}");
    }
    tc.stop().await;
}

/// E-6: Decrypt with a KeyId naming a different key than the blob.
#[tokio::test]
async fn e6_decrypt_with_another_key_id_is_incorrect_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id_a, _, _) = symmetric_key(&c).await;
    let (id_b, arn_b, _) = symmetric_key(&c).await;
    create_alias(&c, "alias/other-key", &id_b).await;
    let blob = encrypt(&c, &id_a, b"for a").await;
    for key_id in [id_b.clone(), arn_b, "alias/other-key".to_string()] {
        let (code, msg) = err_code(
            c.decrypt()
                .key_id(&key_id)
                .ciphertext_blob(blob.clone())
                .send()
                .await,
        );
        assert_eq!(code, "IncorrectKeyException", "{key_id}");
        assert_eq!(
            msg.as_deref(),
            Some("The key ID in the request does not identify a CMK that can perform this operation."),
            "{key_id}"
        );
    }
    tc.stop().await;
}

/// E-7: a single-Region key's blob is unknown in another Region.
#[tokio::test]
async fn e7_blob_from_a_key_in_another_region_is_invalid_ciphertext() {
    let tc = TestCluster::start().await;
    let east = tc.client("us-east-1");
    let west = tc.client("eu-west-1");
    let (id, _, _) = symmetric_key(&east).await;
    let blob = encrypt(&east, &id, b"stay home").await;
    let (code, msg) = err_code(west.decrypt().ciphertext_blob(blob.clone()).send().await);
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(msg, None);
    // The same through the gateway, signed for eu-west-1.
    let (code, msg) = err_code(
        tc.gateway_client("eu-west-1")
            .decrypt()
            .ciphertext_blob(blob)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(msg, None);
    tc.stop().await;
}

/// E-9: 4096 bytes is the symmetric limit.
#[tokio::test]
async fn e9_plaintext_of_4097_bytes_is_rejected() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(vec![7u8; 4097]))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
    );
    // An empty plaintext is below the 1-byte minimum.
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(Vec::new()))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    // Exactly 4096 bytes works and round-trips (B-5: the blob fits in 6144 bytes).
    let blob = encrypt(&c, &id, &[7u8; 4096]).await;
    assert!(blob.as_ref().len() <= 6144);
    let dec = c.decrypt().ciphertext_blob(blob).send().await.unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), &[7u8; 4096][..]);
    tc.stop().await;
}

/// E-10: a symmetric key accepts only SYMMETRIC_DEFAULT.
#[tokio::test]
async fn e10_rsa_algorithm_on_symmetric_key_is_invalid_key_usage() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let expected = "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.";
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(msg.as_deref(), Some(expected));

    let blob = encrypt(&c, &id, b"x").await;
    let (code, msg) = err_code(
        c.decrypt()
            .ciphertext_blob(blob)
            .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(msg.as_deref(), Some(expected));

    // SYMMETRIC_DEFAULT given explicitly is fine.
    c.encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"x".to_vec()))
        .encryption_algorithm(EncryptionAlgorithmSpec::SymmetricDefault)
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

/// W-35: an EncryptionAlgorithm outside the enum.
#[tokio::test]
async fn w35_bogus_encryption_algorithm_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .encryption_algorithm(EncryptionAlgorithmSpec::from("BOGUS"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value 'BOGUS' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]")
    );
    tc.stop().await;
}
