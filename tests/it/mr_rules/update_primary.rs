//! UpdatePrimaryRegion (U-1 … U-4): who may call it, both keys Enabled, the roles swapped in
//! every Region, and what only the new primary may do afterwards.

use aws_sdk_kms::types::{ImportType, KeyMaterialState, KeyState, MultiRegionKeyType, OriginType};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

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
    let single = new_key(&a).await;
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
    import_material(&b, &set.id, &set.m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    delete_material(&a, &set.id, None).await;
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
    schedule_deletion(&b, &id, 7).await;
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
    update_primary(&a, &set.id, B).await;
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
    update_primary(&b, &set.id, A).await;
    assert_eq!(mr_view(&describe(&tc.client(C), &set.id).await).1 .0, A);
    assert_eq!(key_state(&b, &set.id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn u4_after_the_swap_only_the_new_primary_takes_new_material_and_rotates() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    update_primary(&a, &set.id, B).await;
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
    rotate(&b, &set.id).await;
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
