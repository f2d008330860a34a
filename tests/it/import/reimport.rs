//! Importing again (I-20, I-28, I-29, I-32, N-4): the default ImportType, EXISTING material
//! that must match, a new expiry, the KeyMaterialId formula, and Disabled keys.

use aws_sdk_kms::types::{ExpirationModelType, ImportType, KeyState};

use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn default_import_type_depends_on_earlier_imports_i20() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    // Never imported: EXISTING has nothing to match.
    let (code, _) = err_code(import_as(&c, &id, &m, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    // An explicit NEW first import is the initial, CURRENT material (I-22).
    let out = import_as(&c, &id, &m, Some(ImportType::NewKeyMaterial))
        .await
        .unwrap();
    let id1 = out.key_material_id().unwrap().to_string();
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    // Afterwards the default is EXISTING: the same material is accepted again.
    let out = import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn existing_import_must_match_the_named_material_i28() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, _, id1) = imported_key(&c, &m).await;
    let before = describe(&c, &id).await;
    let existing = |mid: &str, material: Vec<u8>| {
        let mid = mid.to_string();
        let c = c.clone();
        let id = id.clone();
        async move {
            import_with(&c, &id, &material, OAEP_256, RSA_2048, |b| {
                b.import_type(ImportType::ExistingKeyMaterial)
                    .key_material_id(mid)
                    .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            })
            .await
        }
    };
    // The right material under a wrong id.
    let (code, _) = err_code(existing(&"f".repeat(64), m.clone()).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    // Other material under the right id.
    let (code, _) = err_code(existing(&id1, random_material(32)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    // EXISTING without an id, material never associated.
    let (code, _) = err_code(
        import_as(
            &c,
            &id,
            &random_material(32),
            Some(ImportType::ExistingKeyMaterial),
        )
        .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, before);
    // The right material under its own id: accepted, nothing changes but the expiry.
    let out = existing(&id1, m.clone()).await.unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn reimport_changes_the_expiry_of_an_enabled_key_i29() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, _, id1) = imported_key(&c, &m).await;
    // No need to delete first: the same material with a new expiry replaces the old one.
    let valid_to = in_secs(30 * 86_400);
    let out = import_material(&c, &id, &m, OAEP_256, RSA_2048, Some(valid_to))
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    // And back to DOES_NOT_EXPIRE: ValidTo disappears.
    import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    let md = describe(&c, &id).await;
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);
    // The old expiry no longer applies.
    tc.advance(31.0 * 86_400.0).await;
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::Enabled)
    );
    tc.stop().await;
}

#[tokio::test]
async fn key_material_id_is_deterministic_and_bound_to_the_key_i32() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (a, _, id_a) = imported_key(&c, &m).await;
    let (b, _, id_b) = imported_key(&c, &m).await;
    assert!(is_key_material_id(&id_a), "{id_a}");
    assert!(is_key_material_id(&id_b), "{id_b}");
    assert_ne!(id_a, id_b, "the same material in two keys gets two ids");
    // Q-1 [CHOICE]: the formula of §6.1, recomputed independently.
    assert_eq!(id_a, expected_material_id(&a, &m));
    assert_eq!(id_b, expected_material_id(&b, &m));
    // The same material into the same key again gives the same id (I-28 recomputes it).
    let again = import_material(&c, &a, &m, "RSA_AES_KEY_WRAP_SHA_1", "RSA_3072", None)
        .await
        .unwrap();
    assert_eq!(again.key_material_id(), Some(id_a.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn disabled_key_goes_pending_import_and_returns_enabled_n4() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, _, id1) = imported_key(&c, &m).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    // I-29 [CHOICE]: re-importing into a Disabled key keeps it Disabled.
    import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::Disabled)
    );
    // Deleting the material of a Disabled key → PendingImport.
    delete_material(&c, &id, None).await;
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    // Q-12 [CHOICE]: the Disabled flag is not remembered; re-import → Enabled.
    let out = import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert!(md.enabled());
    tc.stop().await;
}
