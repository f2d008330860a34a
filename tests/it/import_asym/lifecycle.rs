//! HMAC material lengths (P-11), deleting asymmetric material (D-9), and the key states that
//! asymmetric and HMAC operations need.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, SigningAlgorithmSpec};

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn hmac_key_lengths_follow_the_spec_p11() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    for (spec, min, max) in [
        (KeySpec::Hmac224, 28, 64),
        (KeySpec::Hmac256, 32, 64),
        (KeySpec::Hmac384, 48, 128),
        (KeySpec::Hmac512, 64, 128),
    ] {
        let (id, _) = external(&c, spec.clone(), KeyUsageType::GenerateVerifyMac).await;
        for len in [min - 1, max + 1] {
            let (code, _) = err_code(
                import_material(&c, &id, &random_material(len), AES_256, RSA_2048, None).await,
            );
            assert_eq!(code, "IncorrectKeyMaterialException", "{spec:?} {len}");
        }
        import_material(&c, &id, &random_material(max), AES_256, RSA_2048, None)
            .await
            .unwrap_or_else(|e| panic!("{spec:?} {max}: {e:?}"));
        assert_eq!(key_state(&c, &id).await, KeyState::Enabled, "{spec:?}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn delete_wipes_asymmetric_material_until_the_same_key_returns_d9() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (sk, der) = p256_key();
    import_material(&c, &id, &der, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    let spki = public_key(&c, &id).await;

    // D-3: no KeyMaterialId on an asymmetric key.
    let (code, _) = err_code(
        c.delete_imported_key_material()
            .key_id(&id)
            .key_material_id("a".repeat(64))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);

    let out = delete_material(&c, &id, None).await;
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert!(out.key_material_id().unwrap_or_default().is_empty());
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.expiration_model(), None);
    // every crypto op is PI now, GetPublicKey included.
    let pi = format!("{key_arn} is pending import.");
    let (code, msg) = err_code(
        c.sign()
            .key_id(&id)
            .message(Blob::new(b"m".to_vec()))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(pi.as_str()));
    let (code, msg) = err_code(c.get_public_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(pi.as_str()));

    // Only the same key may come back (I-41).
    let (_, other) = p256_key();
    let (code, _) = err_code(import_material(&c, &id, &other, OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    import_material(&c, &id, &der, AES_256, "RSA_4096", None)
        .await
        .unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(public_key(&c, &id).await, spki);
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"back").await;
    assert!(p256_verifies(&p256_spki(&sk), b"back", &sig));
    tc.stop().await;
}

#[tokio::test]
async fn asymmetric_and_hmac_ops_need_an_enabled_key_a3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (hid, harn) = external(&c, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let sign_err = |id: String| {
        let c = c.clone();
        async move {
            err_code(
                c.sign()
                    .key_id(id)
                    .message(Blob::new(b"m".to_vec()))
                    .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                    .send()
                    .await,
            )
        }
    };
    let mac_err = |id: String| {
        let c = c.clone();
        async move {
            err_code(
                c.generate_mac()
                    .key_id(id)
                    .message(Blob::new(b"m".to_vec()))
                    .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                    .send()
                    .await,
            )
        }
    };
    // PendingImport.
    let (code, msg) = sign_err(id.clone()).await;
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending import."));
    let (code, msg) = mac_err(hid.clone()).await;
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{harn} is pending import."));

    // Disabled.
    let (_, der) = p256_key();
    import_material(&c, &id, &der, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    import_material(&c, &hid, &random_material(32), OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    for k in [&id, &hid] {
        c.disable_key().key_id(k).send().await.unwrap();
    }
    let (code, msg) = sign_err(id.clone()).await;
    assert_eq!(code, "DisabledException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is disabled."));
    let (code, msg) = err_code(c.get_public_key().key_id(&id).send().await);
    assert_eq!(code, "DisabledException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is disabled."));
    let (code, msg) = mac_err(hid.clone()).await;
    assert_eq!(code, "DisabledException");
    assert_eq!(msg.unwrap(), format!("{harn} is disabled."));

    // Enabled again: both work.
    for k in [&id, &hid] {
        c.enable_key().key_id(k).send().await.unwrap();
    }
    sign(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"m").await;
    generate_mac(&c, &hid, MacAlgorithmSpec::HmacSha256, b"m").await;
    tc.stop().await;
}
