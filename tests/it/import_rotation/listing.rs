//! ListKeyRotations of keys with imported or no symmetric material (L-1, L-3): refused for
//! HMAC and asymmetric keys, import fields on EXTERNAL keys.

use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, IncludeKeyMaterial, KeyMaterialState, KeySpec,
    KeyUsageType, OriginType, RotationType,
};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn list_key_rotations_of_hmac_and_asymmetric_keys_is_unsupported_l1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let keys = [
        new_key_of(
            &c,
            KeySpec::Hmac256,
            KeyUsageType::GenerateVerifyMac,
            OriginType::AwsKms,
        )
        .await
        .0,
        new_key_of(
            &c,
            KeySpec::Hmac384,
            KeyUsageType::GenerateVerifyMac,
            OriginType::External,
        )
        .await
        .0,
        // M-15: asymmetric EXTERNAL keys have no material list either.
        new_key_of(
            &c,
            KeySpec::EccNistP256,
            KeyUsageType::SignVerify,
            OriginType::External,
        )
        .await
        .0,
    ];
    for id in &keys {
        for include in [None, Some(IncludeKeyMaterial::AllKeyMaterial)] {
            let (code, _) = err_code(
                c.list_key_rotations()
                    .key_id(id)
                    .set_include_key_material(include.clone())
                    .send()
                    .await,
            );
            assert_eq!(code, "UnsupportedOperationException", "{id} {include:?}");
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn rotation_entries_of_external_keys_show_import_fields_l3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    // Never imported: nothing to list.
    assert_eq!(all_materials(&c, &id).await, vec![]);

    // Initial material: DOES_NOT_EXPIRE, with a description.
    let m1 = random_material(32);
    let id1 = import_with(&c, &id, &m1, OAEP_256, RSA_2048, |b| {
        b.expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .key_material_description("initial material")
    })
    .await
    .unwrap()
    .key_material_id()
    .unwrap()
    .to_string();
    // Pending material: EXPIRES in a week, no description.
    let valid_to = in_secs(7 * 86_400);
    let m2 = random_material(32);
    let id2 = import_with(&c, &id, &m2, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::NewKeyMaterial)
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(valid_to)
    })
    .await
    .unwrap()
    .key_material_id()
    .unwrap()
    .to_string();

    let all = all_materials(&c, &id).await;
    assert_eq!(all.len(), 2);
    let (e1, e2) = (&all[0], &all[1]);
    assert_eq!(e1.key_id(), Some(id.as_str()), "Q-17: the bare id");
    assert_eq!(e1.key_material_id(), Some(id1.as_str()));
    assert_eq!(e1.key_material_state(), Some(&KeyMaterialState::Current));
    assert_eq!(e1.import_state(), Some(&ImportState::Imported));
    assert_eq!(
        e1.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(e1.key_material_description(), Some("initial material"));
    assert_eq!(e1.valid_to(), None);
    assert_eq!(e1.rotation_date(), None);
    assert_eq!(e1.rotation_type(), None);
    assert_eq!(e2.key_id(), Some(id.as_str()));
    assert_eq!(e2.key_material_id(), Some(id2.as_str()));
    assert_eq!(
        e2.key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    assert_eq!(e2.import_state(), Some(&ImportState::Imported));
    assert_eq!(
        e2.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(e2.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    assert_eq!(e2.key_material_description(), None);
    assert_eq!(e2.rotation_date(), None);
    assert_eq!(e2.rotation_type(), None);
    // C-20: a pending material does not count for DescribeKey's expiry fields.
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);

    // After the rotation only the new CURRENT carries RotationDate/RotationType, and its
    // expiry now shows in DescribeKey.
    rotate(&c, &id).await;
    let all = all_materials(&c, &id).await;
    assert_eq!(all[0].rotation_date(), None);
    assert_eq!(all[0].rotation_type(), None);
    assert_eq!(all[1].rotation_type(), Some(&RotationType::OnDemand));
    assert_recent(all[1].rotation_date());
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|t| t.secs()), Some(valid_to.secs()));

    // A deleted (NON_CURRENT) material: PENDING_IMPORT, its expiry cleared (D-4), the
    // description kept (it was set once, L-3).
    delete_material(&c, &id, Some(&id1)).await;
    let e1 = all_materials(&c, &id).await[0].clone();
    assert_eq!(e1.import_state(), Some(&ImportState::PendingImport));
    assert_eq!(e1.key_material_state(), Some(&KeyMaterialState::NonCurrent));
    assert_eq!(e1.expiration_model(), None);
    assert_eq!(e1.valid_to(), None);
    assert_eq!(e1.key_material_description(), Some("initial material"));
    tc.stop().await;
}
