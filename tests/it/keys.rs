//! CreateKey, DescribeKey, ListKeys, Enable/DisableKey, UpdateKeyDescription, tags and key
//! policies (contract §3.1 – §3.3, §3.14, C-1 … C-31).

use crate::common::*;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, KeyManagerType, KeySpec, KeyState, KeyUsageType, MultiRegionKeyType,
    OriginType, Tag,
};
use aws_sdk_kms::Client;
use serde_json::{json, Value};

/// The simulated clock, in epoch seconds.
async fn sim_now(tc: &TestCluster) -> f64 {
    let v: Value = reqwest::get(format!("{}/_kmsim/clock", tc.gateway_url()))
        .await
        .expect("clock")
        .json()
        .await
        .expect("clock json");
    v["now"].as_f64().expect("now")
}

/// A raw (unsigned) JSON request to a Region's own port; returns the 200 body.
async fn raw_ok(tc: &TestCluster, region: &str, op: &str, body: Value) -> Value {
    let (status, _, json) = tc
        .raw(
            &tc.region_url(region),
            Some(&format!("TrentService.{op}")),
            Some("application/x-amz-json-1.1"),
            body.to_string(),
        )
        .await;
    assert_eq!(status, 200, "{op}: {json}");
    json
}

/// The sorted member names of a JSON object.
fn members(v: &Value) -> Vec<String> {
    let mut m: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    m.sort();
    m
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut m: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    m.sort();
    m
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().tag_key(k).tag_value(v).build().unwrap()
}

