//! `kmsim import-material` imports that succeed: every wrapping algorithm × wrapping key spec
//! into a symmetric key, the defaults, RSA and ECC private keys (DER and PEM), an HMAC key,
//! the multi-Region flow (NEW into the primary, EXISTING with its KeyMaterialId into the
//! replica, RotateKeyOnDemand) and `--valid-to`.

use aws_sdk_kms::types::{
    ExpirationModelType, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, OriginType,
};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rand::rngs::OsRng;
use serde_json::Value;

use super::import_material;
use crate::common::mr::{mrk, replicate, A, B};
use crate::common::*;
use crate::wrap::{
    expected_material_id, now_secs, random_material, rsa_pkcs8, rsa_private_key, ALGORITHMS, SPECS,
};

/// The outcome's string member `k`.
fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// Encrypt under `id`, Decrypt, and the KeyMaterialId Decrypt names.
async fn round_trip(c: &aws_sdk_kms::Client, id: &str) -> String {
    let blob = encrypt(c, id, b"imported with kmsim import-material").await;
    let (plain, mid) = decrypt_with_material(c, blob).await;
    assert_eq!(plain, b"imported with kmsim import-material");
    mid
}

#[tokio::test]
async fn every_algorithm_and_wrapping_key_spec_imports_material_that_encrypts() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let url = tc.region_url(REGION);
    for spec in SPECS {
        for alg in ALGORITHMS {
            let (id, key_arn) = external_key(&c).await;
            let m = random_material(32);
            let out = import_material(
                &url,
                REGION,
                &id,
                &m,
                &["--wrapping-algorithm", alg, "--wrapping-key-spec", spec],
            )
            .await
            .outcome();
            let mid = expected_material_id(&id, &m);
            assert_eq!(s(&out, "KeyId"), key_arn, "{alg} {spec}");
            assert_eq!(s(&out, "KeyMaterialId"), mid, "{alg} {spec}");
            assert_eq!(s(&out, "WrappingAlgorithm"), alg);
            assert_eq!(s(&out, "WrappingKeySpec"), spec);
            assert_eq!(out["ImportType"], Value::Null, "left to AWS's default");
            assert_eq!(key_state(&c, &id).await, KeyState::Enabled, "{alg} {spec}");
            assert_eq!(round_trip(&c, &id).await, mid, "{alg} {spec}");
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn raw_material_defaults_to_oaep_sha_256_under_rsa_4096_without_expiry() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let out = import_material(
        &tc.region_url(REGION),
        REGION,
        &id,
        &random_material(32),
        &[],
    )
    .await
    .outcome();
    assert_eq!(s(&out, "WrappingAlgorithm"), "RSAES_OAEP_SHA_256");
    assert_eq!(s(&out, "WrappingKeySpec"), "RSA_4096");
    assert_eq!(s(&out, "ExpirationModel"), "KEY_MATERIAL_DOES_NOT_EXPIRE");
    assert_eq!(out["ValidTo"], Value::Null);
    let md = describe(&c, &id).await;
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    // The members, in the documented order.
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "ExpirationModel",
            "ImportType",
            "KeyId",
            "KeyMaterialId",
            "ValidTo",
            "WrappingAlgorithm",
            "WrappingKeySpec"
        ]
    );
    tc.stop().await;
}

#[tokio::test]
async fn an_rsa_private_key_is_wrapped_with_rsa_aes_key_wrap_by_default() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = new_key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::SignVerify,
        OriginType::External,
    )
    .await;
    // DER PKCS#8 of about 1200 bytes: too long for OAEP under any wrapping key (§5.3).
    let out = import_material(&tc.region_url(REGION), REGION, &id, &rsa_pkcs8(2048), &[])
        .await
        .outcome();
    assert_eq!(s(&out, "KeyId"), key_arn);
    assert_eq!(s(&out, "WrappingAlgorithm"), "RSA_AES_KEY_WRAP_SHA_256");
    assert_eq!(
        out["KeyMaterialId"],
        Value::Null,
        "I-40: none for asymmetric keys"
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    let spki = rsa_private_key(2048)
        .to_public_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec();
    assert_eq!(
        public_key(&c, &id).await,
        spki,
        "I-42: derived from the import"
    );
    tc.stop().await;
}

#[tokio::test]
async fn an_ecc_private_key_imports_from_pem_and_from_der_under_oaep() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let url = tc.region_url(REGION);
    // PEM "PRIVATE KEY", by default (RSA_AES_KEY_WRAP_SHA_256: AWS's first choice for ECC).
    let sk = p256::SecretKey::random(&mut OsRng);
    let pem = sk.to_pkcs8_pem(LineEnding::LF).unwrap();
    let (id, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::External,
    )
    .await;
    let out = import_material(&url, REGION, &id, pem.as_bytes(), &[])
        .await
        .outcome();
    assert_eq!(s(&out, "WrappingAlgorithm"), "RSA_AES_KEY_WRAP_SHA_256");
    let spki = sk.public_key().to_public_key_der().unwrap();
    assert_eq!(public_key(&c, &id).await, spki.as_bytes());

    // DER, directly under RSAES_OAEP_SHA_256 with RSA_2048 (138 bytes fit in 190, §5.3).
    let sk = p256::SecretKey::random(&mut OsRng);
    let der = sk.to_pkcs8_der().unwrap().as_bytes().to_vec();
    let (id, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::External,
    )
    .await;
    let args = [
        "--wrapping-algorithm",
        "RSAES_OAEP_SHA_256",
        "--wrapping-key-spec",
        "RSA_2048",
    ];
    let out = import_material(&url, REGION, &id, &der, &args)
        .await
        .outcome();
    assert_eq!(s(&out, "WrappingAlgorithm"), "RSAES_OAEP_SHA_256");
    let spki = sk.public_key().to_public_key_der().unwrap();
    assert_eq!(public_key(&c, &id).await, spki.as_bytes());
    tc.stop().await;
}

