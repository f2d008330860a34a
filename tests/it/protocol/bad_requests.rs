//! Every client error answered before any state is touched, sent to every Region port and the
//! gateway: none of them changes anything.

use serde_json::json;

use super::*;
use crate::common::*;

/// A bad request: (description, X-Amz-Target, Content-Type, body, expected `__type`).
type BadCase = (
    &'static str,
    Option<String>,
    Option<&'static str>,
    Vec<u8>,
    &'static str,
);

/// Every client error of the protocol tests that is answered before any state is touched.
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