async fn new_key(c: &Client) -> String {
    c.create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

async fn new_external_key(c: &Client) -> String {
    c.create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

async fn state(c: &Client, id: &str) -> (KeyState, bool) {
    let d = c.describe_key().key_id(id).send().await.unwrap();
    let md = d.key_metadata().unwrap();
    (md.key_state().unwrap().clone(), md.enabled())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

// ---------------------------------------------------------------------------------------
// CreateKey (§3.1)
// ---------------------------------------------------------------------------------------

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
async fn create_key_rejects_overlong_tag_key_and_value_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let long_key = "k".repeat(129);
    let (code, msg) = err_code(c.create_key().tags(tag(&long_key, "v")).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128")
    );
    // The member path counts from 1 in request order.
    let long_value = "v".repeat(257);
    let (code, msg) = err_code(
        c.create_key()
            .tags(tag("ok", "fine"))
            .tags(tag("k2", &long_value))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_value}' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256")
    );
    // At the limits exactly: accepted.
    let out = c
        .create_key()
        .tags(tag(&"k".repeat(128), &"v".repeat(256)))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id();
    let tags = c.list_resource_tags().key_id(id).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].tag_key(), "k".repeat(128));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_reserved_aws_tag_prefix_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    for k in ["aws:createdBy", "AWS:foo", "Aws:bar"] {
        let (code, msg) = err_code(c.create_key().tags(tag(k, "x")).send().await);
        assert_eq!(code, "TagException", "{k}");
        assert_eq!(
            msg.as_deref(),
            Some("Tags beginning with aws: are reserved"),
            "{k}"
        );
    }
    // "aws" without the colon is an ordinary key.
    c.create_key()
        .tags(tag("awsome", "x"))
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_duplicate_tag_keys_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(
        c.create_key()
            .tags(tag("team", "a"))
            .tags(tag("team", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Duplicate tag keys"));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_limits_tags_to_fifty_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    let out = c
        .create_key()
        .set_tags(Some(fifty.clone()))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    let listed = c
        .list_resource_tags()
        .key_id(&id)
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 50);

    let mut fifty_one = fifty;
    fifty_one.push(tag("k50", "v"));
    let (code, msg) = err_code(c.create_key().set_tags(Some(fifty_one)).send().await);
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Too many tags"));
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

// ---------------------------------------------------------------------------------------
// DescribeKey (§3.2, C-20)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn describe_key_field_presence_symmetric_aws_kms_c20() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let md =
        raw_ok(&tc, "us-east-1", "DescribeKey", json!({"KeyId": id})).await["KeyMetadata"].clone();
    assert_eq!(
        members(&md),
        sorted(&[
            "AWSAccountId",
            "KeyId",
            "Arn",
            "CreationDate",
            "Enabled",
            "Description",
            "KeyUsage",
            "KeyState",
            "Origin",
            "KeyManager",
            "CustomerMasterKeySpec",
            "KeySpec",
            "EncryptionAlgorithms",
            "MultiRegion",
            "CurrentKeyMaterialId",
        ])
    );
    assert_eq!(md["AWSAccountId"], json!(ACCOUNT));
    assert_eq!(md["KeyId"], json!(id));
    assert_eq!(md["Arn"], json!(arn("us-east-1", &id)));
    // W-21: epoch seconds as a JSON number, with (at most) millisecond precision.
    let created = md["CreationDate"]
        .as_f64()
        .expect("CreationDate is a number");
    let ms = created * 1000.0;
    assert!((ms - ms.round()).abs() < 0.01, "{created}");
    assert_eq!(md["Enabled"], json!(true));
    assert_eq!(md["KeyState"], json!("Enabled"));
    assert_eq!(md["Description"], json!(""));
    assert_eq!(md["MultiRegion"], json!(false));
    assert_eq!(md["CustomerMasterKeySpec"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(md["KeySpec"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(md["EncryptionAlgorithms"], json!(["SYMMETRIC_DEFAULT"]));
    assert_eq!(md["KeyManager"], json!("CUSTOMER"));
    let cur = md["CurrentKeyMaterialId"].as_str().unwrap();
    assert!(is_lower_hex(cur, 64), "{cur}");
    tc.stop().await;
}

#[tokio::test]
async fn describe_key_field_presence_external_before_import_c20() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_external_key(&c).await;
    let md =
        raw_ok(&tc, "us-east-1", "DescribeKey", json!({"KeyId": id})).await["KeyMetadata"].clone();
    assert_eq!(
        members(&md),
        sorted(&[
            "AWSAccountId",
            "KeyId",
            "Arn",
            "CreationDate",
            "Enabled",
            "Description",
            "KeyUsage",
            "KeyState",
            "Origin",
            "KeyManager",
            "CustomerMasterKeySpec",
            "KeySpec",
            "EncryptionAlgorithms",
            "MultiRegion",
        ])
    );
    assert_eq!(md["Origin"], json!("EXTERNAL"));
    assert_eq!(md["KeyState"], json!("PendingImport"));
    assert_eq!(md["Enabled"], json!(false));
    assert_eq!(md["MultiRegion"], json!(false));
    tc.stop().await;
}

#[tokio::test]
async fn describe_key_enabled_mirrors_key_state_c20() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    assert_eq!(state(&c, &id).await, (KeyState::Enabled, true));
    c.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Disabled, false));
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::PendingDeletion, false));
    let ext = new_external_key(&c).await;
    assert_eq!(state(&c, &ext).await, (KeyState::PendingImport, false));
    // The material id of an AWS_KMS key does not change with the state.
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert!(is_lower_hex(
        d.key_metadata().unwrap().current_key_material_id().unwrap(),
        64
    ));
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// ListKeys (§3.3, W-50 … W-52)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn list_keys_in_creation_order_c30() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(new_key(&c).await);
    }
    let out = c.list_keys().send().await.unwrap();
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    let listed: Vec<&str> = out.keys().iter().map(|k| k.key_id().unwrap()).collect();
    assert_eq!(listed, ids);
    for k in out.keys() {
        assert_eq!(k.key_arn().unwrap(), arn("us-east-1", k.key_id().unwrap()));
    }
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_pages_with_limit_and_marker_w50() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(new_key(&c).await);
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_keys()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.keys().len() <= 2);
        seen.extend(out.keys().iter().map(|k| k.key_id().unwrap().to_string()));
        // NextMarker appears exactly when Truncated is true.
        assert_eq!(out.truncated(), out.next_marker().is_some());
        if !out.truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // On the wire: Truncated is always present, NextMarker only when truncated.
    let last = raw_ok(&tc, "us-east-1", "ListKeys", json!({"Limit": 5})).await;
    assert_eq!(last["Truncated"], json!(false));
    assert!(last.get("NextMarker").is_none(), "{last}");
    let first = raw_ok(&tc, "us-east-1", "ListKeys", json!({"Limit": 4})).await;
    assert_eq!(first["Truncated"], json!(true));
    assert!(first["NextMarker"].is_string(), "{first}");
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_rejects_limit_out_of_range_w51() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(c.list_keys().limit(0).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let (code, msg) = err_code(c.list_keys().limit(1001).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
    );
    // Both ends of the range are accepted.
    c.list_keys().limit(1).send().await.unwrap();
    c.list_keys().limit(1000).send().await.unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_rejects_unknown_marker_w51() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    new_key(&c).await;
    let (code, msg) = err_code(c.list_keys().marker("bogus-marker").send().await);
    assert_eq!(code, "InvalidMarkerException");
    assert_eq!(msg.as_deref(), Some("Invalid marker: bogus-marker"));
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_shows_only_this_region_c30() {
    let tc = TestCluster::start().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let us_id = new_key(&us).await;
    let eu_id = new_key(&eu).await;
    let us_keys: Vec<String> = us
        .list_keys()
        .send()
        .await
        .unwrap()
        .keys()
        .iter()
        .map(|k| k.key_id().unwrap().to_string())
        .collect();
    assert_eq!(us_keys, [us_id]);
    let eu_list = eu.list_keys().send().await.unwrap();
    assert_eq!(eu_list.keys().len(), 1);
    assert_eq!(eu_list.keys()[0].key_id(), Some(eu_id.as_str()));
    assert_eq!(
        eu_list.keys()[0].key_arn(),
        Some(arn("eu-west-1", &eu_id).as_str())
    );
    let ap = tc
        .client("ap-southeast-2")
        .list_keys()
        .send()
        .await
        .unwrap();
    assert!(ap.keys().is_empty());
    assert!(!ap.truncated());
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_includes_keys_in_every_state_c30() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let enabled = new_key(&c).await;
    let disabled = new_key(&c).await;
    c.disable_key().key_id(&disabled).send().await.unwrap();
    let pending_import = new_external_key(&c).await;
    let pending_deletion = new_key(&c).await;
    c.schedule_key_deletion()
        .key_id(&pending_deletion)
        .send()
        .await
        .unwrap();
    let listed: Vec<String> = c
        .list_keys()
        .send()
        .await
        .unwrap()
        .keys()
        .iter()
        .map(|k| k.key_id().unwrap().to_string())
        .collect();
    assert_eq!(
        listed,
        [enabled, disabled, pending_import, pending_deletion]
    );
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_lists_nothing_shared_via_ram_c31() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let only_ram = raw_ok(
        &tc,
        "us-east-1",
        "ListKeys",
        json!({"ResourceOwners": ["OTHER_ACCOUNTS_VIA_RAM"]}),
    )
    .await;
    assert_eq!(only_ram, json!({"Keys": [], "Truncated": false}));
    let both = raw_ok(
        &tc,
        "us-east-1",
        "ListKeys",
        json!({"ResourceOwners": ["SELF", "OTHER_ACCOUNTS_VIA_RAM"]}),
    )
    .await;
    assert_eq!(both["Keys"][0]["KeyId"], json!(id));
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// EnableKey / DisableKey (§3.14)
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn disable_and_enable_key_transitions_and_no_ops_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    // Enabled → EnableKey is a no-op.
    c.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Enabled, true));
    // Enabled → Disabled, by key ARN this time.
    c.disable_key()
        .key_id(arn("us-east-1", &id))
        .send()
        .await
        .unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Disabled, false));
    // Disabled → DisableKey is a no-op.
    c.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Disabled, false));
    // Disabled → Enabled.
    c.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Enabled, true));
    tc.stop().await;
}

