//! DeriveSharedSecret (KA-1 … KA-4) through the SDK: the secret equals an ECDH computed
//! locally by RustCrypto (`p256`, `p384`, `p521`) from the client's own key pair and the KMS
//! key's GetPublicKey, on every KEY_AGREEMENT curve; then every refusal.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType, OriginType};
use aws_sdk_kms::Client;
use pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand::rngs::OsRng;

use crate::common::*;
use crate::wrap::import_material;

/// A KEY_AGREEMENT key of `spec`; (bare id, ARN).
async fn agreement_key(c: &Client, spec: KeySpec) -> (String, String) {
    new_key_of(c, spec, KeyUsageType::KeyAgreement, OriginType::AwsKms).await
}

/// DeriveSharedSecret with ECDH; the SDK result.
async fn derive(
    c: &Client,
    key: &str,
    peer_spki: Vec<u8>,
) -> Result<
    aws_sdk_kms::operation::derive_shared_secret::DeriveSharedSecretOutput,
    aws_sdk_kms::error::SdkError<
        aws_sdk_kms::operation::derive_shared_secret::DeriveSharedSecretError,
    >,
> {
    c.derive_shared_secret()
        .key_id(key)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(peer_spki))
        .send()
        .await
}

/// ECDH of a local private key with a peer's SPKI: the raw secret.
type LocalEcdh = Box<dyn Fn(&[u8]) -> Vec<u8>>;

/// A local key pair on `spec`'s curve: (the client's SPKI, ECDH with a peer SPKI).
fn local_pair(spec: &KeySpec) -> (Vec<u8>, LocalEcdh) {
    macro_rules! curve {
        ($c:ident) => {{
            let sk = $c::SecretKey::random(&mut OsRng);
            let spki = sk
                .public_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes()
                .to_vec();
            let ecdh = move |peer: &[u8]| {
                let pk = $c::PublicKey::from_public_key_der(peer).expect("peer SPKI");
                $c::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine())
                    .raw_secret_bytes()
                    .to_vec()
            };
            (spki, Box::new(ecdh) as LocalEcdh)
        }};
    }
    match spec {
        KeySpec::EccNistP256 => curve!(p256),
        KeySpec::EccNistP384 => curve!(p384),
        KeySpec::EccNistP521 => curve!(p521),
        other => panic!("not a key agreement curve: {other:?}"),
    }
}

/// KA-1: DeriveSharedSecret = the raw ECDH secret (x-coordinate) the peer computes locally,
/// on P-256, P-384 and P-521; the response names ECDH and the key's origin.
#[tokio::test]
async fn ka1_secret_equals_local_ecdh_on_every_curve() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    for (spec, len) in [
        (KeySpec::EccNistP256, 32),
        (KeySpec::EccNistP384, 48),
        (KeySpec::EccNistP521, 66),
    ] {
        let (id, key_arn) = agreement_key(&c, spec.clone()).await;
        let kms_public = public_key(&c, &id).await;
        let (client_spki, local_ecdh) = local_pair(&spec);
        let out = derive(&c, &id, client_spki)
            .await
            .unwrap_or_else(|e| panic!("{spec:?}: {e:?}"));
        let secret = out.shared_secret().expect("SharedSecret").as_ref().to_vec();
        assert_eq!(secret.len(), len, "{spec:?}");
        assert_eq!(secret, local_ecdh(&kms_public), "{spec:?}");
        assert_eq!(out.key_id(), Some(key_arn.as_str()));
        assert_eq!(
            out.key_agreement_algorithm(),
            Some(&KeyAgreementAlgorithmSpec::Ecdh)
        );
        assert_eq!(out.key_origin(), Some(&OriginType::AwsKms));
    }
    tc.stop().await;
}

/// KA-1: two KMS keys on one curve derive the same secret from each other's public keys.
#[tokio::test]
async fn ka1_two_kms_keys_agree() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (a, _) = agreement_key(&c, KeySpec::EccNistP384).await;
    let (b, _) = agreement_key(&c, KeySpec::EccNistP384).await;
    let ab = derive(&c, &a, public_key(&c, &b).await).await.unwrap();
    let ba = derive(&c, &b, public_key(&c, &a).await).await.unwrap();
    assert_eq!(ab.shared_secret(), ba.shared_secret());
    tc.stop().await;
}

/// KA-1: an imported (EXTERNAL) KEY_AGREEMENT key derives with the imported private key and
/// reports `KeyOrigin: EXTERNAL`.
#[tokio::test]
async fn ka1_imported_key_reports_external_origin() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::KeyAgreement,
        OriginType::External,
    )
    .await;
    let sk = p256::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().unwrap().as_bytes().to_vec();
    import_material(&c, &id, &der, "RSAES_OAEP_SHA_256", "RSA_3072", None)
        .await
        .unwrap();
    let (peer_spki, peer_ecdh) = local_pair(&KeySpec::EccNistP256);
    let out = derive(&c, &id, peer_spki).await.unwrap();
    let own_spki = sk.public_key().to_public_key_der().unwrap();
    assert_eq!(
        out.shared_secret().unwrap().as_ref(),
        peer_ecdh(own_spki.as_bytes()).as_slice()
    );
    assert_eq!(out.key_origin(), Some(&OriginType::External));
    tc.stop().await;
}

