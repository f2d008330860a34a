//! Which requests reach an operation (W-1, W-2, W-4): the X-Amz-Target header, the HTTP
//! method and the Content-Type.

use serde_json::{json, Value};

use super::*;

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

/// W-1, with issue 13 item 5: `GET /` answers a short JSON pointer (what the port serves,
/// where the README sections are), not a KMS error; any other GET or a `PUT /` is still
/// `UnknownOperationException`.
#[tokio::test]
async fn w1_get_root_is_a_pointer_other_methods_are_unknown_operation() {
    let tc = TestCluster::start().await;
    for (url, serves) in [
        (tc.region_url("us-east-1"), "the Region us-east-1"),
        (tc.gateway_url(), "every Region"),
    ] {
        let resp = reqwest::Client::new()
            .get(format!("{url}/"))
            .send()
            .await
            .expect("GET /");
        assert_eq!(resp.status().as_u16(), 200, "GET / on {url}");
        assert!(resp.headers().contains_key("x-amzn-requestid"));
        let body: Value = resp.json().await.expect("JSON pointer");
        assert_eq!(body["service"], "kmsim");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(serves), "{message}");
        assert_eq!(body["links"]["health"], "/_kmsim/health");
        assert!(body["readme"]["recipes"]
            .as_str()
            .is_some_and(|r| r.starts_with("README.md#")));

        for (method, path) in [("GET", "/keys"), ("PUT", "/"), ("DELETE", "/")] {
            let resp = reqwest::Client::new()
                .request(method.parse().expect("method"), format!("{url}{path}"))
                .send()
                .await
                .expect("request");
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let bytes = resp.bytes().await.expect("body");
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            assert_kms_error(
                &format!("{method} {path}"),
                &(status, headers, body),
                "UnknownOperationException",
            );
        }
    }
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
