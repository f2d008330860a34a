//! The shape of responses (W-21 … W-24, W-32): numbers, booleans, omitted members, and an
//! InvalidCiphertextException without a message.

use serde_json::json;

use super::*;
use crate::common::*;

#[tokio::test]
async fn w21_w24_success_response_shape() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("eu-west-1");
    let before = wall_secs();
    let created = assert_ok(
        "CreateKey",
        tc.raw(&url, Some(&target("CreateKey")), Some(JSON_11), "{}")
            .await,
    );
    let md = &created["KeyMetadata"];
    // W-21: epoch seconds as a JSON number, near now (the simulated clock starts at now).
    let cd = md["CreationDate"]
        .as_f64()
        .unwrap_or_else(|| panic!("W-21: CreationDate is a JSON number: {md}"));
    assert!(md["CreationDate"].is_number());
    assert!(
        (cd - before).abs() < 3600.0,
        "W-21: CreationDate {cd} is epoch seconds near {before}"
    );
    // W-24: MultiRegion is present and false on a single-Region key; booleans are booleans.
    assert_eq!(md["MultiRegion"], json!(false), "W-24: {md}");
    assert_eq!(md["Enabled"], json!(true), "W-24: {md}");
    // W-23: absent optional members are omitted, never null.
    for (k, v) in md.as_object().unwrap() {
        assert!(!v.is_null(), "W-23: {k} is null in {md}");
    }
    assert!(md.get("MultiRegionConfiguration").is_none(), "C-20: {md}");
    assert!(md.get("DeletionDate").is_none(), "C-20: {md}");

    let key_id = md["KeyId"].as_str().unwrap().to_string();
    let described = assert_ok(
        "DescribeKey",
        tc.raw(
            &url,
            Some(&target("DescribeKey")),
            Some(JSON_11),
            json!({"KeyId": key_id}).to_string(),
        )
        .await,
    );
    let dmd = &described["KeyMetadata"];
    assert!(dmd["CreationDate"].is_number(), "W-21: {dmd}");
    assert_eq!(dmd["CreationDate"], md["CreationDate"]);
    assert_eq!(dmd["MultiRegion"], json!(false), "W-24: {dmd}");

    // A ListKeys page: Truncated always present, NextMarker only when truncated (W-50).
    let listed = assert_ok(
        "ListKeys",
        tc.raw(&url, Some(&target("ListKeys")), Some(JSON_11), "{}")
            .await,
    );
    assert_eq!(listed["Truncated"], json!(false));
    assert!(listed.get("NextMarker").is_none());
    assert_eq!(listed["Keys"][0]["KeyId"], json!(key_id));
    tc.stop().await;
}

#[tokio::test]
async fn w32_invalid_ciphertext_has_no_message() {
    use base64::Engine;
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let created = assert_ok(
        "CreateKey",
        tc.raw(&url, Some(&target("CreateKey")), Some(JSON_11), "{}")
            .await,
    );
    let key_id = created["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    // Garbage that is valid base64: the wrong version byte, too short, and a header naming a
    // real key with a forged body.
    let mut forged = vec![1u8, key_id.len() as u8];
    forged.extend_from_slice(key_id.as_bytes());
    forged.extend_from_slice(&[7u8; 32 + 12 + 16 + 8]);
    for (what, blob) in [
        ("random bytes", vec![0xA5u8; 64]),
        ("one byte", vec![1u8]),
        ("forged body", forged),
    ] {
        let resp = tc
            .raw(
                &url,
                Some(&target("Decrypt")),
                Some(JSON_11),
                json!({"CiphertextBlob": b64(&blob)}).to_string(),
            )
            .await;
        assert_kms_error(what, &resp, "InvalidCiphertextException");
        assert!(
            resp.2.get("message").is_none(),
            "W-32: {what}: no message, got {}",
            resp.2
        );
    }
    tc.stop().await;
}
