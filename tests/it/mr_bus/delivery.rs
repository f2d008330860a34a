//! Delayed and cut-off delivery: a replica's import report held back from the primary (I-31,
//! O-5) by a delay or a cut, until it is drained or healed.

use std::time::{Duration, Instant};

use aws_sdk_kms::types::{KeyMaterialState, KeyState, OriginType};
use serde_json::json;

use super::*;
use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

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
        material_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&set.id).send().await);
    assert_eq!(
        code, "KMSInvalidStateException",
        "O-5 until the report arrives"
    );
    bus.drain().await.expect("drain");
    for c in [&a, &b] {
        assert_eq!(
            material_state(c, &set.id, &id2).await,
            KeyMaterialState::PendingRotation
        );
    }
    rotate(&a, &set.id).await;
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
    bus.drain().await.expect("drain");
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
    import_material(&a, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    replicate(&a, &id, B).await;
    assert_eq!(admin(&tc, "/_kmsim/bus/drain", Some("")).await.0, 200);
    import_material(&b, &id, &m1, OAEP_256, RSA_2048, None)
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
        material_state(&a, &id, &id2).await,
        KeyMaterialState::PendingRotation
    );
    rotate(&a, &id).await;
    tc.stop().await;
}

#[tokio::test]
async fn delayed_events_arrive_by_themselves() {
    let tc = TestCluster::start_with("[replication]\ndelay_ms = 300").await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = mrk(&a, OriginType::AwsKms).await;
    let start = Instant::now();
    replicate(&a, &id, B).await;
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
        material_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    assert_eq!(
        material_state(&b, &set.id, &id2).await,
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
            material_state(c, &set.id, &id2).await,
            KeyMaterialState::PendingRotation
        );
    }
    rotate(&a, &set.id).await;
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
        material_state(&a, &set.id, &id2).await,
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
        import_as(
            &b,
            &set.id,
            &m2,
            Some(aws_sdk_kms::types::ImportType::ExistingKeyMaterial),
        )
        .await,
    );
    assert_eq!(code, "IncorrectKeyMaterialException");
    bus.heal(B);
    bus.drain().await.expect("drain");
    assert_eq!(
        material_state(&b, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    import_existing(&b, &set.id, &m2).await;
    assert_eq!(
        material_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingRotation
    );
    tc.stop().await;
}
