//! DeleteImportedKeyMaterial in a set (D-6, D-7): the primary removes pending material
//! everywhere, a replica only its own copy.

use aws_sdk_kms::types::{ImportState, ImportType, KeyMaterialState, KeyState};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn d6_primary_deleting_pending_material_removes_it_everywhere() {
    let tc = TestCluster::start().await;
    let (a, b, c) = (tc.client(A), tc.client(B), tc.client(C));
    let set = byok_set(&tc, &[B, C]).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    import_existing(&b, &set.id, &m2).await;
    let out = delete_material(&a, &set.id, Some(&id2)).await;
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
    delete_material(&b, &set.id, Some(&id2)).await;
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
    rotate(&a, &set.id).await;
    // B deletes its NON_CURRENT m1.
    delete_material(&b, &set.id, Some(&set.id1)).await;
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
