//! Scenario T1 (contract §9): single-Region symmetric BYOK from CreateKey to a re-import
//! after DeleteImportedKeyMaterial, step by step.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, ExpirationModelType, KeySpec, KeyState, KeyUsageType, OriginType,
};
use rsa::traits::PublicKeyParts;

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn t1_single_region_symmetric_byok() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);

    // 1. C-5: PendingImport, no material fields, algorithms present.
    let created = c
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap();
    let md = created.key_metadata().unwrap();
    let id = md.key_id().to_string();
    let key_arn = arn(REGION, &id);
    assert_eq!(md.arn(), Some(key_arn.as_str()));
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.origin(), Some(&OriginType::External));
    assert_eq!(md.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(md.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(md.current_key_material_id(), None);
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.valid_to(), None);
    assert_eq!(
        md.encryption_algorithms(),
        &[EncryptionAlgorithmSpec::SymmetricDefault]
    );

    // 2. E-1.
    assert_encrypt_pending_import(&c, &id, &key_arn).await;

    // 3. G-3/G-4: ARN, a 294-byte DER SPKI, valid for 24 hours.
    let before = now_secs();
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    assert_eq!(params.key_id(), Some(key_arn.as_str()));
    let public_key = params.public_key().unwrap().as_ref().to_vec();
    assert_eq!(public_key.len(), 294);
    assert_eq!(wrapping_public_key(&public_key).n().bits(), 2048);
    let valid_to = params.parameters_valid_to().unwrap().secs();
    assert!(
        (valid_to - (before + 86_400)).abs() <= 5,
        "ParametersValidTo {valid_to} is not now+24h ({before})"
    );
    let token = params.import_token().unwrap().clone();
    let m1 = random_material(32);
    let wrapped = Blob::new(wrap(&public_key, OAEP_256, &m1));

    // 4. I-6: no ExpirationModel means KEY_MATERIAL_EXPIRES, which needs ValidTo.
    let (code, msg) = err_code(
        c.import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(I6_MESSAGE));
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );

    // 5. The same token still works: a validation failure does not use it up.
    let out = c
        .import_key_material()
        .key_id(&id)
        .import_token(token)
        .encrypted_key_material(wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    let id1 = out.key_material_id().unwrap().to_string();
    assert!(is_key_material_id(&id1), "{id1}");
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert!(md.enabled());
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);

    // 6. Encrypt/Decrypt; Decrypt names the material.
    let blob = encrypt(&c, &id, b"t1 plaintext").await;
    let (plain, mid) = decrypt_with_material(&c, blob.clone()).await;
    assert_eq!(plain, b"t1 plaintext");
    assert_eq!(mid, id1);

    // 7. D-4: PendingImport, ExpirationModel gone, CurrentKeyMaterialId kept.
    let del = delete_material(&c, &id, None).await;
    assert_eq!(del.key_id(), Some(key_arn.as_str()));
    assert_eq!(del.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    assert_encrypt_pending_import(&c, &id, &key_arn).await;

    // 8. The same material again (new parameters) → Enabled with id1; the old blob decrypts.
    let out = import_material(&c, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
    assert_eq!(decrypt_with_material(&c, blob).await.0, b"t1 plaintext");
    // Different material → IncorrectKeyMaterialException (I-28).
    let (code, _) =
        err_code(import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, md);
    tc.stop().await;
}
