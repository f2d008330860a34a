//! Rotation in a set: AWS_KMS rotation reaching the replicas, RotateKeyOnDemand (O-4, O-5,
//! O-7) and the material list every Region shows (L-4).

use aws_sdk_kms::types::{ImportState, KeyMaterialState, KeyState, OriginType, RotationsListEntry};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn aws_kms_rotation_in_the_primary_reaches_the_replica() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let before = describe(&a, &id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_string();
    let old_blob = encrypt(&a, &id, b"before rotation").await;
    rotate(&a, &id).await;
    let after = describe(&a, &id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_string();
    assert_ne!(before, after);
    assert_eq!(
        describe(&b, &id).await.current_key_material_id(),
        Some(after.as_str())
    );
    let (plain, mid) = decrypt(&b, &old_blob).await;
    assert_eq!(plain, b"before rotation");
    assert_eq!(mid.as_deref(), Some(before.as_str()));
    let new_blob = encrypt(&b, &id, b"after rotation").await;
    let (plain, mid) = decrypt(&a, &new_blob).await;
    assert_eq!(plain, b"after rotation");
    assert_eq!(mid.as_deref(), Some(after.as_str()));
    assert_eq!(
        shared(&rotations(&a, &id).await),
        shared(&rotations(&b, &id).await)
    );
    tc.stop().await;
}

#[tokio::test]
async fn o4_aws_kms_replica_cannot_rotate() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let before = describe(&b, &id)
        .await
        .current_key_material_id()
        .map(str::to_string);
    let (code, _) = err_code(b.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        describe(&b, &id)
            .await
            .current_key_material_id()
            .map(str::to_string),
        before
    );
    assert_eq!(rotations(&b, &id).await.len(), 1);
    // K-1: nor configure automatic rotation there.
    let (code, _) = err_code(b.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    tc.stop().await;
}

#[tokio::test]
async fn o5_rotation_waits_for_every_replica() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    // B has it, C does not.
    for client in [&a, &b, &c] {
        assert_eq!(
            entry(client, &set.id, &id2).await.key_material_state(),
            Some(&KeyMaterialState::PendingMultiRegionImportAndRotation)
        );
    }
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        describe(&a, &set.id).await.current_key_material_id(),
        Some(set.id1.as_str())
    );
    import_existing(&c, &set.id, &m2).await;
    rotate(&a, &set.id).await;
    for client in [&a, &b, &c] {
        let md = describe(client, &set.id).await;
        assert_eq!(md.current_key_material_id(), Some(id2.as_str()));
        assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    }
    tc.stop().await;
}

#[tokio::test]
async fn o7_rotation_limit_is_counted_on_the_set() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 2").await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    for _ in 0..2 {
        rotate(&a, &id).await;
    }
    update_primary(&a, &id, B).await;
    let before = describe(&b, &id)
        .await
        .current_key_material_id()
        .map(str::to_string);
    let (code, msg) = err_code(b.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    msg_is(
        msg,
        format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
            arn(B, &id)
        ),
    );
    assert_eq!(
        describe(&b, &id)
            .await
            .current_key_material_id()
            .map(str::to_string),
        before
    );
    let rotated = rotations(&b, &id)
        .await
        .iter()
        .filter(|e| e.rotation_date().is_some())
        .count();
    assert_eq!(rotated, 2);
    tc.stop().await;
}

#[tokio::test]
async fn l4_every_region_lists_the_same_materials_with_its_own_import_state() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    import_existing(&c, &set.id, &m2).await;
    rotate(&a, &set.id).await;
    let m3 = random_material(32);
    let id3 = import_new(&a, &set.id, &m3).await;
    import_existing(&b, &set.id, &m3).await;
    delete_material(&c, &set.id, Some(&set.id1)).await;
    let lists = [
        rotations(&a, &set.id).await,
        rotations(&b, &set.id).await,
        rotations(&c, &set.id).await,
    ];
    let want = |s: &KeyMaterialState, mid: &str| (mid.to_string(), s.clone());
    let ids: Vec<_> = shared(&lists[0]).iter().map(|e| want(&e.1, &e.0)).collect();
    assert_eq!(
        ids,
        vec![
            want(&KeyMaterialState::NonCurrent, &set.id1),
            want(&KeyMaterialState::Current, &id2),
            want(&KeyMaterialState::PendingMultiRegionImportAndRotation, &id3),
        ]
    );
    assert_eq!(shared(&lists[0]), shared(&lists[1]));
    assert_eq!(shared(&lists[0]), shared(&lists[2]));
    let imports = |l: &[RotationsListEntry]| -> Vec<ImportState> {
        l.iter()
            .map(|e| e.import_state().unwrap().clone())
            .collect()
    };
    use ImportState::{Imported as I, PendingImport as P};
    assert_eq!(imports(&lists[0]), vec![I, I, I]);
    assert_eq!(imports(&lists[1]), vec![I, I, I]);
    assert_eq!(imports(&lists[2]), vec![P, I, P]);
    tc.stop().await;
}
