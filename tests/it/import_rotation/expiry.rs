//! Expiry of imported material (I-51, E-2): pending material is removed, a key pending deletion
//! keeps its state, NON_CURRENT material blocks the key.

use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, KeyMaterialState, KeyState,
};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn expired_pending_material_is_removed_i51() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m1 = random_material(32);
    let (id, _, id1) = imported_key(&c, &m1).await;
    let m2 = random_material(32);
    import_with(&c, &id, &m2, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::NewKeyMaterial)
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(in_secs(3600))
    })
    .await
    .unwrap();
    assert_eq!(all_materials(&c, &id).await.len(), 2);
    tc.advance(3601.0).await;
    // Removed like a deleted pending material (D-5); the key is untouched (S-8).
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![(id1, KeyMaterialState::Current, ImportState::Imported)]
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    // So there is nothing to rotate to, and m2 may come back as NEW.
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    import_new(&c, &id, &m2).await;
    tc.stop().await;
}

#[tokio::test]
async fn expiry_never_changes_a_pending_deletion_key_i51() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    import_material(
        &c,
        &id,
        &random_material(32),
        OAEP_256,
        RSA_2048,
        Some(in_secs(3600)),
    )
    .await
    .unwrap();
    schedule_deletion(&c, &id, 7).await;
    tc.advance(3601.0).await;
    assert_eq!(key_state(&c, &id).await, KeyState::PendingDeletion);
    let all = all_materials(&c, &id).await;
    assert_eq!(all[0].import_state(), Some(&ImportState::PendingImport));
    tc.stop().await;
}

#[tokio::test]
async fn expiry_of_non_current_material_blocks_the_key_e2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let m1 = random_material(32);
    let id1 = import_material(&c, &id, &m1, OAEP_256, RSA_2048, Some(in_secs(3600)))
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_string();
    let id2 = import_new(&c, &id, &random_material(32)).await;
    rotate(&c, &id).await;
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);

    tc.advance(3601.0).await;
    // id1 is NON_CURRENT, yet its expiry makes the key PendingImport (M-12).
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(md.current_key_material_id(), Some(id2.as_str()));
    // The CURRENT id2 is still imported, and does not expire (C-20).
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (
                id1.clone(),
                KeyMaterialState::NonCurrent,
                ImportState::PendingImport
            ),
            (id2, KeyMaterialState::Current, ImportState::Imported)
        ]
    );
    assert_encrypt_pending_import(&c, &id, &key_arn).await;
    // Re-importing id1 (EXISTING by default) brings the key back.
    let out = import_material(&c, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    tc.stop().await;
}