#[tokio::test]
async fn an_hmac_key_imports_and_macs_like_a_local_hmac() {
    use hmac::Mac;
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::External,
    )
    .await;
    let m = random_material(64);
    let out = import_material(&tc.region_url(REGION), REGION, &id, &m, &[])
        .await
        .outcome();
    assert_eq!(s(&out, "WrappingAlgorithm"), "RSAES_OAEP_SHA_256");
    assert_eq!(
        out["KeyMaterialId"],
        Value::Null,
        "I-40: none for HMAC keys"
    );
    let mac = generate_mac(&c, &id, MacAlgorithmSpec::HmacSha256, b"message").await;
    let mut local = hmac::Hmac::<sha2::Sha256>::new_from_slice(&m).unwrap();
    local.update(b"message");
    assert_eq!(mac, local.finalize().into_bytes().as_slice());
    tc.stop().await;
}

#[tokio::test]
async fn multi_region_new_into_the_primary_existing_by_id_into_the_replica_then_rotate() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    // The replica through the gateway: it routes by the Region signed for.
    let (url_a, url_b) = (tc.region_url(A), tc.gateway_url());
    let id = mrk(&a, OriginType::External).await;

    // The first material into the primary, then the replica (ImportType left to AWS: NEW for
    // the primary's first material, EXISTING in a replica, I-20/I-30).
    let m1 = random_material(32);
    let mid1 = expected_material_id(&id, &m1);
    let out = import_material(&url_a, A, &id, &m1, &[]).await.outcome();
    assert_eq!(s(&out, "KeyMaterialId"), mid1);
    replicate(&a, &id, B).await;
    let out = import_material(&url_b, B, &id, &m1, &[]).await.outcome();
    assert_eq!(s(&out, "KeyId"), arn(B, &id));
    assert_eq!(
        s(&out, "KeyMaterialId"),
        mid1,
        "I-32: the same id in every Region"
    );
    assert_eq!(key_state(&b, &id).await, KeyState::Enabled);

    // New material: NEW into the primary; rotation waits for the replica (I-26).
    let m2 = random_material(32);
    let out = import_material(&url_a, A, &id, &m2, &["--import-type", "NEW_KEY_MATERIAL"])
        .await
        .outcome();
    assert_eq!(s(&out, "ImportType"), "NEW_KEY_MATERIAL");
    let mid2 = s(&out, "KeyMaterialId").to_string();
    assert_eq!(mid2, expected_material_id(&id, &m2));
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");

    // EXISTING with that KeyMaterialId into the replica, then the rotation goes through.
    let args = [
        "--import-type",
        "EXISTING_KEY_MATERIAL",
        "--key-material-id",
        &mid2,
    ];
    let out = import_material(&url_b, B, &id, &m2, &args).await.outcome();
    assert_eq!(s(&out, "ImportType"), "EXISTING_KEY_MATERIAL");
    assert_eq!(s(&out, "KeyMaterialId"), mid2);
    rotate(&a, &id).await;
    assert_eq!(current_material(&a, &id).await, mid2);
    assert_eq!(current_material(&b, &id).await, mid2);
    let blob = encrypt(&a, &id, b"across Regions").await;
    let (plain, mid) = decrypt_with_material(&b, blob).await;
    assert_eq!(
        (plain.as_slice(), mid.as_str()),
        (&b"across Regions"[..], mid2.as_str())
    );
    tc.stop().await;
}

#[tokio::test]
async fn valid_to_imports_expiring_material_as_rfc3339_or_epoch_seconds() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let url = tc.region_url(REGION);

    // Epoch seconds, with a KeyMaterialDescription.
    let t = now_secs() + 86_400;
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    let args = ["--valid-to", &t.to_string(), "--description", "from kmsim"];
    let out = import_material(&url, REGION, &id, &m, &args)
        .await
        .outcome();
    assert_eq!(s(&out, "ExpirationModel"), "KEY_MATERIAL_EXPIRES");
    let md = describe(&c, &id).await;
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|d| d.secs()), Some(t));
    let listed = entry(&c, &id, &expected_material_id(&id, &m)).await;
    assert_eq!(listed.key_material_description(), Some("from kmsim"));
    let printed = aws_smithy_types::DateTime::from_str(
        s(&out, "ValidTo"),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    assert_eq!(printed.secs(), t, "ValidTo printed as RFC 3339");

    // RFC 3339 with an offset: the same instant two hours ahead of UTC, two days from now.
    let t2 = now_secs() + 2 * 86_400;
    let local = aws_smithy_types::DateTime::from_secs(t2 + 7200)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap()
        .replace('Z', "+02:00");
    let (id2, _) = external_key(&c).await;
    import_material(
        &url,
        REGION,
        &id2,
        &random_material(32),
        &["--valid-to", &local],
    )
    .await
    .outcome();
    assert_eq!(
        describe(&c, &id2).await.valid_to().map(|d| d.secs()),
        Some(t2)
    );

    // I-50: past ValidTo the material is gone and the key waits for an import again.
    tc.advance(1.5 * DAY).await;
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    assert_eq!(key_state(&c, &id2).await, KeyState::Enabled);
    tc.stop().await;
}
