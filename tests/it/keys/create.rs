//! CreateKey (§3.1, C-1 … C-8, C-10, W-35): defaults, KeySpec × KeyUsage, origins,
//! multi-Region primaries, and what a new key is given.

use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, KeyManagerType, KeySpec, KeyState, KeyUsageType, MultiRegionKeyType,
    OriginType,
};
use serde_json::{json, Value};

use crate::common::*;

/// W-40: a lowercase UUID.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

#[tokio::test]
async fn create_key_defaults_to_symmetric_encrypt_decrypt_c1() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c.create_key().send().await.unwrap();
    let md = out.key_metadata().unwrap();
    assert_eq!(md.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(md.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(md.origin(), Some(&OriginType::AwsKms));
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert!(md.enabled());
    // W-40: a lowercase UUID; W-41: the ARN in the request Region.
    assert!(is_uuid(md.key_id()), "{}", md.key_id());
    assert_eq!(md.arn().unwrap(), arn("us-east-1", md.key_id()));
    assert_eq!(md.aws_account_id(), Some(ACCOUNT));
    assert_eq!(
        md.encryption_algorithms(),
        [EncryptionAlgorithmSpec::SymmetricDefault]
    );
    assert_eq!(md.multi_region(), Some(false));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_requires_key_usage_for_non_symmetric_spec_c2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    for spec in [KeySpec::Hmac256, KeySpec::Rsa2048, KeySpec::EccNistP256] {
        let (code, msg) = err_code(c.create_key().key_spec(spec.clone()).send().await);
        assert_eq!(code, "ValidationException", "{spec:?}");
        assert_eq!(
            msg.as_deref(),
            Some("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys."),
            "{spec:?}"
        );
    }
    // SYMMETRIC_DEFAULT without KeyUsage is fine.
    let out = c
        .create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.key_metadata().unwrap().key_usage(),
        Some(&KeyUsageType::EncryptDecrypt)
    );
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_usage_incompatible_with_spec_c3() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let cases = [
        (KeySpec::SymmetricDefault, KeyUsageType::SignVerify),
        (KeySpec::SymmetricDefault, KeyUsageType::GenerateVerifyMac),
        (KeySpec::Hmac256, KeyUsageType::EncryptDecrypt),
        (KeySpec::Rsa2048, KeyUsageType::GenerateVerifyMac),
        (KeySpec::EccNistP256, KeyUsageType::EncryptDecrypt),
        (KeySpec::EccSecgP256K1, KeyUsageType::KeyAgreement),
        (KeySpec::MlKem768, KeyUsageType::SignVerify),
    ];
    for (spec, usage) in cases {
        let (code, msg) = err_code(
            c.create_key()
                .key_spec(spec.clone())
                .key_usage(usage.clone())
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "{spec:?}/{usage:?}");
        assert_eq!(
            msg.unwrap(),
            format!(
                "KeyUsage {} is not compatible with KeySpec {}",
                usage.as_str(),
                spec.as_str()
            )
        );
    }
    // The one valid symmetric combination, spelled out.
    let out = c
        .create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.key_metadata().unwrap().key_state(),
        Some(&KeyState::Enabled)
    );
    tc.stop().await;
}

// CustomerMasterKeySpec is deprecated in the SDK; this test is about exactly that member.
#[allow(deprecated)]
#[tokio::test]
async fn create_key_rejects_key_spec_with_customer_master_key_spec_c4() {
    use aws_sdk_kms::types::CustomerMasterKeySpec;
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(
        c.create_key()
            .key_spec(KeySpec::SymmetricDefault)
            .customer_master_key_spec(CustomerMasterKeySpec::SymmetricDefault)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
    );
    // The deprecated member alone still works and maps to KeySpec.
    let out = c
        .create_key()
        .customer_master_key_spec(CustomerMasterKeySpec::SymmetricDefault)
        .send()
        .await
        .unwrap();
    let md = out.key_metadata().unwrap();
    assert_eq!(md.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(
        md.customer_master_key_spec(),
        Some(&CustomerMasterKeySpec::SymmetricDefault)
    );
    tc.stop().await;
}

#[tokio::test]
async fn create_key_external_is_pending_import_without_material_c5() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let md = out.key_metadata().unwrap();
    assert_eq!(md.origin(), Some(&OriginType::External));
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.current_key_material_id(), None);
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.valid_to(), None);
    assert_eq!(
        md.encryption_algorithms(),
        [EncryptionAlgorithmSpec::SymmetricDefault]
    );
    // DescribeKey agrees.
    let d = c.describe_key().key_id(md.key_id()).send().await.unwrap();
    let dm = d.key_metadata().unwrap();
    assert_eq!(dm.key_state(), Some(&KeyState::PendingImport));
    assert!(!dm.enabled());
    assert_eq!(dm.current_key_material_id(), None);
    assert_eq!(dm.expiration_model(), None);
    tc.stop().await;
}

