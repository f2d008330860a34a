//! ScheduleKeyDeletion / CancelKeyDeletion and the deletion window on the simulated clock
//! (contract §3.15, X-1 … X-8, S-10 … S-13).

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::KeyState;

use crate::common::*;

#[tokio::test]
async fn schedule_rejects_window_outside_7_to_30_x1() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(6)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7")
    );
    let (code, msg) = err_code(
        c.schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(31)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30")
    );
    // Nothing was scheduled.
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    // Both ends of the range work.
    let a = new_key(&c).await;
    let b = new_key(&c).await;
    for (k, w) in [(&a, 7), (&b, 30)] {
        let out = c
            .schedule_key_deletion()
            .key_id(k)
            .pending_window_in_days(w)
            .send()
            .await
            .unwrap();
        assert_eq!(out.pending_window_in_days(), Some(w));
    }
    tc.stop().await;
}

#[tokio::test]
async fn schedule_allowed_from_enabled_disabled_and_pending_import_x2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let enabled = new_key(&c).await;
    let disabled = new_key(&c).await;
    c.disable_key().key_id(&disabled).send().await.unwrap();
    let pending_import = external_key(&c).await.0;
    for id in [&enabled, &disabled, &pending_import] {
        let out = schedule_deletion(&c, id, 7).await;
        assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion), "{id}");
        assert_eq!(key_state(&c, id).await, KeyState::PendingDeletion);
    }
    tc.stop().await;
}

#[tokio::test]
async fn schedule_twice_is_pending_deletion_error_x2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let first = schedule_deletion(&c, &id, 10).await;
    let (code, msg) = err_code(
        c.schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(7)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("{} is pending deletion.", arn("us-east-1", &id))
    );
    // The original schedule stands.
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        d.key_metadata().unwrap().deletion_date(),
        first.deletion_date()
    );
    tc.stop().await;
}

#[tokio::test]
async fn schedule_sets_pending_deletion_and_deletion_date_x3() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let before = sim_now(&tc).await;
    let out = schedule_deletion(&c, &id, 9).await;
    let after = sim_now(&tc).await;
    // W-45: the response names the key by ARN.
    assert_eq!(out.key_id(), Some(arn("us-east-1", &id).as_str()));
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(out.pending_window_in_days(), Some(9));
    let date = out.deletion_date().expect("DeletionDate").as_secs_f64();
    assert!(
        date >= before + 9.0 * DAY - 0.002 && date <= after + 9.0 * DAY + 0.002,
        "{before} + 9d <= {date} <= {after} + 9d"
    );
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    let md = d.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion));
    assert!(!md.enabled());
    assert_eq!(md.deletion_date(), out.deletion_date());
    // C-20: PendingDeletionWindowInDays only for PendingReplicaDeletion.
    assert_eq!(md.pending_deletion_window_in_days(), None);
    tc.stop().await;
}

#[tokio::test]
async fn schedule_defaults_to_a_30_day_window_x3() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let before = sim_now(&tc).await;
    let out = c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let after = sim_now(&tc).await;
    assert_eq!(out.pending_window_in_days(), Some(30));
    let date = out.deletion_date().unwrap().as_secs_f64();
    assert!(
        date >= before + 30.0 * DAY - 0.002 && date <= after + 30.0 * DAY + 0.002,
        "{date}"
    );
    tc.stop().await;
}

#[tokio::test]
async fn key_pending_deletion_refuses_crypto_x3() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let enc = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"before".to_vec()))
        .send()
        .await
        .unwrap();
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let want = format!("{} is pending deletion.", arn("us-east-1", &id));
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(
        c.decrypt()
            .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn cancel_deletion_returns_key_to_disabled_x5() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let out = c
        .cancel_key_deletion()
        .key_id(arn("us-east-1", &id))
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(arn("us-east-1", &id).as_str()));
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    let md = d.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::Disabled));
    assert!(!md.enabled());
    assert_eq!(md.deletion_date(), None);
    // The key survives its old window and can be enabled again.
    tc.advance(31.0 * DAY).await;
    c.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn cancel_on_key_not_pending_deletion_is_refused_x5() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let enabled = new_key(&c).await;
    let disabled = new_key(&c).await;
    c.disable_key().key_id(&disabled).send().await.unwrap();
    for id in [&enabled, &disabled] {
        let (code, msg) = err_code(c.cancel_key_deletion().key_id(id).send().await);
        assert_eq!(code, "KMSInvalidStateException");
        assert_eq!(
            msg.unwrap(),
            format!("{} is not pending deletion.", arn("us-east-1", id))
        );
    }
    // Cancelling twice: the second one is refused.
    c.schedule_key_deletion()
        .key_id(&enabled)
        .send()
        .await
        .unwrap();
    c.cancel_key_deletion()
        .key_id(&enabled)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(c.cancel_key_deletion().key_id(&enabled).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("{} is not pending deletion.", arn("us-east-1", &enabled))
    );
    tc.stop().await;
}

#[tokio::test]
async fn key_is_removed_when_the_window_ends_x6() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let doomed = new_key(&c).await;
    let kept = new_key(&c).await;
    schedule_deletion(&c, &doomed, 7).await;
    // One day short of the window: still there, still pending deletion.
    tc.advance(6.0 * DAY).await;
    assert_eq!(key_state(&c, &doomed).await, KeyState::PendingDeletion);
    assert_eq!(listed_ids(&c).await, [doomed.as_str(), kept.as_str()]);
    // Past the window: gone.
    tc.advance(DAY + 1.0).await;
    let (code, msg) = err_code(c.describe_key().key_id(&doomed).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", &doomed))
    );
    assert_eq!(listed_ids(&c).await, [kept.as_str()]);
    let (code, _) = err_code(c.cancel_key_deletion().key_id(&doomed).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(key_state(&c, &kept).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn removal_is_seen_by_list_keys_without_touching_the_key_x6() {
    // The clock advance sweeps every Region, so ListKeys alone (no lookup of the key) no
    // longer lists it.
    let tc = TestCluster::start().await;
    let c = tc.client("eu-west-1");
    let doomed = new_key(&c).await;
    schedule_deletion(&c, &doomed, 30).await;
    tc.advance(30.0 * DAY + 1.0).await;
    assert!(listed_ids(&c).await.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn multi_region_primary_without_replicas_goes_pending_deletion_x3_x4() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = c
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let out = schedule_deletion(&c, &id, 7).await;
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    assert!(out.deletion_date().is_some());
    assert_eq!(out.pending_window_in_days(), Some(7));
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    let md = d.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(md.deletion_date(), out.deletion_date());
    assert_eq!(md.pending_deletion_window_in_days(), None);
    tc.advance(7.0 * DAY + 1.0).await;
    let (code, _) = err_code(c.describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn cancel_deletion_of_external_key_without_material_is_pending_import_x8() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = external_key(&c).await.0;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(key_state(&c, &id).await, KeyState::PendingDeletion);
    c.cancel_key_deletion().key_id(&id).send().await.unwrap();
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    let md = d.key_metadata().unwrap();
    assert_eq!(md.key_state(), Some(&KeyState::PendingImport));
    assert!(!md.enabled());
    assert_eq!(md.current_key_material_id(), None);
    tc.stop().await;
}
