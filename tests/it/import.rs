//! Single-Region symmetric BYOK through the SDK: scenario T1, GetParametersForImport (G-*),
//! ImportKeyMaterial (I-*), DeleteImportedKeyMaterial (D-*) and expiry (I-50), with the
//! material wrapped on the client by `crate::wrap`.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    AlgorithmSpec, EncryptionAlgorithmSpec, ExpirationModelType, ImportType, KeyMetadata, KeySpec,
    KeyState, KeyUsageType, OriginType, WrappingKeySpec,
};
use aws_sdk_kms::Client;
use rsa::traits::PublicKeyParts;
use rsa::BigUint;

use crate::common::*;
use crate::wrap::*;

const REGION: &str = "us-east-1";
const OAEP_256: &str = "RSAES_OAEP_SHA_256";
const RSA_2048: &str = "RSA_2048";
const I6_MESSAGE: &str =
    "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES";

/// Creates an EXTERNAL symmetric key; returns (bare id, ARN).
async fn external_key(client: &Client) -> (String, String) {
    let out = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .expect("CreateKey EXTERNAL");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

/// Creates an EXTERNAL key with `material` imported (DOES_NOT_EXPIRE); returns (id, ARN,
/// KeyMaterialId).
async fn imported_key(client: &Client, material: &[u8]) -> (String, String, String) {
    let (id, key_arn) = external_key(client).await;
    let out = import_material(client, &id, material, OAEP_256, RSA_2048, None)
        .await
        .expect("ImportKeyMaterial");
    let mid = out.key_material_id().expect("KeyMaterialId").to_string();
    (id, key_arn, mid)
}

async fn describe(client: &Client, id: &str) -> KeyMetadata {
    client
        .describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .clone()
}

async fn encrypt(client: &Client, id: &str, plaintext: &[u8]) -> Blob {
    client
        .encrypt()
        .key_id(id)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

/// Decrypts; returns (plaintext, KeyMaterialId).
async fn decrypt(client: &Client, blob: Blob) -> (Vec<u8>, String) {
    let out = client
        .decrypt()
        .ciphertext_blob(blob)
        .send()
        .await
        .expect("Decrypt");
    (
        out.plaintext().expect("Plaintext").as_ref().to_vec(),
        out.key_material_id().expect("KeyMaterialId").to_string(),
    )
}

/// E-1: Encrypt on a PendingImport key.
async fn assert_encrypt_pending_import(client: &Client, id: &str, key_arn: &str) {
    let (code, msg) = err_code(
        client
            .encrypt()
            .key_id(id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending import."));
}

/// A 64-hex KeyMaterialId (`BackingKeyIdType`).
fn assert_material_id(mid: &str) {
    assert_eq!(mid.len(), 64, "{mid}");
    assert!(
        mid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{mid}"
    );
}

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
    assert_material_id(&id1);
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
    let (plain, mid) = decrypt(&c, blob.clone()).await;
    assert_eq!(plain, b"t1 plaintext");
    assert_eq!(mid, id1);

    // 7. D-4: PendingImport, ExpirationModel gone, CurrentKeyMaterialId kept.
    let del = c
        .delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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
    assert_eq!(decrypt(&c, blob).await.0, b"t1 plaintext");
    // Different material → IncorrectKeyMaterialException (I-28).
    let (code, _) =
        err_code(import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, md);
    tc.stop().await;
}

#[tokio::test]
async fn get_parameters_on_aws_kms_key_is_unsupported_g1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let md = c.create_key().send().await.unwrap();
    let id = md.key_metadata().unwrap().key_id();
    let (code, msg) = err_code(
        c.get_parameters_for_import()
            .key_id(id)
            .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(WrappingKeySpec::Rsa2048)
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
async fn get_parameters_on_pending_deletion_key_is_invalid_state_g2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        c.get_parameters_for_import()
            .key_id(&id)
            .wrapping_algorithm(AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(WrappingKeySpec::Rsa2048)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending deletion."));
    tc.stop().await;
}

#[tokio::test]
async fn get_parameters_on_enabled_and_disabled_keys_g2() {
    // Re-import needs parameters too: Enabled and Disabled keys get them.
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, key_arn, _) = imported_key(&c, &m).await;
    assert_eq!(
        get_params(&c, &id, OAEP_256, RSA_2048).await.key_id(),
        Some(key_arn.as_str())
    );
    c.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        get_params(&c, &key_arn, OAEP_256, RSA_2048).await.key_id(),
        Some(key_arn.as_str())
    );
    tc.stop().await;
}

#[tokio::test]
async fn public_key_is_a_der_spki_of_the_requested_size_g3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    for (spec, bits, der_len) in [
        ("RSA_2048", 2048, 294),
        ("RSA_3072", 3072, 422),
        ("RSA_4096", 4096, 550),
    ] {
        let params = get_params(&c, &id, OAEP_256, spec).await;
        let der = params.public_key().unwrap().as_ref();
        assert_eq!(der.len(), der_len, "{spec}");
        let pk = wrapping_public_key(der);
        assert_eq!(pk.n().bits(), bits, "{spec}");
        assert_eq!(pk.e(), &BigUint::from(65_537u32), "{spec}");
    }
    tc.stop().await;
}

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
async fn withdrawn_and_china_only_wrapping_is_rejected_g6() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let ask = |alg: &'static str, spec: &'static str| {
        c.get_parameters_for_import()
            .key_id(&id)
            .wrapping_algorithm(AlgorithmSpec::from(alg))
            .wrapping_key_spec(WrappingKeySpec::from(spec))
            .send()
    };
    // RSAES_PKCS1_V1_5, withdrawn in October 2023.
    let (code, msg) = err_code(ask("RSAES_PKCS1_V1_5", RSA_2048).await);
    assert_eq!(code, "ValidationException");
    assert!(
        msg.as_deref()
            .unwrap()
            .starts_with("The RSAES_PKCS1_V1_5 wrapping algorithm is not supported."),
        "{msg:?}"
    );
    // SM2 exists only in China Regions, in either half of the pair.
    for (alg, spec) in [
        ("RSAES_OAEP_SHA_256", "SM2"),
        ("SM2PKE", "SM2"),
        ("SM2PKE", RSA_2048),
    ] {
        let (code, msg) = err_code(ask(alg, spec).await);
        assert_eq!(code, "ValidationException", "{alg}/{spec}");
        assert!(msg.is_some_and(|m| !m.is_empty()), "{alg}/{spec}");
    }
    // Not an algorithm at all: W-35's enum message.
    let (code, msg) = err_code(ask("RSAES_BOGUS", RSA_2048).await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        "1 validation error detected: Value 'RSAES_BOGUS' at 'wrappingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_PKCS1_V1_5, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1, RSA_AES_KEY_WRAP_SHA_256, SM2PKE]"
    );
    let (code, msg) = err_code(ask(OAEP_256, "RSA_1024").await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        "1 validation error detected: Value 'RSA_1024' at 'wrappingKeySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, SM2]"
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
async fn every_wrapping_algorithm_and_key_spec_imports_symmetric_material_p1() {
    // §5.1 × G-3: 4 algorithms × 3 wrapping specs. The first import is NEW (I-22); every
    // later one re-imports the same material (EXISTING by default, I-20) and gets the same id.
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let m = random_material(32);
    let mut first_id: Option<String> = None;
    for spec in SPECS {
        for alg in ALGORITHMS {
            let out = import_material(&c, &id, &m, alg, spec, None)
                .await
                .unwrap_or_else(|e| panic!("{alg}/{spec}: {e:?}"));
            assert_eq!(out.key_id(), Some(key_arn.as_str()), "{alg}/{spec}");
            let mid = out.key_material_id().unwrap().to_string();
            match &first_id {
                None => first_id = Some(mid),
                Some(f) => assert_eq!(&mid, f, "{alg}/{spec}"),
            }
            let blob = encrypt(&c, &id, alg.as_bytes()).await;
            assert_eq!(decrypt(&c, blob).await.0, alg.as_bytes(), "{alg}/{spec}");
        }
    }
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(md.current_key_material_id(), first_id.as_deref());
    tc.stop().await;
}

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

#[tokio::test]
async fn undecryptable_material_is_invalid_ciphertext_i9() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let attempt = |token: Blob, encrypted: Vec<u8>| {
        c.import_key_material()
            .key_id(&id)
            .import_token(token)
            .encrypted_key_material(Blob::new(encrypted))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };

    // OAEP: garbage of the modulus length, and a wrong length.
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let token = p.import_token().unwrap().clone();
    for (what, bytes) in [
        ("garbage, 256 bytes", random_material(256)),
        ("wrong length, 255 bytes", random_material(255)),
        (
            "valid wrap plus a byte",
            [
                wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m),
                vec![0],
            ]
            .concat(),
        ),
    ] {
        let (code, msg) = err_code(attempt(token.clone(), bytes).await);
        assert_eq!(code, "InvalidCiphertextException", "{what}");
        assert_eq!(msg, None, "{what}: W-32, no message");
    }

    // P-2: the token is for OAEP-SHA1; material wrapped with OAEP-SHA256 does not unwrap.
    let p = get_params(&c, &id, "RSAES_OAEP_SHA_1", RSA_2048).await;
    let wrong = wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m);
    let (code, _) = err_code(attempt(p.import_token().unwrap().clone(), wrong).await);
    assert_eq!(code, "InvalidCiphertextException");

    // RSA_AES: a corrupted KWP half fails the RFC 5649 integrity check; a truncated blob
    // (C1 alone) has no KWP half at all.
    let alg = "RSA_AES_KEY_WRAP_SHA_256";
    let p = get_params(&c, &id, alg, RSA_2048).await;
    let token = p.import_token().unwrap().clone();
    let mut good = wrap(p.public_key().unwrap().as_ref(), alg, &m);
    let c1_only = good[..256].to_vec();
    let last = good.len() - 1;
    good[last] ^= 1;
    for (what, bytes) in [("KWP corrupted", good), ("C1 only", c1_only)] {
        let (code, _) = err_code(attempt(token.clone(), bytes).await);
        assert_eq!(code, "InvalidCiphertextException", "{what}");
    }
    // The RSA_AES token used with a plain OAEP wrap (P-2).
    let plain = wrap(p.public_key().unwrap().as_ref(), OAEP_256, &m);
    let (code, _) = err_code(attempt(token, plain).await);
    assert_eq!(code, "InvalidCiphertextException");

    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn symmetric_material_must_be_32_bytes_i10() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    for len in [31, 33, 16] {
        let (code, _) = err_code(
            import_material(&c, &id, &random_material(len), OAEP_256, RSA_2048, None).await,
        );
        assert_eq!(code, "IncorrectKeyMaterialException", "{len} bytes");
    }
    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

