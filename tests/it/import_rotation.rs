//! On-demand rotation of imported symmetric material (single-Region): scenario T2, the
//! NEW/EXISTING association rules (I-23 … I-28), deleting pending material (D-5), and the
//! rotation operations on EXTERNAL keys (O-*, K-*, L-*, M-*).

use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, IncludeKeyMaterial, KeyMaterialState, KeySpec,
    KeyState, KeyUsageType, OriginType, RotationType, RotationsListEntry,
};
use aws_sdk_kms::Client;

use crate::common::*;
use crate::wrap::*;

const REGION: &str = "us-east-1";
const OAEP_256: &str = "RSAES_OAEP_SHA_256";
const RSA_2048: &str = "RSA_2048";

/// Creates an EXTERNAL symmetric key; returns (bare id, ARN).
async fn external_key(client: &Client) -> (String, String) {
    let out = client
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .expect("CreateKey EXTERNAL");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

/// Creates a key of `spec`/`usage` with `origin`; returns its bare id.
async fn key_of(client: &Client, spec: KeySpec, usage: KeyUsageType, origin: OriginType) -> String {
    client
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .origin(origin)
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("KeyMetadata")
        .key_id()
        .to_string()
}

/// Imports `material` with the given ImportType (DOES_NOT_EXPIRE).
async fn import_as(
    client: &Client,
    id: &str,
    material: &[u8],
    import_type: Option<ImportType>,
) -> ImportResult {
    import_with(client, id, material, OAEP_256, RSA_2048, |b| {
        b.set_import_type(import_type)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
}

/// An EXTERNAL key holding `material` as its first (CURRENT) material; returns (id, ARN, id1).
async fn imported_key(client: &Client, material: &[u8]) -> (String, String, String) {
    let (id, key_arn) = external_key(client).await;
    let out = import_material(client, &id, material, OAEP_256, RSA_2048, None)
        .await
        .expect("first import");
    let id1 = out.key_material_id().expect("KeyMaterialId").to_string();
    (id, key_arn, id1)
}

/// NEW_KEY_MATERIAL import; returns the new KeyMaterialId.
async fn import_new(client: &Client, id: &str, material: &[u8]) -> String {
    import_as(client, id, material, Some(ImportType::NewKeyMaterial))
        .await
        .expect("NEW_KEY_MATERIAL import")
        .key_material_id()
        .expect("KeyMaterialId")
        .to_string()
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

async fn current_material(client: &Client, id: &str) -> Option<String> {
    client
        .describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .current_key_material_id()
        .map(str::to_string)
}

async fn rotations(
    client: &Client,
    id: &str,
    include: Option<IncludeKeyMaterial>,
) -> Vec<RotationsListEntry> {
    let out = client
        .list_key_rotations()
        .key_id(id)
        .set_include_key_material(include)
        .send()
        .await
        .expect("ListKeyRotations");
    assert!(!out.truncated());
    out.rotations().to_vec()
}

async fn all_materials(client: &Client, id: &str) -> Vec<RotationsListEntry> {
    rotations(client, id, Some(IncludeKeyMaterial::AllKeyMaterial)).await
}

/// (KeyMaterialId, KeyMaterialState, ImportState) of each entry, in list order.
fn summary(entries: &[RotationsListEntry]) -> Vec<(String, KeyMaterialState, ImportState)> {
    entries
        .iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.import_state().expect("ImportState").clone(),
            )
        })
        .collect()
}

async fn encrypt(client: &Client, id: &str, plaintext: &[u8]) -> Blob {
    client
        .encrypt()
        .key_id(id)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

/// Decrypts; returns (plaintext, KeyMaterialId).
async fn decrypt(client: &Client, blob: Blob) -> (Vec<u8>, String) {
    let out = client
        .decrypt()
        .ciphertext_blob(blob)
        .send()
        .await
        .expect("Decrypt");
    (
        out.plaintext().expect("Plaintext").as_ref().to_vec(),
        out.key_material_id().expect("KeyMaterialId").to_string(),
    )
}

fn assert_recent(t: Option<&DateTime>) {
    let t = t.expect("a timestamp").secs();
    let now = now_secs();
    assert!((t - now).abs() <= 10, "{t} is not now ({now})");
}

#[tokio::test]
async fn t2_on_demand_rotation_of_imported_material() {
    use ImportState::Imported;
    use KeyMaterialState::*;
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2, m3) = (
        random_material(32),
        random_material(32),
        random_material(32),
    );
    let (id, key_arn, id1) = imported_key(&c, &m1).await;
    let blob1 = encrypt(&c, &id, b"from T1").await;

    // 1. NEW material → id2, pending; the current material is still id1.
    let id2 = import_new(&c, &id, &m2).await;
    assert_ne!(id2, id1);
    assert_eq!(
        current_material(&c, &id).await.as_deref(),
        Some(id1.as_str())
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1.clone(), Current, Imported),
            (id2.clone(), PendingRotation, Imported)
        ]
    );
    assert_eq!(rotations(&c, &id, None).await, vec![]);

    // 2. I-24: a third NEW while id2 is pending. The message names both ids (id3 is the
    // documented §6.1 id of m3 for this key).
    let id3 = expected_material_id(&id, &m3);
    let (code, msg) = err_code(import_as(&c, &id, &m3, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "New key material (id: {id3}) cannot be imported into KMS key {key_arn}, because another key material (id: {id2}) is pending rotation."
        )
    );

    // 3. RotateKeyOnDemand: the pending material becomes current.
    let out = c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(
        current_material(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    let only = rotations(&c, &id, None).await;
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].key_material_id(), Some(id2.as_str()));
    assert_eq!(only[0].key_id(), Some(id.as_str()));
    assert_eq!(only[0].key_material_state(), Some(&Current));
    assert_eq!(only[0].rotation_type(), Some(&RotationType::OnDemand));
    assert_recent(only[0].rotation_date());
    let all = all_materials(&c, &id).await;
    assert_eq!(
        summary(&all),
        vec![
            (id1.clone(), NonCurrent, Imported),
            (id2.clone(), Current, Imported)
        ]
    );
    assert_eq!(all[0].rotation_date(), None);
    assert_eq!(all[0].rotation_type(), None);
    assert_eq!(all[1], only[0]);

    // 4. Old ciphertext still decrypts with id1; new ciphertext uses id2.
    assert_eq!(
        decrypt(&c, blob1.clone()).await,
        (b"from T1".to_vec(), id1.clone())
    );
    let blob2 = encrypt(&c, &id, b"after rotation").await;
    assert_eq!(
        decrypt(&c, blob2).await,
        (b"after rotation".to_vec(), id2.clone())
    );

    // 5. O-5: nothing pending any more.
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("No available key material pending rotation for the key: {key_arn}.")
    );

    // 6. Deleting the NON_CURRENT id1 blocks the key (E-2), even Encrypt with id2.
    let del = c
        .delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id1)
        .send()
        .await
        .unwrap();
    assert_eq!(del.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    assert_eq!(
        current_material(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1.clone(), NonCurrent, ImportState::PendingImport),
            (id2.clone(), Current, Imported)
        ]
    );
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending import."));
    // Re-import m1 as EXISTING (naming id1) → Enabled again; id2 stays current.
    let out = import_with(&c, &id, &m1, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::ExistingKeyMaterial)
            .key_material_id(&id1)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
    .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    assert_eq!(
        current_material(&c, &id).await.as_deref(),
        Some(id2.as_str())
    );
    assert_eq!(decrypt(&c, blob1).await.1, id1);
    tc.stop().await;
}

