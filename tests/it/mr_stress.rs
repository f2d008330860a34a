//! A bounded concurrency stress test of one EXTERNAL multi-Region key over three Regions:
//! many tasks per Region race imports (EXISTING, and NEW into the primary), deletions,
//! rotations and crypto against each other. A racing request may get an error AWS would
//! legitimately give it; anything else (a 500, a serialization error, a panic, a wrong
//! plaintext) fails. Afterwards the bus is drained and every Region must agree on what the set
//! shares (§4.5), each Region's key state must follow its own imports (M-12), and every blob
//! must decrypt wherever the key is Enabled.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ImportState, ImportType, KeyMaterialState, KeyState, MultiRegionKeyType};
use aws_sdk_kms::Client;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

const TASKS_PER_REGION: usize = 8;
const OPS_PER_TASK: usize = 30;
/// The racing phase must end within this (it takes a few seconds on 2 cores).
const RACE_BUDGET: Duration = Duration::from_secs(60);

/// Errors a racing request may legitimately get, per operation.
const IMPORT_OK: &[&str] = &[
    "KMSInvalidStateException",      // I-24: another material pending
    "IncorrectKeyMaterialException", // I-23/I-28/I-30: not (or no longer) associated
    "UnsupportedOperationException", // I-27: NEW on a replica
    "InvalidImportTokenException",   // G-8/I-7
];
const DELETE_OK: &[&str] = &[
    // D-3 [CHOICE]: the named material was removed by the primary meanwhile (D-6).
    "NotFoundException",
];
const ROTATE_OK: &[&str] = &[
    "KMSInvalidStateException",      // O-2 pending import, O-5 nothing ready
    "UnsupportedOperationException", // O-4 replica
    "LimitExceededException",        // O-7
];
const ENCRYPT_OK: &[&str] = &["KMSInvalidStateException"]; // E-1: pending import
/// Decrypt in a Region whose view of the set lags: the blob's material is associated there
/// but (still) pending and not imported — a race AWS's eventual consistency allows too.
const DECRYPT_OK: &[&str] = &["KMSInvalidStateException", "InvalidCiphertextException"];

/// Material offered to the set, and blobs made so far.
#[derive(Default)]
struct Pool {
    materials: Vec<Vec<u8>>,
    blobs: Vec<(Blob, Vec<u8>)>,
}

/// What one task saw: outcome counts and anything that must fail the test.
#[derive(Default)]
struct Tally {
    outcomes: BTreeMap<String, u64>,
    unexpected: Vec<String>,
}

impl Tally {
    fn record<T, E, R>(&mut self, op: &str, r: &Result<T, SdkError<E, R>>, allowed: &[&str])
    where
        E: ProvideErrorMetadata + std::fmt::Debug,
        R: std::fmt::Debug,
    {
        let key = match r {
            Ok(_) => format!("{op}: ok"),
            Err(e) => match e.code() {
                Some(code) if allowed.contains(&code) => format!("{op}: {code}"),
                Some(code) => {
                    self.unexpected
                        .push(format!("{op}: {code}: {:?}", e.message()));
                    format!("{op}: {code} (unexpected)")
                }
                None => {
                    self.unexpected
                        .push(format!("{op}: no AWS error code: {e:?}"));
                    format!("{op}: no code")
                }
            },
        };
        *self.outcomes.entry(key).or_default() += 1;
    }

    fn merge(&mut self, other: Tally) {
        for (k, v) in other.outcomes {
            *self.outcomes.entry(k).or_default() += v;
        }
        self.unexpected.extend(other.unexpected);
    }
}

/// The newest material most of the time (that is the one the set is waiting for), else any.
fn pick(materials: &[Vec<u8>], rng: &mut StdRng) -> Vec<u8> {
    if rng.gen_bool(0.7) {
        materials.last().expect("a material").clone()
    } else {
        materials[rng.gen_range(0..materials.len())].clone()
    }
}

