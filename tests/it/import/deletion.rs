//! DeleteImportedKeyMaterial (D-1, D-3, D-4, D-8) and expiry (I-50), which behaves as a
//! deletion.

use aws_sdk_kms::types::{ExpirationModelType, KeyState};

use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn delete_on_aws_kms_key_is_unsupported_d1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let out = c.create_key().send().await.unwrap();
    let id = out.key_metadata().unwrap().key_id();
    let (code, msg) = err_code(c.delete_imported_key_material().key_id(id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "{} origin is AWS_KMS which is not valid for this operation.",
            arn(REGION, id)
        )
    );
    assert_eq!(describe(&c, id).await.key_state(), Some(&KeyState::Enabled));
    tc.stop().await;
}

#[tokio::test]
async fn delete_names_an_associated_material_d3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, key_arn, id1) = imported_key(&c, &m).await;
    let before = describe(&c, &id).await;
    // Well-formed, but not associated [CHOICE].
    let (code, msg) = err_code(
        c.delete_imported_key_material()
            .key_id(&id)
            .key_material_id("0".repeat(64))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert!(msg.is_some_and(|m| !m.is_empty()));
    // Malformed: length and pattern (W-35).
    for bad in ["abc".to_string(), "G".repeat(64), id1.to_uppercase()] {
        let (code, _) = err_code(
            c.delete_imported_key_material()
                .key_id(&id)
                .key_material_id(&bad)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "{bad}");
    }
    assert_eq!(describe(&c, &id).await, before);
    // Its own id: deleted.
    let out = delete_material(&c, &id, Some(&id1)).await;
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    tc.stop().await;
}

#[tokio::test]
async fn delete_on_pending_deletion_key_keeps_its_state_d4() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, _, id1) = imported_key(&c, &m).await;
    schedule_deletion(&c, &id, 7).await;
    let out = delete_material(&c, &id, None).await;
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion), "S-7");
    assert!(md.deletion_date().is_some());
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn delete_on_a_never_imported_key_has_no_effect_d8() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let out = delete_material(&c, &id, None).await;
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), None);
    let after = describe(&c, &id).await;
    assert_eq!(after, before);
    assert_eq!(after.key_state(), Some(&KeyState::PendingImport));
    // Twice is the same.
    delete_material(&c, &key_arn, None).await;
    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn expired_material_behaves_as_deleted_i50() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let m = random_material(32);
    let valid_to = in_secs(3600);
    let out = import_material(&c, &id, &m, OAEP_256, RSA_2048, Some(valid_to))
        .await
        .unwrap();
    let id1 = out.key_material_id().unwrap().to_string();
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    let blob = encrypt(&c, &id, b"before expiry").await;

    tc.advance(3601.0).await;
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.valid_to(), None);
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    assert_encrypt_pending_import(&c, &id, &key_arn).await;

    // Re-importing the same material restores the key and its old ciphertext.
    import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::Enabled)
    );
    assert_eq!(
        decrypt_with_material(&c, blob).await,
        (b"before expiry".to_vec(), id1)
    );
    tc.stop().await;
}
