//! The AWS JSON 1.1 wire protocol (contract §1, W-1 … W-36) over raw HTTP: what a request
//! must look like, what bad input is answered with, and the shape of every response.

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::common::*;

const TARGET_PREFIX: &str = "TrentService.";
const JSON_11: &str = "application/x-amz-json-1.1";

/// A well-formed but unknown key id: never resolves, so a request that got past the body
/// parser would fail with `NotFoundException`, not the code a test expects.
const MISSING_KEY: &str = "00000000-0000-0000-0000-000000000000";

fn target(op: &str) -> String {
    format!("{TARGET_PREFIX}{op}")
}

/// W-2, W-31: the headers every KMS response carries (and the one it must not).
fn assert_kms_headers(headers: &HeaderMap) {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<none>");
    assert_eq!(ct, JSON_11, "W-2: response Content-Type");
    let rid = headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .expect("W-2: x-amzn-RequestId header present");
    assert!(
        uuid::Uuid::parse_str(rid).is_ok(),
        "W-2: x-amzn-RequestId is a UUID, got {rid:?}"
    );
    assert!(
        headers.get("x-amzn-query-error").is_none(),
        "W-31: x-amzn-query-error must not be sent"
    );
}

/// W-30, W-33, W-36: a 400 whose body is `{"__type": <expected>[, "message": ..]}`.
fn assert_kms_error(what: &str, resp: &(u16, HeaderMap, Value), expected: &str) {
    let (status, headers, body) = resp;
    assert_eq!(*status, 400, "{what}: status (body {body})");
    assert_eq!(
        body.get("__type").and_then(Value::as_str),
        Some(expected),
        "{what}: __type (body {body})"
    );
    let obj = body.as_object().expect("error body is a JSON object");
    for k in obj.keys() {
        assert!(
            k == "__type" || k == "message",
            "{what}: W-36: unexpected member {k:?} in {body}"
        );
    }
    assert_kms_headers(headers);
}

/// A 200 with KMS headers; returns the body.
fn assert_ok(what: &str, resp: (u16, HeaderMap, Value)) -> Value {
    let (status, headers, body) = resp;
    assert_eq!(status, 200, "{what}: status (body {body})");
    assert_kms_headers(&headers);
    assert!(body.is_object(), "{what}: body is a JSON object: {body}");
    body
}

/// A bad request: (description, X-Amz-Target, Content-Type, body, expected `__type`).
type BadCase = (
    &'static str,
    Option<String>,
    Option<&'static str>,
    Vec<u8>,
    &'static str,
);

