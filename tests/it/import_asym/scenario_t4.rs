//! Scenario T4 (contract §9): an ECC_NIST_P256 key, an RSA_4096 key and an HMAC_224 key
//! with imported material, each checked against RustCrypto.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    ExpirationModelType, ImportType, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec,
    SigningAlgorithmSpec,
};
use hmac::Mac;
use p256::ecdsa::signature::Verifier;
use p256::pkcs8::EncodePublicKey;

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn t4_asymmetric_and_hmac_import() {
    // The RSA_4096 private key first: generating it is the slow part, and it runs before any
    // request is in flight.
    let rsa_der = rsa_pkcs8(4096);
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);

    // 1. ECC_NIST_P256 SIGN_VERIFY, EXTERNAL.
    let (id, key_arn) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(
        md.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
    assert_eq!(md.current_key_material_id(), None);
    assert_eq!(md.expiration_model(), None);

    // 2. PKCS#8 DER under RSAES_OAEP_SHA_256/RSA_2048 → Enabled; no KeyMaterialId (I-40).
    let (sk, der) = p256_key();
    let out = import_material(&c, &id, &der, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), None);
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert!(md.enabled());
    assert_eq!(md.current_key_material_id(), None);
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    // P-21: GetPublicKey is byte-equal to the locally derived SPKI.
    let gpk = c.get_public_key().key_id(&id).send().await.unwrap();
    assert_eq!(gpk.key_id(), Some(key_arn.as_str()));
    assert_eq!(
        gpk.public_key().unwrap().as_ref(),
        p256_spki(&sk).as_slice()
    );
    assert_eq!(gpk.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(gpk.key_usage(), Some(&KeyUsageType::SignVerify));
    assert_eq!(
        gpk.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
    // Sign with the server, verify with p256 and with the server.
    let msg = b"t4 message";
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha256, msg).await;
    assert!(p256_verifies(&p256_spki(&sk), msg, &sig));
    verify_ok(&c, &id, SigningAlgorithmSpec::EcdsaSha256, msg, &sig).await;
    let corrupted = flip_last(sig.clone());
    verify_fails(&c, &id, SigningAlgorithmSpec::EcdsaSha256, msg, &corrupted).await;
    verify_fails(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"other", &sig).await;

    // 3. I-5: ImportType on an asymmetric key. I-41: a different P-256 key.
    let (code, _) = err_code(import_as(&c, &id, &der, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "ValidationException");
    let (_, other) = p256_key();
    let (code, _) = err_code(import_material(&c, &id, &other, OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(public_key(&c, &id).await, p256_spki(&sk));

    // 4. RSA_4096 SIGN_VERIFY needs RSA_AES_KEY_WRAP (C1 ‖ KWP) — P-3 with RSA_4096.
    let (rid, _) = external(&c, KeySpec::Rsa4096, KeyUsageType::SignVerify).await;
    // Plain OAEP cannot carry an RSA private key, even under a 4096-bit wrapping key (§5.3).
    let params = get_params(&c, &rid, OAEP_256, "RSA_4096").await;
    assert!(matches!(
        oaep_encrypt(params.public_key().unwrap().as_ref(), OAEP_256, &rsa_der),
        Err(rsa::Error::MessageTooLong)
    ));
    let out = import_material(&c, &rid, &rsa_der, AES_256, "RSA_4096", None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), None);
    assert_eq!(key_state(&c, &rid).await, KeyState::Enabled);
    let spki = public_key(&c, &rid).await;
    let local_spki = rsa_private_key(4096)
        .to_public_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    assert_eq!(spki, local_spki, "P-21");
    let sig = sign(&c, &rid, SigningAlgorithmSpec::RsassaPssSha256, msg).await;
    assert_eq!(sig.len(), 512);
    let vk = rsa::pss::VerifyingKey::<sha2::Sha256>::new(rsa_public(&spki));
    let pss = rsa::pss::Signature::try_from(sig.as_slice()).unwrap();
    vk.verify(msg, &pss).expect("PSS-SHA256, salt = 32 (A-2)");
    verify_ok(&c, &rid, SigningAlgorithmSpec::RsassaPssSha256, msg, &sig).await;

    // 5. HMAC_224: 27 bytes refused, 28 accepted.
    let (hid, harn) = external(&c, KeySpec::Hmac224, KeyUsageType::GenerateVerifyMac).await;
    let short = random_material(27);
    let (code, _) = err_code(import_material(&c, &hid, &short, OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(key_state(&c, &hid).await, KeyState::PendingImport);
    let hkey = random_material(28);
    let out = import_material(&c, &hid, &hkey, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), None);
    assert_eq!(key_state(&c, &hid).await, KeyState::Enabled);
    let (code, msg_) = err_code(
        c.generate_mac()
            .key_id(&hid)
            .message(Blob::new(msg.to_vec()))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        msg_.as_deref(),
        Some("Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.")
    );
    // HMAC-SHA224 under the imported bytes.
    let mac = generate_mac(&c, &hid, MacAlgorithmSpec::HmacSha224, msg).await;
    let mut local = hmac::Hmac::<sha2::Sha224>::new_from_slice(&hkey).unwrap();
    local.update(msg);
    assert_eq!(mac, local.finalize().into_bytes().to_vec());
    let ok = c
        .verify_mac()
        .key_id(&harn)
        .message(Blob::new(msg.to_vec()))
        .mac(Blob::new(mac.clone()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha224)
        .send()
        .await
        .unwrap();
    assert!(ok.mac_valid());
    let (code, m) = err_code(
        c.verify_mac()
            .key_id(&hid)
            .message(Blob::new(msg.to_vec()))
            .mac(Blob::new(flip_last(mac)))
            .mac_algorithm(MacAlgorithmSpec::HmacSha224)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidMacException");
    assert_eq!(m, None, "W-32: no message");
    tc.stop().await;
}
