//! Multi-Region keys over the replication bus: scenario T3 (contract §9) step by step, on
//! both transports: the in-process cluster, and three Region processes over NATS JetStream
//! (issue 10). The steps are the same code; `sync` waits for replication, which the
//! in-process bus at rest has finished before a request answers.

use aws_sdk_kms::types::{ImportType, KeyMaterialState, KeyState, MultiRegionKeyType, OriginType};

use crate::common::mr::{mrk, A, B};
use crate::common::*;
use crate::wrap::{
    import_as, import_material, import_new, import_with, random_material, OAEP_256, RSA_2048,
};

#[tokio::test]
async fn scenario_t3_multi_region_byok_with_rotation() {
    let fx = Fixture::in_process().await;
    t3(&fx).await;
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_t3_over_nats_with_a_process_per_region() {
    let fx = Fixture::nats(false).await;
    t3(&fx).await;
    fx.stop().await;
}

async fn t3(tc: &Fixture) {
    let (a, b) = (tc.client(A), tc.client(B));
    // 1. An EXTERNAL multi-Region primary.
    let id = mrk(&a, OriginType::External).await;
    assert!(id.starts_with("mrk-"));
    // 2. It cannot be replicated before it holds material.
    let (code, msg) = err_code(a.replicate_key().key_id(&id).replica_region(B).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{} is pending import.", arn(A, &id)));
    // 3. Import m1 into A.
    let m1 = random_material(32);
    let id1 = import_material(&a, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap()
        .key_material_id()
        .unwrap()
        .to_string();
    assert_eq!(key_state(&a, &id).await, KeyState::Enabled);
    // 4. Replicate to B: Creating in the response, PendingImport in B, listed everywhere.
    let rep = a
        .replicate_key()
        .key_id(&id)
        .replica_region(B)
        .send()
        .await
        .unwrap();
    tc.sync().await;
    let rmd = rep.replica_key_metadata().unwrap();
    assert_eq!(rmd.key_state(), Some(&KeyState::Creating));
    assert_eq!(rmd.arn().unwrap(), arn(B, &id));
    let cfg = rmd.multi_region_configuration().unwrap();
    assert_eq!(
        cfg.multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );
    assert!(cfg.replica_keys().iter().any(|r| r.region() == Some(B)));
    let bmd = b.describe_key().key_id(&id).send().await.unwrap();
    let bmd = bmd.key_metadata().unwrap();
    assert_eq!(bmd.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(
        bmd.multi_region_configuration()
            .unwrap()
            .multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );
    let amd = a.describe_key().key_id(&id).send().await.unwrap();
    let acfg = amd
        .key_metadata()
        .unwrap()
        .multi_region_configuration()
        .unwrap();
    assert_eq!(
        acfg.replica_keys().len(),
        1,
        "C-22: the primary lists the replica"
    );
    // 5. B refuses other material, takes m1 without ImportType (I-30), same id.
    let (code, _) =
        err_code(import_material(&b, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    let got = import_material(&b, &id, &m1, OAEP_256, RSA_2048, None)
        .await
        .unwrap();
    assert_eq!(got.key_material_id(), Some(id1.as_str()));
    assert_eq!(key_state(&b, &id).await, KeyState::Enabled);
    // 6. Encrypt in A, decrypt in B with and without KeyId; B's ARN answers (E-6).
    let blob = encrypt(&a, &id, b"across regions").await;
    for key_id in [None, Some(id.clone()), Some(arn(B, &id))] {
        let out = b
            .decrypt()
            .ciphertext_blob(blob.clone())
            .set_key_id(key_id)
            .send()
            .await
            .unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref(), b"across regions");
        assert_eq!(out.key_id().unwrap(), arn(B, &id));
    }
    // 7. New material m3 into A: pending everywhere; rotation refused; B refuses NEW.
    let m3 = random_material(32);
    let id3 = import_new(&a, &id, &m3).await;
    tc.sync().await;
    assert_eq!(
        material_state(&a, &id, &id3).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    assert_eq!(
        material_state(&b, &id, &id3).await,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    let (code, _) = err_code(a.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    let (code, _) = err_code(import_as(&b, &id, &m3, Some(ImportType::NewKeyMaterial)).await);
    assert_eq!(code, "UnsupportedOperationException");
    // 8. B imports m3 as EXISTING with its id: PENDING_ROTATION in both.
    import_with(&b, &id, &m3, OAEP_256, RSA_2048, |r| {
        r.import_type(ImportType::ExistingKeyMaterial)
            .key_material_id(&id3)
            .expiration_model(aws_sdk_kms::types::ExpirationModelType::KeyMaterialDoesNotExpire)
    })
    .await
    .unwrap();
    tc.sync().await;
    assert_eq!(
        material_state(&a, &id, &id3).await,
        KeyMaterialState::PendingRotation
    );
    assert_eq!(
        material_state(&b, &id, &id3).await,
        KeyMaterialState::PendingRotation
    );
    // 9. B cannot rotate; A can; id3 is current everywhere, id1 NON_CURRENT.
    let (code, _) = err_code(b.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException");
    rotate(&a, &id).await;
    tc.sync().await;
    assert_eq!(
        current_material_id(&a, &id).await.as_deref(),
        Some(id3.as_str())
    );
    assert_eq!(
        current_material_id(&b, &id).await.as_deref(),
        Some(id3.as_str())
    );
    assert_eq!(
        material_state(&b, &id, &id1).await,
        KeyMaterialState::NonCurrent
    );
    // 10. B deletes its current material: only B goes PendingImport.
    delete_material(&b, &id, None).await;
    tc.sync().await;
    assert_eq!(key_state(&b, &id).await, KeyState::PendingImport);
    assert_eq!(key_state(&a, &id).await, KeyState::Enabled);
    a.decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(b.decrypt().ciphertext_blob(blob.clone()).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{} is pending import.", arn(B, &id)));
    // 11. Deleting the set: the primary waits for its replica.
    let out = schedule_deletion(&a, &id, 7).await;
    assert_eq!(out.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(out.deletion_date().is_none());
    schedule_deletion(&b, &id, 7).await;
    tc.sync().await;
    tc.advance(7.0 * 86400.0 + 1.0).await;
    tc.sync().await;
    let md = a.describe_key().key_id(&id).send().await.unwrap();
    let md = md.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion));
    assert!(md.deletion_date().is_some());
    assert!(md
        .multi_region_configuration()
        .unwrap()
        .replica_keys()
        .is_empty());
    let (code, _) = err_code(b.describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
}
