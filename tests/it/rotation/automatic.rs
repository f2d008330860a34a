//! Automatic rotation on the simulated clock (K-2, K-4, M-5): it fires when due, catches up
//! missed periods, and pauses while the key is pending deletion.

use aws_sdk_kms::types::{KeyMaterialState, RotationType};

use super::*;
use crate::common::*;

/// K-2/M-5 with the clock: a due automatic rotation switches the material, is listed as
/// AUTOMATIC at the scheduled date, and the next date moves on by one period.
#[tokio::test]
async fn k2_automatic_rotation_fires_when_the_period_elapses() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let old = current_material(&c, &id).await;
    let old_blob = encrypt(&c, &id, b"before auto").await;
    enable_rotation(&c, &id, 90).await;
    let scheduled = secs(
        rotation_status(&c, &id)
            .await
            .next_rotation_date()
            .expect("NextRotationDate"),
    );

    // Not yet due after 89 days.
    tc.advance(89.0 * DAY).await;
    assert_eq!(current_material(&c, &id).await, old);
    assert!(list_rotations(&c, &id, None).await.is_empty());

    tc.advance(2.0 * DAY).await;
    let new = current_material(&c, &id).await;
    assert_ne!(new, old);

    let rot = list_rotations(&c, &id, None).await;
    assert_eq!(rot.len(), 1);
    assert_eq!(rot[0].key_id(), Some(id.as_str()));
    assert_eq!(rot[0].key_material_id(), Some(new.as_str()));
    assert_eq!(
        rot[0].key_material_state(),
        Some(&KeyMaterialState::Current)
    );
    assert_eq!(rot[0].rotation_type(), Some(&RotationType::Automatic));
    let d = secs(rot[0].rotation_date().expect("RotationDate"));
    assert!(
        (d - scheduled).abs() < 1.0,
        "RotationDate {d} vs scheduled {scheduled}"
    );

    let status = rotation_status(&c, &id).await;
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(90));
    let next = secs(status.next_rotation_date().expect("NextRotationDate"));
    assert!((next - (scheduled + 90.0 * DAY)).abs() < 1.0, "{next}");

    // Old ciphertext still decrypts with the old material; new ciphertext uses the new one.
    let dec = c.decrypt().ciphertext_blob(old_blob).send().await.unwrap();
    assert_eq!(dec.key_material_id(), Some(old.as_str()));
    let dec = c
        .decrypt()
        .ciphertext_blob(encrypt(&c, &id, b"after auto").await)
        .send()
        .await
        .unwrap();
    assert_eq!(dec.key_material_id(), Some(new.as_str()));
    tc.stop().await;
}

/// K-2 with the clock: a jump over several periods runs every missed rotation, each at its
/// scheduled date.
#[tokio::test]
async fn k2_automatic_rotation_catches_up_every_missed_period() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    enable_rotation(&c, &id, 90).await;
    let first = secs(
        rotation_status(&c, &id)
            .await
            .next_rotation_date()
            .expect("NextRotationDate"),
    );
    tc.advance(200.0 * DAY).await;
    let rot = list_rotations(&c, &id, None).await;
    assert_eq!(rot.len(), 2, "{rot:?}");
    for (i, e) in rot.iter().enumerate() {
        assert_eq!(e.rotation_type(), Some(&RotationType::Automatic), "{i}");
        let d = secs(e.rotation_date().expect("RotationDate"));
        let want = first + i as f64 * 90.0 * DAY;
        assert!((d - want).abs() < 1.0, "rotation {i}: {d} vs {want}");
    }
    assert_eq!(
        rot[1].key_material_id(),
        Some(current_material(&c, &id).await.as_str())
    );
    let next = secs(
        rotation_status(&c, &id)
            .await
            .next_rotation_date()
            .expect("NextRotationDate"),
    );
    assert!((next - (first + 180.0 * DAY)).abs() < 1.0, "{next}");
    tc.stop().await;
}

/// K-4: no automatic rotation while pending deletion; after CancelKeyDeletion the previous
/// rotation setting is reported again (AWS: "the previous key rotation status is restored").
#[tokio::test]
async fn k4_rotation_setting_survives_a_cancelled_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    enable_rotation(&c, &id, 90).await;
    tc.advance(80.0 * DAY).await;
    schedule_deletion(&c, &id, 30).await;
    // Day 100: the rotation date (day 90) passed while pending deletion.
    tc.advance(20.0 * DAY).await;
    assert!(list_rotations(&c, &id, None).await.is_empty());
    c.cancel_key_deletion().key_id(&id).send().await.unwrap();
    let out = rotation_status(&c, &id).await;
    assert!(out.key_rotation_enabled());
    assert_eq!(out.rotation_period_in_days(), Some(90));
    tc.stop().await;
}
