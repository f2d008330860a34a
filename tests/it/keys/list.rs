//! ListKeys (§3.3, C-30, C-31, W-50, W-51): creation order, paging, this Region only, every
//! state, nothing shared via RAM.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn list_keys_in_creation_order_c30() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(new_key(&c).await);
    }
    let out = c.list_keys().send().await.unwrap();
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    let listed: Vec<&str> = out.keys().iter().map(|k| k.key_id().unwrap()).collect();
    assert_eq!(listed, ids);
    for k in out.keys() {
        assert_eq!(k.key_arn().unwrap(), arn("us-east-1", k.key_id().unwrap()));
    }
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_pages_with_limit_and_marker_w50() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(new_key(&c).await);
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_keys()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(out.keys().len() <= 2);
        seen.extend(out.keys().iter().map(|k| k.key_id().unwrap().to_string()));
        // NextMarker appears exactly when Truncated is true.
        assert_eq!(out.truncated(), out.next_marker().is_some());
        if !out.truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // On the wire: Truncated is always present, NextMarker only when truncated.
    let last = raw_ok(&tc, "us-east-1", "ListKeys", json!({"Limit": 5})).await;
    assert_eq!(last["Truncated"], json!(false));
    assert!(last.get("NextMarker").is_none(), "{last}");
    let first = raw_ok(&tc, "us-east-1", "ListKeys", json!({"Limit": 4})).await;
    assert_eq!(first["Truncated"], json!(true));
    assert!(first["NextMarker"].is_string(), "{first}");
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_rejects_limit_out_of_range_w51() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(c.list_keys().limit(0).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
    );
    let (code, msg) = err_code(c.list_keys().limit(1001).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
    );
    // Both ends of the range are accepted.
    c.list_keys().limit(1).send().await.unwrap();
    c.list_keys().limit(1000).send().await.unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_rejects_unknown_marker_w51() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    new_key(&c).await;
    let (code, msg) = err_code(c.list_keys().marker("bogus-marker").send().await);
    assert_eq!(code, "InvalidMarkerException");
    assert_eq!(msg.as_deref(), Some("Invalid marker: bogus-marker"));
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_shows_only_this_region_c30() {
    let tc = TestCluster::start().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let us_id = new_key(&us).await;
    let eu_id = new_key(&eu).await;
    let us_keys: Vec<String> = listed_ids(&us).await;
    assert_eq!(us_keys, [us_id]);
    let eu_list = eu.list_keys().send().await.unwrap();
    assert_eq!(eu_list.keys().len(), 1);
    assert_eq!(eu_list.keys()[0].key_id(), Some(eu_id.as_str()));
    assert_eq!(
        eu_list.keys()[0].key_arn(),
        Some(arn("eu-west-1", &eu_id).as_str())
    );
    let ap = tc
        .client("ap-southeast-2")
        .list_keys()
        .send()
        .await
        .unwrap();
    assert!(ap.keys().is_empty());
    assert!(!ap.truncated());
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_includes_keys_in_every_state_c30() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let enabled = new_key(&c).await;
    let disabled = new_key(&c).await;
    c.disable_key().key_id(&disabled).send().await.unwrap();
    let pending_import = external_key(&c).await.0;
    let pending_deletion = new_key(&c).await;
    c.schedule_key_deletion()
        .key_id(&pending_deletion)
        .send()
        .await
        .unwrap();
    let listed: Vec<String> = listed_ids(&c).await;
    assert_eq!(
        listed,
        [enabled, disabled, pending_import, pending_deletion]
    );
    tc.stop().await;
}

#[tokio::test]
async fn list_keys_lists_nothing_shared_via_ram_c31() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let only_ram = raw_ok(
        &tc,
        "us-east-1",
        "ListKeys",
        json!({"ResourceOwners": ["OTHER_ACCOUNTS_VIA_RAM"]}),
    )
    .await;
    assert_eq!(only_ram, json!({"Keys": [], "Truncated": false}));
    let both = raw_ok(
        &tc,
        "us-east-1",
        "ListKeys",
        json!({"ResourceOwners": ["SELF", "OTHER_ACCOUNTS_VIA_RAM"]}),
    )
    .await;
    assert_eq!(both["Keys"][0]["KeyId"], json!(id));
    tc.stop().await;
}
