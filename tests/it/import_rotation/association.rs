//! Which material is associated with a key (I-23, I-28, D-5): NEW import of known material,
//! deleting pending material, and the description an EXISTING import keeps or replaces.

use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, KeyMaterialState, KeyState,
};
use aws_sdk_kms::Client;

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn new_import_of_associated_material_is_incorrect_i23() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2) = (random_material(32), random_material(32));
    let (id, _, _) = imported_key(&c, &m1).await;
    // The CURRENT material offered as NEW.
    let (code, _) = err_code(import_as(&c, &id, &m1, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    // The pending material offered as NEW again: I-23 is checked before I-24.
    let id2 = import_new(&c, &id, &m2).await;
    let before = all_materials(&c, &id).await;
    let (code, _) = err_code(import_as(&c, &id, &m2, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(all_materials(&c, &id).await, before);
    // Re-importing the pending material as EXISTING is fine (I-28).
    let out = import_as(&c, &id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id2.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn deleting_pending_material_removes_the_association_d5() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2, m3) = (
        random_material(32),
        random_material(32),
        random_material(32),
    );
    let (id, key_arn, id1) = imported_key(&c, &m1).await;
    let id2 = import_new(&c, &id, &m2).await;
    let describe_before = c.describe_key().key_id(&id).send().await.unwrap();

    let out = delete_material(&c, &id, Some(&id2)).await;
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), Some(id2.as_str()));
    // Gone from the list; the key is untouched (S-8).
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![(
            id1.clone(),
            KeyMaterialState::Current,
            ImportState::Imported
        )]
    );
    let describe_after = c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        describe_after.key_metadata(),
        describe_before.key_metadata()
    );
    // Nothing is pending, so there is nothing to rotate to.
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    // m2 is no longer associated: EXISTING refuses it, and a deleted id is not found.
    let (code, _) = err_code(import_as(&c, &id, &m2, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    let (code, _) = err_code(
        c.delete_imported_key_material()
            .key_id(&id)
            .key_material_id(&id2)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    // Different NEW material takes its place.
    let id3 = import_new(&c, &id, &m3).await;
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1, KeyMaterialState::Current, ImportState::Imported),
            (
                id3,
                KeyMaterialState::PendingRotation,
                ImportState::Imported
            )
        ]
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn existing_import_keeps_or_replaces_the_description_i28() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    let import = |description: Option<&'static str>| {
        let (c, id, m) = (c.clone(), id.clone(), m.clone());
        async move {
            import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
                b.set_key_material_description(description.map(str::to_string))
                    .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            })
            .await
            .expect("import")
        }
    };
    let description = |c: Client, id: String| async move {
        all_materials(&c, &id).await[0]
            .key_material_description()
            .map(str::to_string)
    };
    import(Some("first: v1")).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("first: v1")
    );
    // EXISTING (the default now) without a description keeps it.
    import(None).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("first: v1")
    );
    // With one, it is replaced.
    import(Some("second/v2")).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("second/v2")
    );
    // Outside the pattern → ValidationException (I-1), nothing changes.
    let (code, _) = err_code(
        import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
            b.key_material_description("not allowed!")
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        })
        .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("second/v2")
    );
    tc.stop().await;
}
