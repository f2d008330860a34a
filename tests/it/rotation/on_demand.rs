//! RotateKeyOnDemand (O-1, O-2, O-7, O-9, O-11, W-43): the switch of material, refusals by
//! state, identifier and limit, and the automatic schedule it leaves alone.

use aws_sdk_kms::types::RotationType;

use crate::common::*;

/// O-9/E-5/B-6: RotateKeyOnDemand returns the ARN and switches CurrentKeyMaterialId; old
/// ciphertext still decrypts with the old material, new ciphertext carries the new one.
#[tokio::test]
async fn o9_rotate_key_on_demand_switches_current_material() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    let old = current_material(&c, &id).await;
    let old_blob = encrypt(&c, &id, b"before").await;

    let out = rotate(&c, &id).await;
    assert_eq!(out.key_id(), Some(arn.as_str()));

    let new = current_material(&c, &id).await;
    assert_ne!(new, old);
    assert_eq!(new.len(), 64);
    assert!(new
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    let dec = c.decrypt().ciphertext_blob(old_blob).send().await.unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"before");
    assert_eq!(dec.key_material_id(), Some(old.as_str()));

    let new_blob = encrypt(&c, &id, b"after").await;
    let dec = c.decrypt().ciphertext_blob(new_blob).send().await.unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"after");
    assert_eq!(dec.key_material_id(), Some(new.as_str()));

    let dk = c
        .generate_data_key()
        .key_id(&id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_eq!(dk.key_material_id(), Some(new.as_str()));

    // The key ARN is accepted as well.
    rotate(&c, &arn).await;
    assert_ne!(current_material(&c, &id).await, new);
    tc.stop().await;
}

/// O-2: a Disabled key → DisabledException.
#[tokio::test]
async fn o2_rotate_key_on_demand_on_disabled_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    let before = current_material(&c, &id).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "DisabledException");
    assert_eq!(msg, Some(format!("{arn} is disabled.")));
    assert_eq!(current_material(&c, &id).await, before);
    tc.stop().await;
}

/// O-2: an EXTERNAL key in PendingImport → KMSInvalidStateException "is pending import.".
#[tokio::test]
async fn o2_rotate_key_on_demand_on_pending_import_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = external_key(&c).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg, Some(format!("{arn} is pending import.")));
    tc.stop().await;
}

/// O-7: the configured limit (3 here) of on-demand rotations per key.
#[tokio::test]
async fn o7_on_demand_rotation_limit() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 3").await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    for i in 1..=3 {
        c.rotate_key_on_demand()
            .key_id(&id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e:?}"));
    }
    let current = current_material(&c, &id).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg,
        Some(format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {arn}"
        ))
    );
    // The refused rotation changed nothing.
    assert_eq!(current_material(&c, &id).await, current);
    assert_eq!(list_rotations(&c, &id, None).await.len(), 3);
    // The limit is per key: another key still rotates.
    let (other, _) = aws_kms_key(&c).await;
    rotate(&c, &other).await;
    tc.stop().await;
}

/// O-7: the default limit is 25.
#[tokio::test]
async fn o7_default_on_demand_rotation_limit_is_25() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    for i in 1..=25 {
        c.rotate_key_on_demand()
            .key_id(&id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e:?}"));
    }
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg,
        Some(format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {arn}"
        ))
    );
    tc.stop().await;
}

/// O-7/M-14: only ON_DEMAND rotations count toward the limit; automatic ones do not.
#[tokio::test]
async fn o7_automatic_rotations_do_not_count_toward_the_limit() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 1").await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    enable_rotation(&c, &id, 90).await;
    tc.advance(91.0 * DAY).await;
    let rotations = list_rotations(&c, &id, None).await;
    assert_eq!(rotations.len(), 1);
    assert_eq!(rotations[0].rotation_type(), Some(&RotationType::Automatic));
    rotate(&c, &id).await;
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    tc.stop().await;
}

/// O-11: on-demand rotation leaves the automatic schedule alone.
#[tokio::test]
async fn o11_on_demand_rotation_does_not_change_next_rotation_date() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    enable_rotation(&c, &id, 100).await;
    let before = rotation_status(&c, &id).await;
    rotate(&c, &id).await;
    let after = rotation_status(&c, &id).await;
    assert!(after.key_rotation_enabled());
    assert_eq!(after.rotation_period_in_days(), Some(100));
    assert_eq!(after.next_rotation_date(), before.next_rotation_date());
    // O-10: the rotation completes within the request, so no start date is shown.
    assert_eq!(after.on_demand_rotation_start_date(), None);
    tc.stop().await;
}

/// L-1 with W-43: ListKeyRotations and RotateKeyOnDemand take a key id or ARN only.
#[tokio::test]
async fn w43_rotation_ops_refuse_an_alias() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    create_alias(&c, "alias/rot", &id).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id("alias/rot").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/rot'"));
    let (code, msg) = err_code(c.list_key_rotations().key_id("alias/rot").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/rot'"));
    tc.stop().await;
}

/// O-1: a key id of the right shape that does not exist.
#[tokio::test]
async fn o1_rotation_ops_on_a_missing_key_are_not_found() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let missing = "11111111-2222-3333-4444-555555555555";
    let want = format!("Key '{}' does not exist", arn(REGION, missing));
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "RotateKeyOnDemand");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "RotateKeyOnDemand");
    let (code, msg) = err_code(c.list_key_rotations().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "ListKeyRotations");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "ListKeyRotations");
    let (code, msg) = err_code(c.get_key_rotation_status().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "GetKeyRotationStatus");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "GetKeyRotationStatus");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "EnableKeyRotation");
    tc.stop().await;
}
