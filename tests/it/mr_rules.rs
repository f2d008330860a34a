//! The error and effect rules of multi-Region keys, one test per rule: ReplicateKey (R-1 …
//! R-9), UpdatePrimaryRegion (U-1 … U-4), the multi-Region rows of ImportKeyMaterial (I-27,
//! I-30, I-33), DeleteImportedKeyMaterial (D-6, D-7), RotateKeyOnDemand (O-4, O-5, O-7),
//! ListKeyRotations (L-4), crypto (E-6, E-8), deletion (X-4 … X-7) and import tokens (G-8).
//! Scenario T3 itself lives in `multi_region.rs`; these tests take other angles.
//!
//! The helpers at the top are shared with `mr_bus.rs` and `mr_stress.rs`.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, ImportType, IncludeKeyMaterial, KeyMaterialState,
    KeyMetadata, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType,
    MultiRegionKeyType, OriginType, RotationsListEntry, SigningAlgorithmSpec, Tag,
};
use aws_sdk_kms::Client;

use crate::common::*;
use crate::wrap::*;

/// The primary's Region in these tests.
pub(crate) const A: &str = "us-east-1";
/// The first replica Region.
pub(crate) const B: &str = "eu-west-1";
/// The second replica Region.
pub(crate) const C: &str = "ap-southeast-2";
/// Wrapping used for every import here (the wrapping itself is tested in `import.rs`).
pub(crate) const OAEP: &str = "RSAES_OAEP_SHA_256";
/// Wrapping key spec used for every import here.
pub(crate) const RSA: &str = "RSA_2048";

/// DescribeKey's KeyMetadata.
pub(crate) async fn describe(c: &Client, id: &str) -> KeyMetadata {
    c.describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .clone()
}

/// DescribeKey's KeyState.
pub(crate) async fn key_state(c: &Client, id: &str) -> KeyState {
    describe(c, id).await.key_state().expect("KeyState").clone()
}

/// A multi-Region key of `origin` (SYMMETRIC_DEFAULT) in the client's Region; its bare id.
pub(crate) async fn mrk(c: &Client, origin: OriginType) -> String {
    c.create_key()
        .origin(origin)
        .multi_region(true)
        .send()
        .await
        .expect("CreateKey MultiRegion")
        .key_metadata()
        .expect("KeyMetadata")
        .key_id()
        .to_string()
}

/// ReplicateKey from `primary` to `region`, expecting success.
pub(crate) async fn replicate(primary: &Client, id: &str, region: &str) -> KeyMetadata {
    primary
        .replicate_key()
        .key_id(id)
        .replica_region(region)
        .send()
        .await
        .expect("ReplicateKey")
        .replica_key_metadata()
        .expect("ReplicaKeyMetadata")
        .clone()
}

/// ImportKeyMaterial with `import_type` (None: the member is left out), DOES_NOT_EXPIRE.
pub(crate) async fn import_as(
    c: &Client,
    id: &str,
    material: &[u8],
    import_type: Option<ImportType>,
) -> ImportResult {
    import_with(c, id, material, OAEP, RSA, |r| {
        r.set_import_type(import_type)
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
}

/// The KeyMaterialId of a successful import.
pub(crate) fn material_id(r: ImportResult) -> String {
    r.expect("ImportKeyMaterial")
        .key_material_id()
        .expect("KeyMaterialId")
        .to_string()
}

/// NEW_KEY_MATERIAL import that must succeed; its KeyMaterialId.
pub(crate) async fn import_new(c: &Client, id: &str, material: &[u8]) -> String {
    material_id(import_as(c, id, material, Some(ImportType::NewKeyMaterial)).await)
}

/// EXISTING_KEY_MATERIAL import that must succeed; its KeyMaterialId.
pub(crate) async fn import_existing(c: &Client, id: &str, material: &[u8]) -> String {
    material_id(import_as(c, id, material, Some(ImportType::ExistingKeyMaterial)).await)
}

/// ListKeyRotations with ALL_KEY_MATERIAL.
pub(crate) async fn rotations(c: &Client, id: &str) -> Vec<RotationsListEntry> {
    c.list_key_rotations()
        .key_id(id)
        .include_key_material(IncludeKeyMaterial::AllKeyMaterial)
        .send()
        .await
        .expect("ListKeyRotations")
        .rotations()
        .to_vec()
}

/// What a multi-Region set shares of a material list (L-4): id, state, rotation history.
pub(crate) type SharedEntry = (String, KeyMaterialState, Option<i64>, Option<String>);

/// The shared part of ListKeyRotations (ALL_KEY_MATERIAL), in listing order.
pub(crate) fn shared(list: &[RotationsListEntry]) -> Vec<SharedEntry> {
    list.iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.rotation_date().map(|d| d.secs()),
                e.rotation_type().map(|t| t.as_str().to_string()),
            )
        })
        .collect()
}

/// (KeyMaterialId, KeyMaterialState, ImportState) per material, in listing order.
pub(crate) async fn listing(
    c: &Client,
    id: &str,
) -> Vec<(String, KeyMaterialState, Option<ImportState>)> {
    rotations(c, id)
        .await
        .iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.import_state().cloned(),
            )
        })
        .collect()
}

/// The listing entry of material `mid`.
pub(crate) async fn entry(c: &Client, id: &str, mid: &str) -> RotationsListEntry {
    rotations(c, id)
        .await
        .into_iter()
        .find(|e| e.key_material_id() == Some(mid))
        .unwrap_or_else(|| panic!("material {mid} not listed"))
}

/// `MultiRegionConfiguration` as (key type, primary (Region, ARN), replicas (Region, ARN)).
pub(crate) type MrView = (MultiRegionKeyType, (String, String), Vec<(String, String)>);

/// The multi-Region configuration of a KeyMetadata.
pub(crate) fn mr_view(md: &KeyMetadata) -> MrView {
    let cfg = md
        .multi_region_configuration()
        .expect("MultiRegionConfiguration");
    let pair = |k: &aws_sdk_kms::types::MultiRegionKey| {
        (
            k.region().expect("Region").to_string(),
            k.arn().expect("Arn").to_string(),
        )
    };
    (
        cfg.multi_region_key_type()
            .expect("MultiRegionKeyType")
            .clone(),
        pair(cfg.primary_key().expect("PrimaryKey")),
        cfg.replica_keys().iter().map(pair).collect(),
    )
}

/// An EXTERNAL multi-Region key whose primary in A holds `m1` (id `id1`), replicated to each
/// of `replicas`, every replica holding `m1` too (imported without ImportType, I-30).
pub(crate) struct ByokSet {
    /// The shared `mrk-` key id.
    pub id: String,
    /// The first (CURRENT) material.
    pub m1: Vec<u8>,
    /// Its KeyMaterialId.
    pub id1: String,
}

