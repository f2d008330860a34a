//! A new replica (R-6 … R-9): the ReplicateKey response, Creating, Enabled or PendingImport
//! by origin, the same view of the set in every Region, and pending material it must wait for.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    ExpirationModelType, ImportState, KeyMaterialState, KeyState, MultiRegionKeyType, OriginType,
};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn r6_response_shows_a_creating_replica_with_policy_string_and_no_tags() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    // An AWS_KMS primary (it has a CurrentKeyMaterialId) and an EXTERNAL one.
    let aws = mrk(&a, OriginType::AwsKms).await;
    let ext = byok_set(&tc, &[]).await.id;
    for id in [&aws, &ext] {
        let json = raw_ok(
            &tc,
            A,
            "ReplicateKey",
            serde_json::json!({"KeyId": id, "ReplicaRegion": B}),
        )
        .await;
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
    let json = raw_ok(
        &tc,
        A,
        "ReplicateKey",
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
    rotate(&a, &set.id).await;
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
    // The current one alone is not enough.
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
            err_code(request_params(&b, &set.id, OAEP_256, RSA_2048).await),
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
    create_alias(&b, "alias/while-creating", &set.id).await;
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
    import_material(&b, &set.id, &set.m1, OAEP_256, RSA_2048, None)
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
    rotate(&a, &set.id).await;
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    tc.stop().await;
}
