//! GenerateDataKey, GenerateDataKeyWithoutPlaintext (E-4, E-11) and GenerateRandom: sizes,
//! their limits, and blobs that decrypt.

use aws_sdk_kms::types::DataKeySpec;

use super::*;
use crate::common::*;

/// E-11/E-4: KeySpec AES_256/AES_128 or NumberOfBytes; the blob decrypts to the plaintext;
/// KeyMaterialId is the CURRENT material.
#[tokio::test]
async fn e11_generate_data_key_with_key_spec_or_number_of_bytes() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = symmetric_key(&c).await;
    let cases: Vec<(String, Option<DataKeySpec>, Option<i32>, usize)> = vec![
        ("AES_256".into(), Some(DataKeySpec::Aes256), None, 32),
        ("AES_128".into(), Some(DataKeySpec::Aes128), None, 16),
        ("NumberOfBytes 1".into(), None, Some(1), 1),
        ("NumberOfBytes 64".into(), None, Some(64), 64),
        ("NumberOfBytes 1024".into(), None, Some(1024), 1024),
    ];
    for (name, spec, n, len) in cases {
        let out = c
            .generate_data_key()
            .key_id(&id)
            .set_key_spec(spec)
            .set_number_of_bytes(n)
            .encryption_context("dk", "1")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let plain = out.plaintext().expect("Plaintext").as_ref().to_vec();
        assert_eq!(plain.len(), len, "{name}");
        assert_eq!(out.key_id(), Some(arn.as_str()), "{name}");
        assert_eq!(out.key_material_id(), Some(material.as_str()), "{name}");
        let dec = c
            .decrypt()
            .ciphertext_blob(out.ciphertext_blob().unwrap().clone())
            .encryption_context("dk", "1")
            .send()
            .await
            .unwrap();
        assert_eq!(
            dec.plaintext().unwrap().as_ref(),
            plain.as_slice(),
            "{name}"
        );
        assert_eq!(dec.key_material_id(), Some(material.as_str()), "{name}");
    }
    tc.stop().await;
}

/// E-11: exactly one of KeySpec and NumberOfBytes.
#[tokio::test]
async fn e11_generate_data_key_needs_exactly_one_of_key_spec_and_number_of_bytes() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let (code, msg) = err_code(c.generate_data_key().key_id(&id).send().await);
    assert_eq!(code, "ValidationException", "neither");
    assert_eq!(
        msg.as_deref(),
        Some("Please specify either number of bytes or key spec.")
    );
    let (code, msg) = err_code(
        c.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .number_of_bytes(32)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException", "both");
    assert_eq!(
        msg.as_deref(),
        Some("Please specify either number of bytes or key spec, not both.")
    );
    let (code, msg) = err_code(
        c.generate_data_key_without_plaintext()
            .key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException", "neither, without plaintext");
    assert_eq!(
        msg.as_deref(),
        Some("Please specify either number of bytes or key spec.")
    );
    tc.stop().await;
}

/// E-11 / W-35: NumberOfBytes is 1..1024, and KeySpec an enum.
#[tokio::test]
async fn e11_generate_data_key_number_of_bytes_out_of_range() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = symmetric_key(&c).await;
    let (code, msg) = err_code(
        c.generate_data_key()
            .key_id(&id)
            .number_of_bytes(1025)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")
    );
    let (code, msg) = err_code(
        c.generate_data_key()
            .key_id(&id)
            .number_of_bytes(0)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let (code, msg) = err_code(
        c.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::from("AES_512"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]")
    );
    tc.stop().await;
}

/// §3.13: GenerateDataKeyWithoutPlaintext returns no Plaintext; its blob decrypts.
#[tokio::test]
async fn e4_generate_data_key_without_plaintext_has_no_plaintext_but_decrypts() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = symmetric_key(&c).await;
    let out = c
        .generate_data_key_without_plaintext()
        .key_id(&id)
        .key_spec(DataKeySpec::Aes128)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.key_material_id(), Some(material.as_str()));
    let dec = c
        .decrypt()
        .ciphertext_blob(out.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref().len(), 16);
    assert_eq!(dec.key_material_id(), Some(material.as_str()));

    // On the wire: no Plaintext member at all.
    let (status, body) = raw_op(
        &tc,
        REGION,
        "GenerateDataKeyWithoutPlaintext",
        serde_json::json!({ "KeyId": id, "NumberOfBytes": 8 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        members(&body),
        ["CiphertextBlob", "KeyId", "KeyMaterialId"],
        "{body}"
    );
    tc.stop().await;
}

/// GenerateRandom: 1..1024 bytes.
#[tokio::test]
async fn generate_random_lengths_and_range() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    for n in [1, 16, 32, 1024] {
        let out = c.generate_random().number_of_bytes(n).send().await.unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref().len(), n as usize, "{n}");
    }
    // Two 32-byte draws differ.
    let a = c
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let b = c
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_ne!(a.plaintext().unwrap(), b.plaintext().unwrap());

    let (code, msg) = err_code(c.generate_random().number_of_bytes(0).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let (code, msg) = err_code(c.generate_random().number_of_bytes(1025).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")
    );
    // AWS's own text for the member the model leaves optional (protocol::overrides).
    let (code, msg) = err_code(c.generate_random().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some("NumberOfBytes is required."));
    tc.stop().await;
}
