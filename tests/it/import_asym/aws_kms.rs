//! The same operations on AWS_KMS-origin ECC, RSA and HMAC keys (A-1, A-2, E-9), checked
//! against RustCrypto.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, OriginType,
    SigningAlgorithmSpec,
};
use p256::ecdsa::signature::Verifier;

use super::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn aws_kms_ecc_key_signs_like_an_imported_one_a1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    let spki = public_key(&c, &id).await;
    let sig = sign(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"aws_kms").await;
    assert!(p256_verifies(&spki, b"aws_kms", &sig));
    verify_ok(&c, &id, SigningAlgorithmSpec::EcdsaSha256, b"aws_kms", &sig).await;
    verify_fails(
        &c,
        &id,
        SigningAlgorithmSpec::EcdsaSha256,
        b"aws_kms",
        &flip_last(sig),
    )
    .await;
    // The import family refuses it (G-1).
    let (code, _) = err_code(request_params(&c, &id, OAEP_256, RSA_2048).await);
    assert_eq!(code, "UnsupportedOperationException");
    tc.stop().await;
}

#[tokio::test]
async fn aws_kms_rsa_signing_key_verifies_locally_a2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let pk = rsa_public(&public_key(&c, &id).await);
    let msg = b"rsa sign";
    let sig = sign(&c, &id, SigningAlgorithmSpec::RsassaPssSha256, msg).await;
    rsa::pss::VerifyingKey::<sha2::Sha256>::new(pk.clone())
        .verify(msg, &rsa::pss::Signature::try_from(sig.as_slice()).unwrap())
        .expect("PSS-SHA256");
    let sig = sign(&c, &id, SigningAlgorithmSpec::RsassaPkcs1V15Sha256, msg).await;
    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(pk)
        .verify(
            msg,
            &rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap(),
        )
        .expect("PKCS1-v1_5-SHA256");
    verify_ok(
        &c,
        &id,
        SigningAlgorithmSpec::RsassaPkcs1V15Sha256,
        msg,
        &sig,
    )
    .await;
    tc.stop().await;
}

#[tokio::test]
async fn aws_kms_rsa_encryption_key_round_trips_with_the_rsa_crate_e9() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::EncryptDecrypt,
        OriginType::AwsKms,
    )
    .await;
    let decrypt = |blob: Vec<u8>, alg: EncryptionAlgorithmSpec| {
        let (c, id) = (c.clone(), id.clone());
        async move {
            let out = c
                .decrypt()
                .key_id(id)
                .ciphertext_blob(Blob::new(blob))
                .encryption_algorithm(alg)
                .send()
                .await
                .expect("Decrypt");
            out.plaintext().unwrap().as_ref().to_vec()
        }
    };
    // The server both ways, at the 190-byte limit.
    let plain = random_material(190);
    let out = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(plain.clone()))
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    let blob = out.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!(blob.len(), 256);
    assert_eq!(
        decrypt(blob, EncryptionAlgorithmSpec::RsaesOaepSha256).await,
        plain
    );
    // E-9: one byte more.
    for (alg, max, name) in [
        (
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            190,
            "RSAES_OAEP_SHA_256",
        ),
        (
            EncryptionAlgorithmSpec::RsaesOaepSha1,
            214,
            "RSAES_OAEP_SHA_1",
        ),
    ] {
        let (code, msg) = err_code(
            c.encrypt()
                .key_id(&id)
                .plaintext(Blob::new(random_material(max + 1)))
                .encryption_algorithm(alg)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException");
        assert_eq!(
            msg.unwrap(),
            format!(
                "Algorithm {name} and key spec RSA_2048 cannot encrypt data larger than {max} bytes."
            )
        );
    }
    // Encrypted locally with the public key, decrypted by the server.
    let spki = public_key(&c, &id).await;
    for (alg, name) in [
        (
            EncryptionAlgorithmSpec::RsaesOaepSha256,
            "RSAES_OAEP_SHA_256",
        ),
        (EncryptionAlgorithmSpec::RsaesOaepSha1, "RSAES_OAEP_SHA_1"),
    ] {
        let local = oaep_encrypt(&spki, name, b"encrypted locally").unwrap();
        assert_eq!(decrypt(local, alg).await, b"encrypted locally", "{name}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn aws_kms_hmac_key_generates_and_verifies_macs_a1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = new_key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::AwsKms,
    )
    .await;
    let mac = generate_mac(&c, &id, MacAlgorithmSpec::HmacSha256, b"hmac").await;
    assert_eq!(mac.len(), 32);
    assert_eq!(
        generate_mac(&c, &id, MacAlgorithmSpec::HmacSha256, b"hmac").await,
        mac,
        "deterministic"
    );
    let out = c
        .verify_mac()
        .key_id(&id)
        .message(Blob::new(b"hmac".to_vec()))
        .mac(Blob::new(mac.clone()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert!(out.mac_valid());
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    let (code, msg) = err_code(
        c.verify_mac()
            .key_id(&id)
            .message(Blob::new(b"hmac!".to_vec()))
            .mac(Blob::new(mac))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidMacException");
    assert_eq!(msg, None);
    let (code, msg) = err_code(
        c.generate_mac()
            .key_id(&id)
            .message(Blob::new(b"hmac".to_vec()))
            .mac_algorithm(MacAlgorithmSpec::HmacSha512)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidKeyUsageException");
    assert_eq!(
        msg.as_deref(),
        Some("Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.")
    );
    tc.stop().await;
}
