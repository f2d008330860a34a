//! Faults of a cluster of Region processes over NATS JetStream (issue 10): a Region process
//! killed with `kill -9` mid-run and restarted with its data dir, and nats-server killed and
//! restarted. Requests never fail because of either; afterwards, once the bus is drained,
//! every Region agrees field by field on what the set shares and every recorded ciphertext
//! decrypts in every Region.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ImportType, KeyMaterialState, KeyState};
use aws_sdk_kms::Client;

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::{import_as, import_new, random_material};

/// Drains the cluster's bus, retrying while NATS or a process is still coming back.
async fn drain_eventually(fx: &Fixture) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, v) = fx.admin(C, "/_kmsim/bus/drain", Some("{}")).await;
        if status == 200
            && v["queued"]
                .as_object()
                .is_some_and(|q| q.values().all(|n| n == 0))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the bus did not drain: {status} {v}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until every outbox is empty (everything is stored in JetStream), with a process
/// down.
async fn published(fx: &Fixture) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = fx.admin(A, "/_kmsim/bus", None).await;
        if v["queued"]
            .as_object()
            .is_some_and(|q| q.values().all(|n| n == 0))
        {
            return;
        }
        assert!(Instant::now() < deadline, "the outboxes did not empty: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What one Region says about the set: the shared part must be equal everywhere.
#[derive(Debug, PartialEq)]
struct Shared {
    primary: String,
    replicas: Vec<String>,
    materials: Vec<(String, KeyMaterialState)>,
    rotation_enabled: bool,
}

async fn shared(c: &Client, id: &str) -> Shared {
    let md = describe(c, id).await;
    let cfg = md.multi_region_configuration().expect("multi-Region");
    let mut replicas: Vec<String> = cfg
        .replica_keys()
        .iter()
        .filter_map(|r| r.region().map(str::to_string))
        .collect();
    replicas.sort();
    let mut materials: Vec<(String, KeyMaterialState)> = listing(c, id)
        .await
        .into_iter()
        .map(|(m, s, _)| (m, s))
        .collect();
    materials.sort_by(|a, b| a.0.cmp(&b.0));
    let rotation_enabled = c
        .get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .expect("GetKeyRotationStatus")
        .key_rotation_enabled;
    Shared {
        primary: cfg
            .primary_key()
            .and_then(|p| p.region())
            .unwrap_or_default()
            .to_string(),
        replicas,
        materials,
        rotation_enabled,
    }
}

/// Every Region agrees on the set and is Enabled; every blob decrypts everywhere.
async fn check_cluster(fx: &Fixture, id: &str, blobs: &[(Blob, Vec<u8>)]) {
    let first = shared(&fx.client(A), id).await;
    assert_eq!(first.replicas, vec![C.to_string(), B.to_string()]);
    for r in [B, C] {
        assert_eq!(
            shared(&fx.client(r), id).await,
            first,
            "{r} agrees with {A}"
        );
    }
    for r in [A, B, C] {
        let c = fx.client(r);
        assert_eq!(key_state(&c, id).await, KeyState::Enabled, "{r}");
        for (i, (blob, plain)) in blobs.iter().enumerate() {
            let out = c
                .decrypt()
                .ciphertext_blob(blob.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("blob {i} in {r}: {e:?}"));
            assert_eq!(out.plaintext().unwrap().as_ref(), plain.as_slice());
        }
    }
}

/// A traffic task: the blobs it made, with their plaintexts.
type Traffic = tokio::task::JoinHandle<Vec<(Blob, Vec<u8>)>>;

/// Encrypts in every Region until `stop`; every request must succeed.
fn traffic(fx: &Fixture, id: &str, regions: &[&str], stop: Arc<AtomicBool>) -> Vec<Traffic> {
    regions
        .iter()
        .map(|r| {
            let (c, id, stop) = (fx.client(r), id.to_string(), stop.clone());
            let r = r.to_string();
            tokio::spawn(async move {
                let mut blobs = Vec::new();
                let n = AtomicU64::new(0);
                while !stop.load(Ordering::Relaxed) {
                    let plain = format!("{r} {}", n.fetch_add(1, Ordering::Relaxed)).into_bytes();
                    let out = c
                        .encrypt()
                        .key_id(&id)
                        .plaintext(Blob::new(plain.clone()))
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("Encrypt in {r} during the fault: {e:?}"));
                    blobs.push((out.ciphertext_blob().unwrap().clone(), plain));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                blobs
            })
        })
        .collect()
}

async fn collect(tasks: Vec<Traffic>) -> Vec<(Blob, Vec<u8>)> {
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("traffic task"));
    }
    all
}

