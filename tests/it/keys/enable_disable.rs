//! EnableKey / DisableKey (§3.14, N-1 … N-3): transitions, no-ops, refusals, one Region
//! at a time.

use aws_sdk_kms::types::KeyState;

use super::*;
use crate::common::*;

#[tokio::test]
async fn disable_and_enable_key_transitions_and_no_ops_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    // Enabled → EnableKey is a no-op.
    c.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Enabled, true));
    // Enabled → Disabled, by key ARN this time.
    c.disable_key()
        .key_id(arn("us-east-1", &id))
        .send()
        .await
        .unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Disabled, false));
    // Disabled → DisableKey is a no-op.
    c.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Disabled, false));
    // Disabled → Enabled.
    c.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(state(&c, &id).await, (KeyState::Enabled, true));
    tc.stop().await;
}

#[tokio::test]
async fn enable_and_disable_refused_on_pending_import_key_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = external_key(&c).await.0;
    let want = format!("{} is pending import.", arn("us-east-1", &id));
    let (code, msg) = err_code(c.enable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    assert_eq!(state(&c, &id).await, (KeyState::PendingImport, false));
    tc.stop().await;
}

#[tokio::test]
async fn enable_and_disable_refused_on_key_pending_deletion_n1_n2() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let want = format!("{} is pending deletion.", arn("us-east-1", &id));
    let (code, msg) = err_code(c.enable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key().key_id(&id).send().await);
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn enable_disable_is_per_region_n3() {
    let tc = TestCluster::start().await;
    // Two unrelated keys in two Regions: disabling one leaves the other Enabled.
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let a = new_key(&us).await;
    let b = new_key(&eu).await;
    us.disable_key().key_id(&a).send().await.unwrap();
    assert_eq!(state(&eu, &b).await, (KeyState::Enabled, true));
    // The eu-west-1 key cannot be disabled through the us-east-1 port.
    let (code, msg) = err_code(us.disable_key().key_id(&b).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", &b))
    );
    tc.stop().await;
}