/// Builds a [`ByokSet`].
pub(crate) async fn byok_set(tc: &TestCluster, replicas: &[&str]) -> ByokSet {
    let a = tc.client(A);
    let id = mrk(&a, OriginType::External).await;
    let m1 = random_material(32);
    let id1 = material_id(import_material(&a, &id, &m1, OAEP, RSA, None).await);
    for r in replicas {
        replicate(&a, &id, r).await;
        let got = material_id(import_material(&tc.client(r), &id, &m1, OAEP, RSA, None).await);
        assert_eq!(got, id1, "I-32: the same KeyMaterialId in {r}");
    }
    ByokSet { id, m1, id1 }
}

/// Encrypts `plaintext` and returns the blob.
pub(crate) async fn encrypt(c: &Client, id: &str, plaintext: &[u8]) -> Blob {
    c.encrypt()
        .key_id(id)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

/// Decrypts `blob` (no KeyId) and returns (plaintext, KeyMaterialId).
pub(crate) async fn decrypt(c: &Client, blob: &Blob) -> (Vec<u8>, Option<String>) {
    let out = c
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .expect("Decrypt");
    (
        out.plaintext().expect("Plaintext").as_ref().to_vec(),
        out.key_material_id().map(str::to_string),
    )
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().tag_key(k).tag_value(v).build().expect("Tag")
}

fn msg_is(msg: Option<String>, want: String) {
    assert_eq!(msg.as_deref(), Some(want.as_str()));
}

// ---------------------------------------------------------------------------------------
// R-1 … R-9: ReplicateKey
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn r1_replicating_a_replica_is_unsupported() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    for target in [C, A] {
        let (code, msg) = err_code(
            b.replicate_key()
                .key_id(&id)
                .replica_region(target)
                .send()
                .await,
        );
        assert_eq!(code, "UnsupportedOperationException", "to {target}");
        msg_is(
            msg,
            format!("{} is not a multi-region primary key.", arn(B, &id)),
        );
    }
    let (code, _) = err_code(tc.client(C).describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException", "nothing was created in C");
    tc.stop().await;
}

#[tokio::test]
async fn r1_replicating_a_single_region_key_is_unsupported() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = a
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    // [CHOICE] text of R-1.
    msg_is(msg, format!("{} is not a multi-region key.", arn(A, &id)));
    tc.stop().await;
}

#[tokio::test]
async fn r2_replica_in_the_primary_region_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(A).send().await);
    assert_eq!(code, "ValidationException");
    assert!(mr_view(&describe(&a, &id).await).2.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn r2_region_that_already_has_the_replica_is_already_exists() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "AlreadyExistsException");
    // Including a replica that is pending deletion (R-2).
    b.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code, _) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "AlreadyExistsException");
    assert_eq!(mr_view(&describe(&a, &id).await).2.len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn r3_disabled_primary_cannot_be_replicated() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    a.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{} is disabled.", arn(A, &id)));
    let (code, _) = err_code(tc.client(B).describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn r3_primary_back_in_pending_import_cannot_be_replicated() {
    // Not the fresh key of T3: a primary that had material and a replica, then lost its
    // current material.
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let set = byok_set(&tc, &[B]).await;
    a.delete_imported_key_material()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    assert_eq!(key_state(&a, &set.id).await, KeyState::PendingImport);
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&set.id)
            .replica_region(C)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending import.", arn(A, &set.id)));
    tc.stop().await;
}

#[tokio::test]
async fn r3_primary_pending_deletion_cannot_be_replicated() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    // Without replicas: PendingDeletion.
    let lone = mrk(&a, OriginType::AwsKms).await;
    a.schedule_key_deletion()
        .key_id(&lone)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&lone)
            .replica_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending deletion.", arn(A, &lone)));
    // With a replica: PendingReplicaDeletion, same answer.
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    a.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(key_state(&a, &id).await, KeyState::PendingReplicaDeletion);
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(C).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending deletion.", arn(A, &id)));
    tc.stop().await;
}

#[tokio::test]
async fn r4_replica_shares_key_properties_but_not_description_tags_or_policy() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let primary_policy = r#"{"Version":"2012-10-17","Id":"primary-policy","Statement":[]}"#;
    let id = a
        .create_key()
        .origin(OriginType::External)
        .multi_region(true)
        .description("the primary's description")
        .tags(tag("owner", "primary"))
        .policy(primary_policy)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    import_material(&a, &id, &random_material(32), OAEP, RSA, None)
        .await
        .unwrap();
    let pmd = describe(&a, &id).await;
    // Defaults: "" description, the default policy, no tags.
    replicate(&a, &id, B).await;
    let bmd = describe(&b, &id).await;
    assert_eq!(bmd.description(), Some(""));
    let b_policy = b
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    assert_ne!(
        b_policy, primary_policy,
        "the primary's policy is not copied"
    );
    assert!(
        b_policy.contains("Enable IAM User Permissions"),
        "{b_policy}"
    );
    let b_tags = b.list_resource_tags().key_id(&id).send().await.unwrap();
    assert!(
        b_tags.tags().is_empty(),
        "the primary's tags are not copied"
    );
    // Its own values when given.
    let replica_policy = r#"{"Version":"2012-10-17","Id":"replica-policy","Statement":[]}"#;
    a.replicate_key()
        .key_id(&id)
        .replica_region(C)
        .description("replica in C")
        .tags(tag("owner", "c"))
        .policy(replica_policy)
        .send()
        .await
        .unwrap();
    let cmd = describe(&c, &id).await;
    assert_eq!(cmd.description(), Some("replica in C"));
    let c_policy = c
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(c_policy.policy(), Some(replica_policy));
    let c_tags = c.list_resource_tags().key_id(&id).send().await.unwrap();
    assert_eq!(c_tags.tags(), &[tag("owner", "c")]);
    // The shared properties are the primary's.
    for md in [&bmd, &cmd] {
        assert_eq!(md.key_id(), pmd.key_id());
        assert_eq!(md.key_spec(), Some(&KeySpec::SymmetricDefault));
        assert_eq!(md.key_usage(), pmd.key_usage());
        assert_eq!(md.origin(), Some(&OriginType::External));
        assert_eq!(md.multi_region(), Some(true));
        assert_eq!(md.encryption_algorithms(), pmd.encryption_algorithms());
    }
    // The primary keeps its own.
    let pmd = describe(&a, &id).await;
    assert_eq!(pmd.description(), Some("the primary's description"));
    let a_tags = a.list_resource_tags().key_id(&id).send().await.unwrap();
    assert_eq!(a_tags.tags(), &[tag("owner", "primary")]);
    tc.stop().await;
}

