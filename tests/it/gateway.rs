//! The gateway: Region routing by the SigV4 credential scope (W-10, W-11), the default Region
//! for unsigned requests, and the `/_kmsim/` admin surface (health, clock).

use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn gateway_routes_by_signing_region_w10() {
    let tc = TestCluster::start().await;
    let gw = tc.gateway_client("eu-west-1");
    let out = gw.create_key().send().await.unwrap();
    let md = out.key_metadata().unwrap();
    let id = md.key_id().to_string();
    assert_eq!(md.arn(), Some(arn("eu-west-1", &id).as_str()));
    // The eu-west-1 Region port sees it ...
    let d = tc
        .client("eu-west-1")
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.key_metadata().unwrap().arn(),
        Some(arn("eu-west-1", &id).as_str())
    );
    // ... us-east-1 does not, neither on its port nor through the gateway.
    let want = format!("Key '{}' does not exist", arn("us-east-1", &id));
    for c in [tc.client("us-east-1"), tc.gateway_client("us-east-1")] {
        let (code, msg) = err_code(c.describe_key().key_id(&id).send().await);
        assert_eq!(code, "NotFoundException");
        assert_eq!(msg.as_deref(), Some(want.as_str()));
    }
    // And the gateway signing for eu-west-1 sees it too.
    gw.describe_key().key_id(&id).send().await.unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn gateway_serves_every_configured_region_w10() {
    let tc = TestCluster::start().await;
    for r in REGIONS {
        let out = tc.gateway_client(r).create_key().send().await.unwrap();
        let id = out.key_metadata().unwrap().key_id().to_string();
        assert_eq!(
            out.key_metadata().unwrap().arn(),
            Some(arn(r, &id).as_str())
        );
        let listed = tc.client(r).list_keys().send().await.unwrap();
        let ids: Vec<&str> = listed.keys().iter().map(|k| k.key_id().unwrap()).collect();
        assert_eq!(ids, [id.as_str()], "{r}");
    }
    tc.stop().await;
}

// A Region port refusing a request signed for another Region (issue 11, item 2, which
// replaced "a Region port serves its own Region whatever the signature says") is tested in
// auth.rs.

