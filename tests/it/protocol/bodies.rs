//! Request bodies (W-3, W-6, W-20): empty bodies, unknown members, bad JSON, wrong member
//! types, bad base64 and an oversized body.

use serde_json::json;

use super::*;

#[tokio::test]
async fn w3_empty_body_is_an_empty_object() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("ap-southeast-2");
    let body = assert_ok(
        "ListKeys with no body",
        tc.raw(&url, Some(&target("ListKeys")), Some(JSON_11), "")
            .await,
    );
    assert_eq!(body["Keys"], json!([]));
    assert_eq!(body["Truncated"], json!(false));
    assert!(body.get("NextMarker").is_none(), "W-50: {body}");

    // C-1: CreateKey with no body is a symmetric AWS_KMS key.
    let body = assert_ok(
        "CreateKey with no body",
        tc.raw(&url, Some(&target("CreateKey")), Some(JSON_11), "")
            .await,
    );
    let md = &body["KeyMetadata"];
    assert_eq!(md["KeySpec"], json!("SYMMETRIC_DEFAULT"));
    assert_eq!(md["KeyUsage"], json!("ENCRYPT_DECRYPT"));
    assert_eq!(md["Origin"], json!("AWS_KMS"));
    assert_eq!(md["KeyState"], json!("Enabled"));

    // No Content-Type and no body at all, as some hand-written clients send.
    assert_ok(
        "CreateKey with no content type",
        tc.raw(&url, Some(&target("CreateKey")), None, "").await,
    );
    // Whitespace only is also an empty body.
    assert_ok(
        "ListKeys with a blank body",
        tc.raw(&url, Some(&target("ListKeys")), Some(JSON_11), " \n")
            .await,
    );
    assert_eq!(key_count(&tc, &url).await, 2);
    tc.stop().await;
}

#[tokio::test]
async fn w6_unknown_members_are_ignored() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let body = json!({
        "Description": "w6",
        "DryRunModifiers": {"IgnoreGrantTokens": true},
        "SomethingNew": [1, 2, 3],
    });
    let created = assert_ok(
        "CreateKey with unknown members",
        tc.raw(
            &url,
            Some(&target("CreateKey")),
            Some(JSON_11),
            body.to_string(),
        )
        .await,
    );
    assert_eq!(created["KeyMetadata"]["Description"], json!("w6"));
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap();
    let body = json!({"KeyId": key_id, "NotAMember": null, "GrantTokens": []});
    let described = assert_ok(
        "DescribeKey with unknown members",
        tc.raw(
            &url,
            Some(&target("DescribeKey")),
            Some(JSON_11),
            body.to_string(),
        )
        .await,
    );
    assert_eq!(described["KeyMetadata"]["KeyId"], json!(key_id));
    assert_ok(
        "ListKeys with unknown members",
        tc.raw(
            &url,
            Some(&target("ListKeys")),
            Some(JSON_11),
            json!({"Limit": 10, "Extra": "x"}).to_string(),
        )
        .await,
    );
    tc.stop().await;
}

#[tokio::test]
async fn oversized_body_is_validation_exception() {
    let tc = TestCluster::start().await;
    for url in [tc.region_url("us-east-1"), tc.gateway_url()] {
        let body = json!({"Description": "a".repeat(2 * 1024 * 1024)}).to_string();
        let resp = tc
            .raw(&url, Some(&target("CreateKey")), Some(JSON_11), body)
            .await;
        assert_kms_error("a 2 MB body", &resp, "ValidationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w20_bad_json_bodies_are_serialization_exceptions() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let t = |op: &str| target(op);
    let cases: [(&str, String, Vec<u8>); 4] = [
        ("invalid JSON", t("CreateKey"), b"{not json".to_vec()),
        ("truncated JSON", t("ListKeys"), b"{\"Limit\": 1".to_vec()),
        ("a JSON array", t("CreateKey"), b"[]".to_vec()),
        (
            "a JSON array of an object",
            t("ListKeys"),
            b"[{\"Limit\": 1}]".to_vec(),
        ),
    ];
    for (what, target, body) in cases {
        let resp = tc.raw(&url, Some(&target), Some(JSON_11), body).await;
        assert_kms_error(what, &resp, "SerializationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w20_wrong_member_types_are_serialization_exceptions() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let cases = [
        ("DescribeKey", json!({"KeyId": 5})),
        ("ListKeys", json!({"Limit": "ten"})),
        ("Encrypt", json!({"KeyId": MISSING_KEY, "Plaintext": 12})),
        ("CreateKey", json!({"MultiRegion": "yes"})),
        ("CreateKey", json!({"Tags": {"TagKey": "k"}})),
    ];
    for (op, body) in cases {
        let resp = tc
            .raw(&url, Some(&target(op)), Some(JSON_11), body.to_string())
            .await;
        assert_kms_error(&format!("{op} {body}"), &resp, "SerializationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w20_invalid_base64_blob_is_serialization_exception() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    let key = assert_ok(
        "CreateKey",
        tc.raw(&url, Some(&target("CreateKey")), Some(JSON_11), "{}")
            .await,
    );
    let key_id = key["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    for plaintext in ["not base64!!", "aGVsbG8", "a", "aGVs\u{e9}G8="] {
        let body = json!({"KeyId": key_id, "Plaintext": plaintext});
        let resp = tc
            .raw(
                &url,
                Some(&target("Encrypt")),
                Some(JSON_11),
                body.to_string(),
            )
            .await;
        assert_kms_error(
            &format!("Plaintext {plaintext:?}"),
            &resp,
            "SerializationException",
        );
    }
    let body = json!({"CiphertextBlob": "%%%"});
    let resp = tc
        .raw(
            &url,
            Some(&target("Decrypt")),
            Some(JSON_11),
            body.to_string(),
        )
        .await;
    assert_kms_error("CiphertextBlob %%%", &resp, "SerializationException");
    tc.stop().await;
}
