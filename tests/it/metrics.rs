//! Issue 12, item 2: `GET /metrics` in Prometheus text on the gateway and every Region port.

use aws_sdk_kms::primitives::Blob;

use crate::common::*;

/// The value of the first sample line starting with `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(url: &str) -> (u16, String, String) {
    let resp = reqwest::get(format!("{url}/metrics")).await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    (status, ct, resp.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_region_operation_and_outcome() {
    let tc = TestCluster::start().await;
    let kms = tc.client("ap-southeast-2");
    let id = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    for _ in 0..3 {
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await
            .unwrap();
    }
    let _ = kms.describe_key().key_id("alias/missing").send().await;
    let (status, ct, text) = scrape(&tc.region_url("ap-southeast-2")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"), "{ct}");
    let ok = sample(
        &text,
        "kmsim_requests_total{region=\"ap-southeast-2\",operation=\"Encrypt\",outcome=\"ok\"}",
    );
    assert!(ok.unwrap_or(0.0) >= 3.0, "{text}");
    let missing = sample(&text, "kmsim_requests_total{region=\"ap-southeast-2\",operation=\"DescribeKey\",outcome=\"NotFoundException\"}");
    assert!(missing.unwrap_or(0.0) >= 1.0, "{text}");
    assert!(text.contains("kmsim_request_duration_seconds_bucket{region=\"ap-southeast-2\",operation=\"Encrypt\",le=\"0.001\"}"), "{text}");
    assert!(
        sample(
            &text,
            "kmsim_keys{region=\"ap-southeast-2\",state=\"Enabled\"}"
        )
        .unwrap_or(0.0)
            >= 1.0,
        "{text}"
    );
    assert!(
        text.contains("kmsim_wrapping_keys_ready{region=\"us-east-1\",spec=\"RSA_2048\"}"),
        "{text}"
    );
    assert!(
        text.contains("kmsim_bus_queued{region=\"eu-west-1\"}"),
        "{text}"
    );
    // The gateway serves the same page.
    let (status, _, gw) = scrape(&tc.gateway_url()).await;
    assert_eq!(status, 200);
    assert!(gw.contains("kmsim_requests_total"));
    tc.stop().await;
}
