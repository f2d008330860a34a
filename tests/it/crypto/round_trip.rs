//! Encrypt and Decrypt that succeed (E-5, B-6, C-46): with and without KeyId, by id, ARN,
//! alias and alias ARN, and the members of the Encrypt response.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, EncryptionAlgorithmSpec};

use super::*;
use crate::common::*;

#[tokio::test]
async fn e5_encrypt_decrypt_round_trip_without_key_id() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = symmetric_key(&c).await;
    assert!(is_key_material_id(&material), "{material}");

    let enc = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"round trip".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(enc.key_id(), Some(arn.as_str()));
    assert_eq!(
        enc.encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );

    let dec = c
        .decrypt()
        .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"round trip");
    assert_eq!(dec.key_id(), Some(arn.as_str()));
    assert_eq!(dec.key_material_id(), Some(material.as_str()));
    assert_eq!(
        dec.encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    tc.stop().await;
}

#[tokio::test]
async fn e5_decrypt_with_key_id_as_id_arn_alias_and_alias_arn() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = symmetric_key(&c).await;
    create_alias(&c, "alias/crypto-dec", &id).await;
    let blob = encrypt(&c, &id, b"with key id").await;
    let alias_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/crypto-dec");
    for key_id in [
        id.clone(),
        arn.clone(),
        "alias/crypto-dec".to_string(),
        alias_arn,
    ] {
        let dec = c
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("Decrypt with KeyId {key_id}: {e:?}"));
        assert_eq!(
            dec.plaintext().unwrap().as_ref(),
            b"with key id",
            "{key_id}"
        );
        assert_eq!(dec.key_id(), Some(arn.as_str()), "{key_id}");
        assert_eq!(dec.key_material_id(), Some(material.as_str()), "{key_id}");
    }
    tc.stop().await;
}

/// §3.13: the Encrypt response has no KeyMaterialId member on the wire.
#[tokio::test]
async fn e5_encrypt_response_has_no_key_material_id() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, _) = symmetric_key(&c).await;
    let (status, body) = raw_op(
        &tc,
        REGION,
        "Encrypt",
        serde_json::json!({ "KeyId": id, "Plaintext": "aGVsbG8=" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        members(&body),
        ["CiphertextBlob", "EncryptionAlgorithm", "KeyId"],
        "{body}"
    );
    assert_eq!(body["KeyId"], serde_json::json!(arn));
    assert_eq!(body["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    tc.stop().await;
}

/// B-6: a random nonce per call, so equal plaintexts give different blobs.
#[tokio::test]
async fn b6_same_plaintext_twice_gives_different_blobs() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let a = encrypt(&c, &id, b"same").await;
    let b = encrypt(&c, &id, b"same").await;
    assert_ne!(a.as_ref(), b.as_ref());
    for blob in [a, b] {
        let dec = c.decrypt().ciphertext_blob(blob).send().await.unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"same");
    }
    tc.stop().await;
}

/// C-46/W-43: crypto ops accept an alias name and an alias ARN as KeyId.
#[tokio::test]
async fn c46_key_usable_through_alias_name_and_alias_arn() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = symmetric_key(&c).await;
    create_alias(&c, "alias/crypto-app", &id).await;
    let alias_arn = format!("arn:aws:kms:{REGION}:{ACCOUNT}:alias/crypto-app");
    for key_id in ["alias/crypto-app", alias_arn.as_str()] {
        let enc = c
            .encrypt()
            .key_id(key_id)
            .plaintext(Blob::new(b"via alias".to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("Encrypt via {key_id}: {e:?}"));
        assert_eq!(enc.key_id(), Some(arn.as_str()), "{key_id}");
        let dec = c
            .decrypt()
            .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"via alias");
        assert_eq!(dec.key_id(), Some(arn.as_str()));

        let dk = c
            .generate_data_key()
            .key_id(key_id)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GenerateDataKey via {key_id}: {e:?}"));
        assert_eq!(dk.key_id(), Some(arn.as_str()), "{key_id}");
        assert_eq!(dk.key_material_id(), Some(material.as_str()), "{key_id}");

        let (dst, dst_arn, _) = symmetric_key(&c).await;
        create_alias(&c, &format!("alias/dst-{dst}"), &dst).await;
        let re = c
            .re_encrypt()
            .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
            .source_key_id(key_id)
            .destination_key_id(format!("alias/dst-{dst}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("ReEncrypt via {key_id}: {e:?}"));
        assert_eq!(re.source_key_id(), Some(arn.as_str()));
        assert_eq!(re.key_id(), Some(dst_arn.as_str()));
    }
    // An alias that does not exist (C-46).
    let (code, msg) = err_code(
        c.encrypt()
            .key_id("alias/no-such-alias")
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg,
        Some(format!(
            "Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/no-such-alias is not found."
        ))
    );
    tc.stop().await;
}