/// One task: `OPS_PER_TASK` random operations against the key in its Region.
async fn worker(
    c: Client,
    region: &'static str,
    id: String,
    pool: Arc<Mutex<Pool>>,
    seed: u64,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut t = Tally::default();
    for _ in 0..OPS_PER_TASK {
        let roll = rng.gen_range(0..100);
        if roll < 30 {
            let m = pick(&pool.lock().unwrap().materials, &mut rng);
            // No ImportType means EXISTING here: the primary has imported before (I-20), a
            // replica always (I-30).
            let ty = rng.gen_bool(0.5).then_some(ImportType::ExistingKeyMaterial);
            let r = import_as(&c, &id, &m, ty).await;
            t.record("ImportKeyMaterial EXISTING", &r, IMPORT_OK);
        } else if roll < 38 {
            let m = random_material(32);
            let r = import_as(&c, &id, &m, Some(ImportType::NewKeyMaterial)).await;
            if r.is_ok() {
                pool.lock().unwrap().materials.push(m);
            }
            t.record(&format!("ImportKeyMaterial NEW in {region}"), &r, IMPORT_OK);
        } else if roll < 43 {
            // Mostly the Region's current copy; sometimes a named material, which in the
            // primary ends a pending material's association everywhere (D-6).
            let target = if rng.gen_bool(0.3) {
                let p = pool.lock().unwrap();
                let m = &p.materials[rng.gen_range(0..p.materials.len())];
                Some(expected_material_id(&id, m))
            } else {
                None
            };
            let named = target.is_some();
            let r = c
                .delete_imported_key_material()
                .key_id(&id)
                .set_key_material_id(target)
                .send()
                .await;
            let allowed = if named { DELETE_OK } else { &[] };
            t.record("DeleteImportedKeyMaterial", &r, allowed);
        } else if roll < 55 {
            let r = c.rotate_key_on_demand().key_id(&id).send().await;
            t.record(&format!("RotateKeyOnDemand in {region}"), &r, ROTATE_OK);
        } else if roll < 70 {
            let mut plain = vec![0u8; rng.gen_range(1..64)];
            rng.fill(&mut plain[..]);
            let r = c
                .encrypt()
                .key_id(&id)
                .plaintext(Blob::new(plain.clone()))
                .send()
                .await;
            if let Ok(out) = &r {
                let blob = out.ciphertext_blob().expect("CiphertextBlob").clone();
                pool.lock().unwrap().blobs.push((blob, plain));
            }
            t.record("Encrypt", &r, ENCRYPT_OK);
        } else if roll < 86 {
            let earlier = {
                let p = pool.lock().unwrap();
                (!p.blobs.is_empty()).then(|| p.blobs[rng.gen_range(0..p.blobs.len())].clone())
            };
            let Some((blob, plain)) = earlier else {
                continue;
            };
            let r = c.decrypt().ciphertext_blob(blob).send().await;
            if let Ok(out) = &r {
                if out.plaintext().map(|p| p.as_ref()) != Some(plain.as_slice()) {
                    t.unexpected
                        .push(format!("Decrypt in {region}: wrong plaintext"));
                }
                if !out.key_material_id().is_some_and(is_key_material_id) {
                    t.unexpected.push(format!(
                        "Decrypt in {region}: KeyMaterialId {:?}",
                        out.key_material_id()
                    ));
                }
            }
            t.record("Decrypt", &r, DECRYPT_OK);
        } else if roll < 94 {
            let r = c.describe_key().key_id(&id).send().await;
            if let Ok(out) = &r {
                let md = out.key_metadata().expect("KeyMetadata");
                let state = md.key_state().expect("KeyState");
                if md.enabled() != (*state == KeyState::Enabled)
                    || !matches!(state, KeyState::Enabled | KeyState::PendingImport)
                    || !md.current_key_material_id().is_some_and(is_key_material_id)
                {
                    t.unexpected
                        .push(format!("DescribeKey in {region}: {md:?}"));
                }
            }
            t.record("DescribeKey", &r, &[]);
        } else {
            let r = c
                .list_key_rotations()
                .key_id(&id)
                .include_key_material(aws_sdk_kms::types::IncludeKeyMaterial::AllKeyMaterial)
                .send()
                .await;
            if let Ok(out) = &r {
                // M-10, M-11 within one Region's answer.
                let states: Vec<_> = out
                    .rotations()
                    .iter()
                    .map(|e| e.key_material_state().cloned())
                    .collect();
                let current = states
                    .iter()
                    .filter(|s| s.as_ref() == Some(&KeyMaterialState::Current))
                    .count();
                let pending = states
                    .iter()
                    .filter(|s| {
                        matches!(
                            s,
                            Some(KeyMaterialState::PendingRotation)
                                | Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
                        )
                    })
                    .count();
                let ids: BTreeSet<_> = out
                    .rotations()
                    .iter()
                    .map(|e| e.key_material_id().unwrap_or_default())
                    .collect();
                if current != 1 || pending > 1 || ids.len() != states.len() {
                    t.unexpected
                        .push(format!("ListKeyRotations in {region}: {states:?}"));
                }
            }
            t.record("ListKeyRotations", &r, &[]);
        }
    }
    t
}