#[tokio::test]
async fn create_key_multi_region_is_mrk_primary_c7() {
    let tc = TestCluster::start().await;
    let c = tc.client("eu-west-1");
    let out = c.create_key().multi_region(true).send().await.unwrap();
    let md = out.key_metadata().unwrap();
    let id = md.key_id();
    assert!(id.starts_with("mrk-"), "{id}");
    assert!(is_lower_hex(&id[4..], 32), "{id}");
    assert_eq!(md.multi_region(), Some(true));
    let mrc = md
        .multi_region_configuration()
        .expect("MultiRegionConfiguration");
    assert_eq!(
        mrc.multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    let primary = mrc.primary_key().expect("PrimaryKey");
    assert_eq!(primary.arn(), Some(arn("eu-west-1", id).as_str()));
    assert_eq!(primary.region(), Some("eu-west-1"));
    assert!(mrc.replica_keys().is_empty());
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));

    // On the wire: ReplicaKeys is present as an empty list.
    let raw = raw_ok(&tc, "eu-west-1", "DescribeKey", json!({"KeyId": id})).await;
    assert_eq!(
        raw["KeyMetadata"]["MultiRegionConfiguration"],
        json!({
            "MultiRegionKeyType": "PRIMARY",
            "PrimaryKey": {"Arn": arn("eu-west-1", id), "Region": "eu-west-1"},
            "ReplicaKeys": []
        })
    );
    tc.stop().await;
}

#[tokio::test]
async fn create_key_multi_region_external_is_pending_import_primary_c7() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c
        .create_key()
        .multi_region(true)
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let md = out.key_metadata().unwrap();
    assert!(md.key_id().starts_with("mrk-"));
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(
        md.multi_region_configuration()
            .unwrap()
            .multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    assert_eq!(md.current_key_material_id(), None);
    tc.stop().await;
}

#[tokio::test]
async fn create_key_refuses_custom_key_store_origins_c8() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    for origin in [OriginType::AwsCloudhsm, OriginType::ExternalKeyStore] {
        let (code, msg) = err_code(c.create_key().origin(origin.clone()).send().await);
        assert_eq!(code, "ValidationException", "{origin:?}");
        assert_eq!(
            msg.unwrap(),
            format!(
                "A CustomKeyStoreId is required for keys with Origin {}",
                origin.as_str()
            )
        );
        let (code, msg) = err_code(
            c.create_key()
                .origin(origin.clone())
                .custom_key_store_id("cks-1234567890abcdef0")
                .send()
                .await,
        );
        assert_eq!(code, "CustomKeyStoreNotFoundException", "{origin:?}");
        assert_eq!(
            msg.as_deref(),
            Some("Custom key store 'cks-1234567890abcdef0' does not exist")
        );
    }
    tc.stop().await;
}

#[tokio::test]
async fn create_key_sets_description_manager_date_and_default_policy_c10() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let before = sim_now(&tc).await;
    let out = c.create_key().send().await.unwrap();
    let after = sim_now(&tc).await;
    let md = out.key_metadata().unwrap();
    assert_eq!(md.description(), Some(""));
    assert_eq!(md.key_manager(), Some(&KeyManagerType::Customer));
    let created = md.creation_date().unwrap().as_secs_f64();
    assert!(
        created >= before - 0.002 && created <= after + 0.002,
        "{before} <= {created} <= {after}"
    );
    let policy = c.get_key_policy().key_id(md.key_id()).send().await.unwrap();
    let doc: Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(
        doc["Statement"][0]["Principal"]["AWS"],
        json!(format!("arn:aws:iam::{ACCOUNT}:root"))
    );
    assert_eq!(doc["Statement"][0]["Action"], json!("kms:*"));

    // A given description is kept.
    let out = c
        .create_key()
        .description("payments key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.key_metadata().unwrap().description(),
        Some("payments key")
    );
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_unknown_key_spec_w35() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(c.create_key().key_spec(KeySpec::from("NOPE")).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value 'NOPE' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, ML_KEM_512, ML_KEM_768, ML_KEM_1024]")
    );
    let (code, msg) = err_code(
        c.create_key()
            .key_usage(KeyUsageType::from("ENCRYPT"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value 'ENCRYPT' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]")
    );
    tc.stop().await;
}
