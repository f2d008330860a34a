//! Import tokens (G-5, G-8, I-7, I-8): a new one per call, bound to its key, used up by a
//! successful import, and expired after ParametersValidTo.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ExpirationModelType, KeyState};

use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn every_call_returns_a_new_token_and_older_tokens_stay_valid_g5() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let first = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let second = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let (t1, t2) = (
        first.import_token().unwrap().clone(),
        second.import_token().unwrap().clone(),
    );
    assert_ne!(t1, t2);
    // Q-6 [CHOICE]: a newer GetParametersForImport does not invalidate the older token.
    let m = random_material(32);
    c.import_key_material()
        .key_id(&id)
        .import_token(t1)
        .encrypted_key_material(Blob::new(wrap(
            first.public_key().unwrap().as_ref(),
            OAEP_256,
            &m,
        )))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::Enabled)
    );
    tc.stop().await;
}

#[tokio::test]
async fn token_of_another_key_is_invalid_g8() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (a, _) = external_key(&c).await;
    let (b, _) = external_key(&c).await;
    let params = get_params(&c, &a, OAEP_256, RSA_2048).await;
    let m = random_material(32);
    let wrapped = Blob::new(wrap(params.public_key().unwrap().as_ref(), OAEP_256, &m));
    let token = params.import_token().unwrap().clone();
    let b_before = describe(&c, &b).await;
    let (code, _) = err_code(
        c.import_key_material()
            .key_id(&b)
            .import_token(token.clone())
            .encrypted_key_material(wrapped.clone())
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidImportTokenException");
    assert_eq!(describe(&c, &b).await, b_before);
    // The token is still good for the key it was issued for.
    c.import_key_material()
        .key_id(&a)
        .import_token(token)
        .encrypted_key_material(wrapped)
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .unwrap();
    assert_eq!(describe(&c, &a).await.key_state(), Some(&KeyState::Enabled));
    tc.stop().await;
}

#[tokio::test]
async fn unknown_and_reused_tokens_are_invalid_i7() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let wrapped = Blob::new(wrap(params.public_key().unwrap().as_ref(), OAEP_256, &m));
    let send = |token: Blob| {
        c.import_key_material()
            .key_id(&id)
            .import_token(token)
            .encrypted_key_material(wrapped.clone())
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };
    // Random bytes of a real token's length, and of another length.
    for len in [params.import_token().unwrap().as_ref().len(), 100] {
        let (code, _) = err_code(send(Blob::new(random_material(len))).await);
        assert_eq!(code, "InvalidImportTokenException", "{len} bytes");
    }
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    // Q-6 [CHOICE]: a successful import uses the token up.
    let token = params.import_token().unwrap().clone();
    send(token.clone()).await.unwrap();
    let (code, _) = err_code(send(token).await);
    assert_eq!(code, "InvalidImportTokenException");
    tc.stop().await;
}

#[tokio::test]
async fn token_past_parameters_valid_to_is_expired_i8() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let wrapped = Blob::new(wrap(params.public_key().unwrap().as_ref(), OAEP_256, &m));
    tc.advance(86_401.0).await;
    let (code, _) = err_code(
        c.import_key_material()
            .key_id(&id)
            .import_token(params.import_token().unwrap().clone())
            .encrypted_key_material(wrapped)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "ExpiredImportTokenException");
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    // Fresh parameters, on the advanced clock, work.
    import_material(&c, &id, &m, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    tc.stop().await;
}