#[tokio::test]
async fn new_import_of_associated_material_is_incorrect_i23() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2) = (random_material(32), random_material(32));
    let (id, _, _) = imported_key(&c, &m1).await;
    // The CURRENT material offered as NEW.
    let (code, _) = err_code(import_as(&c, &id, &m1, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    // The pending material offered as NEW again: I-23 is checked before I-24.
    let id2 = import_new(&c, &id, &m2).await;
    let before = all_materials(&c, &id).await;
    let (code, _) = err_code(import_as(&c, &id, &m2, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(all_materials(&c, &id).await, before);
    // Re-importing the pending material as EXISTING is fine (I-28).
    let out = import_as(&c, &id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id2.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn deleting_pending_material_removes_the_association_d5() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (m1, m2, m3) = (
        random_material(32),
        random_material(32),
        random_material(32),
    );
    let (id, key_arn, id1) = imported_key(&c, &m1).await;
    let id2 = import_new(&c, &id, &m2).await;
    let describe_before = c.describe_key().key_id(&id).send().await.unwrap();

    let out = c
        .delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn.as_str()));
    assert_eq!(out.key_material_id(), Some(id2.as_str()));
    // Gone from the list; the key is untouched (S-8).
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![(
            id1.clone(),
            KeyMaterialState::Current,
            ImportState::Imported
        )]
    );
    let describe_after = c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        describe_after.key_metadata(),
        describe_before.key_metadata()
    );
    // Nothing is pending, so there is nothing to rotate to.
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    // m2 is no longer associated: EXISTING refuses it, and a deleted id is not found.
    let (code, _) = err_code(import_as(&c, &id, &m2, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    let (code, _) = err_code(
        c.delete_imported_key_material()
            .key_id(&id)
            .key_material_id(&id2)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    // Different NEW material takes its place.
    let id3 = import_new(&c, &id, &m3).await;
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (id1, KeyMaterialState::Current, ImportState::Imported),
            (
                id3,
                KeyMaterialState::PendingRotation,
                ImportState::Imported
            )
        ]
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn rotate_on_demand_of_non_symmetric_keys_is_unsupported_o3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let hmac = key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::AwsKms,
    )
    .await;
    let rsa = key_of(
        &c,
        KeySpec::Rsa2048,
        KeyUsageType::EncryptDecrypt,
        OriginType::AwsKms,
    )
    .await;
    for id in [&hmac, &rsa] {
        let (code, msg) = err_code(c.rotate_key_on_demand().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg, None, "W-32: no message");
    }
    // O-2 comes first: a disabled RSA key answers DisabledException.
    c.disable_key().key_id(&rsa).send().await.unwrap();
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&rsa).send().await);
    assert_eq!(code, "DisabledException");
    assert_eq!(msg.unwrap(), format!("{} is disabled.", arn(REGION, &rsa)));
    tc.stop().await;
}