/// Every client error of this file that is answered before any state is touched.
fn bad_requests() -> Vec<BadCase> {
    let t = |op: &str| Some(target(op));
    let j = Some(JSON_11);
    vec![
        (
            "W-4: missing X-Amz-Target",
            None,
            j,
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (
            "W-4: unknown operation",
            t("NoSuchOp"),
            j,
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (
            "W-4: empty operation name",
            Some(TARGET_PREFIX.to_string()),
            j,
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (
            "W-4: another service's prefix",
            Some("DynamoDB_20120810.CreateKey".to_string()),
            j,
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (
            "W-2: text/plain content type",
            t("CreateKey"),
            Some("text/plain"),
            b"{}".to_vec(),
            "UnknownOperationException",
        ),
        (
            "invalid JSON",
            t("CreateKey"),
            j,
            b"{\"Description\": ".to_vec(),
            "SerializationException",
        ),
        (
            "a JSON array body",
            t("CreateKey"),
            j,
            b"[]".to_vec(),
            "SerializationException",
        ),
        (
            "a JSON string body",
            t("ListKeys"),
            j,
            b"\"ListKeys\"".to_vec(),
            "SerializationException",
        ),
        (
            "DescribeKey KeyId is a number",
            t("DescribeKey"),
            j,
            br#"{"KeyId": 5}"#.to_vec(),
            "SerializationException",
        ),
        (
            "ListKeys Limit is a string",
            t("ListKeys"),
            j,
            br#"{"Limit": "ten"}"#.to_vec(),
            "SerializationException",
        ),
        (
            "Encrypt Plaintext is a number",
            t("Encrypt"),
            j,
            json!({"KeyId": MISSING_KEY, "Plaintext": 12})
                .to_string()
                .into_bytes(),
            "SerializationException",
        ),
        (
            "CreateKey Description is an object",
            t("CreateKey"),
            j,
            br#"{"Description": {"a": 1}}"#.to_vec(),
            "SerializationException",
        ),
        (
            "W-20: Plaintext is not base64",
            t("Encrypt"),
            j,
            json!({"KeyId": MISSING_KEY, "Plaintext": "not base64!!"})
                .to_string()
                .into_bytes(),
            "SerializationException",
        ),
        (
            "W-20: Plaintext base64 without padding",
            t("Encrypt"),
            j,
            json!({"KeyId": MISSING_KEY, "Plaintext": "aGVsbG8"})
                .to_string()
                .into_bytes(),
            "SerializationException",
        ),
        (
            "a 2 MB body",
            t("CreateKey"),
            j,
            json!({"Description": "a".repeat(2 * 1024 * 1024)})
                .to_string()
                .into_bytes(),
            "ValidationException",
        ),
    ]
}

/// Sends one [`BadCase`] to `url` and checks the answer.
async fn check_bad(tc: &TestCluster, url: &str, case: &BadCase) {
    let (what, target, ct, body, expected) = case;
    let resp = tc.raw(url, target.as_deref(), *ct, body.clone()).await;
    assert_kms_error(&format!("{what} at {url}"), &resp, expected);
}

/// The number of keys `ListKeys` shows at `url` (one page is enough for these tests).
async fn key_count(tc: &TestCluster, url: &str) -> usize {
    let body = assert_ok(
        "ListKeys",
        tc.raw(url, Some(&target("ListKeys")), Some(JSON_11), "{}")
            .await,
    );
    assert_eq!(body["Truncated"], json!(false));
    body["Keys"].as_array().expect("Keys is a list").len()
}

#[tokio::test]
async fn w4_missing_target_is_unknown_operation() {
    let tc = TestCluster::start().await;
    for url in [tc.region_url("us-east-1"), tc.gateway_url()] {
        let resp = tc.raw(&url, None, Some(JSON_11), "{}").await;
        assert_kms_error("missing X-Amz-Target", &resp, "UnknownOperationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w4_unknown_operation_is_unknown_operation() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("eu-west-1");
    let resp = tc
        .raw(&url, Some("TrentService.NoSuchOp"), Some(JSON_11), "{}")
        .await;
    assert_kms_error("TrentService.NoSuchOp", &resp, "UnknownOperationException");
    tc.stop().await;
}

#[tokio::test]
async fn w4_other_service_prefix_is_unknown_operation() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    for t in [
        "DynamoDB_20120810.ListTables",
        "AWSKMS.CreateKey",
        "CreateKey",
    ] {
        let resp = tc.raw(&url, Some(t), Some(JSON_11), "{}").await;
        assert_kms_error(t, &resp, "UnknownOperationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w1_get_is_unknown_operation() {
    let tc = TestCluster::start().await;
    for url in [tc.region_url("us-east-1"), tc.gateway_url()] {
        let resp = reqwest::Client::new()
            .get(format!("{url}/"))
            .send()
            .await
            .expect("GET /");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_kms_error(
            "GET /",
            &(status, headers, body),
            "UnknownOperationException",
        );
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

#[tokio::test]
async fn w2_text_plain_content_type_is_unknown_operation() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    for ct in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        let resp = tc
            .raw(&url, Some(&target("ListKeys")), Some(ct), "{}")
            .await;
        assert_kms_error(ct, &resp, "UnknownOperationException");
    }
    tc.stop().await;
}

#[tokio::test]
async fn w2_application_json_content_type_is_accepted() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("us-east-1");
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "application/x-amz-json-1.1",
    ] {
        let body = assert_ok(
            ct,
            tc.raw(&url, Some(&target("CreateKey")), Some(ct), "{}")
                .await,
        );
        assert_eq!(body["KeyMetadata"]["KeyState"], json!("Enabled"), "{ct}");
        assert_ok(
            ct,
            tc.raw(&url, Some(&target("ListKeys")), Some(ct), "{}")
                .await,
        );
    }
    assert_eq!(key_count(&tc, &url).await, 3);
    tc.stop().await;
}

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
async fn w21_w24_success_response_shape() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("eu-west-1");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
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

#[tokio::test]
async fn bad_requests_change_no_state() {
    let tc = TestCluster::start().await;
    let mut urls: Vec<String> = REGIONS.iter().map(|r| tc.region_url(r)).collect();
    urls.push(tc.gateway_url());
    // One key per Region so the counts are not trivially zero.
    for r in REGIONS {
        assert_ok(
            "CreateKey",
            tc.raw(
                &tc.region_url(r),
                Some(&target("CreateKey")),
                Some(JSON_11),
                "{}",
            )
            .await,
        );
    }
    let mut before = Vec::new();
    for r in REGIONS {
        before.push(key_count(&tc, &tc.region_url(r)).await);
    }
    assert_eq!(before, vec![1, 1, 1]);

    let cases = bad_requests();
    for url in &urls {
        for case in &cases {
            check_bad(&tc, url, case).await;
        }
    }

    let mut after = Vec::new();
    for r in REGIONS {
        after.push(key_count(&tc, &tc.region_url(r)).await);
    }
    assert_eq!(after, before, "no bad request created a key");
    // The gateway (unsigned → default Region, W-11) agrees with us-east-1.
    assert_eq!(key_count(&tc, &tc.gateway_url()).await, 1);
    tc.stop().await;
}
