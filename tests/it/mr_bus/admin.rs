//! The `/_kmsim/bus` admin routes: what they refuse, and what they change and report, on the
//! gateway and every Region port.

use std::time::Duration;

use aws_sdk_kms::types::{KeyState, OriginType};
use serde_json::json;

use crate::common::mr::*;
use crate::common::*;

#[tokio::test]
async fn bus_admin_routes_reject_bad_bodies_and_unknown_regions() {
    let tc = TestCluster::start().await;
    let bad_delays = [
        "{}",
        "not json",
        r#"{"milliseconds":-5}"#,
        r#"{"milliseconds":"10"}"#,
        r#"{"milliseconds":1.5}"#,
        r#"{"milliseconds":3600001}"#,
        r#"{"ms":10}"#,
        "[10]",
    ];
    for body in bad_delays {
        let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(body)).await;
        assert_eq!(status, 400, "delay {body}: {json}");
        assert_eq!(json["__type"], "ValidationException", "delay {body}");
    }
    for route in ["/_kmsim/bus/cut", "/_kmsim/bus/heal"] {
        for body in [
            r#"{"region":"sa-east-1"}"#,
            r#"{"region":"EU-WEST-1"}"#,
            r#"{"region":5}"#,
            "{}",
            "",
            "garbage",
        ] {
            let (status, json) = admin(&tc, route, Some(body)).await;
            assert_eq!(status, 400, "{route} {body}: {json}");
            assert_eq!(json["__type"], "ValidationException", "{route} {body}");
        }
    }
    let (status, _) = admin(&tc, "/_kmsim/bus/nope", Some("{}")).await;
    assert_eq!(status, 404);
    // Nothing changed.
    let (status, json) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 0);
    assert_eq!(json["cut"], json!([]));
    tc.stop().await;
}

#[tokio::test]
async fn bus_admin_routes_change_and_report_the_bus() {
    let tc = TestCluster::start().await;
    let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(r#"{"milliseconds":250}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 250);
    let (status, json) = admin(
        &tc,
        "/_kmsim/bus/cut",
        Some(r#"{"region":"ap-southeast-2"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["cut"], json!([C]));
    // Every Region port serves the admin surface too, with the same bus.
    for r in REGIONS {
        let (status, json) = admin_at(&tc.region_url(r), "/_kmsim/bus", None).await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(json["delayMs"], 250, "{r}");
        assert_eq!(json["cut"], json!([C]), "{r}");
        assert!(json["queued"].is_object(), "{r}: {json}");
        assert!(json["delivered"].is_u64(), "{r}: {json}");
    }
    let st = tc.cluster.state.bus.status();
    assert_eq!(st.delay, Duration::from_millis(250));
    assert_eq!(st.cut, vec![C.to_string()]);
    let (status, json) = admin(
        &tc,
        "/_kmsim/bus/heal",
        Some(r#"{"region":"ap-southeast-2"}"#),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["cut"], json!([]));
    let (status, json) = admin(&tc, "/_kmsim/bus/delay", Some(r#"{"milliseconds":0}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(json["delayMs"], 0);
    // With no delay, a replica exists as soon as ReplicateKey answers.
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, B).await;
    assert_eq!(key_state(&tc.client(B), &id).await, KeyState::Enabled);
    tc.stop().await;
}
