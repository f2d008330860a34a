//! A pair of every DataKeyPairSpec kmsim generates, checked independently (DK-1, DK-3, DK-5).

use aws_sdk_kms::types::DataKeyPairSpec;

use super::*;

/// DK-1/DK-3: every RSA and ECC spec, under one symmetric key.
#[tokio::test]
async fn dk1_rsa_and_ecc_pairs_match_their_public_keys_and_decrypt() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    for spec in [
        DataKeyPairSpec::Rsa2048,
        DataKeyPairSpec::Rsa3072,
        DataKeyPairSpec::Rsa4096,
        DataKeyPairSpec::EccNistP256,
        DataKeyPairSpec::EccNistP384,
        DataKeyPairSpec::EccNistP521,
        DataKeyPairSpec::EccSecgP256K1,
    ] {
        check_pair(&c, &id, &arn, spec).await;
    }
    tc.stop().await;
}

/// DK-1/DK-3: Ed25519 (generation comes with the Ed25519 key family).
#[tokio::test]
async fn dk1_ed25519_pair_matches_its_public_key_and_decrypts() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    check_pair(&c, &id, &arn, DataKeyPairSpec::EccNistEdwards25519).await;
    tc.stop().await;
}

/// DK-1/DK-3: ML-KEM in seed form (generation comes with the ML-KEM key family).
#[tokio::test]
async fn dk1_ml_kem_pairs_are_seeds_that_expand_to_their_public_keys() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    for spec in [
        DataKeyPairSpec::MlKem512,
        DataKeyPairSpec::MlKem768,
        DataKeyPairSpec::MlKem1024,
    ] {
        check_pair(&c, &id, &arn, spec).await;
    }
    tc.stop().await;
}

/// DK-3: every call makes a fresh pair, unrelated to the KMS key; the response of the
/// WithoutPlaintext operation has no `PrivateKeyPlaintext` member at all (W-23).
#[tokio::test]
async fn dk3_pairs_are_fresh_and_without_plaintext_has_no_private_key_member() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let a = raw_ok(
        &tc,
        REGION,
        "GenerateDataKeyPair",
        serde_json::json!({"KeyId": id, "KeyPairSpec": "ECC_NIST_P256"}),
    )
    .await;
    let b = raw_ok(
        &tc,
        REGION,
        "GenerateDataKeyPair",
        serde_json::json!({"KeyId": id, "KeyPairSpec": "ECC_NIST_P256"}),
    )
    .await;
    assert_ne!(a["PublicKey"], b["PublicKey"]);
    assert_eq!(
        members(&a),
        [
            "KeyId",
            "KeyMaterialId",
            "KeyPairSpec",
            "PrivateKeyCiphertextBlob",
            "PrivateKeyPlaintext",
            "PublicKey"
        ]
    );
    let w = raw_ok(
        &tc,
        REGION,
        "GenerateDataKeyPairWithoutPlaintext",
        serde_json::json!({"KeyId": id, "KeyPairSpec": "ECC_NIST_P256"}),
    )
    .await;
    assert_eq!(
        members(&w),
        [
            "KeyId",
            "KeyMaterialId",
            "KeyPairSpec",
            "PrivateKeyCiphertextBlob",
            "PublicKey"
        ]
    );
    tc.stop().await;
}

/// DK-5: the private key is sealed under the CURRENT material: after a rotation the new
/// material's id is reported, and a pair made before the rotation still decrypts.
#[tokio::test]
async fn dk5_pairs_follow_the_current_material_across_rotation() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let before = c
        .generate_data_key_pair_without_plaintext()
        .key_id(&id)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    let old = current_material(&c, &id).await;
    assert_eq!(before.key_material_id(), Some(old.as_str()));
    rotate(&c, &id).await;
    let new = current_material(&c, &id).await;
    assert_ne!(old, new);
    let after = c
        .generate_data_key_pair_without_plaintext()
        .key_id(&id)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .send()
        .await
        .unwrap();
    assert_eq!(after.key_material_id(), Some(new.as_str()));
    let (_, mid) =
        decrypt_with_material(&c, before.private_key_ciphertext_blob().unwrap().clone()).await;
    assert_eq!(mid, old);
    tc.stop().await;
}