#[tokio::test]
async fn r5_region_outside_the_cluster_or_partition_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    for region in ["sa-east-1", "cn-north-1", "us-gov-west-1", "not_a_region"] {
        let (code, _) = err_code(
            a.replicate_key()
                .key_id(&id)
                .replica_region(region)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationException", "{region}");
    }
    assert!(mr_view(&describe(&a, &id).await).2.is_empty());
    tc.stop().await;
}

/// ReplicateKey over raw HTTP, so field presence can be seen (W-23).
async fn raw_replicate(tc: &TestCluster, body: serde_json::Value) -> serde_json::Value {
    let (status, _, json) = tc
        .raw(
            &tc.region_url(A),
            Some("TrentService.ReplicateKey"),
            Some("application/x-amz-json-1.1"),
            body.to_string(),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    json
}

#[tokio::test]
async fn r6_response_shows_a_creating_replica_with_policy_string_and_no_tags() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    // An AWS_KMS primary (it has a CurrentKeyMaterialId) and an EXTERNAL one.
    let aws = mrk(&a, OriginType::AwsKms).await;
    let ext = byok_set(&tc, &[]).await.id;
    for id in [&aws, &ext] {
        let json = raw_replicate(&tc, serde_json::json!({"KeyId": id, "ReplicaRegion": B})).await;
        let md = &json["ReplicaKeyMetadata"];
        assert_eq!(md["KeyState"], "Creating", "{json}");
        assert_eq!(md["Enabled"], false, "{json}");
        assert_eq!(md["KeyId"], id.as_str());
        assert_eq!(md["Arn"], arn(B, id));
        assert_eq!(md["MultiRegion"], true);
        assert!(md.get("CurrentKeyMaterialId").is_none(), "R-6: {json}");
        let cfg = &md["MultiRegionConfiguration"];
        assert_eq!(cfg["MultiRegionKeyType"], "REPLICA");
        assert_eq!(cfg["PrimaryKey"]["Region"], A);
        assert_eq!(cfg["PrimaryKey"]["Arn"], arn(A, id));
        let replicas = cfg["ReplicaKeys"].as_array().expect("ReplicaKeys");
        assert!(replicas
            .iter()
            .any(|r| r["Region"] == B && r["Arn"] == arn(B, id)));
        let policy = json["ReplicaPolicy"]
            .as_str()
            .expect("ReplicaPolicy is a string");
        let parsed: serde_json::Value = serde_json::from_str(policy).expect("a JSON document");
        assert!(parsed.is_object());
        assert!(json.get("ReplicaTags").is_none(), "R-6: omitted: {json}");
    }
    // With Tags: they come back.
    let json = raw_replicate(
        &tc,
        serde_json::json!({"KeyId": aws, "ReplicaRegion": C,
            "Tags": [{"TagKey": "k", "TagValue": "v"}]}),
    )
    .await;
    assert_eq!(
        json["ReplicaTags"],
        serde_json::json!([{"TagKey": "k", "TagValue": "v"}])
    );
    tc.stop().await;
}

#[tokio::test]
async fn r7_aws_kms_replica_is_enabled_with_the_same_material() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    let blob = encrypt(&a, &id, b"made in A").await;
    replicate(&a, &id, B).await;
    let (amd, bmd) = (describe(&a, &id).await, describe(&b, &id).await);
    assert_eq!(bmd.key_state(), Some(&KeyState::Enabled));
    assert!(bmd.enabled());
    assert!(amd.current_key_material_id().is_some());
    assert_eq!(bmd.current_key_material_id(), amd.current_key_material_id());
    let (plain, mid) = decrypt(&b, &blob).await;
    assert_eq!(plain, b"made in A");
    assert_eq!(mid.as_deref(), amd.current_key_material_id());
    let back = encrypt(&b, &id, b"made in B").await;
    assert_eq!(decrypt(&a, &back).await.0, b"made in B");
    let list = rotations(&b, &id).await;
    assert_eq!(shared(&list), shared(&rotations(&a, &id).await));
    assert!(
        list.iter().all(|e| e.import_state().is_none()),
        "AWS_KMS: L-3"
    );
    tc.stop().await;
}

#[tokio::test]
async fn r7_external_replica_waits_for_every_material() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    // A primary with history before it has replicas: m1 NON_CURRENT, m2 CURRENT.
    let set = byok_set(&tc, &[]).await;
    let old_blob = encrypt(&a, &set.id, b"under m1").await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    let new_blob = encrypt(&a, &set.id, b"under m2").await;
    replicate(&a, &set.id, B).await;
    let bmd = describe(&b, &set.id).await;
    assert_eq!(bmd.key_state(), Some(&KeyState::PendingImport));
    assert!(!bmd.enabled());
    assert!(bmd.expiration_model().is_none());
    // Every material of the set, none imported here.
    assert_eq!(
        listing(&b, &set.id).await,
        vec![
            (
                set.id1.clone(),
                KeyMaterialState::NonCurrent,
                Some(ImportState::PendingImport)
            ),
            (
                id2.clone(),
                KeyMaterialState::Current,
                Some(ImportState::PendingImport)
            ),
        ]
    );
    // The current one alone is not enough (Q-11).
    assert_eq!(import_existing(&b, &set.id, &m2).await, id2);
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    let (code, msg) = err_code(b.decrypt().ciphertext_blob(new_blob.clone()).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending import.", arn(B, &set.id)));
    assert_eq!(import_existing(&b, &set.id, &set.m1).await, set.id1);
    let bmd = describe(&b, &set.id).await;
    assert_eq!(bmd.key_state(), Some(&KeyState::Enabled));
    assert_eq!(bmd.current_key_material_id(), Some(id2.as_str()));
    assert_eq!(decrypt(&b, &old_blob).await.0, b"under m1");
    assert_eq!(decrypt(&b, &new_blob).await.0, b"under m2");
    tc.stop().await;
}

