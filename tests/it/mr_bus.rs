//! The replication bus seen from outside (DESIGN.md, "Multi-Region keys and the bus"): a delay
//! holds a replica's import report back from the primary (I-31, O-5), a cut-off Region's events
//! queue until it is healed, duplicated and re-ordered delivery converge to the state normal
//! delivery gives, and the `/_kmsim/bus` admin routes validate what they are sent.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_kms::types::{ImportState, KeyMaterialState, KeyState, MultiRegionKeyType, OriginType};
use aws_sdk_kms::Client;
use serde_json::{json, Value};

use crate::common::*;
use crate::mr_rules::{
    byok_set, describe, entry, import_existing, import_new, key_state, mr_view, mrk, rotations, A,
    B, C, OAEP, RSA,
};
use crate::wrap::*;

/// An admin request on the gateway: (status, JSON body).
async fn admin(tc: &TestCluster, path: &str, body: Option<&str>) -> (u16, Value) {
    admin_at(&tc.gateway_url(), path, body).await
}

/// An admin request at `base`: GET without a body, POST with one.
async fn admin_at(base: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let url = format!("{base}{path}");
    let http = reqwest::Client::new();
    let rb = match body {
        None => http.get(url),
        Some(b) => http
            .post(url)
            .header("Content-Type", "application/json")
            .body(b.to_string()),
    };
    let resp = rb.send().await.expect("admin request");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("admin body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `queued` of `GET /_kmsim/bus` for one destination Region.
fn queued_to(status: &Value, region: &str) -> u64 {
    status["queued"][region].as_u64().unwrap_or(0)
}

async fn pending_state(c: &Client, id: &str, mid: &str) -> KeyMaterialState {
    entry(c, id, mid)
        .await
        .key_material_state()
        .expect("KeyMaterialState")
        .clone()
}

#[tokio::test]
async fn rotation_waits_until_the_replica_report_arrives() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let bus = &tc.cluster.state.bus;
    let set = byok_set(&tc, &[B]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    // Long enough that nothing arrives by itself during the test.
    bus.set_delay(Duration::from_secs(600));
    import_existing(&b, &set.id, &m2).await;
    assert!(
        *bus.status().queued.get(A).unwrap_or(&0) >= 1,
        "the report waits"
    );
    assert_eq!(
        pending_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(
        code, "KMSInvalidStateException",
        "O-5 until the report arrives"
    );
    bus.drain();
    for c in [&a, &b] {
        assert_eq!(
            pending_state(c, &set.id, &id2).await,
            KeyMaterialState::PendingRotation
        );
    }
    a.rotate_key_on_demand()
        .key_id(&set.id)
        .send()
        .await
        .unwrap();
    // The rotation itself travels on the bus too.
    assert_eq!(
        describe(&a, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(set.id1.as_str()),
        "B has not heard of the rotation yet"
    );
    bus.drain();
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    assert!(bus.status().queued.values().all(|n| *n == 0));
    tc.stop().await;
}

#[tokio::test]
async fn configured_delay_holds_the_report_until_drained_over_http() {
    let tc = TestCluster::start_with("[replication]\ndelay_ms = 5000").await;
    let (a, b) = (tc.client(A), tc.client(B));
    let (status, bus) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(status, 200);
    assert_eq!(bus["delayMs"], 5000);
    let id = mrk(&a, OriginType::External).await;
    let m1 = random_material(32);
    import_material(&a, &id, &m1, OAEP, RSA, None)
        .await
        .unwrap();
    a.replicate_key()
        .key_id(&id)
        .replica_region(B)
        .send()
        .await
        .unwrap();
    assert_eq!(admin(&tc, "/_kmsim/bus/drain", Some("")).await.0, 200);
    import_material(&b, &id, &m1, OAEP, RSA, None)
        .await
        .unwrap();
    let m2 = random_material(32);
    let id2 = import_new(&a, &id, &m2).await;
    assert_eq!(admin(&tc, "/_kmsim/bus/drain", Some("")).await.0, 200);
    import_existing(&b, &id, &m2).await;
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException", "the report is 5 s away");
    let (status, bus) = admin(&tc, "/_kmsim/bus/drain", Some("")).await;
    assert_eq!(status, 200);
    assert_eq!(
        bus["queued"]
            .as_object()
            .map_or(0, |q| q.values().map(|v| v.as_u64().unwrap_or(0)).sum()),
        0u64,
        "{bus}"
    );
    assert_eq!(
        pending_state(&a, &id, &id2).await,
        KeyMaterialState::PendingRotation
    );
    a.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn delayed_events_arrive_by_themselves() {
    let tc = TestCluster::start_with("[replication]\ndelay_ms = 300").await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    let start = Instant::now();
    a.replicate_key()
        .key_id(&id)
        .replica_region(B)
        .send()
        .await
        .unwrap();
    // No drain: the delivery task applies the CreateReplica after the delay.
    let mut found = None;
    while start.elapsed() < Duration::from_secs(10) {
        if let Ok(out) = b.describe_key().key_id(&id).send().await {
            found = Some((start.elapsed(), out.key_metadata().unwrap().clone()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (after, md) = found.expect("the replica appears within 10 s");
    assert!(
        after >= Duration::from_millis(250),
        "arrived after {after:?}"
    );
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        md.current_key_material_id(),
        describe(&a, &id).await.current_key_material_id()
    );
    tc.stop().await;
}

#[tokio::test]
async fn cut_region_report_stays_queued_until_healed() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    let (status, bus) = admin(&tc, "/_kmsim/bus/cut", Some(r#"{"region":"eu-west-1"}"#)).await;
    assert_eq!(status, 200, "{bus}");
    assert_eq!(bus["cut"], json!([B]));
    import_existing(&b, &set.id, &m2).await;
    // Queued, and a drain cannot deliver it while B is cut off.
    let (_, bus) = admin(&tc, "/_kmsim/bus/drain", Some("")).await;
    assert!(queued_to(&bus, A) >= 1, "{bus}");
    let (_, bus) = admin(&tc, "/_kmsim/bus", None).await;
    assert!(queued_to(&bus, A) >= 1, "{bus}");
    assert_eq!(
        pending_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    assert_eq!(
        pending_state(&b, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    let delivered_before = bus["delivered"].as_u64().expect("delivered");
    let (status, bus) = admin(&tc, "/_kmsim/bus/heal", Some(r#"{"region":"eu-west-1"}"#)).await;
    assert_eq!(status, 200, "{bus}");
    assert_eq!(bus["cut"], json!([]));
    let (_, bus) = admin(&tc, "/_kmsim/bus/drain", Some("")).await;
    assert_eq!(queued_to(&bus, A), 0, "{bus}");
    assert_eq!(queued_to(&bus, B), 0, "{bus}");
    assert!(
        bus["delivered"].as_u64().unwrap() > delivered_before,
        "{bus}"
    );
    for c in [&a, &b] {
        assert_eq!(
            pending_state(c, &set.id, &id2).await,
            KeyMaterialState::PendingRotation
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

#[tokio::test]
async fn cut_replica_learns_of_new_material_only_after_heal() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let bus = &tc.cluster.state.bus;
    let set = byok_set(&tc, &[B]).await;
    bus.cut(B);
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    assert_eq!(
        pending_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    assert_eq!(
        rotations(&b, &set.id).await.len(),
        1,
        "B has not heard of m2"
    );
    assert!(*bus.status().queued.get(B).unwrap_or(&0) >= 1);
    // B cannot import material the set has not (as far as it knows) associated.
    let (code, _) = err_code(
        crate::mr_rules::import_as(
            &b,
            &set.id,
            &m2,
            Some(aws_sdk_kms::types::ImportType::ExistingKeyMaterial),
        )
        .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");
    bus.heal(B);
    bus.drain();
    assert_eq!(
        pending_state(&b, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(
        pending_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingRotation
    );
    tc.stop().await;
}

#[tokio::test]
async fn old_primary_shows_updating_until_the_new_primary_answers() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let bus = &tc.cluster.state.bus;
    let set = byok_set(&tc, &[B]).await;
    let blob = crate::mr_rules::encrypt(&a, &set.id, b"before").await;
    // Parameters for an import while Updating (GetParametersForImport itself is refused then).
    let params = get_params(&a, &set.id, OAEP, RSA).await;
    bus.cut(B);
    a.update_primary_region()
        .key_id(&set.id)
        .primary_region(B)
        .send()
        .await
        .unwrap();
    let md = describe(&a, &set.id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Updating));
    assert!(!md.enabled());
    // U-3: crypto and ImportKeyMaterial work while Updating.
    let again = crate::mr_rules::encrypt(&a, &set.id, b"while updating").await;
    for blob in [&blob, &again] {
        a.decrypt()
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .expect("Decrypt while Updating");
    }
    a.import_key_material()
        .key_id(&set.id)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(aws_sdk_kms::primitives::Blob::new(wrap(
            params.public_key().unwrap().as_ref(),
            OAEP,
            &set.m1,
        )))
        .expiration_model(aws_sdk_kms::types::ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .expect("ImportKeyMaterial while Updating");
    // … and the management operations answer "… is updating."
    let updating = format!("{} is updating.", arn(A, &set.id));
    let refused = [
        (
            "EnableKey",
            err_code(a.enable_key().key_id(&set.id).send().await),
        ),
        (
            "DisableKey",
            err_code(a.disable_key().key_id(&set.id).send().await),
        ),
        (
            "ScheduleKeyDeletion",
            err_code(
                a.schedule_key_deletion()
                    .key_id(&set.id)
                    .pending_window_in_days(7)
                    .send()
                    .await,
            ),
        ),
        (
            "GetParametersForImport",
            err_code(
                a.get_parameters_for_import()
                    .key_id(&set.id)
                    .wrapping_algorithm(aws_sdk_kms::types::AlgorithmSpec::RsaesOaepSha256)
                    .wrapping_key_spec(aws_sdk_kms::types::WrappingKeySpec::Rsa2048)
                    .send()
                    .await,
            ),
        ),
        (
            "DeleteImportedKeyMaterial",
            err_code(
                a.delete_imported_key_material()
                    .key_id(&set.id)
                    .send()
                    .await,
            ),
        ),
        (
            "RotateKeyOnDemand",
            err_code(a.rotate_key_on_demand().key_id(&set.id).send().await),
        ),
    ];
    for (op, (code, msg)) in refused {
        assert_eq!(code, "KMSInvalidStateException", "{op}");
        assert_eq!(msg.as_deref(), Some(updating.as_str()), "{op}");
    }
    bus.heal(B);
    bus.drain();
    for (region, c, kind) in [
        (A, &a, MultiRegionKeyType::Replica),
        (B, &b, MultiRegionKeyType::Primary),
    ] {
        let md = describe(c, &set.id).await;
        assert_eq!(md.key_state(), Some(&KeyState::Enabled), "{region}");
        assert_eq!(mr_view(&md).0, kind, "{region}");
        assert_eq!(mr_view(&md).1 .0, B, "{region}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn snapshot_overtaking_its_create_replica_is_kept_until_the_replica_exists() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let bus = &tc.cluster.state.bus;
    let set = byok_set(&tc, &[]).await;
    bus.set_delay(Duration::from_secs(3600));
    a.replicate_key()
        .key_id(&set.id)
        .replica_region(B)
        .send()
        .await
        .unwrap();
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    // The snapshot naming m2 now travels ahead of the CreateReplica.
    bus.reverse_queue();
    bus.drain();
    bus.set_delay(Duration::ZERO);
    let list = rotations(&b, &set.id).await;
    let got: Vec<_> = list
        .iter()
        .map(|e| {
            (
                e.key_material_id().unwrap().to_string(),
                e.key_material_state().unwrap().clone(),
                e.import_state().unwrap().clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                set.id1.clone(),
                KeyMaterialState::Current,
                ImportState::PendingImport
            ),
            (
                id2.clone(),
                KeyMaterialState::PendingMultiRegionImportAndRotation,
                ImportState::PendingImport
            ),
        ]
    );
    import_existing(&b, &set.id, &set.m1).await;
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
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
// Convergence: duplicated and re-ordered delivery end where normal delivery ends.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    Normal,
    Duplicated,
    Reordered,
}

/// One Region's view of the key, with KeyMaterialIds replaced by the material's name
/// (m1…m4), so runs with different key ids compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RegionView {
    state: KeyState,
    enabled: bool,
    kind: MultiRegionKeyType,
    primary: String,
    replicas: Vec<String>,
    current: Option<String>,
    /// (material, KeyMaterialState, ImportState, RotationType).
    materials: Vec<(String, KeyMaterialState, ImportState, Option<String>)>,
}

/// What every Region of a set agrees on: primary, replicas (sorted), current material,
/// (material, KeyMaterialState) in order.
type SetView = (
    String,
    Vec<String>,
    Option<String>,
    Vec<(String, KeyMaterialState)>,
);

impl RegionView {
    /// What the whole set must agree on (§4.5): everything but key state and import states.
    fn shared(&self) -> SetView {
        let mut replicas = self.replicas.clone();
        replicas.sort();
        (
            self.primary.clone(),
            replicas,
            self.current.clone(),
            self.materials
                .iter()
                .map(|m| (m.0.clone(), m.1.clone()))
                .collect(),
        )
    }
}

async fn region_view(c: &Client, id: &str, names: &BTreeMap<String, String>) -> RegionView {
    let name = |mid: &str| names.get(mid).cloned().unwrap_or_else(|| mid.to_string());
    let md = describe(c, id).await;
    let (kind, primary, replicas) = mr_view(&md);
    RegionView {
        state: md.key_state().unwrap().clone(),
        enabled: md.enabled(),
        kind,
        primary: primary.0,
        replicas: replicas.into_iter().map(|r| r.0).collect(),
        current: md.current_key_material_id().map(name),
        materials: rotations(c, id)
            .await
            .iter()
            .map(|e| {
                (
                    name(e.key_material_id().unwrap()),
                    e.key_material_state().unwrap().clone(),
                    e.import_state().unwrap().clone(),
                    e.rotation_type().map(|t| t.as_str().to_string()),
                )
            })
            .collect(),
    }
}

/// Runs the same sequence of changes under `mode` and returns every Region's view after
/// phase 2 and at the end. In `Reordered` mode each phase runs with delivery held back, then
/// the queue is reversed and drained.
async fn converge_run(mode: Delivery, materials: &[Vec<u8>; 4]) -> [Vec<RegionView>; 2] {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let bus = tc.cluster.state.bus.clone();
    if mode == Delivery::Duplicated {
        bus.set_duplicate_delivery(true);
    }
    let [m1, m2, m3, m4] = materials;
    let hold = || {
        if mode == Delivery::Reordered {
            bus.set_delay(Duration::from_secs(3600));
        }
    };
    let release = || {
        if mode == Delivery::Reordered {
            bus.reverse_queue();
            bus.drain();
            bus.set_delay(Duration::ZERO);
        }
        bus.drain();
    };
    // Phase 1: a set over three Regions; m2 rotated in, m1 NON_CURRENT.
    let id = mrk(&a, OriginType::External).await;
    let names: BTreeMap<String, String> = materials
        .iter()
        .enumerate()
        .map(|(i, m)| (expected_material_id(&id, m), format!("m{}", i + 1)))
        .collect();
    import_material(&a, &id, m1, OAEP, RSA, None).await.unwrap();
    for (r, client) in [(B, &b), (C, &c)] {
        a.replicate_key()
            .key_id(&id)
            .replica_region(r)
            .send()
            .await
            .unwrap();
        import_material(client, &id, m1, OAEP, RSA, None)
            .await
            .unwrap();
    }
    import_new(&a, &id, m2).await;
    import_existing(&b, &id, m2).await;
    import_existing(&c, &id, m2).await;
    a.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    // Phase 2: independent changes in every Region.
    hold();
    let id1 = expected_material_id(&id, m1);
    let id3 = import_new(&a, &id, m3).await;
    b.delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id1)
        .send()
        .await
        .unwrap();
    c.delete_imported_key_material()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    a.delete_imported_key_material()
        .key_id(&id)
        .key_material_id(&id3)
        .send()
        .await
        .unwrap();
    import_new(&a, &id, m4).await;
    import_existing(&b, &id, m1).await;
    release();
    let mut after_phase2 = Vec::new();
    for r in REGIONS {
        after_phase2.push(region_view(&tc.client(r), &id, &names).await);
    }
    // Phase 3: the replicas catch up; rotate; C becomes the primary.
    hold();
    import_existing(&b, &id, m4).await;
    import_existing(&c, &id, m4).await;
    import_existing(&c, &id, m2).await;
    release();
    hold();
    a.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    a.update_primary_region()
        .key_id(&id)
        .primary_region(C)
        .send()
        .await
        .unwrap();
    release();
    let mut end = Vec::new();
    for r in REGIONS {
        end.push(region_view(&tc.client(r), &id, &names).await);
    }
    assert!(bus.status().queued.values().all(|n| *n == 0));
    tc.stop().await;
    [after_phase2, end]
}

fn check_agreement(mode: Delivery, views: &[RegionView]) {
    for v in &views[1..] {
        assert_eq!(v.shared(), views[0].shared(), "{mode:?}: Regions disagree");
    }
    for v in views {
        // M-12, and Enabled follows KeyState.
        let complete = v
            .materials
            .iter()
            .filter(|m| {
                matches!(
                    m.1,
                    KeyMaterialState::Current | KeyMaterialState::NonCurrent
                )
            })
            .all(|m| m.2 == ImportState::Imported);
        assert_eq!(v.state == KeyState::Enabled, complete, "{mode:?}: {v:?}");
        assert_eq!(v.enabled, v.state == KeyState::Enabled, "{mode:?}: {v:?}");
    }
}

#[tokio::test]
async fn duplicated_and_reordered_delivery_converge_to_normal_delivery() {
    let materials = [
        random_material(32),
        random_material(32),
        random_material(32),
        random_material(32),
    ];
    let normal = converge_run(Delivery::Normal, &materials).await;
    // What normal delivery must give, spelled out.
    use ImportState::{Imported as I, PendingImport as P};
    use KeyMaterialState::{
        Current as Cur, NonCurrent as Non, PendingMultiRegionImportAndRotation as Pm,
    };
    let mats = |v: &RegionView| -> Vec<(String, KeyMaterialState, ImportState)> {
        v.materials
            .iter()
            .map(|m| (m.0.clone(), m.1.clone(), m.2.clone()))
            .collect()
    };
    let row = |n: &str, s: KeyMaterialState, i: ImportState| (n.to_string(), s, i);
    let [pa, pb, pc] = [&normal[0][0], &normal[0][1], &normal[0][2]];
    assert_eq!(
        mats(pa),
        vec![row("m1", Non, I), row("m2", Cur, I), row("m4", Pm, I)]
    );
    assert_eq!(
        mats(pb),
        vec![row("m1", Non, I), row("m2", Cur, I), row("m4", Pm, P)]
    );
    assert_eq!(
        mats(pc),
        vec![row("m1", Non, I), row("m2", Cur, P), row("m4", Pm, P)]
    );
    assert_eq!(
        [&pa.state, &pb.state, &pc.state],
        [
            &KeyState::Enabled,
            &KeyState::Enabled,
            &KeyState::PendingImport
        ]
    );
    for v in &normal[1] {
        assert_eq!(
            mats(v),
            vec![row("m1", Non, I), row("m2", Non, I), row("m4", Cur, I)]
        );
        assert_eq!(v.state, KeyState::Enabled);
        assert_eq!(v.primary, C);
        assert_eq!(v.current.as_deref(), Some("m4"));
    }
    assert_eq!(normal[1][2].kind, MultiRegionKeyType::Primary);
    assert_eq!(normal[1][0].kind, MultiRegionKeyType::Replica);
    for views in &normal {
        check_agreement(Delivery::Normal, views);
    }
    for mode in [Delivery::Duplicated, Delivery::Reordered] {
        let got = converge_run(mode, &materials).await;
        for (phase, (views, want)) in got.iter().zip(normal.iter()).enumerate() {
            check_agreement(mode, views);
            for (region, (v, w)) in REGIONS.iter().zip(views.iter().zip(want.iter())) {
                let mut v = v.clone();
                let mut w = w.clone();
                // ReplicaKeys order is not part of the contract; compare as sets.
                v.replicas.sort();
                w.replicas.sort();
                assert_eq!(v, w, "{mode:?}, phase {}, {region}", phase + 2);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The admin routes
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bus_admin_routes_reject_bad_bodies_and_unknown_regions() {
    let tc = TestCluster::start().await;
    let bad_delays = [
        "{}",
        "not json",
        r#"{"milliseconds":-5}"#,
        r#"{"milliseconds":"10"}"#,
        r#"{"milliseconds":1.5}"#,
        r#"{"milliseconds":3600001}"#,
        r#"{"ms":10}"#,
        "[10]",
    ];
    for body in bad_delays {
        let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(body)).await;
        assert_eq!(status, 400, "delay {body}: {json}");
        assert_eq!(json["__type"], "ValidationException", "delay {body}");
    }
    for route in ["/_kmsim/bus/cut", "/_kmsim/bus/heal"] {
        for body in [
            r#"{"region":"sa-east-1"}"#,
            r#"{"region":"EU-WEST-1"}"#,
            r#"{"region":5}"#,
            "{}",
            "",
            "garbage",
        ] {
            let (status, json) = admin(&tc, route, Some(body)).await;
            assert_eq!(status, 400, "{route} {body}: {json}");
            assert_eq!(json["__type"], "ValidationException", "{route} {body}");
        }
    }
    let (status, _) = admin(&tc, "/_kmsim/bus/nope", Some("{}")).await;
    assert_eq!(status, 404);
    // Nothing changed.
    let (status, json) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 0);
    assert_eq!(json["cut"], json!([]));
    tc.stop().await;
}

#[tokio::test]
async fn bus_admin_routes_change_and_report_the_bus() {
    let tc = TestCluster::start().await;
    let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(r#"{"milliseconds":250}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 250);
    let (status, json) = admin(
        &tc,
        "/_kmsim/bus/cut",
        Some(r#"{"region":"ap-southeast-2"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["cut"], json!([C]));
    // Every Region port serves the admin surface too, with the same bus.
    for r in REGIONS {
        let (status, json) = admin_at(&tc.region_url(r), "/_kmsim/bus", None).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(json["delayMs"], 250, "{r}");
        assert_eq!(json["cut"], json!([C]), "{r}");
        assert!(json["queued"].is_object(), "{r}: {json}");
        assert!(json["delivered"].is_u64(), "{r}: {json}");
    }
    let st = tc.cluster.state.bus.status();
    assert_eq!(st.delay, Duration::from_millis(250));
    assert_eq!(st.cut, vec![C.to_string()]);
    let (status, json) = admin(
        &tc,
        "/_kmsim/bus/heal",
        Some(r#"{"region":"ap-southeast-2"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["cut"], json!([]));
    let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(r#"{"milliseconds":0}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 0);
    // With no delay, a replica exists as soon as ReplicateKey answers.
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    a.replicate_key()
        .key_id(&id)
        .replica_region(B)
        .send()
        .await
        .unwrap();
    assert_eq!(key_state(&tc.client(B), &id).await, KeyState::Enabled);
    tc.stop().await;
}
