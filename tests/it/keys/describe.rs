//! DescribeKey (§3.2, C-20): which members are present for which key, Enabled mirroring
//! KeyState; and UpdateKeyDescription.

use aws_sdk_kms::types::KeyState;
use serde_json::json;

use super::*;
use crate::common::*;

/// `names`, sorted, to compare with [`members`].
fn sorted(names: &[&str]) -> Vec<String> {
    let mut m: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    m.sort();
    m
}

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
    let id = external_key(&c).await.0;
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
    schedule_deletion(&c, &id, 7).await;
    assert_eq!(state(&c, &id).await, (KeyState::PendingDeletion, false));
    let ext = external_key(&c).await.0;
    assert_eq!(state(&c, &ext).await, (KeyState::PendingImport, false));
    // The material id of an AWS_KMS key does not change with the state.
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert!(is_lower_hex(
        d.key_metadata().unwrap().current_key_material_id().unwrap(),
        64
    ));
    tc.stop().await;
}

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
    let ext = external_key(&c).await.0;
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
