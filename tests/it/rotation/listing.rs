//! ListKeyRotations (L-2, L-3, L-6, W-50): ROTATIONS_ONLY and ALL_KEY_MATERIAL, the members
//! of an entry, paging, and a bad IncludeKeyMaterial.

use aws_sdk_kms::types::{IncludeKeyMaterial, KeyMaterialState, RotationType};

use super::*;
use crate::common::*;

/// L-2: a never-rotated key lists nothing by default, and its initial material as CURRENT
/// with ALL_KEY_MATERIAL (no rotation fields, no import fields for AWS_KMS keys: L-3).
#[tokio::test]
async fn l2_never_rotated_key_lists_nothing_or_only_current() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, arn) = aws_kms_key(&c).await;
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
        REGION,
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
    let (id, _) = aws_kms_key(&c).await;
    let t0 = wall_secs();
    rotate(&c, &id).await;
    let m1 = current_material(&c, &id).await;
    rotate(&c, &id).await;
    let m2 = current_material(&c, &id).await;
    let t1 = wall_secs();

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

    let (status, body) = raw_op(
        &tc,
        REGION,
        "ListKeyRotations",
        serde_json::json!({ "KeyId": id }),
    )
    .await;
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
    let (id, _) = aws_kms_key(&c).await;
    let m0 = current_material(&c, &id).await;
    rotate(&c, &id).await;
    let m1 = current_material(&c, &id).await;
    rotate(&c, &id).await;
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
    let (id, _) = aws_kms_key(&c).await;
    rotate(&c, &id).await;
    rotate(&c, &id).await;
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
    let (id, _) = aws_kms_key(&c).await;
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
        REGION,
        "ListKeyRotations",
        serde_json::json!({ "KeyId": id, "IncludeKeyMaterial": "BOGUS" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "ValidationException", "{body}");
    assert_eq!(body["message"], want, "{body}");
    tc.stop().await;
}
