//! Rotation of AWS_KMS symmetric keys: GetKeyRotationStatus, Enable/DisableKeyRotation,
//! RotateKeyOnDemand and ListKeyRotations (contract §3.10 – §3.12, K-*, O-*, L-*), plus
//! automatic rotation driven by the simulated clock.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    IncludeKeyMaterial, KeyMaterialState, OriginType, RotationType, RotationsListEntry,
};
use aws_sdk_kms::Client;

use crate::common::*;

const REGION: &str = "us-east-1";
const DAY: f64 = 86_400.0;

/// Creates a symmetric key with `origin`; returns (bare id, ARN).
async fn new_key_with(client: &Client, origin: OriginType) -> (String, String) {
    let out = client
        .create_key()
        .origin(origin)
        .send()
        .await
        .expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

async fn new_key(client: &Client) -> (String, String) {
    new_key_with(client, OriginType::AwsKms).await
}

async fn current_material(client: &Client, id: &str) -> String {
    client
        .describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .current_key_material_id()
        .expect("CurrentKeyMaterialId")
        .to_string()
}

async fn encrypt(client: &Client, id: &str, plaintext: &[u8]) -> Blob {
    client
        .encrypt()
        .key_id(id)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

async fn list_rotations(
    client: &Client,
    id: &str,
    include: Option<IncludeKeyMaterial>,
) -> Vec<RotationsListEntry> {
    let out = client
        .list_key_rotations()
        .key_id(id)
        .set_include_key_material(include)
        .send()
        .await
        .expect("ListKeyRotations");
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    out.rotations().to_vec()
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

fn secs(t: &aws_sdk_kms::primitives::DateTime) -> f64 {
    t.as_secs_f64()
}

/// The sorted member names of a JSON object.
fn members(v: &serde_json::Value) -> Vec<String> {
    let mut m: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {v}"))
        .keys()
        .cloned()
        .collect();
    m.sort_unstable();
    m
}

/// A raw, unsigned request to the Region's own port.
async fn raw_op(tc: &TestCluster, op: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let (status, _, json) = tc
        .raw(
            &tc.region_url(REGION),
            Some(&format!("TrentService.{op}")),
            Some("application/x-amz-json-1.1"),
            body.to_string(),
        )
        .await;
    (status, json)
}

/// K-2: rotation is off by default, and the answer has only KeyId (the ARN) and
/// KeyRotationEnabled.
#[tokio::test]
async fn k2_get_key_rotation_status_default_is_false() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!out.key_rotation_enabled());
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.rotation_period_in_days(), None);
    assert_eq!(out.next_rotation_date(), None);
    assert_eq!(out.on_demand_rotation_start_date(), None);

    let (status, body) = raw_op(
        &tc,
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
    let (id, arn) = new_key(&c).await;
    let before = now_secs();
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    let after = now_secs();
    let out = c
        .get_key_rotation_status()
        .key_id(&arn)
        .send()
        .await
        .unwrap();
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
    let (id, _) = new_key(&c).await;
    for period in [90, 180, 2560] {
        let before = now_secs();
        c.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(period)
            .send()
            .await
            .unwrap_or_else(|e| panic!("period {period}: {e:?}"));
        let out = c
            .get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap();
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
    let (id, _) = new_key(&c).await;
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
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!out.key_rotation_enabled());
    tc.stop().await;
}

/// K-2: DisableKeyRotation turns it off again; the status drops period and date.
#[tokio::test]
async fn k2_disable_key_rotation() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    c.disable_key_rotation().key_id(&arn).send().await.unwrap();
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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
    let (id, arn) = new_key_with(&c, OriginType::External).await;
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
    let (id, arn) = new_key_with(&c, OriginType::External).await;
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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
    let (id, arn) = new_key(&c).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let want = format!("{arn} is disabled.");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "DisabledException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "EnableKeyRotation");
    let (code, msg) = err_code(c.disable_key_rotation().key_id(&id).send().await);
    assert_eq!(code, "DisabledException", "DisableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "DisableKeyRotation");
    // GetKeyRotationStatus works on a Disabled key (K-4).
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!out.key_rotation_enabled());
    tc.stop().await;
}

/// K-4: GetKeyRotationStatus reports false while the key is pending deletion, and
/// Enable/DisableKeyRotation are refused with "is pending deletion.".
#[tokio::test]
async fn k4_get_key_rotation_status_reports_false_while_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    c.enable_key_rotation().key_id(&id).send().await.unwrap();
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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