#[tokio::test]
async fn on_demand_rotation_limit_counts_external_rotations_o7() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 3").await;
    let c = tc.client(REGION);
    let (id, key_arn, _) = imported_key(&c, &random_material(32)).await;
    let mut last = String::new();
    for _ in 0..3 {
        last = import_new(&c, &id, &random_material(32)).await;
        c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
        assert_eq!(
            current_material(&c, &id).await.as_deref(),
            Some(last.as_str())
        );
    }
    let pending = import_new(&c, &id, &random_material(32)).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {key_arn}"
        )
    );
    // Nothing changed: the fourth material is still pending, the third still current.
    assert_eq!(
        current_material(&c, &id).await.as_deref(),
        Some(last.as_str())
    );
    let all = all_materials(&c, &id).await;
    assert_eq!(all.len(), 5);
    assert_eq!(all[4].key_material_id(), Some(pending.as_str()));
    assert_eq!(
        all[4].key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    assert_eq!(rotations(&c, &id, None).await.len(), 3);
    tc.stop().await;
}

#[tokio::test]
async fn automatic_rotation_settings_refuse_external_keys_k1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (pending, pending_arn) = external_key(&c).await;
    let (enabled, enabled_arn, _) = imported_key(&c, &random_material(32)).await;
    // The origin is checked before the state: PendingImport and Enabled answer alike.
    for (id, key_arn) in [(&pending, &pending_arn), (&enabled, &enabled_arn)] {
        let expected =
            format!("{key_arn} origin is EXTERNAL which is not valid for this operation.");
        let (code, msg) = err_code(c.enable_key_rotation().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
        let (code, msg) = err_code(
            c.enable_key_rotation()
                .key_id(id)
                .rotation_period_in_days(180)
                .send()
                .await,
        );
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
        let (code, msg) = err_code(c.disable_key_rotation().key_id(id).send().await);
        assert_eq!(code, "UnsupportedOperationException");
        assert_eq!(msg.as_deref(), Some(expected.as_str()));
    }
    tc.stop().await;
}

