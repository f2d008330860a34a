//! Tags (C-9): the tag rules at CreateKey and TagResource, UntagResource and
//! ListResourceTags.

use aws_sdk_kms::types::Tag;
use aws_sdk_kms::Client;

use crate::common::*;

/// (TagKey, TagValue) of every tag ListResourceTags returns (one page).
async fn tag_pairs(c: &Client, id: &str) -> Vec<(String, String)> {
    c.list_resource_tags()
        .key_id(id)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
        .collect()
}

#[tokio::test]
async fn create_key_rejects_overlong_tag_key_and_value_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let long_key = "k".repeat(129);
    let (code, msg) = err_code(c.create_key().tags(tag(&long_key, "v")).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128")
    );
    // The member path counts from 1 in request order.
    let long_value = "v".repeat(257);
    let (code, msg) = err_code(
        c.create_key()
            .tags(tag("ok", "fine"))
            .tags(tag("k2", &long_value))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_value}' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256")
    );
    // At the limits exactly: accepted.
    let out = c
        .create_key()
        .tags(tag(&"k".repeat(128), &"v".repeat(256)))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id();
    let tags = c.list_resource_tags().key_id(id).send().await.unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].tag_key(), "k".repeat(128));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_reserved_aws_tag_prefix_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    for k in ["aws:createdBy", "AWS:foo", "Aws:bar"] {
        let (code, msg) = err_code(c.create_key().tags(tag(k, "x")).send().await);
        assert_eq!(code, "TagException", "{k}");
        assert_eq!(
            msg.as_deref(),
            Some("Tags beginning with aws: are reserved"),
            "{k}"
        );
    }
    // "aws" without the colon is an ordinary key.
    c.create_key()
        .tags(tag("awsome", "x"))
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_duplicate_tag_keys_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, msg) = err_code(
        c.create_key()
            .tags(tag("team", "a"))
            .tags(tag("team", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Duplicate tag keys"));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_limits_tags_to_fifty_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    let out = c
        .create_key()
        .set_tags(Some(fifty.clone()))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    let listed = c
        .list_resource_tags()
        .key_id(&id)
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 50);

    let mut fifty_one = fifty;
    fifty_one.push(tag("k50", "v"));
    let (code, msg) = err_code(c.create_key().set_tags(Some(fifty_one)).send().await);
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Too many tags"));
    tc.stop().await;
}

#[tokio::test]
async fn tag_resource_adds_tags_and_retag_replaces_value_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c
        .create_key()
        .tags(tag("team", "payments"))
        .send()
        .await
        .unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("team", "payments")]));
    c.tag_resource()
        .key_id(&id)
        .tags(tag("env", "prod"))
        .tags(tag("cost", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(&c, &id).await,
        pairs(&[("team", "payments"), ("env", "prod"), ("cost", "")])
    );
    // Tagging an existing key replaces its value.
    c.tag_resource()
        .key_id(arn("us-east-1", &id))
        .tags(tag("team", "billing"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(&c, &id).await,
        pairs(&[("team", "billing"), ("env", "prod"), ("cost", "")])
    );
    tc.stop().await;
}

#[tokio::test]
async fn untag_resource_removes_keys_and_ignores_absent_ones() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.tag_resource()
        .key_id(&id)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .tags(tag("c", "3"))
        .send()
        .await
        .unwrap();
    c.untag_resource()
        .key_id(&id)
        .tag_keys("b")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("a", "1"), ("c", "3")]));
    tc.stop().await;
}

#[tokio::test]
async fn list_resource_tags_pages_with_limit_and_marker() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let mut req = c.tag_resource().key_id(&id);
    for i in 0..5 {
        req = req.tags(tag(&format!("k{i}"), &format!("v{i}")));
    }
    req.send().await.unwrap();
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_resource_tags()
            .key_id(&id)
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(out.tags().iter().map(|t| t.tag_key().to_string()));
        assert_eq!(out.truncated(), out.next_marker().is_some());
        if !out.truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["k0", "k1", "k2", "k3", "k4"]);
    let (code, _) = err_code(
        c.list_resource_tags()
            .key_id(&id)
            .marker("bogus")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidMarkerException");
    tc.stop().await;
}

#[tokio::test]
async fn tag_resource_applies_the_tag_rules_c9() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("aws:x", "1"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(
        msg.as_deref(),
        Some("Tags beginning with aws: are reserved")
    );
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("d", "1"))
            .tags(tag("d", "2"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Duplicate tag keys"));
    let long_key = "x".repeat(129);
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag(&long_key, "1"))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long_key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128")
    );
    // Nothing was applied by the failed requests.
    assert!(tag_pairs(&c, &id).await.is_empty());

    // 49 + 1 = 50 is fine; re-tagging an existing key does not count; one more is too many.
    let forty_nine: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
    c.tag_resource()
        .key_id(&id)
        .set_tags(Some(forty_nine))
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .key_id(&id)
        .tags(tag("k49", "v"))
        .send()
        .await
        .unwrap();
    c.tag_resource()
        .key_id(&id)
        .tags(tag("k0", "changed"))
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("k50", "v"))
            .send()
            .await,
    );
    assert_eq!(code, "TagException");
    assert_eq!(msg.as_deref(), Some("Too many tags"));
    tc.stop().await;
}

#[tokio::test]
async fn tag_and_untag_refused_when_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.tag_resource()
        .key_id(&id)
        .tags(tag("a", "1"))
        .send()
        .await
        .unwrap();
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let want = format!("{} is pending deletion.", arn("us-east-1", &id));
    let (code, msg) = err_code(
        c.tag_resource()
            .key_id(&id)
            .tags(tag("b", "2"))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.untag_resource().key_id(&id).tag_keys("a").send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    // Listing still works in any state.
    assert_eq!(tag_pairs(&c, &id).await, pairs(&[("a", "1")]));
    tc.stop().await;
}