/// Waits until the bus has nothing left to deliver and no delivery is in flight.
async fn settle(tc: &Fixture) {
    tc.set_delay(0).await;
    let mut last = u64::MAX;
    for _ in 0..200 {
        let st = tc.drain().await;
        let queued = st["queued"].as_object().expect("queued");
        let delivered = st["delivered"].as_u64().expect("delivered");
        if queued.values().all(|n| n == 0) && delivered == last {
            return;
        }
        last = delivered;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bus did not settle: {}", tc.bus().await);
}

/// One Region's view after the race.
struct View {
    state: KeyState,
    enabled: bool,
    current: Option<String>,
    mr: MrView,
    shared: Vec<SharedEntry>,
    imports: Vec<ImportState>,
}

async fn view(c: &Client, id: &str) -> View {
    let md = describe(c, id).await;
    let list = rotations(c, id).await;
    View {
        state: md.key_state().unwrap().clone(),
        enabled: md.enabled(),
        current: md.current_key_material_id().map(str::to_string),
        mr: mr_view(&md),
        shared: shared(&list),
        imports: list
            .iter()
            .map(|e| e.import_state().expect("ImportState").clone())
            .collect(),
    }
}

/// Every Region agrees on what the set shares, and each Region's state follows its imports.
fn check_views(views: &[(&str, View)], limit: usize, seed: u64) {
    let (_, first) = &views[0];
    for (region, v) in views {
        let ctx = format!("seed {seed}, {region}");
        assert_eq!(
            v.shared, first.shared,
            "{ctx}: materials differ from {}",
            views[0].0
        );
        assert_eq!(v.current, first.current, "{ctx}: CurrentKeyMaterialId");
        assert_eq!(v.mr.1, first.mr.1, "{ctx}: PrimaryKey");
        assert_eq!(v.mr.2, first.mr.2, "{ctx}: ReplicaKeys");
        let kind = if *region == A {
            MultiRegionKeyType::Primary
        } else {
            MultiRegionKeyType::Replica
        };
        assert_eq!(v.mr.0, kind, "{ctx}");
        // M-10, M-11.
        let currents: Vec<_> = v
            .shared
            .iter()
            .filter(|e| e.1 == KeyMaterialState::Current)
            .collect();
        assert_eq!(currents.len(), 1, "{ctx}: {:?}", v.shared);
        assert_eq!(v.current.as_deref(), Some(currents[0].0.as_str()), "{ctx}");
        let pending = v
            .shared
            .iter()
            .filter(|e| {
                matches!(
                    e.1,
                    KeyMaterialState::PendingRotation
                        | KeyMaterialState::PendingMultiRegionImportAndRotation
                )
            })
            .count();
        assert!(pending <= 1, "{ctx}: {:?}", v.shared);
        // M-14.
        let rotated = v.shared.iter().filter(|e| e.2.is_some()).count();
        assert!(rotated <= limit, "{ctx}: {rotated} rotations");
        // M-12 (nothing here disables the key, so PendingImport is the only other state).
        let complete = v
            .shared
            .iter()
            .zip(&v.imports)
            .filter(|(e, _)| {
                matches!(
                    e.1,
                    KeyMaterialState::Current | KeyMaterialState::NonCurrent
                )
            })
            .all(|(_, i)| *i == ImportState::Imported);
        let want = if complete {
            KeyState::Enabled
        } else {
            KeyState::PendingImport
        };
        assert_eq!(v.state, want, "{ctx}: {:?} {:?}", v.shared, v.imports);
        assert_eq!(v.enabled, complete, "{ctx}");
    }
    // M-4: the pending material is PENDING_ROTATION iff every Region has imported it.
    for (i, e) in first.shared.iter().enumerate() {
        let everywhere = views
            .iter()
            .all(|(_, v)| v.imports[i] == ImportState::Imported);
        match e.1 {
            KeyMaterialState::PendingRotation => {
                assert!(
                    everywhere,
                    "seed {seed}: {} PENDING_ROTATION but missing somewhere",
                    e.0
                )
            }
            KeyMaterialState::PendingMultiRegionImportAndRotation => assert!(
                !everywhere,
                "seed {seed}: {} imported everywhere but still waiting",
                e.0
            ),
            _ => {}
        }
    }
}

/// Every blob decrypts, to its plaintext, in every Region where the key is Enabled; elsewhere
/// it is refused as pending import. Returns each blob's KeyMaterialId (from an Enabled Region).
async fn check_blobs(
    tc: &Fixture,
    id: &str,
    blobs: &[(Blob, Vec<u8>)],
    seed: u64,
) -> Vec<Option<String>> {
    let mut ids = vec![None; blobs.len()];
    for region in REGIONS {
        let c = tc.client(region);
        let enabled = describe(&c, id).await.key_state() == Some(&KeyState::Enabled);
        for (i, (blob, plain)) in blobs.iter().enumerate() {
            let r = c.decrypt().ciphertext_blob(blob.clone()).send().await;
            if enabled {
                let out = r.unwrap_or_else(|e| panic!("seed {seed}: blob {i} in {region}: {e:?}"));
                assert_eq!(
                    out.plaintext().unwrap().as_ref(),
                    plain.as_slice(),
                    "seed {seed}"
                );
                assert_eq!(out.key_id(), Some(arn(region, id).as_str()));
                let mid = out.key_material_id().map(str::to_string);
                if ids[i].is_none() {
                    ids[i] = mid;
                } else {
                    assert_eq!(ids[i], mid, "seed {seed}: blob {i} names one material");
                }
            } else {
                let (code, msg) = err_code(r);
                assert_eq!(code, "KMSInvalidStateException", "seed {seed}: {region}");
                assert_eq!(
                    msg.as_deref(),
                    Some(format!("{} is pending import.", arn(region, id)).as_str())
                );
            }
        }
    }
    ids
}

async fn stress(tc: Fixture, delay: Duration) {
    let started = Instant::now();
    let set = byok_set(&tc, &[B, C]).await;
    tc.set_delay(delay.as_millis() as u64).await;
    let seed: u64 = std::env::var("KMSIM_STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen());
    let pool = Arc::new(Mutex::new(Pool {
        materials: vec![set.m1.clone()],
        blobs: Vec::new(),
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for (ri, region) in REGIONS.into_iter().enumerate() {
        for t in 0..TASKS_PER_REGION {
            let task_seed = seed.wrapping_add(((ri * TASKS_PER_REGION + t) as u64) << 32);
            tasks.spawn(worker(
                tc.client(region),
                region,
                set.id.clone(),
                pool.clone(),
                task_seed,
            ));
        }
    }
    let tally = tokio::time::timeout(RACE_BUDGET, async {
        let mut all = Tally::default();
        while let Some(done) = tasks.join_next().await {
            all.merge(done.unwrap_or_else(|e| panic!("seed {seed}: a task failed: {e}")));
        }
        all
    })
    .await
    .unwrap_or_else(|_| panic!("seed {seed}: the race took longer than {RACE_BUDGET:?}"));
    let raced = started.elapsed();
    assert!(
        tally.unexpected.is_empty(),
        "seed {seed}: unexpected outcomes:\n{}\n{:#?}",
        tally.unexpected.join("\n"),
        tally.outcomes
    );
    let total: u64 = tally.outcomes.values().sum();
    assert!(total as usize >= REGIONS.len() * TASKS_PER_REGION * OPS_PER_TASK / 2);
    eprintln!(
        "stress (delay {delay:?}, seed {seed}) in {raced:?}: {:#?}",
        tally.outcomes
    );

    // After the race: drain and compare.
    settle(&tc).await;
    let mut views = Vec::new();
    for region in REGIONS {
        views.push((region, view(&tc.client(region), &set.id).await));
    }
    check_views(&views, 25, seed);
    let (materials, blobs) = {
        let p = pool.lock().unwrap();
        (p.materials.clone(), p.blobs.clone())
    };
    check_blobs(&tc, &set.id, &blobs, seed).await;

    // Bring every Region's imports up to date: then every Region is Enabled and every blob
    // decrypts everywhere.
    let by_id: BTreeMap<String, Vec<u8>> = materials
        .iter()
        .map(|m| (expected_material_id(&set.id, m), m.clone()))
        .collect();
    for region in REGIONS {
        let c = tc.client(region);
        for e in rotations(&c, &set.id).await {
            if e.import_state() == Some(&ImportState::PendingImport) {
                let mid = e.key_material_id().unwrap();
                let m = by_id
                    .get(mid)
                    .unwrap_or_else(|| panic!("seed {seed}: unknown material {mid}"));
                let r = import_as(&c, &set.id, m, Some(ImportType::ExistingKeyMaterial)).await;
                r.unwrap_or_else(|e| panic!("seed {seed}: re-import {mid} in {region}: {e:?}"));
            }
        }
    }
    settle(&tc).await;
    let mut views = Vec::new();
    for region in REGIONS {
        let v = view(&tc.client(region), &set.id).await;
        assert_eq!(v.state, KeyState::Enabled, "seed {seed}: {region}");
        assert!(v.imports.iter().all(|i| *i == ImportState::Imported));
        views.push((region, v));
    }
    check_views(&views, 25, seed);
    let ids = check_blobs(&tc, &set.id, &blobs, seed).await;
    // Every blob names a permanently associated material (B-3).
    let permanent: BTreeSet<_> = views[0]
        .1
        .shared
        .iter()
        .filter(|e| {
            matches!(
                e.1,
                KeyMaterialState::Current | KeyMaterialState::NonCurrent
            )
        })
        .map(|e| e.0.clone())
        .collect();
    for mid in ids {
        let mid = mid.expect("a KeyMaterialId");
        assert!(permanent.contains(&mid), "seed {seed}: blob under {mid}");
    }
    tc.stop().await;
    eprintln!("stress (delay {delay:?}) total {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_operations_on_one_key_converge_in_every_region() {
    stress(Fixture::in_process().await, Duration::ZERO).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_operations_converge_with_a_bus_delay() {
    stress(Fixture::in_process().await, Duration::from_millis(3)).await;
}

/// The same race against three Region processes replicating over NATS JetStream (issue 10).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_operations_converge_over_nats_with_a_process_per_region() {
    stress(Fixture::nats(false).await, Duration::ZERO).await;
}
