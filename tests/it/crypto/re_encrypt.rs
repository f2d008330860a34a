//! ReEncrypt (E-13): between two keys, with a wrong SourceKeyId, and with a wrong source
//! encryption context.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::EncryptionAlgorithmSpec;

use super::*;
use crate::common::*;

/// E-13: ReEncrypt decrypts with the source and encrypts under the destination's CURRENT
/// material, reporting both material ids.
#[tokio::test]
async fn e13_re_encrypt_between_two_keys() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (src, src_arn, src_material) = symmetric_key(&c).await;
    let (dst, dst_arn, dst_material) = symmetric_key(&c).await;
    let blob = c
        .encrypt()
        .key_id(&src)
        .plaintext(Blob::new(b"move me".to_vec()))
        .encryption_context("from", "src")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();

    for source_key_id in [None, Some(src.clone()), Some(src_arn.clone())] {
        let out = c
            .re_encrypt()
            .ciphertext_blob(blob.clone())
            .set_source_key_id(source_key_id.clone())
            .source_encryption_context("from", "src")
            .destination_key_id(&dst)
            .destination_encryption_context("to", "dst")
            .send()
            .await
            .unwrap_or_else(|e| panic!("ReEncrypt with SourceKeyId {source_key_id:?}: {e:?}"));
        assert_eq!(out.source_key_id(), Some(src_arn.as_str()));
        assert_eq!(out.key_id(), Some(dst_arn.as_str()));
        assert_eq!(out.source_key_material_id(), Some(src_material.as_str()));
        assert_eq!(
            out.destination_key_material_id(),
            Some(dst_material.as_str())
        );
        assert_eq!(
            out.source_encryption_algorithm(),
            Some(&EncryptionAlgorithmSpec::SymmetricDefault)
        );
        assert_eq!(
            out.destination_encryption_algorithm(),
            Some(&EncryptionAlgorithmSpec::SymmetricDefault)
        );

        let new_blob = out.ciphertext_blob().unwrap().clone();
        let dec = c
            .decrypt()
            .ciphertext_blob(new_blob.clone())
            .encryption_context("to", "dst")
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"move me");
        assert_eq!(dec.key_id(), Some(dst_arn.as_str()));
        assert_eq!(dec.key_material_id(), Some(dst_material.as_str()));

        // The new blob belongs to the destination key only.
        let (code, _) = err_code(
            c.decrypt()
                .key_id(&src)
                .ciphertext_blob(new_blob)
                .encryption_context("to", "dst")
                .send()
                .await,
        );
        assert_eq!(code, "IncorrectKeyException");
    }
    tc.stop().await;
}

/// E-13: a SourceKeyId that differs from the blob's key → IncorrectKeyException.
#[tokio::test]
async fn e13_re_encrypt_with_wrong_source_key_id_is_incorrect_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (src, _, _) = symmetric_key(&c).await;
    let (dst, _, _) = symmetric_key(&c).await;
    let blob = encrypt(&c, &src, b"x").await;
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(blob)
            .source_key_id(&dst)
            .destination_key_id(&dst)
            .send()
            .await,
    );
    assert_eq!(code, "IncorrectKeyException");
    assert_eq!(
        msg.as_deref(),
        Some("The key ID in the request does not identify a CMK that can perform this operation.")
    );
    tc.stop().await;
}

/// E-13 with E-7: the source encryption context must match.
#[tokio::test]
async fn e13_re_encrypt_with_wrong_source_context_is_invalid_ciphertext() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (src, _, _) = symmetric_key(&c).await;
    let (dst, _, _) = symmetric_key(&c).await;
    let blob = c
        .encrypt()
        .key_id(&src)
        .plaintext(Blob::new(b"x".to_vec()))
        .encryption_context("a", "1")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let (code, msg) = err_code(
        c.re_encrypt()
            .ciphertext_blob(blob)
            .destination_key_id(&dst)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(msg, None);
    tc.stop().await;
}