#[tokio::test]
async fn failed_imports_leave_the_key_untouched_i12() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let m = random_material(32);
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let pk = p.public_key().unwrap().as_ref().to_vec();
    let token = p.import_token().unwrap().clone();
    let attempt = |encrypted: Vec<u8>| {
        c.import_key_material()
            .key_id(&id)
            .import_token(token.clone())
            .encrypted_key_material(Blob::new(encrypted))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
    };
    // A failure at each step after the token: unwrap (I-9), format (I-10).
    let (code, _) = err_code(attempt(random_material(256)).await);
    assert_eq!(code, "InvalidCiphertextException");
    assert_eq!(describe(&c, &id).await, before);
    let (code, _) = err_code(attempt(wrap(&pk, OAEP_256, &m[..31])).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, before);
    assert_eq!(before.key_state(), Some(&KeyState::PendingImport));
    // None of them used the token up.
    let id1 = attempt(wrap(&pk, OAEP_256, &m))
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_string();

    // An Enabled key: a rejected different material changes nothing either.
    let enabled = describe(&c, &id).await;
    assert_eq!(enabled.current_key_material_id(), Some(id1.as_str()));
    let (code, _) =
        err_code(import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(describe(&c, &id).await, enabled);
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
        import_with(&c, &id, &random_material(32), OAEP_256, RSA_2048, |b| {
            b.import_type(ImportType::ExistingKeyMaterial)
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        })
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
async fn key_material_id_is_deterministic_and_bound_to_the_key_i32() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (a, _, id_a) = imported_key(&c, &m).await;
    let (b, _, id_b) = imported_key(&c, &m).await;
    assert_material_id(&id_a);
    assert_material_id(&id_b);
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
    assert_eq!(decrypt(&c, blob).await, (b"before expiry".to_vec(), id1));
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
    let out = c
        .delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id1)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    tc.stop().await;
}