/// O-9/E-5/B-6: RotateKeyOnDemand returns the ARN and switches CurrentKeyMaterialId; old
/// ciphertext still decrypts with the old material, new ciphertext carries the new one.
#[tokio::test]
async fn o9_rotate_key_on_demand_switches_current_material() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    let old = current_material(&c, &id).await;
    let old_blob = encrypt(&c, &id, b"before").await;

    let out = c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));

    let new = current_material(&c, &id).await;
    assert_ne!(new, old);
    assert_eq!(new.len(), 64);
    assert!(new
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    let dec = c.decrypt().ciphertext_blob(old_blob).send().await.unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"before");
    assert_eq!(dec.key_material_id(), Some(old.as_str()));

    let new_blob = encrypt(&c, &id, b"after").await;
    let dec = c.decrypt().ciphertext_blob(new_blob).send().await.unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"after");
    assert_eq!(dec.key_material_id(), Some(new.as_str()));

    let dk = c
        .generate_data_key()
        .key_id(&id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_eq!(dk.key_material_id(), Some(new.as_str()));

    // The key ARN is accepted as well.
    c.rotate_key_on_demand().key_id(&arn).send().await.unwrap();
    assert_ne!(current_material(&c, &id).await, new);
    tc.stop().await;
}

/// O-2: a Disabled key → DisabledException.
#[tokio::test]
async fn o2_rotate_key_on_demand_on_disabled_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    let before = current_material(&c, &id).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "DisabledException");
    assert_eq!(msg, Some(format!("{arn} is disabled.")));
    assert_eq!(current_material(&c, &id).await, before);
    tc.stop().await;
}

/// O-2: an EXTERNAL key in PendingImport → KMSInvalidStateException "is pending import.".
#[tokio::test]
async fn o2_rotate_key_on_demand_on_pending_import_key() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key_with(&c, OriginType::External).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg, Some(format!("{arn} is pending import.")));
    tc.stop().await;
}

/// O-7: the configured limit (3 here) of on-demand rotations per key.
#[tokio::test]
async fn o7_on_demand_rotation_limit() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 3").await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    for i in 1..=3 {
        c.rotate_key_on_demand()
            .key_id(&id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e:?}"));
    }
    let current = current_material(&c, &id).await;
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg,
        Some(format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {arn}"
        ))
    );
    // The refused rotation changed nothing.
    assert_eq!(current_material(&c, &id).await, current);
    assert_eq!(list_rotations(&c, &id, None).await.len(), 3);
    // The limit is per key: another key still rotates.
    let (other, _) = new_key(&c).await;
    c.rotate_key_on_demand()
        .key_id(&other)
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

/// O-7: the default limit is 25.
#[tokio::test]
async fn o7_default_on_demand_rotation_limit_is_25() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    for i in 1..=25 {
        c.rotate_key_on_demand()
            .key_id(&id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("rotation {i}: {e:?}"));
    }
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    assert_eq!(
        msg,
        Some(format!(
            "The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {arn}"
        ))
    );
    tc.stop().await;
}

/// O-7/M-14: only ON_DEMAND rotations count toward the limit; automatic ones do not.
#[tokio::test]
async fn o7_automatic_rotations_do_not_count_toward_the_limit() {
    let tc = TestCluster::start_with("[limits]\non_demand_rotations = 1").await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    c.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    tc.advance(91.0 * DAY).await;
    let rotations = list_rotations(&c, &id, None).await;
    assert_eq!(rotations.len(), 1);
    assert_eq!(rotations[0].rotation_type(), Some(&RotationType::Automatic));
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let (code, _) = err_code(c.rotate_key_on_demand().key_id(&id).send().await);
    assert_eq!(code, "LimitExceededException");
    tc.stop().await;
}

/// O-11: on-demand rotation leaves the automatic schedule alone.
#[tokio::test]
async fn o11_on_demand_rotation_does_not_change_next_rotation_date() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    c.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(100)
        .send()
        .await
        .unwrap();
    let before = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let after = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(after.key_rotation_enabled());
    assert_eq!(after.rotation_period_in_days(), Some(100));
    assert_eq!(after.next_rotation_date(), before.next_rotation_date());
    // O-10: the rotation completes within the request, so no start date is shown.
    assert_eq!(after.on_demand_rotation_start_date(), None);
    tc.stop().await;
}

