//! ECC_NIST_EDWARDS25519: pure Ed25519 on RAW and Ed25519ph on a 64-byte DIGEST, checked with
//! `ed25519-dalek` (the server signs pure Ed25519 with aws-lc-rs; its Ed25519ph, which uses
//! dalek, is pinned to RFC 8032's test vector in `domain::pq`'s unit tests).

use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{Digest, Sha512, Signature, VerifyingKey};

use super::*;

const PURE: SigningAlgorithmSpec = SigningAlgorithmSpec::Ed25519Sha512;
const PH: SigningAlgorithmSpec = SigningAlgorithmSpec::Ed25519PhSha512;
const SPEC: &str = "ECC_NIST_EDWARDS25519";

#[tokio::test]
async fn ed25519_signs_raw_and_prehashed_and_verifies_locally() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = key(&c, KeySpec::EccNistEdwards25519, KeyUsageType::SignVerify).await;
    let md = describe(&c, &id).await;
    assert_eq!(md.key_spec(), Some(&KeySpec::EccNistEdwards25519));
    assert_eq!(md.signing_algorithms(), &[PURE, PH]);
    assert!(md.encryption_algorithms().is_empty());
    assert!(md.encapsulation_algorithms().is_empty());

    // GetPublicKey: RFC 8410's 44-byte SubjectPublicKeyInfo (OID 1.3.101.112).
    let spki = public_key(&c, &id).await;
    assert_eq!(spki.len(), 44);
    let vk = VerifyingKey::from_public_key_der(&spki).expect("Ed25519 SPKI");

    // ED25519_SHA_512 on RAW: plain Ed25519 over the message.
    let msg = b"ed25519 message";
    let s = sign(&c, &id, PURE, MessageType::Raw, msg).await;
    assert_eq!(s.len(), 64);
    let sig = Signature::from_slice(&s).unwrap();
    vk.verify_strict(msg, &sig).expect("pure Ed25519 verifies");
    verify_ok(&c, &key_arn, PURE, MessageType::Raw, msg, &s).await;
    verify_fails(&c, &id, PURE, MessageType::Raw, msg, &flipped(s.clone())).await;
    verify_fails(&c, &id, PURE, MessageType::Raw, b"other", &s).await;

    // ED25519_PH_SHA_512 on DIGEST d = SHA-512(msg): Ed25519ph of d itself, i.e. the message
    // is hashed twice, once by the caller and once by KMS (model docs of Sign.MessageType).
    let d = Sha512::digest(msg);
    let s = sign(&c, &id, PH, MessageType::Digest, &d).await;
    assert_eq!(s.len(), 64);
    let sig = Signature::from_slice(&s).unwrap();
    vk.verify_prehashed(Sha512::new().chain_update(d), None, &sig)
        .expect("Ed25519ph over the digest verifies");
    assert!(
        vk.verify_prehashed(Sha512::new().chain_update(msg), None, &sig)
            .is_err(),
        "KMS hashes the DIGEST once more; a single hash must not verify"
    );
    assert!(vk.verify_strict(&d, &sig).is_err(), "not pure Ed25519");
    verify_ok(&c, &id, PH, MessageType::Digest, &d, &s).await;
    verify_fails(&c, &id, PH, MessageType::Digest, &d, &flipped(s)).await;
    tc.stop().await;
}

#[tokio::test]
async fn ed25519_message_type_algorithm_and_usage_rules() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = key(&c, KeySpec::EccNistEdwards25519, KeyUsageType::SignVerify).await;
    let d = [9u8; 64];
    // The two algorithms' message types "cannot be used interchangeably".
    for (alg, mt, name) in [
        (PH, None, "RAW"),
        (PH, Some(MessageType::Raw), "RAW"),
        (PURE, Some(MessageType::Digest), "DIGEST"),
        (PURE, Some(MessageType::ExternalMu), "EXTERNAL_MU"),
    ] {
        let (code, msg) = sign_err(&c, &id, alg.clone(), mt, &d).await;
        assert_eq!(code, "ValidationException");
        msg_is(
            msg,
            format!("Message type {name} is incompatible with algorithm {alg}."),
        );
    }
    // A DIGEST is one SHA-512 output.
    let (code, msg) = sign_err(&c, &id, PH, Some(MessageType::Digest), &[1u8; 32]).await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "Digest is invalid length for algorithm ED25519_PH_SHA_512.".into(),
    );
    // An algorithm the key does not list.
    let (code, msg) = sign_err(
        &c,
        &id,
        SigningAlgorithmSpec::EcdsaSha256,
        Some(MessageType::Raw),
        b"m",
    )
    .await;
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(
        msg,
        format!("Algorithm ECDSA_SHA_256 is incompatible with key spec {SPEC}."),
    );
    // C-3: SIGN_VERIFY only; KEY_AGREEMENT is not offered for Ed25519.
    let (code, msg) = create_err(
        &c,
        KeySpec::EccNistEdwards25519,
        KeyUsageType::KeyAgreement,
        OriginType::AwsKms,
    )
    .await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        format!("KeyUsage KEY_AGREEMENT is not compatible with KeySpec {SPEC}"),
    );
    // C-6 [CHOICE]: no imported Ed25519 material.
    let (code, msg) = create_err(
        &c,
        KeySpec::EccNistEdwards25519,
        KeyUsageType::SignVerify,
        OriginType::External,
    )
    .await;
    assert_eq!(code, "UnsupportedOperationException");
    msg_is(
        msg,
        format!("KeySpec {SPEC} is not supported for Origin EXTERNAL."),
    );
    tc.stop().await;
}