#[tokio::test]
async fn delete_on_a_never_imported_key_has_no_effect_d8() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let before = describe(&c, &id).await;
    let out = c
        .delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), None);
    let after = describe(&c, &id).await;
    assert_eq!(after, before);
    assert_eq!(after.key_state(), Some(&KeyState::PendingImport));
    // Twice is the same.
    c.delete_imported_key_material()
        .key_id(&key_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(describe(&c, &id).await, before);
    tc.stop().await;
}

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
    c.delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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

#[tokio::test]
async fn import_into_pending_deletion_key_is_invalid_state_i4() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    // Parameters taken before the deletion was scheduled (G-2 refuses them afterwards).
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    let m = random_material(32);
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
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
async fn delete_on_pending_deletion_key_keeps_its_state_d4() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m = random_material(32);
    let (id, _, id1) = imported_key(&c, &m).await;
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let out = c
        .delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    let md = describe(&c, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion), "S-7");
    assert!(md.deletion_date().is_some());
    assert_eq!(md.expiration_model(), None);
    assert_eq!(md.current_key_material_id(), Some(id1.as_str()));
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
async fn default_import_type_depends_on_earlier_imports_i20() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    // Never imported: EXISTING has nothing to match.
    let (code, _) = err_code(
        import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
            b.import_type(ImportType::ExistingKeyMaterial)
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        })
        .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(
        describe(&c, &id).await.key_state(),
        Some(&KeyState::PendingImport)
    );
    // An explicit NEW first import is the initial, CURRENT material (I-22).
    let out = import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::NewKeyMaterial)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
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