/// L-2: a never-rotated key lists nothing by default, and its initial material as CURRENT
/// with ALL_KEY_MATERIAL (no rotation fields, no import fields for AWS_KMS keys: L-3).
#[tokio::test]
async fn l2_never_rotated_key_lists_nothing_or_only_current() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = new_key(&c).await;
    let material = current_material(&c, &id).await;
    assert!(list_rotations(&c, &id, None).await.is_empty());
    assert!(
        list_rotations(&c, &arn, Some(IncludeKeyMaterial::RotationsOnly))
            .await
            .is_empty()
    );
    let all = list_rotations(&c, &id, Some(IncludeKeyMaterial::AllKeyMaterial)).await;
    assert_eq!(all.len(), 1);
    let e = &all[0];
    assert_eq!(e.key_id(), Some(id.as_str()));
    assert_eq!(e.key_material_id(), Some(material.as_str()));
    assert_eq!(e.key_material_state(), Some(&KeyMaterialState::Current));
    assert_eq!(e.rotation_date(), None);
    assert_eq!(e.rotation_type(), None);
    assert_eq!(e.import_state(), None);
    assert_eq!(e.expiration_model(), None);

    let (status, body) = raw_op(
        &tc,
        "ListKeyRotations",
        serde_json::json!({ "KeyId": id, "IncludeKeyMaterial": "ALL_KEY_MATERIAL" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(members(&body), ["Rotations", "Truncated"], "{body}");
    assert_eq!(
        members(&body["Rotations"][0]),
        ["KeyId", "KeyMaterialId", "KeyMaterialState"],
        "{body}"
    );
    tc.stop().await;
}

/// L-3/W-52: after two rotations ROTATIONS_ONLY lists both, oldest first, each ON_DEMAND
/// with a RotationDate; KeyId is the bare id; no ImportState/ExpirationModel for AWS_KMS.
#[tokio::test]
async fn l3_rotations_only_lists_completed_rotations_oldest_first() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    let t0 = now_secs();
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let m1 = current_material(&c, &id).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let m2 = current_material(&c, &id).await;
    let t1 = now_secs();

    let rot = list_rotations(&c, &id, None).await;
    assert_eq!(rot.len(), 2);
    assert_eq!(rot[0].key_material_id(), Some(m1.as_str()));
    assert_eq!(rot[1].key_material_id(), Some(m2.as_str()));
    assert_eq!(
        rot[0].key_material_state(),
        Some(&KeyMaterialState::NonCurrent)
    );
    assert_eq!(
        rot[1].key_material_state(),
        Some(&KeyMaterialState::Current)
    );
    for e in &rot {
        assert_eq!(e.key_id(), Some(id.as_str()));
        assert_eq!(e.rotation_type(), Some(&RotationType::OnDemand));
        let d = secs(e.rotation_date().expect("RotationDate"));
        assert!(
            d >= t0 - 2.0 && d <= t1 + 2.0,
            "RotationDate {d} not in {t0}..{t1}"
        );
        assert_eq!(e.import_state(), None);
        assert_eq!(e.expiration_model(), None);
        assert_eq!(e.valid_to(), None);
        assert_eq!(e.key_material_description(), None);
    }
    assert!(secs(rot[0].rotation_date().unwrap()) <= secs(rot[1].rotation_date().unwrap()));

    let (status, body) = raw_op(&tc, "ListKeyRotations", serde_json::json!({ "KeyId": id })).await;
    assert_eq!(status, 200, "{body}");
    for e in body["Rotations"].as_array().expect("Rotations") {
        assert_eq!(
            members(e),
            [
                "KeyId",
                "KeyMaterialId",
                "KeyMaterialState",
                "RotationDate",
                "RotationType"
            ],
            "{body}"
        );
    }
    tc.stop().await;
}

/// L-2: ALL_KEY_MATERIAL adds the initial material: NON_CURRENT, NON_CURRENT, CURRENT.
#[tokio::test]
async fn l2_all_key_material_lists_every_material() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    let m0 = current_material(&c, &id).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let m1 = current_material(&c, &id).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let m2 = current_material(&c, &id).await;

    let all = list_rotations(&c, &id, Some(IncludeKeyMaterial::AllKeyMaterial)).await;
    let got: Vec<(Option<&str>, Option<&KeyMaterialState>)> = all
        .iter()
        .map(|e| (e.key_material_id(), e.key_material_state()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(m0.as_str()), Some(&KeyMaterialState::NonCurrent)),
            (Some(m1.as_str()), Some(&KeyMaterialState::NonCurrent)),
            (Some(m2.as_str()), Some(&KeyMaterialState::Current)),
        ]
    );
    // The initial material was never rotated in: no RotationDate/RotationType (L-3).
    assert_eq!(all[0].rotation_date(), None);
    assert_eq!(all[0].rotation_type(), None);
    assert_eq!(all[1].rotation_type(), Some(&RotationType::OnDemand));
    assert_eq!(all[2].rotation_type(), Some(&RotationType::OnDemand));
    for e in &all {
        assert_eq!(e.key_id(), Some(id.as_str()));
    }
    tc.stop().await;
}

