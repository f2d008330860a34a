//! Seed files (issue 9, item 3): the README's example starts, its keys have the declared ids,
//! aliases, states and materials (a ciphertext built here with RustCrypto from the declared
//! bytes decrypts; the imported signing key's public key is the one derived locally from the
//! PKCS#8 file); ciphertext survives a restart with the same seed; applying it twice changes
//! nothing; a conflicting entry is one line naming it; `/_kmsim/reset` wipes and re-seeds.

use std::path::Path;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::KeyState;
use hmac::Mac;
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey};

use crate::common::*;

const ORDERS: &str = "0b5e7a44-1d2c-4f3e-9a8b-7c6d5e4f3a21";
const PAYMENTS: &str = "mrk-4f1c9e2b7a6d45c3b8e1f0a9d2c3b4e5";
const SIGNING: &str = "5d4c3b2a-1908-4765-8432-1fedcba98765";
const MAC: &str = "9f8e7d6c-5b4a-4392-8171-605f4e3d2c1b";
const ORDERS_MATERIAL: &str = "ea281332c17db230a2efda339483892d8e6e61269300ae803b5e54006d0e61d4";

fn example() -> kmsim::seed::Seed {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    kmsim::seed::Seed::load(&path).expect("the README's example seed reads")
}

async fn seeded() -> TestCluster {
    TestCluster::start_seeded("", Some(example()))
        .await
        .expect("the example seed applies")
}

/// §6.2, independently: `v1 ‖ len ‖ key id ‖ KeyMaterialId ‖ nonce ‖ AES-256-GCM(HKDF key)`,
/// KeyMaterialId = HMAC-SHA256(material, "aws-kms-key-material-id\0" ‖ key id).
fn local_blob(key_id: &str, material: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(material).expect("HMAC key");
    mac.update(b"aws-kms-key-material-id\0");
    mac.update(key_id.as_bytes());
    let material_id = mac.finalize().into_bytes();
    let nonce = [7u8; 12];
    let mut blob = vec![1u8, key_id.len() as u8];
    blob.extend_from_slice(key_id.as_bytes());
    blob.extend_from_slice(&material_id);
    blob.extend_from_slice(&nonce);
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(&nonce), material);
    let mut key = [0u8; 32];
    let info = [b"aws-kms-sim-dek".as_slice(), key_id.as_bytes()].concat();
    hk.expand(&info, &mut key).expect("HKDF");
    let ct = Aes256Gcm::new_from_slice(&key)
        .expect("AES key")
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: plaintext,
                aad: &blob,
            },
        )
        .expect("GCM");
    blob.extend_from_slice(&ct);
    blob
}

#[tokio::test]
async fn the_readme_example_creates_its_keys_with_their_ids_and_materials() {
    let tc = seeded().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    // Ids, Regions, states, aliases.
    assert_eq!(key_state(&us, ORDERS).await, KeyState::Enabled);
    assert_eq!(key_state(&us, PAYMENTS).await, KeyState::Enabled);
    assert_eq!(key_state(&eu, PAYMENTS).await, KeyState::Enabled);
    assert_eq!(key_state(&eu, SIGNING).await, KeyState::Enabled);
    assert_eq!(key_state(&us, MAC).await, KeyState::Disabled);
    assert_eq!(described_id(&us, "alias/orders").await, ORDERS);
    assert_eq!(described_id(&us, "alias/payments").await, PAYMENTS);
    assert_eq!(described_id(&eu, "alias/release-signing").await, SIGNING);
    let rotation = us
        .get_key_rotation_status()
        .key_id(ORDERS)
        .send()
        .await
        .expect("rotation status");
    assert!(rotation.key_rotation_enabled());
    // Fixed AWS_KMS material: a blob made here from the declared bytes decrypts.
    let material = hex::decode(ORDERS_MATERIAL).unwrap();
    let blob = local_blob(ORDERS, &material, b"made outside kmsim");
    let (plain, _) = decrypt(&us, &Blob::new(blob)).await;
    assert_eq!(plain, b"made outside kmsim");
    // Imported multi-Region material: the same, in both Regions.
    let payments =
        hex::decode("68567ddcfd93383652d3c63153f8acb00d87acb8bce0ef43b764fccd9d6453e1").unwrap();
    for c in [&us, &eu] {
        let blob = local_blob(PAYMENTS, &payments, b"pay");
        assert_eq!(decrypt(c, &Blob::new(blob)).await.0, b"pay");
    }
    // The imported signing key is the PKCS#8 file's key.
    let der =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/signing-p256.pk8"))
            .unwrap();
    let local = p256::SecretKey::from_pkcs8_der(&der)
        .unwrap()
        .public_key()
        .to_public_key_der()
        .unwrap();
    assert_eq!(public_key(&eu, SIGNING).await, local.as_bytes());
    tc.stop().await;
}

