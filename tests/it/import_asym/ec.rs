//! Imported EC keys (A-1, I-41, I-42, P-13, P-14): P-256 digests, P-384, secp256k1 and
//! P-521 material, the wrong curve or encoding, and re-import of the same key.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, MessageType, SigningAlgorithmSpec};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use sha2::Digest;

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn imported_ec_key_signs_digests_and_verifies_local_signatures_a1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (sk, der) = p256_key();
    import_material(&c, &id, &der, "RSAES_OAEP_SHA_1", "RSA_3072", None)
        .await
        .unwrap();
    // A DIGEST message signed by the server verifies as a prehash locally.
    let digest = sha2::Sha256::digest(b"digest me").to_vec();
    let sig = c
        .sign()
        .key_id(&id)
        .message(Blob::new(digest.clone()))
        .message_type(MessageType::Digest)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap()
        .signature()
        .unwrap()
        .as_ref()
        .to_vec();
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&p256_spki(&sk)).unwrap();
    let parsed = p256::ecdsa::Signature::from_der(&sig).unwrap();
    vk.verify_prehash(&digest, &parsed).expect("prehash verify");
    // A signature made locally with the private key verifies through the server.
    let local: p256::ecdsa::Signature = p256::ecdsa::SigningKey::from(&sk).sign(b"local");
    verify_ok(
        &c,
        &id,
        SigningAlgorithmSpec::EcdsaSha256,
        b"local",
        local.to_der().as_bytes(),
    )
    .await;
    tc.stop().await;
}

#[tokio::test]
async fn p384_and_secp256k1_pkcs8_import_p13() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);

    // P-384: a 185-byte PKCS#8 still fits OAEP-SHA256 under RSA_2048 (190, §5.2).
    let sk = p384::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().unwrap().as_bytes().to_vec();
    let (id, _) = external(&c, KeySpec::EccNistP384, KeyUsageType::SignVerify).await;
    import_material(&c, &id, &der, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    let spki = sk
        .public_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    assert_eq!(public_key(&c, &id).await, spki, "P-21");
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha384, b"p384").await;
    let vk = p384::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    vk.verify(b"p384", &p384::ecdsa::Signature::from_der(&sig).unwrap())
        .expect("P-384 signature");

    // secp256k1 (ECDSA_SHA_256).
    let sk = k256::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().unwrap().as_bytes().to_vec();
    let (id, _) = external(&c, KeySpec::EccSecgP256K1, KeyUsageType::SignVerify).await;
    import_material(&c, &id, &der, "RSA_AES_KEY_WRAP_SHA_1", RSA_2048, None)
        .await
        .unwrap();
    let spki = sk
        .public_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    assert_eq!(public_key(&c, &id).await, spki, "P-21");
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"k256").await;
    let vk = k256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    let mut parsed = k256::ecdsa::Signature::from_der(&sig).unwrap();
    // k256 verifies only low-S signatures; AWS does not promise low S.
    if let Some(normalized) = parsed.normalize_s() {
        parsed = normalized;
    }
    vk.verify(b"k256", &parsed).expect("secp256k1 signature");
    tc.stop().await;
}

#[tokio::test]
async fn p521_imports_with_rsa_aes_key_wrap_p13() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external(&c, KeySpec::EccNistP521, KeyUsageType::SignVerify).await;
    let der = p521_pkcs8();
    // §5.3: a full P-521 PKCS#8 (241 bytes with its public key) cannot go under RSA_2048
    // with OAEP-SHA256 — the client cannot even produce it — so RSA_AES is the way.
    let params = get_params(&c, &id, OAEP_256, RSA_2048).await;
    assert!(matches!(
        oaep_encrypt(params.public_key().unwrap().as_ref(), OAEP_256, &[0u8; 241]),
        Err(rsa::Error::MessageTooLong)
    ));
    import_material(&c, &id, &der, AES_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    let spki = public_key(&c, &id).await;
    // id-ecPublicKey + secp521r1 and an uncompressed 133-byte point: 158 bytes (P-21).
    assert_eq!(spki.len(), 158);
    assert!(spki.windows(SECP521R1.len()).any(|w| w == SECP521R1));
    assert_eq!(spki[spki.len() - 133], 0x04, "uncompressed point");
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha512, b"p521").await;
    verify_ok(&c, &id, SigningAlgorithmSpec::EcdsaSha512, b"p521", &sig).await;
    verify_fails(&c, &id, SigningAlgorithmSpec::EcdsaSha512, b"p-521", &sig).await;
    tc.stop().await;
}

#[tokio::test]
async fn material_of_another_curve_or_size_is_incorrect_i42() {
    let rsa_der = rsa_pkcs8(2048);
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let p384 = p384::SecretKey::random(&mut OsRng)
        .to_pkcs8_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    let k256 = k256::SecretKey::random(&mut OsRng)
        .to_pkcs8_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    for (what, der) in [("P-384", p384), ("secp256k1", k256)] {
        let (code, _) = err_code(import_material(&c, &id, &der, AES_256, RSA_2048, None).await);
        assert_eq!(code, "IncorrectKeyMaterialException", "{what} into P-256");
    }
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    // An RSA_2048 private key into an RSA_3072 key, and into an EC key.
    let (rid, _) = external(&c, KeySpec::Rsa3072, KeyUsageType::SignVerify).await;
    for key in [&rid, &id] {
        let (code, _) = err_code(import_material(&c, key, &rsa_der, AES_256, RSA_2048, None).await);
        assert_eq!(code, "IncorrectKeyMaterialException");
        assert_eq!(key_state(&c, key).await, KeyState::PendingImport);
    }
    tc.stop().await;
}

#[tokio::test]
async fn pem_text_is_not_key_material_p14() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (sk, der) = p256_key();
    let pem = sk.to_pkcs8_pem(LineEnding::LF).unwrap();
    let hex_text = hex::encode(&der);
    for (what, text) in [("PEM", pem.as_bytes()), ("hex", hex_text.as_bytes())] {
        let (code, _) = err_code(import_material(&c, &id, text, AES_256, RSA_2048, None).await);
        assert_eq!(code, "IncorrectKeyMaterialException", "{what}");
    }
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    tc.stop().await;
}

#[tokio::test]
async fn reimport_compares_the_key_not_its_encoding_i41() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (sk, der) = p256_key();
    import_material(&c, &id, &der, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    // The same private scalar, encoded without the optional public key: the same material.
    let bare = ec_pkcs8(PRIME256V1, &sk.to_bytes());
    assert_ne!(bare, der);
    import_material(&c, &id, &bare, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(public_key(&c, &id).await, p256_spki(&sk));
    tc.stop().await;
}