#[tokio::test]
async fn enable_and_disable_refused_on_pending_import_key_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_external_key(&c).await;
    let want = format!("{} is pending import.", arn("us-east-1", &id));
    let (code, msg) = err_code(c.enable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    assert_eq!(state(&c, &id).await, (KeyState::PendingImport, false));
    tc.stop().await;
}

#[tokio::test]
async fn enable_and_disable_refused_on_key_pending_deletion_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let want = format!("{} is pending deletion.", arn("us-east-1", &id));
    let (code, msg) = err_code(c.enable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn enable_disable_is_per_region_n3() {
    let tc = TestCluster::start().await;
    // Two unrelated keys in two Regions: disabling one leaves the other Enabled.
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let a = new_key(&us).await;
    let b = new_key(&eu).await;
    us.disable_key().key_id(&a).send().await.unwrap();
    assert_eq!(state(&eu, &b).await, (KeyState::Enabled, true));
    // The eu-west-1 key cannot be disabled through the us-east-1 port.
    let (code, msg) = err_code(us.disable_key().key_id(&b).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", &b))
    );
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// UpdateKeyDescription
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn update_key_description_replaces_description() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.update_key_description()
        .key_id(&id)
        .description("new text")
        .send()
        .await
        .unwrap();
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(d.key_metadata().unwrap().description(), Some("new text"));
    // An empty description is allowed (0..8192).
    c.update_key_description()
        .key_id(&id)
        .description("")
        .send()
        .await
        .unwrap();
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(d.key_metadata().unwrap().description(), Some(""));
    // Also on a PendingImport key (§4.3: any state but pending deletion).
    let ext = new_external_key(&c).await;
    c.update_key_description()
        .key_id(&ext)
        .description("imported")
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn update_key_description_validates_and_refuses_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(c.update_key_description().key_id(&id).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null")
    );
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.update_key_description()
            .key_id(&id)
            .description("x")
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("{} is pending deletion.", arn("us-east-1", &id))
    );
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// TagResource / UntagResource / ListResourceTags (C-9)
// ---------------------------------------------------------------------------------------

async fn tag_pairs(c: &Client, id: &str) -> Vec<(String, String)> {
    c.list_resource_tags()
        .key_id(id)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn tag_resource_adds_tags_and_retag_replaces_value_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c
        .create_key()
        .tags(tag("team", "payments"))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("team", "payments")]));
    c.tag_resource()
        .key_id(&id)
        .tags(tag("env", "prod"))
        .tags(tag("cost", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(&c, &id).await,
        pairs(&[("team", "payments"), ("env", "prod"), ("cost", "")])
    );
    // Tagging an existing key replaces its value.
    c.tag_resource()
        .key_id(arn("us-east-1", &id))
        .tags(tag("team", "billing"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(&c, &id).await,
        pairs(&[("team", "billing"), ("env", "prod"), ("cost", "")])
    );
    tc.stop().await;
}

#[tokio::test]
async fn untag_resource_removes_keys_and_ignores_absent_ones() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.tag_resource()
        .key_id(&id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .tags(tag("c", "3"))
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .key_id(&id)
        .tag_keys("b")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("a", "1"), ("c", "3")]));
    tc.stop().await;
}