/// KA-3/E-3: a key whose usage is not KEY_AGREEMENT → InvalidKeyUsageException.
#[tokio::test]
async fn ka3_wrong_key_usage_is_invalid_key_usage() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (peer, _) = local_pair(&KeySpec::EccNistP256);
    let (sign, sign_arn) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let (sym, sym_arn) = aws_kms_key(&c).await;
    for (id, key_arn, usage) in [
        (sign, sign_arn, "SIGN_VERIFY"),
        (sym, sym_arn, "ENCRYPT_DECRYPT"),
    ] {
        let (code, msg) = err_code(derive(&c, &id, peer.clone()).await);
        assert_eq!(code, "InvalidKeyUsageException");
        msg_is(
            msg,
            format!("{key_arn} key usage is {usage} which is not valid for DeriveSharedSecret."),
        );
    }
    tc.stop().await;
}

/// C-3 (kept): KEY_AGREEMENT exists only on the NIST curves; secp256k1 and RSA refuse it.
#[tokio::test]
async fn c3_key_agreement_is_refused_for_secp256k1_and_rsa() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    for spec in [KeySpec::EccSecgP256K1, KeySpec::Rsa2048] {
        let (code, msg) = err_code(
            c.create_key()
                .key_spec(spec.clone())
                .key_usage(KeyUsageType::KeyAgreement)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "{spec:?}");
        msg_is(
            msg,
            format!(
                "KeyUsage KEY_AGREEMENT is not compatible with KeySpec {}",
                spec.as_str()
            ),
        );
    }
    tc.stop().await;
}

/// KA-2: a PublicKey that is not a DER SPKI (garbage, the key base64-encoded a second time as
/// the AWS CLI v1 does, a raw SEC1 point, an RSA key) → ValidationException (the model's
/// PublicKey doc); an SPKI on another curve → ValidationException naming both [CHOICE].
#[tokio::test]
async fn ka2_peer_keys_that_are_not_spki_on_the_curve_are_validation_errors() {
    use base64::Engine;
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = agreement_key(&c, KeySpec::EccNistP256).await;
    let (good, _) = local_pair(&KeySpec::EccNistP256);
    let twice = base64::engine::general_purpose::STANDARD
        .encode(&good)
        .into_bytes();
    let raw_point = good[good.len() - 65..].to_vec();
    let (rsa_key, _) = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let rsa = public_key(&c, &rsa_key).await;
    for bad in [b"InvalidPublicKey".to_vec(), twice, raw_point, rsa] {
        let (code, msg) = err_code(derive(&c, &id, bad).await);
        assert_eq!(code, "ValidationException");
        msg_is(
            msg,
            "PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo of an elliptic curve public key.".into(),
        );
    }
    for spec in [KeySpec::EccNistP384, KeySpec::EccNistP521] {
        let (other, _) = local_pair(&spec);
        let (code, msg) = err_code(derive(&c, &id, other).await);
        assert_eq!(code, "ValidationException");
        msg_is(
            msg,
            format!(
                "The public key's curve {} does not match key spec ECC_NIST_P256.",
                spec.as_str()
            ),
        );
    }
    tc.stop().await;
}

/// KA-3/E-1: key states, DryRun (E-12), unknown keys (W-44).
#[tokio::test]
async fn ka3_states_dry_run_and_unknown_keys() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (peer, _) = local_pair(&KeySpec::EccNistP256);
    let (id, key_arn) = agreement_key(&c, KeySpec::EccNistP256).await;

    let (code, msg) = err_code(
        c.derive_shared_secret()
            .key_id(&id)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(Blob::new(peer.clone()))
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    msg_is(
        msg,
        "The request would have succeeded, but the DryRun option is set.".into(),
    );

    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(derive(&c, &id, peer.clone()).await);
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{key_arn} is disabled."));
    c.enable_key().key_id(&id).send().await.unwrap();
    schedule_deletion(&c, &id, 7).await;
    let (code, msg) = err_code(derive(&c, &id, peer.clone()).await);
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{key_arn} is pending deletion."));

    let missing = "mrk-0123456789abcdef0123456789abcdef";
    let (code, msg) = err_code(derive(&c, missing, peer).await);
    assert_eq!(code, "NotFoundException");
    msg_is(
        msg,
        format!("Key '{}' does not exist", arn(REGION, missing)),
    );
    tc.stop().await;
}

/// W-35: KeyAgreementAlgorithm and PublicKey are required; the algorithm must be ECDH.
#[tokio::test]
async fn w35_required_members_and_the_algorithm_enum() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = agreement_key(&c, KeySpec::EccNistP256).await;
    let (status, body) = raw_op(
        &tc,
        REGION,
        "DeriveSharedSecret",
        serde_json::json!({ "KeyId": id }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "ValidationException");
    assert_eq!(
        body["message"],
        "2 validation errors detected: Value null at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must not be null; Value null at 'publicKey' failed to satisfy constraint: Member must not be null"
    );
    let (status, body) = raw_op(
        &tc,
        REGION,
        "DeriveSharedSecret",
        serde_json::json!({ "KeyId": id, "KeyAgreementAlgorithm": "INVALID", "PublicKey": "AAAA" }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]"
    );
    tc.stop().await;
}
