//! Deleting keys of a set (X-4 … X-7): the primary waits for every replica, and a deleted
//! replica leaves the set so its Region can be replicated to again.

use aws_sdk_kms::types::{ImportState, KeyMaterialState, KeyState};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn x4_primary_waits_for_every_replica_to_be_deleted() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let out = schedule_deletion(&a, &set.id, 7).await;
    assert_eq!(out.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(out.deletion_date().is_none());
    assert_eq!(out.pending_window_in_days(), Some(7));
    schedule_deletion(&b, &set.id, 7).await;
    schedule_deletion(&c, &set.id, 10).await;
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
    rotate(&a, &set.id).await;
    let blob = encrypt(&a, &set.id, b"kept").await;
    let out = schedule_deletion(&b, &set.id, 7).await;
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion), "X-3");
    assert!(out.deletion_date().is_some());
    // "in any state" — still listed while only scheduled.
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
