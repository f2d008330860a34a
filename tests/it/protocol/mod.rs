//! The AWS JSON 1.1 wire protocol (contract §1, W-1 … W-36) over raw HTTP: what a request
//! must look like, what bad input is answered with, and the shape of every response; a file
//! per concern, the response checks they share here.

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

use crate::common::TestCluster;

mod bad_requests;
mod bodies;
mod model;
mod responses;
mod routing;

/// The X-Amz-Target prefix of KMS operations.
const TARGET_PREFIX: &str = "TrentService.";
/// The Content-Type of AWS JSON 1.1.
const JSON_11: &str = "application/x-amz-json-1.1";
/// A well-formed but unknown key id: never resolves, so a request that got past the body
/// parser would fail with `NotFoundException`, not the code a test expects.
const MISSING_KEY: &str = "00000000-0000-0000-0000-000000000000";

/// The X-Amz-Target of `op`.
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