#[tokio::test]
async fn rotation_status_of_external_symmetric_key_is_disabled_k3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let check =
        |out: aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput| {
            assert!(!out.key_rotation_enabled());
            assert_eq!(out.key_id(), Some(key_arn.as_str()));
            assert_eq!(out.rotation_period_in_days(), None);
            assert_eq!(out.next_rotation_date(), None);
            // O-10: rotations complete within the request, so no start date is ever shown.
            assert_eq!(out.on_demand_rotation_start_date(), None);
        };
    // PendingImport, then Enabled, then after an on-demand rotation.
    check(
        c.get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap(),
    );
    import_material(&c, &id, &random_material(32), OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    check(
        c.get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap(),
    );
    import_new(&c, &id, &random_material(32)).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    check(
        c.get_key_rotation_status()
            .key_id(&key_arn)
            .send()
            .await
            .unwrap(),
    );
    tc.stop().await;
}

#[tokio::test]
async fn list_key_rotations_of_hmac_and_asymmetric_keys_is_unsupported_l1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let keys = [
        key_of(
            &c,
            KeySpec::Hmac256,
            KeyUsageType::GenerateVerifyMac,
            OriginType::AwsKms,
        )
        .await,
        key_of(
            &c,
            KeySpec::Hmac384,
            KeyUsageType::GenerateVerifyMac,
            OriginType::External,
        )
        .await,
        // M-15: asymmetric EXTERNAL keys have no material list either.
        key_of(
            &c,
            KeySpec::EccNistP256,
            KeyUsageType::SignVerify,
            OriginType::External,
        )
        .await,
    ];
    for id in &keys {
        for include in [None, Some(IncludeKeyMaterial::AllKeyMaterial)] {
            let (code, _) = err_code(
                c.list_key_rotations()
                    .key_id(id)
                    .set_include_key_material(include.clone())
                    .send()
                    .await,
            );
            assert_eq!(code, "UnsupportedOperationException", "{id} {include:?}");
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn rotation_entries_of_external_keys_show_import_fields_l3() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    // Never imported: nothing to list.
    assert_eq!(all_materials(&c, &id).await, vec![]);

    // Initial material: DOES_NOT_EXPIRE, with a description.
    let m1 = random_material(32);
    let id1 = import_with(&c, &id, &m1, OAEP_256, RSA_2048, |b| {
        b.expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .key_material_description("initial material")
    })
    .await
    .unwrap()
    .key_material_id()
    .unwrap()
    .to_string();
    // Pending material: EXPIRES in a week, no description.
    let valid_to = in_secs(7 * 86_400);
    let m2 = random_material(32);
    let id2 = import_with(&c, &id, &m2, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::NewKeyMaterial)
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(valid_to)
    })
    .await
    .unwrap()
    .key_material_id()
    .unwrap()
    .to_string();

    let all = all_materials(&c, &id).await;
    assert_eq!(all.len(), 2);
    let (e1, e2) = (&all[0], &all[1]);
    assert_eq!(e1.key_id(), Some(id.as_str()), "Q-17: the bare id");
    assert_eq!(e1.key_material_id(), Some(id1.as_str()));
    assert_eq!(e1.key_material_state(), Some(&KeyMaterialState::Current));
    assert_eq!(e1.import_state(), Some(&ImportState::Imported));
    assert_eq!(
        e1.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(e1.key_material_description(), Some("initial material"));
    assert_eq!(e1.valid_to(), None);
    assert_eq!(e1.rotation_date(), None);
    assert_eq!(e1.rotation_type(), None);
    assert_eq!(e2.key_id(), Some(id.as_str()));
    assert_eq!(e2.key_material_id(), Some(id2.as_str()));
    assert_eq!(
        e2.key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    assert_eq!(e2.import_state(), Some(&ImportState::Imported));
    assert_eq!(
        e2.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(e2.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    assert_eq!(e2.key_material_description(), None);
    assert_eq!(e2.rotation_date(), None);
    assert_eq!(e2.rotation_type(), None);
    // C-20: a pending material does not count for DescribeKey's expiry fields.
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);

    // After the rotation only the new CURRENT carries RotationDate/RotationType, and its
    // expiry now shows in DescribeKey.
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let all = all_materials(&c, &id).await;
    assert_eq!(all[0].rotation_date(), None);
    assert_eq!(all[0].rotation_type(), None);
    assert_eq!(all[1].rotation_type(), Some(&RotationType::OnDemand));
    assert_recent(all[1].rotation_date());
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(md.valid_to().map(|t| t.secs()), Some(valid_to.secs()));

    // A deleted (NON_CURRENT) material: PENDING_IMPORT, its expiry cleared (D-4), the
    // description kept (it was set once, L-3).
    c.delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id1)
        .send()
        .await
        .unwrap();
    let e1 = all_materials(&c, &id).await[0].clone();
    assert_eq!(e1.import_state(), Some(&ImportState::PendingImport));
    assert_eq!(e1.key_material_state(), Some(&KeyMaterialState::NonCurrent));
    assert_eq!(e1.expiration_model(), None);
    assert_eq!(e1.valid_to(), None);
    assert_eq!(e1.key_material_description(), Some("initial material"));
    tc.stop().await;
}

#[tokio::test]
async fn existing_import_keeps_or_replaces_the_description_i28() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    let m = random_material(32);
    let import = |description: Option<&'static str>| {
        let (c, id, m) = (c.clone(), id.clone(), m.clone());
        async move {
            import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
                b.set_key_material_description(description.map(str::to_string))
                    .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            })
            .await
            .expect("import")
        }
    };
    let description = |c: Client, id: String| async move {
        all_materials(&c, &id).await[0]
            .key_material_description()
            .map(str::to_string)
    };
    import(Some("first: v1")).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("first: v1")
    );
    // EXISTING (the default now) without a description keeps it.
    import(None).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("first: v1")
    );
    // With one, it is replaced.
    import(Some("second/v2")).await;
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("second/v2")
    );
    // Outside the pattern → ValidationException (I-1), nothing changes.
    let (code, _) = err_code(
        import_with(&c, &id, &m, OAEP_256, RSA_2048, |b| {
            b.key_material_description("not allowed!")
                .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        })
        .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        description(c.clone(), id.clone()).await.as_deref(),
        Some("second/v2")
    );
    tc.stop().await;
}