#[tokio::test]
async fn unsigned_gateway_request_lands_in_default_region_w11() {
    let tc = TestCluster::start().await;
    let (status, headers, body) = tc
        .raw(
            &tc.gateway_url(),
            Some("TrentService.CreateKey"),
            Some("application/x-amz-json-1.1"),
            "{}",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/x-amz-json-1.1"
    );
    let id = body["KeyMetadata"]["KeyId"].as_str().unwrap().to_string();
    assert_eq!(body["KeyMetadata"]["Arn"], json!(arn("us-east-1", &id)));
    tc.client("us-east-1")
        .describe_key()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let (code, _) = err_code(
        tc.client("eu-west-1")
            .describe_key()
            .key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

/// `strict_regions = true`: a valid Region outside the configuration is refused (issue 13,
/// item 1; without it the Region opens on first use, see regions.rs).
#[tokio::test]
async fn strict_gateway_refuses_a_region_it_does_not_serve_w10() {
    let tc = TestCluster::start_with("strict_regions = true\n").await;
    let c = tc.gateway_client("sa-east-1");
    let (code, msg) = err_code(c.create_key().send().await);
    assert_eq!(code, "InvalidSignatureException");
    let msg = msg.expect("message");
    assert_eq!(
        msg,
        "Credential should be scoped to a valid region, not 'sa-east-1'. This kmsim cluster serves only its configured Regions (strict_regions): ap-southeast-2, eu-west-1, us-east-1"
    );
    for r in REGIONS {
        assert!(msg.contains(r), "{msg}");
    }
    // Nothing was created anywhere.
    for r in REGIONS {
        assert!(tc
            .client(r)
            .list_keys()
            .send()
            .await
            .unwrap()
            .keys()
            .is_empty());
    }
    tc.stop().await;
}

/// Without `strict_regions`, the same request opens sa-east-1 on first use (issue 13, item 1),
/// in that Region alone.
#[tokio::test]
async fn gateway_opens_a_valid_region_it_does_not_serve_yet_w10() {
    let tc = TestCluster::start().await;
    let c = tc.gateway_client("sa-east-1");
    let out = c.create_key().send().await.expect("CreateKey in sa-east-1");
    let id = out.key_metadata().unwrap().key_id().to_string();
    assert_eq!(
        out.key_metadata().unwrap().arn(),
        Some(arn("sa-east-1", &id).as_str())
    );
    assert_eq!(listed_ids(&c).await, [id]);
    for r in REGIONS {
        assert!(listed_ids(&tc.client(r)).await.is_empty(), "{r}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn health_lists_the_regions_and_endpoints() {
    let tc = TestCluster::start().await;
    let (status, body) = get_json(&format!("{}/_kmsim/health", tc.gateway_url())).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], json!("ok"));
    assert_eq!(body["gateway"], json!(tc.gateway_url()));
    assert_eq!(body["defaultRegion"], json!("us-east-1"));
    let regions = body["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 3);
    let want: Vec<Value> = REGIONS
        .iter()
        .map(|r| {
            json!({
                "region": r,
                "endpoint": tc.region_url(r),
                // No prefill in tests: the pools fill on first use.
                "wrappingKeysReady": {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0},
                // Configured, not opened on first use (issue 13; regions.rs).
                "openedOnFirstUse": false,
            })
        })
        .collect();
    assert_eq!(regions, &want);
    // The same view is served on a Region port.
    let (status, on_region) =
        get_json(&format!("{}/_kmsim/health", tc.region_url("eu-west-1"))).await;
    assert_eq!(status, 200);
    assert_eq!(on_region, body);
    tc.stop().await;
}

#[tokio::test]
async fn clock_reports_now_and_advances() {
    let tc = TestCluster::start().await;
    let url = tc.gateway_url();
    let (status, c0) = get_json(&format!("{url}/_kmsim/clock")).await;
    assert_eq!(status, 200);
    let now0 = c0["now"].as_f64().expect("now");
    assert_eq!(c0["offsetSeconds"].as_f64(), Some(0.0));
    let wall = wall_secs();
    assert!((now0 - wall).abs() < 5.0, "{now0} vs {wall}");

    let (status, c1) = post_json(
        &format!("{url}/_kmsim/clock/advance"),
        r#"{"seconds": 3600}"#,
    )
    .await;
    assert_eq!(status, 200, "{c1}");
    assert_eq!(c1["offsetSeconds"].as_f64(), Some(3600.0));
    let now1 = c1["now"].as_f64().expect("now");
    assert!(now1 >= now0 + 3600.0, "{now0} -> {now1}");

    // Fractional seconds accumulate; GET shows the same offset.
    let (status, c2) = post_json(
        &format!("{url}/_kmsim/clock/advance"),
        r#"{"seconds": 0.5}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(c2["offsetSeconds"].as_f64(), Some(3600.5));
    let (_, c3) = get_json(&format!("{url}/_kmsim/clock")).await;
    assert_eq!(c3["offsetSeconds"].as_f64(), Some(3600.5));
    // Zero is allowed and changes nothing.
    let (status, c4) = post_json(&format!("{url}/_kmsim/clock/advance"), r#"{"seconds": 0}"#).await;
    assert_eq!(status, 200);
    assert_eq!(c4["offsetSeconds"].as_f64(), Some(3600.5));
    tc.stop().await;
}

#[tokio::test]
async fn clock_advance_rejects_negative_or_missing_seconds() {
    let tc = TestCluster::start().await;
    let url = format!("{}/_kmsim/clock/advance", tc.gateway_url());
    for bad in [
        r#"{"seconds": -1}"#,
        r#"{}"#,
        r#"{"seconds": "10"}"#,
        "",
        "not json",
    ] {
        let (status, body) = post_json(&url, bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["__type"], json!("ValidationException"), "{bad}");
        assert_eq!(
            body["message"],
            json!("body must be {\"seconds\": N} with N a number >= 0"),
            "{bad}"
        );
    }
    // The clock did not move.
    let (_, c) = get_json(&format!("{}/_kmsim/clock", tc.gateway_url())).await;
    assert_eq!(c["offsetSeconds"].as_f64(), Some(0.0));
    tc.stop().await;
}

#[tokio::test]
async fn unknown_admin_route_is_404() {
    let tc = TestCluster::start().await;
    let (status, body) = get_json(&format!("{}/_kmsim/nothing", tc.gateway_url())).await;
    assert_eq!(status, 404);
    assert_eq!(body["__type"], json!("NotFoundException"));
    tc.stop().await;
}

#[tokio::test]
async fn unparsable_authorization_falls_back_to_default_region_w11() {
    let tc = TestCluster::start().await;
    for auth in [
        "garbage",
        "AWS4-HMAC-SHA256 Credential=AKID/20250101",
        "Bearer abc",
    ] {
        let resp = reqwest::Client::new()
            .post(tc.gateway_url())
            .header("X-Amz-Target", "TrentService.CreateKey")
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("Authorization", auth)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200, "{auth}");
        let body: Value = resp.json().await.unwrap();
        let id = body["KeyMetadata"]["KeyId"].as_str().unwrap();
        assert_eq!(
            body["KeyMetadata"]["Arn"],
            json!(arn("us-east-1", id)),
            "{auth}"
        );
    }
    assert_eq!(
        tc.client("us-east-1")
            .list_keys()
            .send()
            .await
            .unwrap()
            .keys()
            .len(),
        3
    );
    tc.stop().await;
}

#[tokio::test]
async fn clock_advance_rejects_a_value_that_would_overflow_the_clock() {
    // DESIGN.md: bad input gets a 400, never a panic and never a state change.
    let tc = TestCluster::start().await;
    let url = tc.gateway_url();
    let (status, body) = post_json(
        &format!("{url}/_kmsim/clock/advance"),
        r#"{"seconds": 1e300}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], json!("ValidationException"));
    // The clock is unchanged and the cluster still serves.
    let (status, c) = get_json(&format!("{url}/_kmsim/clock")).await;
    assert_eq!(status, 200);
    assert_eq!(c["offsetSeconds"].as_f64(), Some(0.0));
    tc.client("us-east-1").create_key().send().await.unwrap();
    tc.stop().await;
}