#[tokio::test]
async fn r7_replica_stays_creating_for_the_configured_time() {
    let tc = TestCluster::start_with("[replication]\ncreating_seconds = 60").await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[]).await;
    let blob = encrypt(&a, &set.id, b"x").await;
    replicate(&a, &set.id, B).await;
    let aws = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &aws, C).await;
    let creating = format!("{} is creating.", arn(B, &set.id));
    let bmd = describe(&b, &set.id).await;
    assert_eq!(bmd.key_state(), Some(&KeyState::Creating));
    assert!(!bmd.enabled());
    assert_eq!(key_state(&c, &aws).await, KeyState::Creating);
    // R-8 already: the primary lists the replica.
    assert_eq!(mr_view(&describe(&a, &set.id).await).2.len(), 1);
    // Crypto and import operations: "… is creating."
    let checks: Vec<(&str, (String, Option<String>))> = vec![
        (
            "Encrypt",
            err_code(
                b.encrypt()
                    .key_id(&set.id)
                    .plaintext(Blob::new(b"x".to_vec()))
                    .send()
                    .await,
            ),
        ),
        (
            "Decrypt",
            err_code(b.decrypt().ciphertext_blob(blob.clone()).send().await),
        ),
        (
            "GetParametersForImport",
            err_code(
                b.get_parameters_for_import()
                    .key_id(&set.id)
                    .wrapping_algorithm(aws_sdk_kms::types::AlgorithmSpec::RsaesOaepSha256)
                    .wrapping_key_spec(aws_sdk_kms::types::WrappingKeySpec::Rsa2048)
                    .send()
                    .await,
            ),
        ),
        (
            "ImportKeyMaterial",
            err_code(
                b.import_key_material()
                    .key_id(&set.id)
                    .import_token(Blob::new(vec![7u8; 64]))
                    .encrypted_key_material(Blob::new(vec![7u8; 256]))
                    .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
                    .send()
                    .await,
            ),
        ),
        (
            "DeleteImportedKeyMaterial",
            err_code(
                b.delete_imported_key_material()
                    .key_id(&set.id)
                    .send()
                    .await,
            ),
        ),
        (
            "ListKeyRotations",
            err_code(b.list_key_rotations().key_id(&set.id).send().await),
        ),
        (
            "EnableKey",
            err_code(b.enable_key().key_id(&set.id).send().await),
        ),
    ];
    for (op, (code, msg)) in checks {
        assert_eq!(code, "KMSInvalidStateException", "{op}");
        assert_eq!(msg.as_deref(), Some(creating.as_str()), "{op}");
    }
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&aws)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is creating.", arn(C, &aws)));
    // U-2: a Creating replica cannot become the primary.
    let (code, msg) = err_code(
        a.update_primary_region()
            .key_id(&set.id)
            .primary_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, creating.clone());
    // Aliases work while Creating (C-43).
    b.create_alias()
        .alias_name("alias/while-creating")
        .target_key_id(&set.id)
        .send()
        .await
        .unwrap();
    // Not yet.
    tc.advance(30.0).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::Creating);
    tc.advance(31.0).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    assert_eq!(key_state(&c, &aws).await, KeyState::Enabled);
    assert_eq!(
        describe(&c, &aws).await.current_key_material_id(),
        describe(&a, &aws).await.current_key_material_id()
    );
    import_material(&b, &set.id, &set.m1, OAEP, RSA, None)
        .await
        .unwrap();
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    assert_eq!(decrypt(&b, &blob).await.0, b"x");
    tc.stop().await;
}

#[tokio::test]
async fn r8_every_region_lists_the_same_primary_and_replicas() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    replicate(&a, &id, C).await;
    let primary = (A.to_string(), arn(A, &id));
    let mut want_replicas = vec![(B.to_string(), arn(B, &id)), (C.to_string(), arn(C, &id))];
    want_replicas.sort();
    let mut seen = Vec::new();
    for region in REGIONS {
        for (how, client) in [
            ("own port", tc.client(region)),
            ("gateway", tc.gateway_client(region)),
        ] {
            let md = describe(&client, &id).await;
            assert_eq!(md.arn(), Some(arn(region, &id).as_str()), "{region} {how}");
            let (kind, p, replicas) = mr_view(&md);
            let want_kind = if region == A {
                MultiRegionKeyType::Primary
            } else {
                MultiRegionKeyType::Replica
            };
            assert_eq!(kind, want_kind, "{region} {how}");
            assert_eq!(p, primary, "{region} {how}");
            let mut sorted = replicas.clone();
            sorted.sort();
            assert_eq!(sorted, want_replicas, "{region} {how}");
            seen.push(replicas);
        }
    }
    // C-22: identical, order included, whichever Region is asked.
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    tc.stop().await;
}

