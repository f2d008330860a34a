//! Imports into replicas (I-27, I-30, I-33) and import tokens that belong to one Region (G-8).

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ExpirationModelType, ImportState, ImportType, KeyState};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn i27_replica_refuses_new_material_even_with_nothing_pending() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let before = listing(&b, &set.id).await;
    let (code, _) = err_code(
        import_as(
            &b,
            &set.id,
            &random_material(32),
            Some(ImportType::NewKeyMaterial),
        )
        .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(listing(&b, &set.id).await, before);
    assert_eq!(listing(&a, &set.id).await.len(), 1);
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn i30_replica_first_import_defaults_to_existing_material() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    replicate(&a, &set.id, B).await;
    replicate(&a, &set.id, C).await;
    // B's first import, no ImportType, is the *pending* material: accepted as EXISTING.
    assert_eq!(material_id(import_as(&b, &set.id, &m2, None).await), id2);
    assert_eq!(
        key_state(&b, &set.id).await,
        KeyState::PendingImport,
        "m1 still missing"
    );
    assert_eq!(
        material_id(import_as(&b, &set.id, &set.m1, None).await),
        set.id1
    );
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    // C's first import, no ImportType, of material the set does not have.
    let (code, _) = err_code(import_as(&c, &set.id, &random_material(32), None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(key_state(&c, &set.id).await, KeyState::PendingImport);
    assert_eq!(
        listing(&a, &set.id).await.len(),
        2,
        "nothing new associated"
    );
    tc.stop().await;
}

#[tokio::test]
async fn i33_replica_expiry_is_its_own() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[]).await;
    replicate(&a, &set.id, B).await;
    let valid_to = in_secs(3600);
    import_with(&b, &set.id, &set.m1, OAEP_256, RSA_2048, |r| {
        r.expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(valid_to)
            .key_material_description("copy in B")
    })
    .await
    .unwrap();
    let (amd, bmd) = (describe(&a, &set.id).await, describe(&b, &set.id).await);
    assert_eq!(
        amd.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert!(amd.valid_to().is_none());
    assert_eq!(
        bmd.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(bmd.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    let (ea, eb) = (
        entry(&a, &set.id, &set.id1).await,
        entry(&b, &set.id, &set.id1).await,
    );
    assert_eq!(
        ea.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert!(ea.valid_to().is_none());
    assert!(ea.key_material_description().is_none());
    assert_eq!(
        eb.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(eb.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    assert_eq!(eb.key_material_description(), Some("copy in B"));
    // Expiry in B: only B.
    tc.advance(3601.0).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    assert_eq!(key_state(&a, &set.id).await, KeyState::Enabled);
    assert_eq!(
        entry(&b, &set.id, &set.id1).await.import_state(),
        Some(&ImportState::PendingImport)
    );
    assert_eq!(
        entry(&a, &set.id, &set.id1).await.import_state(),
        Some(&ImportState::Imported)
    );
    assert!(describe(&b, &set.id).await.expiration_model().is_none());
    tc.stop().await;
}

#[tokio::test]
async fn g8_token_of_one_region_is_refused_in_another() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[]).await;
    replicate(&a, &set.id, B).await;
    let params = get_params(&a, &set.id, OAEP_256, RSA_2048).await;
    let wrapped = wrap(params.public_key().unwrap().as_ref(), OAEP_256, &set.m1);
    let (code, _) = err_code(
        b.import_key_material()
            .key_id(&set.id)
            .import_token(params.import_token().unwrap().clone())
            .encrypted_key_material(Blob::new(wrapped.clone()))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidImportTokenException");
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    // The token is still good where it was issued (I-12: a failure uses nothing up).
    a.import_key_material()
        .key_id(&set.id)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .expect("A's token in A");
    import_material(&b, &set.id, &set.m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}