#[tokio::test]
async fn expired_pending_material_is_removed_i51() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let m1 = random_material(32);
    let (id, _, id1) = imported_key(&c, &m1).await;
    let m2 = random_material(32);
    import_with(&c, &id, &m2, OAEP_256, RSA_2048, |b| {
        b.import_type(ImportType::NewKeyMaterial)
            .expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(in_secs(3600))
    })
    .await
    .unwrap();
    assert_eq!(all_materials(&c, &id).await.len(), 2);
    tc.advance(3601.0).await;
    // Removed like a deleted pending material (D-5); the key is untouched (S-8).
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![(id1, KeyMaterialState::Current, ImportState::Imported)]
    );
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    // So there is nothing to rotate to, and m2 may come back as NEW.
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    import_new(&c, &id, &m2).await;
    tc.stop().await;
}

#[tokio::test]
async fn expiry_never_changes_a_pending_deletion_key_i51() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = external_key(&c).await;
    import_material(
        &c,
        &id,
        &random_material(32),
        OAEP_256,
        RSA_2048,
        Some(in_secs(3600)),
    )
    .await
    .unwrap();
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    tc.advance(3601.0).await;
    assert_eq!(key_state(&c, &id).await, KeyState::PendingDeletion);
    let all = all_materials(&c, &id).await;
    assert_eq!(all[0].import_state(), Some(&ImportState::PendingImport));
    tc.stop().await;
}

#[tokio::test]
async fn expiry_of_non_current_material_blocks_the_key_e2() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = external_key(&c).await;
    let m1 = random_material(32);
    let id1 = import_material(&c, &id, &m1, OAEP_256, RSA_2048, Some(in_secs(3600)))
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_string();
    let id2 = import_new(&c, &id, &random_material(32)).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);

    tc.advance(3601.0).await;
    // id1 is NON_CURRENT, yet its expiry makes the key PendingImport (M-12).
    let md = c.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(md.current_key_material_id(), Some(id2.as_str()));
    // The CURRENT id2 is still imported, and does not expire (C-20).
    assert_eq!(
        md.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(md.valid_to(), None);
    assert_eq!(
        summary(&all_materials(&c, &id).await),
        vec![
            (
                id1.clone(),
                KeyMaterialState::NonCurrent,
                ImportState::PendingImport
            ),
            (id2, KeyMaterialState::Current, ImportState::Imported)
        ]
    );
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending import."));
    // Re-importing id1 (EXISTING by default) brings the key back.
    let out = import_material(&c, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    tc.stop().await;
}
