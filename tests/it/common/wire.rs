//! Raw JSON: unsigned KMS requests to a Region's own port, the member names of a response,
//! and the `/_kmsim/` admin surface (clock, bus, health).

use serde_json::Value;

use super::TestCluster;

/// A raw (unsigned) AWS JSON 1.1 request for `op` to `region`'s own port; (status, body).
pub async fn raw_op(tc: &TestCluster, region: &str, op: &str, body: Value) -> (u16, Value) {
    let (status, _, json) = tc
        .raw(
            &tc.region_url(region),
            Some(&format!("TrentService.{op}")),
            Some("application/x-amz-json-1.1"),
            body.to_string(),
        )
        .await;
    (status, json)
}

/// Like [`raw_op`], for a request that must succeed; the 200 body.
pub async fn raw_ok(tc: &TestCluster, region: &str, op: &str, body: Value) -> Value {
    let (status, json) = raw_op(tc, region, op, body).await;
    assert_eq!(status, 200, "{op}: {json}");
    json
}

/// The sorted member names of a JSON object.
pub fn members(v: &Value) -> Vec<String> {
    let mut m: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not a JSON object: {v}"))
        .keys()
        .cloned()
        .collect();
    m.sort_unstable();
    m
}

/// GET `url`: (status, JSON body or null).
pub async fn get_json(url: &str) -> (u16, Value) {
    let resp = reqwest::get(url).await.expect("GET");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// POST `body` to `url` as `application/json`: (status, JSON body or null).
pub async fn post_json(url: &str, body: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: the server dropped the request: {e}"));
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// An admin request at `base`: GET without a body, POST with one.
pub async fn admin_at(base: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let url = format!("{base}{path}");
    match body {
        None => get_json(&url).await,
        Some(b) => post_json(&url, b).await,
    }
}

/// An admin request on the gateway: (status, JSON body).
pub async fn admin(tc: &TestCluster, path: &str, body: Option<&str>) -> (u16, Value) {
    admin_at(&tc.gateway_url(), path, body).await
}

/// The simulated clock, in epoch seconds.
pub async fn sim_now(tc: &TestCluster) -> f64 {
    let (_, v) = admin(tc, "/_kmsim/clock", None).await;
    v["now"].as_f64().expect("now")
}
