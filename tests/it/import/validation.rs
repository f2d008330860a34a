//! ImportKeyMaterial's request checks (I-3 … I-6, I-21): origin and state, symmetric-only
//! members, ExpirationModel against ValidTo, and KeyMaterialId with NEW material.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    ExpirationModelType, ImportType, KeySpec, KeyState, KeyUsageType, OriginType,
};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn import_into_aws_kms_key_is_unsupported_i3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let out = c.create_key().send().await.unwrap();
    let id = out.key_metadata().unwrap().key_id();
    // Origin is checked before the token (I-3 before I-7), so any token answers the same.
    let (code, msg) = err_code(
        c.import_key_material()
            .key_id(id)
            .import_token(Blob::new(random_material(32)))
            .encrypted_key_material(Blob::new(random_material(256)))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "{} origin is AWS_KMS which is not valid for this operation.",
            arn(REGION, id)
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn import_into_pending_deletion_key_is_invalid_state_i4() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    // Parameters taken before the deletion was scheduled (G-2 refuses them afterwards).
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let m = random_material(32);
    schedule_deletion(&c, &id, 7).await;
    let (code, msg) = err_code(
        c.import_key_material()
            .key_id(&id)
            .import_token(p.import_token().unwrap().clone())
            .encrypted_key_material(Blob::new(wrap(
                p.public_key().unwrap().as_ref(),
                OAEP_256,
                &m,
            )))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending deletion."));
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingDeletion)
    );
    tc.stop().await;
}

#[tokio::test]
async fn symmetric_only_members_on_an_hmac_key_are_invalid_i5() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let out = c
        .create_key()
        .origin(OriginType::External)
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let wrapped = Blob::new(wrap(params.public_key().unwrap().as_ref(), OAEP_256, &m));
    let token = params.import_token().unwrap().clone();
    let attempt = || {
        c.import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    };
    let mid = "a".repeat(64);
    for (what, req) in [
        (
            "ImportType",
            attempt().import_type(ImportType::NewKeyMaterial),
        ),
        (
            "ImportType EXISTING",
            attempt().import_type(ImportType::ExistingKeyMaterial),
        ),
        ("KeyMaterialId", attempt().key_material_id(&mid)),
        (
            "KeyMaterialDescription",
            attempt().key_material_description("hmac material"),
        ),
    ] {
        let (code, _) = err_code(req.send().await);
        assert_eq!(code, "ValidationException", "{what}");
        assert_eq!(describe(&c, &id).await, before, "{what}");
    }
    // Without them the same token imports (validation failures do not use it up).
    let out = attempt().send().await.unwrap();
    assert_eq!(out.key_material_id(), None);
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::Enabled)
    );
    tc.stop().await;
}

#[tokio::test]
async fn expiration_model_and_valid_to_must_agree_i6() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let wrapped = Blob::new(wrap(params.public_key().unwrap().as_ref(), OAEP_256, &m));
    let token = params.import_token().unwrap().clone();
    let attempt = || {
        c.import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
    };
    // EXPIRES given explicitly, without ValidTo: the observed message.
    let (code, msg) = err_code(
        attempt()
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(I6_MESSAGE));
    // Q-7 [CHOICE]: DOES_NOT_EXPIRE with ValidTo, ValidTo in the past (also with the model
    // omitted), ValidTo more than 365 days ahead.
    for (what, req) in [
        (
            "DOES_NOT_EXPIRE with ValidTo",
            attempt()
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
                .valid_to(in_secs(3600)),
        ),
        (
            "ValidTo in the past",
            attempt()
                .expiration_model(ExpirationModelType::KeyMaterialExpires)
                .valid_to(in_secs(-60)),
        ),
        (
            "ValidTo in the past, model omitted",
            attempt().valid_to(in_secs(-60)),
        ),
        (
            "ValidTo beyond 365 days",
            attempt()
                .expiration_model(ExpirationModelType::KeyMaterialExpires)
                .valid_to(in_secs(366 * 86_400)),
        ),
    ] {
        let (code, msg) = err_code(req.send().await);
        assert_eq!(code, "ValidationException", "{what}");
        assert!(msg.is_some_and(|m| !m.is_empty()), "{what}");
        assert_eq!(describe(&c, &id).await, before, "{what}");
    }
    // ValidTo omitted with the model omitted: the I-6 message again.
    let (code, msg) = err_code(attempt().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(I6_MESSAGE));
    // Just inside 365 days is fine, with the model omitted (it defaults to EXPIRES).
    let valid_to = in_secs(364 * 86_400);
    attempt().valid_to(valid_to).send().await.unwrap();
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    tc.stop().await;
}

#[tokio::test]
async fn key_material_id_with_new_key_material_is_invalid_i21() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let mid = "0".repeat(64);
    // Explicit NEW, and NEW as the default of a never-imported key (I-20).
    for (what, import_type) in [
        ("explicit NEW", Some(ImportType::NewKeyMaterial)),
        ("default NEW", None),
    ] {
        let (code, _) = err_code(
            import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
                b.set_import_type(import_type)
                    .key_material_id(&mid)
                    .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            })
            .await,
        );
        assert_eq!(code, "ValidationException", "{what}");
        assert_eq!(describe(&c, &id).await, before, "{what}");
    }
    tc.stop().await;
}