#[tokio::test]
async fn list_resource_tags_pages_with_limit_and_marker() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let mut req = c.tag_resource().key_id(&id);
    for i in 0..5 {
        req = req.tags(tag(&format!("k{i}"), &format!("v{i}")));
    }
    req.send().await.unwrap();
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_resource_tags()
            .key_id(&id)
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(out.tags().iter().map(|t| t.tag_key().to_string()));
        assert_eq!(out.truncated(), out.next_marker().is_some());
        if !out.truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["k0", "k1", "k2", "k3", "k4"]);
    let (code, _) = err_code(
        c.list_resource_tags()
            .key_id(&id)
            .marker("bogus")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidMarkerException");
    tc.stop().await;
}

#[tokio::test]
async fn tag_resource_applies_the_tag_rules_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("aws:x", "1"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(
        msg.as_deref(),
        Some("Tags beginning with aws: are reserved")
    );
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("d", "1"))
            .tags(tag("d", "2"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Duplicate tag keys"));
    let long_key = "x".repeat(129);
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag(&long_key, "1"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128")
    );
    // Nothing was applied by the failed requests.
    assert!(tag_pairs(&c, &id).await.is_empty());

    // 49 + 1 = 50 is fine; re-tagging an existing key does not count; one more is too many.
    let forty_nine: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
    c.tag_resource()
        .key_id(&id)
        .set_tags(Some(forty_nine))
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .key_id(&id)
        .tags(tag("k49", "v"))
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .key_id(&id)
        .tags(tag("k0", "changed"))
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("k50", "v"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Too many tags"));
    tc.stop().await;
}

#[tokio::test]
async fn tag_and_untag_refused_when_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.tag_resource()
        .key_id(&id)
        .tags(tag("a", "1"))
        .send()
        .await
        .unwrap();
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let want = format!("{} is pending deletion.", arn("us-east-1", &id));
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("b", "2"))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.untag_resource().key_id(&id).tag_keys("a").send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    // Listing still works in any state.
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("a", "1")]));
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// Key policies
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn get_key_policy_returns_default_policy_c10() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let out = c
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(out.policy_name(), Some("default"));
    let policy = out.policy().unwrap();
    assert!(
        policy.contains("arn:aws:iam::111122223333:root"),
        "{policy}"
    );
    // PolicyName may be omitted (defaults to "default").
    let out2 = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(out2.policy(), Some(policy));
    // Any other name does not exist.
    let (code, msg) = err_code(
        c.get_key_policy()
            .key_id(&id)
            .policy_name("other")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "No such policy exists: other for key {}",
            arn("us-east-1", &id)
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn put_key_policy_replaces_the_policy() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:Encrypt","Resource":"*"}]}"#;
    c.put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy(doc)
        .send()
        .await
        .unwrap();
    let out = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(out.policy(), Some(doc));
    tc.stop().await;
}