/// `kill -9` of a replica's process while the others serve traffic and the primary takes new
/// material: restarted with its data dir, the Region recovers its own state (its blobs still
/// decrypt) and then the events it missed, and the set rotates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_process_killed_mid_run_recovers_and_catches_up() {
    let mut fx = Fixture::nats(true).await;
    let set = byok_set(&fx, &[B, C]).await;
    let mut blobs = vec![(
        encrypt(&fx.client(B), &set.id, b"before the kill").await,
        b"before the kill".to_vec(),
    )];
    let stop = Arc::new(AtomicBool::new(false));
    let running = traffic(&fx, &set.id, &[A, C], stop.clone());
    tokio::time::sleep(Duration::from_millis(200)).await;
    fx.processes().kill(B);
    // While B is down: new material into the primary, the same into C.
    let (a, c) = (fx.client(A), fx.client(C));
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_as(&c, &set.id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .expect("EXISTING into C while B is down");
    tokio::time::sleep(Duration::from_millis(300)).await;
    fx.processes().restart(B).await;
    fx.processes().wait_connected().await;
    stop.store(true, Ordering::Relaxed);
    blobs.extend(collect(running).await);
    drain_eventually(&fx).await;
    // B recovered its own blob and learnt of m2 while it was down.
    let b = fx.client(B);
    assert_eq!(
        material_state(&b, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    import_as(&b, &set.id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .expect("EXISTING into B after its restart");
    fx.sync().await;
    rotate(&a, &set.id).await;
    fx.sync().await;
    blobs.push((
        encrypt(&b, &set.id, b"after the rotation").await,
        b"after the rotation".to_vec(),
    ));
    assert_eq!(
        current_material_id(&c, &set.id).await.as_deref(),
        Some(id2.as_str())
    );
    check_cluster(&fx, &set.id, &blobs).await;
    fx.stop().await;
}

/// nats-server killed mid-run (events stored for a Region that is down, and events still in
/// the senders' outboxes) and restarted on its JetStream store: requests keep succeeding,
/// nothing is lost — not even an event in the outbox of a Region killed with `kill -9` while
/// NATS was down (the outbox is in its data dir).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_killed_and_restarted_loses_nothing() {
    let mut fx = Fixture::nats(true).await;
    let set = byok_set(&fx, &[B, C]).await;
    let (a, c) = (fx.client(A), fx.client(C));
    // Stored in JetStream for B while B is down.
    fx.processes().kill(B);
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    published(&fx).await;
    let stop = Arc::new(AtomicBool::new(false));
    let running = traffic(&fx, &set.id, &[A], stop.clone());
    fx.processes().kill_nats();
    // NATS down: requests succeed, their events wait in the outboxes.
    import_as(&c, &set.id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .expect("EXISTING into C while NATS is down");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, v) = admin_at(&fx.region_url(A), "/_kmsim/bus", None).await;
        if v["connected"] == serde_json::Value::Bool(false) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the bus never noticed NATS was down: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // C's report of m2 now waits in C's outbox only: kill C and bring it back first.
    fx.processes().kill(C);
    fx.processes().restart(C).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    fx.processes().start_nats().await;
    fx.processes().restart(B).await;
    fx.processes().wait_connected().await;
    stop.store(true, Ordering::Relaxed);
    let blobs = collect(running).await;
    drain_eventually(&fx).await;
    let b = fx.client(B);
    assert_eq!(
        material_state(&b, &set.id, &id2).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation,
        "the event stored for B before NATS died reached B"
    );
    import_as(&b, &set.id, &m2, Some(ImportType::ExistingKeyMaterial))
        .await
        .expect("EXISTING into B");
    fx.sync().await;
    // The primary may rotate only once it knows every replica imported m2: C's report,
    // queued while NATS was down, arrived.
    assert_eq!(
        material_state(&a, &set.id, &id2).await,
        KeyMaterialState::PendingRotation
    );
    rotate(&a, &set.id).await;
    fx.sync().await;
    check_cluster(&fx, &set.id, &blobs).await;
    fx.stop().await;
}

/// A message on the stream that no kmsim wrote (garbage, or an event addressed to another
/// Region) is terminated and counted, never applied, and replication goes on after it; and
/// `/_kmsim/reset` on one process empties every Region and the stream, after which the
/// cluster replicates as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_messages_are_dropped_and_reset_empties_every_process() {
    let fx = Fixture::nats(false).await;
    let url = fx.bus().await;
    assert_eq!(url["transport"], "nats");
    let nats = {
        let Fixture::Processes(p) = &fx else {
            unreachable!()
        };
        p.nats_url()
    };
    let client = async_nats::connect(nats).await.expect("connect to NATS");
    let js = async_nats::jetstream::new(client);
    for payload in [b"not postcard".to_vec(), vec![0xff; 64], Vec::new()] {
        js.publish("kmsim.to.eu-west-1", payload.into())
            .await
            .expect("publish")
            .await
            .expect("stored");
    }
    let a = fx.client(A);
    let id = mrk(&a, aws_sdk_kms::types::OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    let st = fx.drain().await;
    assert_eq!(st["rejected"], 3, "{st}");
    assert_eq!(key_state(&fx.client(B), &id).await, KeyState::Enabled);
    let (status, v) = fx.admin(C, "/_kmsim/reset", Some("{}")).await;
    assert_eq!(status, 200, "{v}");
    for r in [A, B, C] {
        let keys = fx.client(r).list_keys().send().await.expect("ListKeys");
        assert!(keys.keys().is_empty(), "{r} still holds keys after reset");
    }
    let id = mrk(&a, aws_sdk_kms::types::OriginType::AwsKms).await;
    replicate(&a, &id, C).await;
    fx.sync().await;
    assert_eq!(key_state(&fx.client(C), &id).await, KeyState::Enabled);
    fx.stop().await;
}
