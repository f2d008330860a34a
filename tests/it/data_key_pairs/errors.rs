//! GenerateDataKeyPair(WithoutPlaintext) refusals: every error of the model's list that kmsim
//! can produce (DK-2, DK-4, E-1, E-3, E-7, E-12, W-35, W-44).

use aws_sdk_kms::types::{DataKeyPairSpec, KeySpec, KeyUsageType, OriginType};

use super::*;

/// Both operations on `key` with `spec` → (code, message) of each, which must agree.
async fn both_fail(c: &Client, key: &str, spec: DataKeyPairSpec) -> (String, Option<String>) {
    let a = err_code(
        c.generate_data_key_pair()
            .key_id(key)
            .key_pair_spec(spec.clone())
            .send()
            .await,
    );
    let b = err_code(
        c.generate_data_key_pair_without_plaintext()
            .key_id(key)
            .key_pair_spec(spec)
            .send()
            .await,
    );
    assert_eq!(a.0, b.0);
    (a.0, a.1)
}

/// DK-4/E-3: only a symmetric ENCRYPT_DECRYPT key encrypts the private key; an asymmetric or
/// HMAC key → InvalidKeyUsageException naming the operation.
#[tokio::test]
async fn dk4_asymmetric_and_hmac_keys_are_invalid_key_usage() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    for (spec, usage) in [
        (KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt),
        (KeySpec::EccNistP256, KeyUsageType::SignVerify),
        (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac),
    ] {
        let (id, arn) = new_key_of(&c, spec.clone(), usage.clone(), OriginType::AwsKms).await;
        let (code, msg) = err_code(
            c.generate_data_key_pair()
                .key_id(&id)
                .key_pair_spec(DataKeyPairSpec::EccNistP256)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidKeyUsageException", "{spec:?}");
        msg_is(
            msg,
            format!(
                "{arn} key usage is {} which is not valid for GenerateDataKeyPair.",
                usage.as_str()
            ),
        );
        let (code, msg) = err_code(
            c.generate_data_key_pair_without_plaintext()
                .key_id(&id)
                .key_pair_spec(DataKeyPairSpec::EccNistP256)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidKeyUsageException", "{spec:?}");
        msg_is(
            msg,
            format!(
                "{arn} key usage is {} which is not valid for GenerateDataKeyPairWithoutPlaintext.",
                usage.as_str()
            ),
        );
    }
    tc.stop().await;
}

/// E-1: the key-state column of the crypto operations (§4.3).
#[tokio::test]
async fn e1_disabled_pending_import_and_pending_deletion_keys_refuse() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = both_fail(&c, &id, DataKeyPairSpec::EccNistP256).await;
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{arn} is disabled."));

    let (ext, ext_arn) = external_key(&c).await;
    let (code, msg) = both_fail(&c, &ext, DataKeyPairSpec::Rsa2048).await;
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{ext_arn} is pending import."));

    let (del, del_arn) = aws_kms_key(&c).await;
    schedule_deletion(&c, &del, 7).await;
    let (code, msg) = both_fail(&c, &del, DataKeyPairSpec::Rsa2048).await;
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{del_arn} is pending deletion."));
    tc.stop().await;
}

/// W-44: an unknown key, an unknown alias; aliases and ARNs resolve (W-43).
#[tokio::test]
async fn w44_unknown_keys_are_not_found_and_aliases_resolve() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let missing = "11111111-2222-3333-4444-555555555555";
    let (code, msg) = both_fail(&c, missing, DataKeyPairSpec::EccNistP256).await;
    assert_eq!(code, "NotFoundException");
    msg_is(
        msg,
        format!("Key '{}' does not exist", arn(REGION, missing)),
    );

    let (id, key_arn) = aws_kms_key(&c).await;
    create_alias(&c, "alias/pairs", &id).await;
    for name in ["alias/pairs", &alias_arn(REGION, "alias/pairs"), &key_arn] {
        let out = c
            .generate_data_key_pair_without_plaintext()
            .key_id(name)
            .key_pair_spec(DataKeyPairSpec::EccNistP384)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(out.key_id(), Some(key_arn.as_str()));
    }
    tc.stop().await;
}

/// E-12: DryRun on a request that would succeed; a DryRun on a refused key reports the
/// refusal instead.
#[tokio::test]
async fn e12_dry_run() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    for r in [
        err_code(
            c.generate_data_key_pair()
                .key_id(&id)
                .key_pair_spec(DataKeyPairSpec::Rsa2048)
                .dry_run(true)
                .send()
                .await,
        ),
        err_code(
            c.generate_data_key_pair_without_plaintext()
                .key_id(&id)
                .key_pair_spec(DataKeyPairSpec::Rsa2048)
                .dry_run(true)
                .send()
                .await,
        ),
    ] {
        assert_eq!(r.0, "DryRunOperationException");
        msg_is(
            r.1,
            "The request would have succeeded, but the DryRun option is set.".into(),
        );
    }
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, _) = err_code(
        c.generate_data_key_pair()
            .key_id(&id)
            .key_pair_spec(DataKeyPairSpec::Rsa2048)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    tc.stop().await;
}

/// DK-2 [CHOICE]: SM2 is a China-Regions-only spec → UnsupportedOperationException.
#[tokio::test]
async fn dk2_sm2_is_china_only() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let (code, msg) = both_fail(&c, &id, DataKeyPairSpec::Sm2).await;
    assert_eq!(code, "UnsupportedOperationException");
    msg_is(
        msg,
        "KeyPairSpec SM2 is only available in China Regions.".into(),
    );
    tc.stop().await;
}

/// W-35: KeyPairSpec is required and must be in the enum, in AWS's validation format.
#[tokio::test]
async fn w35_key_pair_spec_required_and_in_the_enum() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    for op in ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"] {
        let (status, body) = raw_op(&tc, REGION, op, serde_json::json!({ "KeyId": id })).await;
        assert_eq!(status, 400);
        assert_eq!(body["__type"], "ValidationException");
        assert_eq!(
            body["message"],
            "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null"
        );
        let (status, body) = raw_op(
            &tc,
            REGION,
            op,
            serde_json::json!({ "KeyId": id, "KeyPairSpec": "RSA_1024" }),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(
            body["message"],
            "1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SM2, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]"
        );
    }
    tc.stop().await;
}

/// E-7: the private key is bound to the encryption context it was encrypted with.
#[tokio::test]
async fn e7_a_different_encryption_context_does_not_decrypt_the_private_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let out = c
        .generate_data_key_pair()
        .key_id(&id)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .encryption_context("a", "1")
        .send()
        .await
        .unwrap();
    let blob = out.private_key_ciphertext_blob().unwrap().clone();
    for ctx in [None, Some(("a", "2")), Some(("b", "1"))] {
        let mut r = c.decrypt().ciphertext_blob(blob.clone());
        if let Some((k, v)) = ctx {
            r = r.encryption_context(k, v);
        }
        let (code, msg) = err_code(r.send().await);
        assert_eq!(code, "InvalidCiphertextException", "{ctx:?}");
        assert_eq!(msg, None);
    }
    tc.stop().await;
}