#[tokio::test]
async fn put_key_policy_rejects_a_document_that_is_not_json() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let before = c
        .get_key_policy()
        .key_id(&id)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    for bad in ["not json at all", "[1,2,3]", "{\"Version\":"] {
        let (code, msg) = err_code(
            c.put_key_policy()
                .key_id(&id)
                .policy_name("default")
                .policy(bad)
                .send()
                .await,
        );
        assert_eq!(code, "MalformedPolicyDocumentException", "{bad}");
        assert_eq!(
            msg.as_deref(),
            Some("The new key policy will not allow you to update the key policy in the future.")
        );
    }
    let after = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(after.policy(), Some(before.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_a_policy_that_is_not_json() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, _) = err_code(c.create_key().policy("nope").send().await);
    assert_eq!(code, "MalformedPolicyDocumentException");
    // A JSON policy given at creation is stored verbatim.
    let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let out = c.create_key().policy(doc).send().await.unwrap();
    let id = out.key_metadata().unwrap().key_id();
    let got = c.get_key_policy().key_id(id).send().await.unwrap();
    assert_eq!(got.policy(), Some(doc));
    // Nothing was created by the failed call.
    assert_eq!(c.list_keys().send().await.unwrap().keys().len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn list_key_policies_returns_default() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let out = c.list_key_policies().key_id(&id).send().await.unwrap();
    assert_eq!(out.policy_names(), ["default"]);
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    tc.stop().await;
}
