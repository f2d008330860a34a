//! Scenario T2 (contract §9): on-demand rotation of imported material in one Region, step
//! by step, from a NEW import to re-importing deleted NON_CURRENT material.

use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, KeyMaterialState, KeyState, RotationType,
};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn t2_on_demand_rotation_of_imported_material() {
    use ImportState::Imported;
    use KeyMaterialState::*;
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2, m3) = (
        random_material(32),
        random_material(32),
        random_material(32),
    );
    let (id, key_arn, id1) = imported_key(&c, &m1).await;
    let blob1 = encrypt(&c, &id, b"from T1").await;

    // 1. NEW material → id2, pending; the current material is still id1.
    let id2 = import_new(&c, &id, &m2).await;
    assert_ne!(id2, id1);
    assert_eq!(
        current_material_id(&c, &id).await.as_deref(),
        Some(id1.as_str())
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1.clone(), Current, Imported),
            (id2.clone(), PendingRotation, Imported)
        ]
    );
    assert_eq!(list_rotations(&c, &id, None).await, vec![]);

    // 2. I-24: a third NEW while id2 is pending. The message names both ids (id3 is the
    // documented §6.1 id of m3 for this key).
    let id3 = expected_material_id(&id, &m3);
    let (code, msg) = err_code(import_as(&c, &id, &m3, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "New key material (id: {id3}) cannot be imported into KMS key {key_arn}, because another key material (id: {id2}) is pending rotation."
        )
    );

    // 3. RotateKeyOnDemand: the pending material becomes current.
    let out = rotate(&c, &id).await;
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(
        current_material_id(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    let only = list_rotations(&c, &id, None).await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].key_material_id(), Some(id2.as_str()));
    assert_eq!(only[0].key_id(), Some(id.as_str()));
    assert_eq!(only[0].key_material_state(), Some(&Current));
    assert_eq!(only[0].rotation_type(), Some(&RotationType::OnDemand));
    assert_recent(only[0].rotation_date());
    let all = all_materials(&c, &id).await;
    assert_eq!(
        summary(&all),
        vec![
            (id1.clone(), NonCurrent, Imported),
            (id2.clone(), Current, Imported)
        ]
    );
    assert_eq!(all[0].rotation_date(), None);
    assert_eq!(all[0].rotation_type(), None);
    assert_eq!(all[1], only[0]);

    // 4. Old ciphertext still decrypts with id1; new ciphertext uses id2.
    assert_eq!(
        decrypt_with_material(&c, blob1.clone()).await,
        (b"from T1".to_vec(), id1.clone())
    );
    let blob2 = encrypt(&c, &id, b"after rotation").await;
    assert_eq!(
        decrypt_with_material(&c, blob2).await,
        (b"after rotation".to_vec(), id2.clone())
    );

    // 5. O-5: nothing pending any more.
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("No available key material pending rotation for the key: {key_arn}.")
    );

    // 6. Deleting the NON_CURRENT id1 blocks the key (E-2), even Encrypt with id2.
    let del = delete_material(&c, &id, Some(&id1)).await;
    assert_eq!(del.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    assert_eq!(
        current_material_id(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1.clone(), NonCurrent, ImportState::PendingImport),
            (id2.clone(), Current, Imported)
        ]
    );
    assert_encrypt_pending_import(&c, &id, &key_arn).await;
    // Re-import m1 as EXISTING (naming id1) → Enabled again; id2 stays current.
    let out = import_with(&c, &id, &m1, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::ExistingKeyMaterial)
            .key_material_id(&id1)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
    .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(
        current_material_id(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    assert_eq!(decrypt_with_material(&c, blob1).await.1, id1);
    tc.stop().await;
}