#[tokio::test]
async fn r9_pending_material_waits_for_a_new_replica() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    assert_eq!(
        entry(&a, &set.id, &id2).await.key_material_state(),
        Some(&KeyMaterialState::PendingRotation),
        "I-25: no replicas yet"
    );
    replicate(&a, &set.id, B).await;
    let want = |b_import: ImportState| {
        vec![
            (
                set.id1.clone(),
                KeyMaterialState::Current,
                Some(ImportState::PendingImport),
            ),
            (
                id2.clone(),
                KeyMaterialState::PendingMultiRegionImportAndRotation,
                Some(b_import),
            ),
        ]
    };
    assert_eq!(listing(&b, &set.id).await, want(ImportState::PendingImport));
    let a_list = listing(&a, &set.id).await;
    assert_eq!(
        a_list[1],
        (
            id2.clone(),
            KeyMaterialState::PendingMultiRegionImportAndRotation,
            Some(ImportState::Imported)
        )
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    // Pending material is not permanently associated: m1 alone enables B.
    import_existing(&b, &set.id, &set.m1).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    assert_eq!(import_existing(&b, &set.id, &m2).await, id2);
    for c in [&a, &b] {
        assert_eq!(
            entry(c, &set.id, &id2).await.key_material_state(),
            Some(&KeyMaterialState::PendingRotation)
        );
    }
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// Other key types and AWS_KMS rotation across Regions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn asymmetric_replica_has_the_same_public_key_and_verifies_signatures() {
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::DecodePublicKey;
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = a
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    replicate(&a, &id, B).await;
    let bmd = describe(&b, &id).await;
    assert_eq!(bmd.key_state(), Some(&KeyState::Enabled));
    assert_eq!(bmd.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(bmd.key_usage(), Some(&KeyUsageType::SignVerify));
    assert_eq!(
        bmd.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
    assert!(bmd.current_key_material_id().is_none(), "C-20");
    let pk = |c: Client| {
        let id = id.clone();
        async move {
            c.get_public_key()
                .key_id(&id)
                .send()
                .await
                .unwrap()
                .public_key()
                .unwrap()
                .as_ref()
                .to_vec()
        }
    };
    let (pk_a, pk_b) = (pk(a.clone()).await, pk(b.clone()).await);
    assert_eq!(pk_a, pk_b);
    let message = b"signed in one Region, verified in another".to_vec();
    for (signer, verifier) in [(&a, &b), (&b, &a)] {
        let sig = signer
            .sign()
            .key_id(&id)
            .message(Blob::new(message.clone()))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .unwrap()
            .signature()
            .unwrap()
            .clone();
        let ok = verifier
            .verify()
            .key_id(&id)
            .message(Blob::new(message.clone()))
            .message_type(MessageType::Raw)
            .signature(sig.clone())
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .unwrap();
        assert!(ok.signature_valid());
        // And independently of the server.
        let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&pk_a).expect("P-256 SPKI");
        let sig = p256::ecdsa::Signature::from_der(sig.as_ref()).expect("DER signature");
        vk.verify(&message, &sig).expect("valid ECDSA signature");
    }
    tc.stop().await;
}

#[tokio::test]
async fn hmac_replica_verifies_macs_of_the_primary() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = a
        .create_key()
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    replicate(&a, &id, B).await;
    let message = Blob::new(b"mac me".to_vec());
    let mac = |c: Client| {
        let (id, message) = (id.clone(), message.clone());
        async move {
            c.generate_mac()
                .key_id(&id)
                .message(message)
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await
                .unwrap()
                .mac()
                .unwrap()
                .clone()
        }
    };
    let (mac_a, mac_b) = (mac(a.clone()).await, mac(b.clone()).await);
    assert_eq!(mac_a, mac_b, "the same key material in both Regions");
    let ok = b
        .verify_mac()
        .key_id(&id)
        .message(message.clone())
        .mac(mac_a.clone())
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert!(ok.mac_valid());
    let mut bad = mac_a.into_inner();
    bad[0] ^= 1;
    let (code, _) = err_code(
        b.verify_mac()
            .key_id(&id)
            .message(message)
            .mac(Blob::new(bad))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidMacException");
    tc.stop().await;
}

#[tokio::test]
async fn aws_kms_rotation_in_the_primary_reaches_the_replica() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let before = describe(&a, &id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_string();
    let old_blob = encrypt(&a, &id, b"before rotation").await;
    a.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let after = describe(&a, &id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_string();
    assert_ne!(before, after);
    assert_eq!(
        describe(&b, &id).await.current_key_material_id(),
        Some(after.as_str())
    );
    let (plain, mid) = decrypt(&b, &old_blob).await;
    assert_eq!(plain, b"before rotation");
    assert_eq!(mid.as_deref(), Some(before.as_str()));
    let new_blob = encrypt(&b, &id, b"after rotation").await;
    let (plain, mid) = decrypt(&a, &new_blob).await;
    assert_eq!(plain, b"after rotation");
    assert_eq!(mid.as_deref(), Some(after.as_str()));
    assert_eq!(
        shared(&rotations(&a, &id).await),
        shared(&rotations(&b, &id).await)
    );
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// U-1 … U-4: UpdatePrimaryRegion
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn u1_only_the_primary_and_only_to_a_replica_region() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let (code, _) = err_code(
        b.update_primary_region()
            .key_id(&id)
            .primary_region(A)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException", "on a replica");
    let (code, msg) = err_code(
        a.update_primary_region()
            .key_id(&id)
            .primary_region(C)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException", "no replica in C");
    msg_is(msg, format!("Key '{}' does not exist", arn(C, &id)));
    let single = a
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let (code, _) = err_code(
        a.update_primary_region()
            .key_id(&single)
            .primary_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException", "single-Region key");
    assert_eq!(
        mr_view(&describe(&a, &id).await).0,
        MultiRegionKeyType::Primary
    );
    tc.stop().await;
}

#[tokio::test]
async fn u2_both_keys_must_be_enabled() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let update = || {
        a.update_primary_region()
            .key_id(&id)
            .primary_region(B)
            .send()
    };
    // The replica Disabled.
    b.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(update().await);
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{} is disabled.", arn(B, &id)));
    b.enable_key().key_id(&id).send().await.unwrap();
    // The primary Disabled.
    a.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(update().await);
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{} is disabled.", arn(A, &id)));
    a.enable_key().key_id(&id).send().await.unwrap();
    for (region, c) in [(A, &a), (B, &b)] {
        assert_eq!(
            mr_view(&describe(c, &id).await).1 .0,
            A,
            "{region}: nothing moved"
        );
    }
    // An EXTERNAL replica that has not imported yet: PendingImport.
    let set = byok_set(&tc, &[]).await;
    replicate(&a, &set.id, B).await;
    let (code, msg) = err_code(
        a.update_primary_region()
            .key_id(&set.id)
            .primary_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending import.", arn(B, &set.id)));
    // The primary in PendingImport.
    import_material(&b, &set.id, &set.m1, OAEP, RSA, None)
        .await
        .unwrap();
    a.delete_imported_key_material()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        a.update_primary_region()
            .key_id(&set.id)
            .primary_region(B)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending import.", arn(A, &set.id)));
    // The replica pending deletion.
    b.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(update().await);
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{} is pending deletion.", arn(B, &id)));
    b.cancel_key_deletion().key_id(&id).send().await.unwrap();
    b.enable_key().key_id(&id).send().await.unwrap();
    // Both Enabled again: the same call works.
    update().await.expect("both Enabled");
    assert_eq!(
        mr_view(&describe(&b, &id).await).0,
        MultiRegionKeyType::Primary
    );
    tc.stop().await;
}

#[tokio::test]
async fn u3_roles_swap_in_every_region_and_both_end_enabled() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B, C]).await;
    let blob = encrypt(&a, &set.id, b"before the swap").await;
    a.update_primary_region()
        .key_id(&set.id)
        .primary_region(B)
        .send()
        .await
        .unwrap();
    let mut views = Vec::new();
    for region in REGIONS {
        for client in [tc.client(region), tc.gateway_client(region)] {
            let md = describe(&client, &set.id).await;
            assert_eq!(md.key_state(), Some(&KeyState::Enabled), "{region}");
            let (kind, primary, replicas) = mr_view(&md);
            let want = if region == B {
                MultiRegionKeyType::Primary
            } else {
                MultiRegionKeyType::Replica
            };
            assert_eq!(kind, want, "{region}");
            assert_eq!(primary, (B.to_string(), arn(B, &set.id)), "{region}");
            let mut sorted = replicas.clone();
            sorted.sort();
            let mut want_replicas = vec![
                (A.to_string(), arn(A, &set.id)),
                (C.to_string(), arn(C, &set.id)),
            ];
            want_replicas.sort();
            assert_eq!(sorted, want_replicas, "{region}");
            views.push(replicas);
        }
    }
    assert!(views.windows(2).all(|w| w[0] == w[1]), "C-22: {views:?}");
    for region in REGIONS {
        assert_eq!(
            decrypt(&tc.client(region), &blob).await.0,
            b"before the swap"
        );
    }
    // The old primary is a replica now; the new one can hand the role back.
    let (code, _) = err_code(
        a.update_primary_region()
            .key_id(&set.id)
            .primary_region(C)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    b.update_primary_region()
        .key_id(&set.id)
        .primary_region(A)
        .send()
        .await
        .unwrap();
    assert_eq!(mr_view(&describe(&tc.client(C), &set.id).await).1 .0, A);
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn u4_after_the_swap_only_the_new_primary_takes_new_material_and_rotates() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    a.update_primary_region()
        .key_id(&set.id)
        .primary_region(B)
        .send()
        .await
        .unwrap();
    let m2 = random_material(32);
    let (code, _) = err_code(import_as(&a, &set.id, &m2, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "UnsupportedOperationException", "A is a replica now");
    let id2 = import_new(&b, &set.id, &m2).await;
    assert_eq!(
        entry(&a, &set.id, &id2).await.key_material_state(),
        Some(&KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    let (code, _) = err_code(b.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException", "O-5: A lacks m2");
    assert_eq!(import_existing(&a, &set.id, &m2).await, id2);
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(
        code, "UnsupportedOperationException",
        "O-4 on the old primary"
    );
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&set.id)
            .replica_region(C)
            .send()
            .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    msg_is(
        msg,
        format!("{} is not a multi-region primary key.", arn(A, &set.id)),
    );
    b.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    for c in [&a, &b] {
        assert_eq!(
            describe(c, &set.id).await.current_key_material_id(),
            Some(id2.as_str())
        );
    }
    replicate(&b, &set.id, C).await;
    assert_eq!(mr_view(&describe(&tc.client(C), &set.id).await).1 .0, B);
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// I-27, I-30, I-33: imports into replicas
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn i27_replica_refuses_new_material_even_with_nothing_pending() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let before = listing(&b, &set.id).await;
    let (code, _) = err_code(
        import_as(
            &b,
            &set.id,
            &random_material(32),
            Some(ImportType::NewKeyMaterial),
        )
        .await,
    );
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(listing(&b, &set.id).await, before);
    assert_eq!(listing(&a, &set.id).await.len(), 1);
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn i30_replica_first_import_defaults_to_existing_material() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    replicate(&a, &set.id, B).await;
    replicate(&a, &set.id, C).await;
    // B's first import, no ImportType, is the *pending* material: accepted as EXISTING.
    assert_eq!(material_id(import_as(&b, &set.id, &m2, None).await), id2);
    assert_eq!(
        key_state(&b, &set.id).await,
        KeyState::PendingImport,
        "m1 still missing"
    );
    assert_eq!(
        material_id(import_as(&b, &set.id, &set.m1, None).await),
        set.id1
    );
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    // C's first import, no ImportType, of material the set does not have.
    let (code, _) = err_code(import_as(&c, &set.id, &random_material(32), None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(key_state(&c, &set.id).await, KeyState::PendingImport);
    assert_eq!(
        listing(&a, &set.id).await.len(),
        2,
        "nothing new associated"
    );
    tc.stop().await;
}

#[tokio::test]
async fn i33_replica_expiry_is_its_own() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[]).await;
    replicate(&a, &set.id, B).await;
    let valid_to = in_secs(3600);
    import_with(&b, &set.id, &set.m1, OAEP, RSA, |r| {
        r.expiration_model(ExpirationModelType::KeyMaterialExpires)
            .valid_to(valid_to)
            .key_material_description("copy in B")
    })
    .await
    .unwrap();
    let (amd, bmd) = (describe(&a, &set.id).await, describe(&b, &set.id).await);
    assert_eq!(
        amd.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert!(amd.valid_to().is_none());
    assert_eq!(
        bmd.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(bmd.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    let (ea, eb) = (
        entry(&a, &set.id, &set.id1).await,
        entry(&b, &set.id, &set.id1).await,
    );
    assert_eq!(
        ea.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert!(ea.valid_to().is_none());
    assert!(ea.key_material_description().is_none());
    assert_eq!(
        eb.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_eq!(eb.valid_to().map(|t| t.secs()), Some(valid_to.secs()));
    assert_eq!(eb.key_material_description(), Some("copy in B"));
    // Expiry in B: only B.
    tc.advance(3601.0).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    assert_eq!(key_state(&a, &set.id).await, KeyState::Enabled);
    assert_eq!(
        entry(&b, &set.id, &set.id1).await.import_state(),
        Some(&ImportState::PendingImport)
    );
    assert_eq!(
        entry(&a, &set.id, &set.id1).await.import_state(),
        Some(&ImportState::Imported)
    );
    assert!(describe(&b, &set.id).await.expiration_model().is_none());
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// D-6, D-7: DeleteImportedKeyMaterial in a set
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn d6_primary_deleting_pending_material_removes_it_everywhere() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    let out = a
        .delete_imported_key_material()
        .key_id(&set.id)
        .key_material_id(&id2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id2.as_str()));
    for (region, client) in [(A, &a), (B, &b), (C, &c)] {
        let list = listing(client, &set.id).await;
        assert_eq!(list.len(), 1, "{region}: {list:?}");
        assert_eq!(list[0].0, set.id1, "{region}");
        assert_eq!(
            key_state(client, &set.id).await,
            KeyState::Enabled,
            "{region}"
        );
    }
    // The association is gone: B can no longer import m2, A may take other new material.
    let (code, _) =
        err_code(import_as(&b, &set.id, &m2, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    let id3 = import_new(&a, &set.id, &random_material(32)).await;
    assert_eq!(listing(&c, &set.id).await[1].0, id3);
    tc.stop().await;
}

#[tokio::test]
async fn d7_replica_deleting_its_copy_of_pending_material() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(
        entry(&a, &set.id, &id2).await.key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    b.delete_imported_key_material()
        .key_id(&set.id)
        .key_material_id(&id2)
        .send()
        .await
        .unwrap();
    for (region, client) in [(A, &a), (B, &b)] {
        assert_eq!(
            entry(client, &set.id, &id2).await.key_material_state(),
            Some(&KeyMaterialState::PendingMultiRegionImportAndRotation),
            "{region}"
        );
        assert_eq!(
            key_state(client, &set.id).await,
            KeyState::Enabled,
            "{region}"
        );
    }
    assert_eq!(
        entry(&b, &set.id, &id2).await.import_state(),
        Some(&ImportState::PendingImport)
    );
    assert_eq!(
        entry(&a, &set.id, &id2).await.import_state(),
        Some(&ImportState::Imported)
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    // Importing it again brings PENDING_ROTATION back.
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(
        entry(&a, &set.id, &id2).await.key_material_state(),
        Some(&KeyMaterialState::PendingRotation)
    );
    tc.stop().await;
}

#[tokio::test]
async fn d7_replica_deleting_permanent_material_affects_only_itself() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    import_existing(&c, &set.id, &m2).await;
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    // B deletes its NON_CURRENT m1.
    b.delete_imported_key_material()
        .key_id(&set.id)
        .key_material_id(&set.id1)
        .send()
        .await
        .unwrap();
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    assert_eq!(key_state(&a, &set.id).await, KeyState::Enabled);
    assert_eq!(key_state(&c, &set.id).await, KeyState::Enabled);
    for client in [&a, &c] {
        assert_eq!(
            entry(client, &set.id, &set.id1).await.import_state(),
            Some(&ImportState::Imported)
        );
    }
    // The material stays associated everywhere, NON_CURRENT (M-7).
    assert_eq!(
        listing(&b, &set.id).await,
        vec![
            (
                set.id1.clone(),
                KeyMaterialState::NonCurrent,
                Some(ImportState::PendingImport)
            ),
            (
                id2.clone(),
                KeyMaterialState::Current,
                Some(ImportState::Imported)
            ),
        ]
    );
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// O-4, O-5, O-7: RotateKeyOnDemand in a set
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn o4_aws_kms_replica_cannot_rotate() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let before = describe(&b, &id)
        .await
        .current_key_material_id()
        .map(str::to_string);
    let (code, _) = err_code(b.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    assert_eq!(
        describe(&b, &id)
            .await
            .current_key_material_id()
            .map(str::to_string),
        before
    );
    assert_eq!(rotations(&b, &id).await.len(), 1);
    // K-1: nor configure automatic rotation there.
    let (code, _) = err_code(b.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    tc.stop().await;
}

#[tokio::test]
async fn o5_rotation_waits_for_every_replica() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    // B has it, C does not.
    for client in [&a, &b, &c] {
        assert_eq!(
            entry(client, &set.id, &id2).await.key_material_state(),
            Some(&KeyMaterialState::PendingMultiRegionImportAndRotation)
        );
    }
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        describe(&a, &set.id).await.current_key_material_id(),
        Some(set.id1.as_str())
    );
    import_existing(&c, &set.id, &m2).await;
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    for client in [&a, &b, &c] {
        let md = describe(client, &set.id).await;
        assert_eq!(md.current_key_material_id(), Some(id2.as_str()));
        assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    }
    tc.stop().await;
}

#[tokio::test]
async fn o7_rotation_limit_is_counted_on_the_set() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 2").await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    for _ in 0..2 {
        a.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    }
    a.update_primary_region()
        .key_id(&id)
        .primary_region(B)
        .send()
        .await
        .unwrap();
    let before = describe(&b, &id)
        .await
        .current_key_material_id()
        .map(str::to_string);
    let (code, msg) = err_code(b.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    msg_is(
        msg,
        format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {}",
            arn(B, &id)
        ),
    );
    assert_eq!(
        describe(&b, &id)
            .await
            .current_key_material_id()
            .map(str::to_string),
        before
    );
    let rotated = rotations(&b, &id)
        .await
        .iter()
        .filter(|e| e.rotation_date().is_some())
        .count();
    assert_eq!(rotated, 2);
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// L-4: ListKeyRotations in a set
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn l4_every_region_lists_the_same_materials_with_its_own_import_state() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    import_existing(&c, &set.id, &m2).await;
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    let m3 = random_material(32);
    let id3 = import_new(&a, &set.id, &m3).await;
    import_existing(&b, &set.id, &m3).await;
    c.delete_imported_key_material()
        .key_id(&set.id)
        .key_material_id(&set.id1)
        .send()
        .await
        .unwrap();
    let lists = [
        rotations(&a, &set.id).await,
        rotations(&b, &set.id).await,
        rotations(&c, &set.id).await,
    ];
    let want = |s: &KeyMaterialState, mid: &str| (mid.to_string(), s.clone());
    let ids: Vec<_> = shared(&lists[0]).iter().map(|e| want(&e.1, &e.0)).collect();
    assert_eq!(
        ids,
        vec![
            want(&KeyMaterialState::NonCurrent, &set.id1),
            want(&KeyMaterialState::Current, &id2),
            want(&KeyMaterialState::PendingMultiRegionImportAndRotation, &id3),
        ]
    );
    assert_eq!(shared(&lists[0]), shared(&lists[1]));
    assert_eq!(shared(&lists[0]), shared(&lists[2]));
    let imports = |l: &[RotationsListEntry]| -> Vec<ImportState> {
        l.iter()
            .map(|e| e.import_state().unwrap().clone())
            .collect()
    };
    use ImportState::{Imported as I, PendingImport as P};
    assert_eq!(imports(&lists[0]), vec![I, I, I]);
    assert_eq!(imports(&lists[1]), vec![I, I, I]);
    assert_eq!(imports(&lists[2]), vec![P, I, P]);
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// E-6, E-8: decrypting across Regions and keys
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn e6_decrypt_in_the_replica_through_an_alias_and_the_gateway() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let other = mrk(&b, OriginType::AwsKms).await;
    b.create_alias()
        .alias_name("alias/mr-b")
        .target_key_id(&set.id)
        .send()
        .await
        .unwrap();
    b.create_alias()
        .alias_name("alias/other-b")
        .target_key_id(&other)
        .send()
        .await
        .unwrap();
    let blob = encrypt(&a, &set.id, b"via alias").await;
    let alias_arn = format!("arn:aws:kms:{B}:{ACCOUNT}:alias/mr-b");
    let gw = tc.gateway_client(B);
    for (how, client, key_id) in [
        ("alias", &b, Some("alias/mr-b".to_string())),
        ("alias ARN", &b, Some(alias_arn.clone())),
        ("gateway, no KeyId", &gw, None),
        ("gateway, alias", &gw, Some("alias/mr-b".to_string())),
        ("gateway, B's ARN", &gw, Some(arn(B, &set.id))),
    ] {
        let out = client
            .decrypt()
            .ciphertext_blob(blob.clone())
            .set_key_id(key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(out.plaintext().unwrap().as_ref(), b"via alias", "{how}");
        assert_eq!(out.key_id(), Some(arn(B, &set.id).as_str()), "{how}");
        assert_eq!(out.key_material_id(), Some(set.id1.as_str()), "{how}");
    }
    // An alias in B naming another key.
    let (code, msg) = err_code(
        b.decrypt()
            .ciphertext_blob(blob.clone())
            .key_id("alias/other-b")
            .send()
            .await,
    );
    assert_eq!(code, "IncorrectKeyException");
    msg_is(
        msg,
        "The key ID in the request does not identify a CMK that can perform this operation."
            .to_string(),
    );
    // A's ARN is not a key of B (W-44).
    let (code, msg) = err_code(
        gw.decrypt()
            .ciphertext_blob(blob.clone())
            .key_id(arn(A, &set.id))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    msg_is(msg, format!("Invalid arn {A}"));
    // The alias is B's only (C-40).
    let (code, _) = err_code(a.describe_key().key_id("alias/mr-b").send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn e8_same_material_in_unrelated_keys_does_not_interoperate() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let material = random_material(32);
    let mut keys = Vec::new();
    for _ in 0..2 {
        let id = mrk(&a, OriginType::External).await;
        let mid = material_id(import_material(&a, &id, &material, OAEP, RSA, None).await);
        replicate(&a, &id, B).await;
        import_material(&b, &id, &material, OAEP, RSA, None)
            .await
            .unwrap();
        keys.push((id, mid));
    }
    let ((k1, mid1), (k2, mid2)) = (keys[0].clone(), keys[1].clone());
    assert_ne!(mid1, mid2, "I-32: the id depends on the key");
    let blob = encrypt(&a, &k1, b"key one").await;
    for (region, client) in [(A, &a), (B, &b)] {
        let (code, msg) = err_code(
            client
                .decrypt()
                .ciphertext_blob(blob.clone())
                .key_id(&k2)
                .send()
                .await,
        );
        assert_eq!(code, "IncorrectKeyException", "{region}");
        msg_is(
            msg,
            "The key ID in the request does not identify a CMK that can perform this operation."
                .to_string(),
        );
        // Without KeyId the blob names its own key.
        let out = client
            .decrypt()
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_id(), Some(arn(region, &k1).as_str()));
        assert_eq!(out.plaintext().unwrap().as_ref(), b"key one");
    }
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// X-4 … X-7: deleting keys of a set
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn x4_primary_waits_for_every_replica_to_be_deleted() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let out = a
        .schedule_key_deletion()
        .key_id(&set.id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(out.deletion_date().is_none());
    assert_eq!(out.pending_window_in_days(), Some(7));
    b.schedule_key_deletion()
        .key_id(&set.id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    c.schedule_key_deletion()
        .key_id(&set.id)
        .pending_window_in_days(10)
        .send()
        .await
        .unwrap();
    // B is gone, C only scheduled: the primary keeps waiting.
    tc.advance(7.0 * 86400.0 + 1.0).await;
    let md = describe(&a, &set.id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(md.deletion_date().is_none());
    assert_eq!(md.pending_deletion_window_in_days(), Some(7));
    assert_eq!(mr_view(&md).2, vec![(C.to_string(), arn(C, &set.id))]);
    assert_eq!(
        mr_view(&describe(&c, &set.id).await).2,
        vec![(C.to_string(), arn(C, &set.id))],
        "X-6: dropped from ReplicaKeys in every Region"
    );
    // C gone: the primary's own window starts now.
    tc.advance(3.0 * 86400.0).await;
    let offset = 10.0 * 86400.0 + 1.0;
    let md = describe(&a, &set.id).await;
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion));
    assert!(md.pending_deletion_window_in_days().is_none());
    let when = md.deletion_date().expect("DeletionDate").secs() as f64;
    let want = now_secs() as f64 + offset + 7.0 * 86400.0;
    assert!((when - want).abs() < 120.0, "DeletionDate {when} vs {want}");
    assert!(mr_view(&md).2.is_empty());
    let (code, _) = err_code(c.describe_key().key_id(&set.id).send().await);
    assert_eq!(code, "NotFoundException");
    tc.advance(7.0 * 86400.0 + 1.0).await;
    let (code, _) = err_code(a.describe_key().key_id(&set.id).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn x7_deleting_a_replica_leaves_the_set_and_the_region_can_be_replicated_again() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    for client in [&b, &c] {
        import_existing(client, &set.id, &m2).await;
    }
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    let blob = encrypt(&a, &set.id, b"kept").await;
    let out = b
        .schedule_key_deletion()
        .key_id(&set.id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion), "X-3");
    assert!(out.deletion_date().is_some());
    // X-4: "in any state" — still listed while only scheduled.
    assert_eq!(mr_view(&describe(&a, &set.id).await).2.len(), 2);
    tc.advance(7.0 * 86400.0 + 1.0).await;
    for (region, client) in [(A, &a), (C, &c)] {
        let md = describe(client, &set.id).await;
        assert_eq!(md.key_state(), Some(&KeyState::Enabled), "{region}");
        assert_eq!(
            mr_view(&md).2,
            vec![(C.to_string(), arn(C, &set.id))],
            "{region}"
        );
    }
    let (code, _) = err_code(b.describe_key().key_id(&set.id).send().await);
    assert_eq!(code, "NotFoundException");
    // Replicate to B again: a new replica that needs every material again.
    let md = replicate(&a, &set.id, B).await;
    assert_eq!(md.key_state(), Some(&KeyState::Creating));
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    assert_eq!(
        listing(&b, &set.id).await,
        vec![
            (
                set.id1.clone(),
                KeyMaterialState::NonCurrent,
                Some(ImportState::PendingImport)
            ),
            (
                id2.clone(),
                KeyMaterialState::Current,
                Some(ImportState::PendingImport)
            ),
        ]
    );
    let (code, _) = err_code(b.decrypt().ciphertext_blob(blob.clone()).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    import_existing(&b, &set.id, &set.m1).await;
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    assert_eq!(decrypt(&b, &blob).await.0, b"kept");
    let mut replicas = mr_view(&describe(&c, &set.id).await).2;
    replicas.sort();
    let mut want = vec![
        (B.to_string(), arn(B, &set.id)),
        (C.to_string(), arn(C, &set.id)),
    ];
    want.sort();
    assert_eq!(replicas, want);
    tc.stop().await;
}

// ---------------------------------------------------------------------------------------
// G-8: import tokens are per Region
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn g8_token_of_one_region_is_refused_in_another() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[]).await;
    replicate(&a, &set.id, B).await;
    let params = get_params(&a, &set.id, OAEP, RSA).await;
    let wrapped = wrap(params.public_key().unwrap().as_ref(), OAEP, &set.m1);
    let (code, _) = err_code(
        b.import_key_material()
            .key_id(&set.id)
            .import_token(params.import_token().unwrap().clone())
            .encrypted_key_material(Blob::new(wrapped.clone()))
            .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidImportTokenException");
    assert_eq!(key_state(&b, &set.id).await, KeyState::PendingImport);
    // The token is still good where it was issued (I-12: a failure uses nothing up).
    a.import_key_material()
        .key_id(&set.id)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .expect("A's token in A");
    import_material(&b, &set.id, &set.m1, OAEP, RSA, None)
        .await
        .unwrap();
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}