/// W-50/W-51: ListKeyRotations pages with Limit and Marker.
#[tokio::test]
async fn w50_list_key_rotations_pages_with_limit_and_marker() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    c.rotate_key_on_demand().key_id(&id).send().await.unwrap();
    let all = list_rotations(&c, &id, Some(IncludeKeyMaterial::AllKeyMaterial)).await;
    assert_eq!(all.len(), 3);

    let mut paged = Vec::new();
    let mut marker: Option<String> = None;
    for page in 0..3 {
        let out = c
            .list_key_rotations()
            .key_id(&id)
            .include_key_material(IncludeKeyMaterial::AllKeyMaterial)
            .limit(1)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("page {page}: {e:?}"));
        assert_eq!(out.rotations().len(), 1, "page {page}");
        paged.extend(out.rotations().iter().cloned());
        if page < 2 {
            assert!(out.truncated(), "page {page}");
            marker = Some(out.next_marker().expect("NextMarker").to_string());
        } else {
            assert!(!out.truncated(), "last page");
            assert_eq!(out.next_marker(), None, "last page");
        }
    }
    assert_eq!(paged, all);

    // Limit 2 over ROTATIONS_ONLY: one full page, then nothing more.
    let out = c
        .list_key_rotations()
        .key_id(&id)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.rotations().len(), 2);
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);

    let (code, msg) = err_code(c.list_key_rotations().key_id(&id).limit(0).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let (code, msg) = err_code(c.list_key_rotations().key_id(&id).limit(1001).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
    );
    let (code, _) = err_code(
        c.list_key_rotations()
            .key_id(&id)
            .marker("not-a-marker-we-issued")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidMarkerException");
    tc.stop().await;
}

/// L-6: IncludeKeyMaterial outside the enum.
#[tokio::test]
async fn l6_bad_include_key_material_is_a_validation_error() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    let want = "1 validation error detected: Value 'BOGUS' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]";

    let (code, msg) = err_code(
        c.list_key_rotations()
            .key_id(&id)
            .include_key_material(IncludeKeyMaterial::from("BOGUS"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(want));

    let (status, body) = raw_op(
        &tc,
        "ListKeyRotations",
        serde_json::json!({ "KeyId": id, "IncludeKeyMaterial": "BOGUS" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "ValidationException", "{body}");
    assert_eq!(body["message"], want, "{body}");
    tc.stop().await;
}

/// K-2/M-5 with the clock: a due automatic rotation switches the material, is listed as
/// AUTOMATIC at the scheduled date, and the next date moves on by one period.
#[tokio::test]
async fn k2_automatic_rotation_fires_when_the_period_elapses() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    let old = current_material(&c, &id).await;
    let old_blob = encrypt(&c, &id, b"before auto").await;
    c.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let scheduled = secs(
        c.get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap()
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

    let status = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
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

/// L-1 with W-43: ListKeyRotations and RotateKeyOnDemand take a key id or ARN only.
#[tokio::test]
async fn w43_rotation_ops_refuse_an_alias() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    c.create_alias()
        .alias_name("alias/rot")
        .target_key_id(&id)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id("alias/rot").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/rot'"));
    let (code, msg) = err_code(c.list_key_rotations().key_id("alias/rot").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/rot'"));
    tc.stop().await;
}

/// O-1: a key id of the right shape that does not exist.
#[tokio::test]
async fn o1_rotation_ops_on_a_missing_key_are_not_found() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let missing = "11111111-2222-3333-4444-555555555555";
    let want = format!("Key '{}' does not exist", arn(REGION, missing));
    let (code, msg) = err_code(c.rotate_key_on_demand().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "RotateKeyOnDemand");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "RotateKeyOnDemand");
    let (code, msg) = err_code(c.list_key_rotations().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "ListKeyRotations");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "ListKeyRotations");
    let (code, msg) = err_code(c.get_key_rotation_status().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "GetKeyRotationStatus");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "GetKeyRotationStatus");
    let (code, msg) = err_code(c.enable_key_rotation().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException", "EnableKeyRotation");
    assert_eq!(msg.as_deref(), Some(want.as_str()), "EnableKeyRotation");
    tc.stop().await;
}

/// K-2 with the clock: a jump over several periods runs every missed rotation, each at its
/// scheduled date.
#[tokio::test]
async fn k2_automatic_rotation_catches_up_every_missed_period() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key(&c).await;
    c.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let first = secs(
        c.get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap()
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
        c.get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap()
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
    let (id, _) = new_key(&c).await;
    c.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    tc.advance(80.0 * DAY).await;
    c.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(30)
        .send()
        .await
        .unwrap();
    // Day 100: the rotation date (day 90) passed while pending deletion.
    tc.advance(20.0 * DAY).await;
    assert!(list_rotations(&c, &id, None).await.is_empty());
    c.cancel_key_deletion().key_id(&id).send().await.unwrap();
    let out = c
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(out.key_rotation_enabled());
    assert_eq!(out.rotation_period_in_days(), Some(90));
    tc.stop().await;
}
