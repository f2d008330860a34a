//! Convergence: duplicated and re-ordered delivery end where normal delivery ends (§4.5).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_kms::types::{ImportState, KeyMaterialState, KeyState, MultiRegionKeyType, OriginType};
use aws_sdk_kms::Client;

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

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
    let release = || async {
        if mode == Delivery::Reordered {
            bus.reverse_queue();
            bus.drain().await.expect("drain");
            bus.set_delay(Duration::ZERO);
        }
        bus.drain().await.expect("drain");
    };
    // Phase 1: a set over three Regions; m2 rotated in, m1 NON_CURRENT.
    let id = mrk(&a, OriginType::External).await;
    let names: BTreeMap<String, String> = materials
        .iter()
        .enumerate()
        .map(|(i, m)| (expected_material_id(&id, m), format!("m{}", i + 1)))
        .collect();
    import_material(&a, &id, m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    for (r, client) in [(B, &b), (C, &c)] {
        replicate(&a, &id, r).await;
        import_material(client, &id, m1, OAEP_256, RSA_2048, None)
            .await
            .unwrap();
    }
    import_new(&a, &id, m2).await;
    import_existing(&b, &id, m2).await;
    import_existing(&c, &id, m2).await;
    rotate(&a, &id).await;
    // Phase 2: independent changes in every Region.
    hold();
    let id1 = expected_material_id(&id, m1);
    let id3 = import_new(&a, &id, m3).await;
    delete_material(&b, &id, Some(&id1)).await;
    delete_material(&c, &id, None).await;
    delete_material(&a, &id, Some(&id3)).await;
    import_new(&a, &id, m4).await;
    import_existing(&b, &id, m1).await;
    release().await;
    let mut after_phase2 = Vec::new();
    for r in REGIONS {
        after_phase2.push(region_view(&tc.client(r), &id, &names).await);
    }
    // Phase 3: the replicas catch up; rotate; C becomes the primary.
    hold();
    import_existing(&b, &id, m4).await;
    import_existing(&c, &id, m4).await;
    import_existing(&c, &id, m2).await;
    release().await;
    hold();
    rotate(&a, &id).await;
    update_primary(&a, &id, C).await;
    release().await;
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
