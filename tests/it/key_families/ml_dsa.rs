//! ML_DSA_44/65/87 with ML_DSA_SHAKE_256: RAW signatures (made by aws-lc-rs on the server)
//! verified with RustCrypto `ml-dsa`; EXTERNAL_MU signatures (made by `ml-dsa` on the server)
//! verified with aws-lc-rs as ordinary signatures over the message, μ computed here with
//! `sha3` as FIPS 204 defines it.

use ::ml_dsa::pkcs8::DecodePublicKey;
use ::ml_dsa::signature::Verifier;
use ::ml_dsa::{MlDsa44, MlDsa65, MlDsa87, MlDsaParams, VerifyingKey};
use aws_lc_rs::signature::{self as lc, UnparsedPublicKey};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;

use super::*;

const ALG: SigningAlgorithmSpec = SigningAlgorithmSpec::MlDsaShake256;

/// FIPS 204 §6.2 / Algorithm 2 lines 6–7 with an empty context:
/// μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64).
fn mu(raw_public_key: &[u8], msg: &[u8]) -> [u8; 64] {
    let mut tr = [0u8; 64];
    let mut h = Shake256::default();
    h.update(raw_public_key);
    h.finalize_xof().read(&mut tr);
    let mut out = [0u8; 64];
    let mut h = Shake256::default();
    h.update(&tr);
    h.update(&[0, 0]);
    h.update(msg);
    h.finalize_xof().read(&mut out);
    out
}

/// RustCrypto's check of a signature over `msg` (empty context); returns the raw public key.
fn rustcrypto_verifies<P: MlDsaParams>(spki: &[u8], msg: &[u8], sig: &[u8]) -> Vec<u8>
where
    VerifyingKey<P>: DecodePublicKey,
{
    let vk = VerifyingKey::<P>::from_public_key_der(spki).expect("ML-DSA SPKI");
    let s = ::ml_dsa::Signature::<P>::try_from(sig).expect("signature encoding");
    vk.verify(msg, &s).expect("RustCrypto ml-dsa verifies");
    vk.encode().to_vec()
}

#[tokio::test]
async fn ml_dsa_raw_and_external_mu_signatures_verify_independently() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    // (spec, SPKI length, signature length): FIPS 204 Table 2 plus the 22-byte SPKI header.
    for (spec, spki_len, sig_len, lc_alg) in [
        (KeySpec::MlDsa44, 1334, 2420, &lc::ML_DSA_44),
        (KeySpec::MlDsa65, 1974, 3309, &lc::ML_DSA_65),
        (KeySpec::MlDsa87, 2614, 4627, &lc::ML_DSA_87),
    ] {
        let (id, _) = key(&c, spec.clone(), KeyUsageType::SignVerify).await;
        let md = describe(&c, &id).await;
        assert_eq!(md.signing_algorithms(), &[ALG]);
        assert!(md.encapsulation_algorithms().is_empty());
        let spki = public_key(&c, &id).await;
        assert_eq!(spki.len(), spki_len, "{spec}");

        // RAW: the server signs with aws-lc-rs; RustCrypto verifies.
        let msg = b"ml-dsa raw message";
        let s = sign(&c, &id, ALG, MessageType::Raw, msg).await;
        assert_eq!(s.len(), sig_len);
        let raw = match spec {
            KeySpec::MlDsa44 => rustcrypto_verifies::<MlDsa44>(&spki, msg, &s),
            KeySpec::MlDsa65 => rustcrypto_verifies::<MlDsa65>(&spki, msg, &s),
            _ => rustcrypto_verifies::<MlDsa87>(&spki, msg, &s),
        };
        verify_ok(&c, &id, ALG, MessageType::Raw, msg, &s).await;
        // The same signature checks against μ of the same message (verify_mu on the server).
        verify_ok(&c, &id, ALG, MessageType::ExternalMu, &mu(&raw, msg), &s).await;
        verify_fails(&c, &id, ALG, MessageType::Raw, msg, &flipped(s)).await;

        // EXTERNAL_MU of a message longer than Sign's 4096-byte limit: the server signs μ
        // with `ml-dsa`; aws-lc-rs verifies it as a plain signature over the message.
        let long = vec![0x5a; 10_000];
        let m = mu(&raw, &long);
        let s = sign(&c, &id, ALG, MessageType::ExternalMu, &m).await;
        assert_eq!(s.len(), sig_len);
        UnparsedPublicKey::new(lc_alg, &spki)
            .verify(&long, &s)
            .expect("aws-lc-rs verifies the external-mu signature over the message");
        verify_ok(&c, &id, ALG, MessageType::ExternalMu, &m, &s).await;
        verify_fails(&c, &id, ALG, MessageType::ExternalMu, &mu(&raw, b"x"), &s).await;
    }
    tc.stop().await;
}

#[tokio::test]
async fn ml_dsa_refuses_digest_short_mu_and_foreign_algorithms() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = key(&c, KeySpec::MlDsa44, KeyUsageType::SignVerify).await;
    let (code, msg) = sign_err(&c, &id, ALG, Some(MessageType::Digest), &[0u8; 32]).await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "Message type DIGEST is incompatible with key spec ML_DSA_44.".into(),
    );
    let (code, msg) = sign_err(&c, &id, ALG, Some(MessageType::ExternalMu), &[0u8; 63]).await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "Digest is invalid length for algorithm ML_DSA_SHAKE_256.".into(),
    );
    let (code, msg) = sign_err(
        &c,
        &id,
        SigningAlgorithmSpec::Ed25519Sha512,
        Some(MessageType::Raw),
        b"m",
    )
    .await;
    assert_eq!(code, "InvalidKeyUsageException");
    msg_is(
        msg,
        "Algorithm ED25519_SHA_512 is incompatible with key spec ML_DSA_44.".into(),
    );
    // EXTERNAL_MU belongs to ML-DSA keys only.
    let (p256, _) = key(&c, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (code, msg) = sign_err(
        &c,
        &p256,
        SigningAlgorithmSpec::EcdsaSha256,
        Some(MessageType::ExternalMu),
        &[0u8; 64],
    )
    .await;
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "MessageType EXTERNAL_MU is only valid for ML-DSA keys.".into(),
    );
    // C-3 and C-6 [CHOICE].
    let (code, _) = create_err(
        &c,
        KeySpec::MlDsa65,
        KeyUsageType::EncryptDecrypt,
        OriginType::AwsKms,
    )
    .await;
    assert_eq!(code, "ValidationException");
    let (code, msg) = create_err(
        &c,
        KeySpec::MlDsa87,
        KeyUsageType::SignVerify,
        OriginType::External,
    )
    .await;
    assert_eq!(code, "UnsupportedOperationException");
    msg_is(
        msg,
        "KeySpec ML_DSA_87 is not supported for Origin EXTERNAL.".into(),
    );
    tc.stop().await;
}