#[tokio::test]
async fn ciphertext_from_one_run_decrypts_in_the_next() {
    let tc = seeded().await;
    let us = tc.client("us-east-1");
    let a = encrypt(&us, ORDERS, b"first run").await;
    let b = encrypt(&us, PAYMENTS, b"first run, multi-Region").await;
    tc.stop().await;
    let tc = seeded().await;
    assert_eq!(decrypt(&tc.client("us-east-1"), &a).await.0, b"first run");
    assert_eq!(
        decrypt(&tc.client("eu-west-1"), &b).await.0,
        b"first run, multi-Region"
    );
    tc.stop().await;
}

#[tokio::test]
async fn applying_the_seed_again_changes_nothing_and_conflicts_name_the_entry() {
    let tc = seeded().await;
    let state = tc.cluster.state.clone();
    let seed = example();
    let before: Vec<_> = listed_ids(&tc.client("us-east-1")).await;
    tokio::task::spawn_blocking(move || kmsim::seed::apply::apply(&state, &seed))
        .await
        .unwrap()
        .expect("a second application is a no-op");
    assert_eq!(listed_ids(&tc.client("us-east-1")).await, before);
    // Same id, other material.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml"))
            .unwrap()
            .replace(ORDERS_MATERIAL, &"11".repeat(32));
    let other_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/other.toml");
    let other = kmsim::seed::Seed::parse(&text, &other_path).unwrap();
    let state = tc.cluster.state.clone();
    let e = tokio::task::spawn_blocking(move || kmsim::seed::apply::apply(&state, &other))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        e.0,
        format!("seed file {}: key[0] (id {ORDERS}): conflicts with the existing key in us-east-1 (SYMMETRIC_DEFAULT ENCRYPT_DECRYPT AWS_KMS, other key material)", other_path.display())
    );
    tc.stop().await;
}

#[tokio::test]
async fn a_seed_the_cluster_cannot_apply_does_not_start() {
    let bad = kmsim::seed::Seed::parse(
        "version = 1\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\nregion = \"mars-north-1\"\n",
        Path::new("bad.toml"),
    )
    .unwrap();
    // Strict: otherwise a valid Region name opens on first use (issue 13, regions.rs).
    let e = TestCluster::start_seeded("strict_regions = true\n", Some(bad))
        .await
        .err()
        .expect("refused");
    assert_eq!(
        e.to_string(),
        "seed file bad.toml: key[0] (id 11111111-2222-3333-4444-555555555555): Region mars-north-1 is not in this cluster"
    );
    let bad = kmsim::seed::Seed::parse(
        "version = 1\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\nmaterial = { hex = \"00\" }\n",
        Path::new("short.toml"),
    )
    .unwrap();
    let e = TestCluster::start_seeded("", Some(bad))
        .await
        .err()
        .expect("refused");
    assert!(
        e.to_string()
            .ends_with("IncorrectKeyMaterialException: Key material for SYMMETRIC_DEFAULT must be 32 bytes long"),
        "{e}"
    );
}

#[tokio::test]
async fn reset_wipes_every_region_and_applies_the_seed_again() {
    let tc = seeded().await;
    let us = tc.client("us-east-1");
    let extra = new_key(&us).await;
    create_alias(&us, "alias/extra", &extra).await;
    us.disable_key().key_id(ORDERS).send().await.unwrap();
    tc.advance(3600.0).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/_kmsim/reset", tc.gateway_url()))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"reset": true})
    );
    let ids = listed_ids(&us).await;
    assert!(!ids.contains(&extra), "the unseeded key is gone");
    assert!(ids.contains(&ORDERS.to_string()) && ids.contains(&PAYMENTS.to_string()));
    assert_eq!(
        key_state(&us, ORDERS).await,
        KeyState::Enabled,
        "seeded state again"
    );
    let (code, _) = err_code(us.describe_key().key_id("alias/extra").send().await);
    assert_eq!(code, "NotFoundException");
    let clock: serde_json::Value = reqwest::get(format!("{}/_kmsim/clock", tc.gateway_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offsetSeconds"].as_f64(), Some(0.0));
    tc.stop().await;
}

#[tokio::test]
async fn reset_without_a_seed_leaves_every_region_empty() {
    let tc = TestCluster::start().await;
    for r in REGIONS {
        new_key(&tc.client(r)).await;
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/_kmsim/reset", tc.region_url("eu-west-1")))
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for r in REGIONS {
        assert!(listed_ids(&tc.client(r)).await.is_empty(), "{r}");
    }
    tc.stop().await;
}
