//! Asymmetric and HMAC keys with imported material (scenario T4, I-40 … I-42, P-11 … P-21,
//! D-9, A-1 … A-3), checked against independent RustCrypto implementations, and the same
//! operations on AWS_KMS-origin keys of those specs.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, ExpirationModelType, ImportType, KeySpec, KeyState, KeyUsageType,
    MacAlgorithmSpec, MessageType, OriginType, SigningAlgorithmSpec,
};
use aws_sdk_kms::Client;
use hmac::Mac;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use sha2::Digest;

use crate::common::*;
use crate::wrap::*;

const REGION: &str = "us-east-1";
const OAEP_256: &str = "RSAES_OAEP_SHA_256";
const AES_256: &str = "RSA_AES_KEY_WRAP_SHA_256";
const RSA_2048: &str = "RSA_2048";

/// Creates a key of `spec`/`usage` with `origin`; returns (bare id, ARN).
async fn new_key(
    client: &Client,
    spec: KeySpec,
    usage: KeyUsageType,
    origin: OriginType,
) -> (String, String) {
    let out = client
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .origin(origin)
        .send()
        .await
        .expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

async fn external(client: &Client, spec: KeySpec, usage: KeyUsageType) -> (String, String) {
    new_key(client, spec, usage, OriginType::External).await
}

async fn key_state(client: &Client, id: &str) -> KeyState {
    client
        .describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .key_state()
        .expect("KeyState")
        .clone()
}

async fn public_key(client: &Client, id: &str) -> Vec<u8> {
    client
        .get_public_key()
        .key_id(id)
        .send()
        .await
        .expect("GetPublicKey")
        .public_key()
        .expect("PublicKey")
        .as_ref()
        .to_vec()
}

async fn sign(client: &Client, id: &str, alg: SigningAlgorithmSpec, message: &[u8]) -> Vec<u8> {
    client
        .sign()
        .key_id(id)
        .message(Blob::new(message.to_vec()))
        .signing_algorithm(alg)
        .send()
        .await
        .expect("Sign")
        .signature()
        .expect("Signature")
        .as_ref()
        .to_vec()
}

/// Verify through the server; must succeed.
async fn verify_ok(
    client: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    message: &[u8],
    signature: &[u8],
) {
    let out = client
        .verify()
        .key_id(id)
        .message(Blob::new(message.to_vec()))
        .signature(Blob::new(signature.to_vec()))
        .signing_algorithm(alg)
        .send()
        .await
        .expect("Verify");
    assert!(out.signature_valid());
}

/// Verify through the server; must fail with `KMSInvalidSignatureException`, no message.
async fn verify_fails(
    client: &Client,
    id: &str,
    alg: SigningAlgorithmSpec,
    message: &[u8],
    signature: &[u8],
) {
    let (code, msg) = err_code(
        client
            .verify()
            .key_id(id)
            .message(Blob::new(message.to_vec()))
            .signature(Blob::new(signature.to_vec()))
            .signing_algorithm(alg)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidSignatureException");
    assert_eq!(msg, None, "W-32: no message");
}

async fn generate_mac(client: &Client, id: &str, alg: MacAlgorithmSpec, msg: &[u8]) -> Vec<u8> {
    client
        .generate_mac()
        .key_id(id)
        .message(Blob::new(msg.to_vec()))
        .mac_algorithm(alg)
        .send()
        .await
        .expect("GenerateMac")
        .mac()
        .expect("Mac")
        .as_ref()
        .to_vec()
}

fn flip_last(mut bytes: Vec<u8>) -> Vec<u8> {
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    bytes
}

fn p256_key() -> (p256::SecretKey, Vec<u8>) {
    let sk = p256::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec();
    (sk, der)
}

fn p256_spki(sk: &p256::SecretKey) -> Vec<u8> {
    sk.public_key()
        .to_public_key_der()
        .expect("SPKI")
        .as_bytes()
        .to_vec()
}

/// Checks a server ECDSA P-256 signature (DER, A-2) with the p256 crate.
fn p256_verifies(spki: &[u8], message: &[u8], der_signature: &[u8]) -> bool {
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(spki).expect("P-256 SPKI");
    let sig = p256::ecdsa::Signature::from_der(der_signature).expect("a DER signature");
    vk.verify(message, &sig).is_ok()
}

fn rsa_public(spki: &[u8]) -> rsa::RsaPublicKey {
    rsa::RsaPublicKey::from_public_key_der(spki).expect("RSA SPKI")
}

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
    let (code, _) = err_code(
        import_with(&c, &id, &der, OAEP_256, RSA_2048, |b| {
            b.import_type(ImportType::ExistingKeyMaterial)
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        })
        .await,
    );
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

    let out = c
        .delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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

#[tokio::test]
async fn aws_kms_ecc_key_signs_like_an_imported_one_a1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(
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
    let (code, _) = err_code(
        c.get_parameters_for_import()
            .key_id(&id)
            .wrapping_algorithm(aws_sdk_kms::types::AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(aws_sdk_kms::types::WrappingKeySpec::Rsa2048)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    tc.stop().await;
}

#[tokio::test]
async fn aws_kms_rsa_signing_key_verifies_locally_a2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(
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
    let (id, key_arn) = new_key(
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
    let (id, key_arn) = new_key(
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
