//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom
//! (contract §3.13, E-1 … E-13, §6.2 B-1 … B-6) through the SDK over real HTTP.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, EncryptionAlgorithmSpec};
use aws_sdk_kms::Client;

use crate::common::*;

const REGION: &str = "us-east-1";

/// Creates a symmetric AWS_KMS key; returns (bare id, ARN, CurrentKeyMaterialId).
async fn new_key(client: &Client) -> (String, String, String) {
    let out = client.create_key().send().await.expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (
        md.key_id().to_string(),
        md.arn().expect("Arn").to_string(),
        md.current_key_material_id()
            .expect("CurrentKeyMaterialId")
            .to_string(),
    )
}

async fn encrypt(client: &Client, key: &str, plaintext: &[u8]) -> Blob {
    client
        .encrypt()
        .key_id(key)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

fn is_key_material_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn e5_encrypt_decrypt_round_trip_without_key_id() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = new_key(&c).await;
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
    let (id, arn, material) = new_key(&c).await;
    c.create_alias()
        .alias_name("alias/crypto-dec")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
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
    let (id, arn, _) = new_key(&c).await;
    let (status, _, body) = tc
        .raw(
            &tc.region_url(REGION),
            Some("TrentService.Encrypt"),
            Some("application/x-amz-json-1.1"),
            serde_json::json!({ "KeyId": id, "Plaintext": "aGVsbG8=" }).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let obj = body.as_object().expect("JSON object");
    let mut members: Vec<&str> = obj.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["CiphertextBlob", "EncryptionAlgorithm", "KeyId"],
        "{body}"
    );
    assert_eq!(obj["KeyId"], serde_json::json!(arn));
    assert_eq!(obj["EncryptionAlgorithm"], "SYMMETRIC_DEFAULT");
    tc.stop().await;
}

/// E-7/B-4: the encryption context is authenticated and must match exactly.
#[tokio::test]
async fn e7_encryption_context_must_match_exactly() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = new_key(&c).await;
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
    let (id, _, _) = new_key(&c).await;
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
    let (id_a, _, _) = new_key(&c).await;
    let (id_b, arn_b, _) = new_key(&c).await;
    c.create_alias()
        .alias_name("alias/other-key")
        .target_key_id(&id_b)
        .send()
        .await
        .unwrap();
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
    let (id, _, _) = new_key(&east).await;
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
    let (id, _, _) = new_key(&c).await;
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
    let (id, _, _) = new_key(&c).await;
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
    let (id, _, _) = new_key(&c).await;
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

/// E-12: DryRun=true on a valid request → DryRunOperationException, and nothing happens.
#[tokio::test]
async fn e12_dry_run_encrypt_decrypt_re_encrypt_generate_data_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = new_key(&c).await;
    let (id2, _, _) = new_key(&c).await;
    let blob = encrypt(&c, &id, b"dry").await;
    const DRY: &str = "The request would have succeeded, but the DryRun option is set.";

    let check = |op: &str, r: (String, Option<String>)| {
        assert_eq!(r.0, "DryRunOperationException", "{op}");
        assert_eq!(r.1.as_deref(), Some(DRY), "{op}");
    };
    check(
        "Encrypt",
        err_code(
            c.encrypt()
                .key_id(&id)
                .plaintext(Blob::new(b"x".to_vec()))
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "Decrypt",
        err_code(
            c.decrypt()
                .ciphertext_blob(blob.clone())
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "ReEncrypt",
        err_code(
            c.re_encrypt()
                .ciphertext_blob(blob.clone())
                .destination_key_id(&id2)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "GenerateDataKey",
        err_code(
            c.generate_data_key()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    check(
        "GenerateDataKeyWithoutPlaintext",
        err_code(
            c.generate_data_key_without_plaintext()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .dry_run(true)
                .send()
                .await,
        ),
    );
    // DryRun=false behaves like no DryRun.
    c.encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"x".to_vec()))
        .dry_run(false)
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

/// E-12: DryRun only answers DryRunOperationException for an otherwise valid request; a
/// request that would fail reports its real error.
#[tokio::test]
async fn e12_dry_run_on_a_disabled_key_reports_disabled() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, _) = new_key(&c).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    assert_eq!(msg, Some(format!("{arn} is disabled.")));
    tc.stop().await;
}

/// E-13: ReEncrypt decrypts with the source and encrypts under the destination's CURRENT
/// material, reporting both material ids.
#[tokio::test]
async fn e13_re_encrypt_between_two_keys() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (src, src_arn, src_material) = new_key(&c).await;
    let (dst, dst_arn, dst_material) = new_key(&c).await;
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
    let (src, _, _) = new_key(&c).await;
    let (dst, _, _) = new_key(&c).await;
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
    let (src, _, _) = new_key(&c).await;
    let (dst, _, _) = new_key(&c).await;
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

/// E-11/E-4: KeySpec AES_256/AES_128 or NumberOfBytes; the blob decrypts to the plaintext;
/// KeyMaterialId is the CURRENT material.
#[tokio::test]
async fn e11_generate_data_key_with_key_spec_or_number_of_bytes() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn, material) = new_key(&c).await;
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
    let (id, _, _) = new_key(&c).await;
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
    let (id, _, _) = new_key(&c).await;
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
    let (id, arn, material) = new_key(&c).await;
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
    let (status, _, body) = tc
        .raw(
            &tc.region_url(REGION),
            Some("TrentService.GenerateDataKeyWithoutPlaintext"),
            Some("application/x-amz-json-1.1"),
            serde_json::json!({ "KeyId": id, "NumberOfBytes": 8 }).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut members: Vec<&str> = body
        .as_object()
        .expect("JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
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
    // [CHOICE] in src/ops/crypto.rs: no NumberOfBytes is refused as missing.
    let (code, msg) = err_code(c.generate_random().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null")
    );
    tc.stop().await;
}

/// B-6: a random nonce per call, so equal plaintexts give different blobs.
#[tokio::test]
async fn b6_same_plaintext_twice_gives_different_blobs() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _, _) = new_key(&c).await;
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
    let (id, arn, material) = new_key(&c).await;
    c.create_alias()
        .alias_name("alias/crypto-app")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
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

        let (dst, dst_arn, _) = new_key(&c).await;
        c.create_alias()
            .alias_name(format!("alias/dst-{dst}"))
            .target_key_id(&dst)
            .send()
            .await
            .unwrap();
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
