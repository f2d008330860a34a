//! Automatic rotation settings (K-1 … K-4): GetKeyRotationStatus, EnableKeyRotation with its
//! period, DisableKeyRotation, and which origins and states allow them.

use super::*;
use crate::common::*;

/// K-2: rotation is off by default, and the answer has only KeyId (the ARN) and
/// KeyRotationEnabled.
#[tokio::test]
async fn k2_get_key_rotation_status_default_is_false() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.rotation_period_in_days(), None);
    assert_eq!(out.next_rotation_date(), None);
    assert_eq!(out.on_demand_rotation_start_date(), None);

    let (status, body) = raw_op(
        &tc,
        REGION,
        "GetKeyRotationStatus",
        serde_json::json!({ "KeyId": arn }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(members(&body), ["KeyId", "KeyRotationEnabled"], "{body}");
    assert_eq!(body["KeyId"], serde_json::json!(arn));
    assert_eq!(body["KeyRotationEnabled"], serde_json::json!(false));
    tc.stop().await;
}

/// K-2/§3.12: EnableKeyRotation defaults to a 365-day period; NextRotationDate = now + period.
#[tokio::test]
async fn k2_enable_key_rotation_default_period_is_365_days() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    let before = wall_secs();
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    let after = wall_secs();
    let out = rotation_status(&c, &arn).await;
    assert!(out.key_rotation_enabled());
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.rotation_period_in_days(), Some(365));
    let next = secs(out.next_rotation_date().expect("NextRotationDate"));
    assert!(
        next >= before + 365.0 * DAY - 2.0 && next <= after + 365.0 * DAY + 2.0,
        "NextRotationDate {next} not ≈ now + 365 days ({before}..{after})"
    );
    assert_eq!(out.on_demand_rotation_start_date(), None);
    tc.stop().await;
}

/// §3.12: RotationPeriodInDays 90..2560 are accepted and reported.
#[tokio::test]
async fn k2_enable_key_rotation_with_custom_period() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    for period in [90, 180, 2560] {
        let before = wall_secs();
        c.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(period)
            .send()
            .await
            .unwrap_or_else(|e| panic!("period {period}: {e:?}"));
        let out = rotation_status(&c, &id).await;
        assert!(out.key_rotation_enabled(), "{period}");
        assert_eq!(out.rotation_period_in_days(), Some(period));
        let next = secs(out.next_rotation_date().expect("NextRotationDate"));
        let want = before + period as f64 * DAY;
        assert!((next - want).abs() < 5.0, "{period}: {next} vs {want}");
    }
    tc.stop().await;
}

/// W-35/§3.12: a period outside 90..2560 is a ValidationException.
#[tokio::test]
async fn k2_rotation_period_out_of_range_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    let (code, msg) = err_code(
        c.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(89)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90")
    );
    let (code, msg) = err_code(
        c.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(2561)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560")
    );
    // Nothing was enabled.
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    tc.stop().await;
}

/// K-2: DisableKeyRotation turns it off again; the status drops period and date.
#[tokio::test]
async fn k2_disable_key_rotation() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    c.disable_key_rotation().key_id(&arn).send().await.unwrap();
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    assert_eq!(out.rotation_period_in_days(), None);
    assert_eq!(out.next_rotation_date(), None);
    // Disabling twice is fine.
    c.disable_key_rotation().key_id(&id).send().await.unwrap();
    tc.stop().await;
}

/// K-1: automatic rotation is not for EXTERNAL keys (origin checked before state).
#[tokio::test]
async fn k1_enable_and_disable_key_rotation_on_external_key_are_unsupported() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = external_key(&c).await;
    let want = format!("{arn} origin is EXTERNAL which is not valid for this operation.");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "EnableKeyRotation");
    let (code, msg) = err_code(
        c.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(90)
            .send()
            .await,
    );
    assert_eq!(
        code, "UnsupportedOperationException",
        "EnableKeyRotation 90"
    );
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "UnsupportedOperationException", "DisableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "DisableKeyRotation");
    tc.stop().await;
}

/// K-3 [CHOICE]: GetKeyRotationStatus on an EXTERNAL symmetric key reports false.
#[tokio::test]
async fn k3_get_key_rotation_status_on_external_key_is_false() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = external_key(&c).await;
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.rotation_period_in_days(), None);
    assert_eq!(out.next_rotation_date(), None);
    tc.stop().await;
}

/// K-4: Enable/DisableKeyRotation on a Disabled key → DisabledException.
#[tokio::test]
async fn k4_enable_and_disable_key_rotation_on_disabled_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let want = format!("{arn} is disabled.");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "DisabledException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "EnableKeyRotation");
    let (code, msg) = err_code(c.disable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "DisabledException", "DisableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "DisableKeyRotation");
    // GetKeyRotationStatus works on a Disabled key (K-4).
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    tc.stop().await;
}

/// K-4: GetKeyRotationStatus reports false while the key is pending deletion, and
/// Enable/DisableKeyRotation are refused with "is pending deletion.".
#[tokio::test]
async fn k4_get_key_rotation_status_reports_false_while_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    schedule_deletion(&c, &id, 7).await;
    let out = rotation_status(&c, &id).await;
    assert!(!out.key_rotation_enabled());
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.rotation_period_in_days(), None);
    assert_eq!(out.next_rotation_date(), None);

    let want = format!("{arn} is pending deletion.");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException", "DisableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    tc.stop().await;
}
