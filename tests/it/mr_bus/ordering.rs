//! Events in flight while the set changes: Updating until the new primary answers (U-3), and
//! a snapshot that overtakes its CreateReplica.

use std::time::Duration;

use aws_sdk_kms::types::{ImportState, KeyMaterialState, KeyState, MultiRegionKeyType};

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn old_primary_shows_updating_until_the_new_primary_answers() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let bus = &tc.cluster.state.bus;
    let set = byok_set(&tc, &[B]).await;
    let blob = encrypt(&a, &set.id, b"before").await;
    // Parameters for an import while Updating (GetParametersForImport itself is refused then).
    let params = get_params(&a, &set.id, OAEP_256, RSA_2048).await;
    bus.cut(B);
    update_primary(&a, &set.id, B).await;
    let md = describe(&a, &set.id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Updating));
    assert!(!md.enabled());
    // U-3: crypto and ImportKeyMaterial work while Updating.
    let again = encrypt(&a, &set.id, b"while updating").await;
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
            OAEP_256,
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
            err_code(request_params(&a, &set.id, OAEP_256, RSA_2048).await),
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
    bus.drain().await.expect("drain");
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
    replicate(&a, &set.id, B).await;
    let m2 = random_material(32);
    let id2 = import_new(&a, &set.id, &m2).await;
    // The snapshot naming m2 now travels ahead of the CreateReplica.
    bus.reverse_queue();
    bus.drain().await.expect("drain");
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
    rotate(&a, &set.id).await;
    assert_eq!(
        describe(&b, &set.id).await.current_key_material_id(),
        Some(id2.as_str())
    );
    tc.stop().await;
}
