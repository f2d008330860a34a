//! The rotation operations on keys that are not AWS_KMS symmetric keys (O-3, O-7, K-1, K-3):
//! RotateKeyOnDemand, its limit, and the automatic rotation settings.

use aws_sdk_kms::types::{KeyMaterialState, KeySpec, KeyUsageType, OriginType};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn rotate_on_demand_of_non_symmetric_keys_is_unsupported_o3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let hmac = new_key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::AwsKms,
    )
    .await
    .0;
    let rsa = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::EncryptDecrypt,
        OriginType::AwsKms,
    )
    .await
    .0;
    for id in [&hmac, &rsa] {
        let (code, msg) = err_code(c.rotate_key_on_demand().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg, None, "W-32: no message");
    }
    // O-2 comes first: a disabled RSA key answers DisabledException.
    c.disable_key().key_id(&rsa).send().await.unwrap();
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&rsa).send().await);
    assert_eq!(code, "DisabledException");
    assert_eq!(msg.unwrap(), format!("{} is disabled.", arn(REGION, &rsa)));
    tc.stop().await;
}

#[tokio::test]
async fn on_demand_rotation_limit_counts_external_rotations_o7() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 3").await;
    let c = tc.client(REGION);
    let (id, key_arn, _) = imported_key(&c, &random_material(32)).await;
    let mut last = String::new();
    for _ in 0..3 {
        last = import_new(&c, &id, &random_material(32)).await;
        rotate(&c, &id).await;
        assert_eq!(
            current_material_id(&c, &id).await.as_deref(),
            Some(last.as_str())
        );
    }
    let pending = import_new(&c, &id, &random_material(32)).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {key_arn}"
        )
    );
    // Nothing changed: the fourth material is still pending, the third still current.
    assert_eq!(
        current_material_id(&c, &id).await.as_deref(),
        Some(last.as_str())
    );
    let all = all_materials(&c, &id).await;
    assert_eq!(all.len(), 5);
    assert_eq!(all[4].key_material_id(), Some(pending.as_str()));
    assert_eq!(
        all[4].key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    assert_eq!(list_rotations(&c, &id, None).await.len(), 3);
    tc.stop().await;
}

#[tokio::test]
async fn automatic_rotation_settings_refuse_external_keys_k1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (pending, pending_arn) = external_key(&c).await;
    let (enabled, enabled_arn, _) = imported_key(&c, &random_material(32)).await;
    // The origin is checked before the state: PendingImport and Enabled answer alike.
    for (id, key_arn) in [(&pending, &pending_arn), (&enabled, &enabled_arn)] {
        let expected =
            format!("{key_arn} origin is EXTERNAL which is not valid for this operation.");
        let (code, msg) = err_code(c.enable_key_rotation().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
        let (code, msg) = err_code(
            c.enable_key_rotation()
                .key_id(id)
                .rotation_period_in_days(180)
                .send()
                .await,
        );
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
        let (code, msg) = err_code(c.disable_key_rotation().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
    }
    tc.stop().await;
}

#[tokio::test]
async fn rotation_status_of_external_symmetric_key_is_disabled_k3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let check =
        |out: aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput| {
            assert!(!out.key_rotation_enabled());
            assert_eq!(out.key_id(), Some(key_arn.as_str()));
            assert_eq!(out.rotation_period_in_days(), None);
            assert_eq!(out.next_rotation_date(), None);
            // O-10: rotations complete within the request, so no start date is ever shown.
            assert_eq!(out.on_demand_rotation_start_date(), None);
        };
    // PendingImport, then Enabled, then after an on-demand rotation.
    check(rotation_status(&c, &id).await);
    import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    check(rotation_status(&c, &id).await);
    import_new(&c, &id, &random_material(32)).await;
    rotate(&c, &id).await;
    check(rotation_status(&c, &key_arn).await);
    tc.stop().await;
}
