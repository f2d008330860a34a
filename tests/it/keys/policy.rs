//! Key policies (C-10): the default policy, GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, and
//! policy documents that are not JSON.

use crate::common::*;

#[tokio::test]
async fn get_key_policy_returns_default_policy_c10() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let out = c
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(out.policy_name(), Some("default"));
    let policy = out.policy().unwrap();
    assert!(
        policy.contains("arn:aws:iam::111122223333:root"),
        "{policy}"
    );
    // PolicyName may be omitted (defaults to "default").
    let out2 = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(out2.policy(), Some(policy));
    // Any other name does not exist.
    let (code, msg) = err_code(
        c.get_key_policy()
            .key_id(&id)
            .policy_name("other")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "No such policy exists: other for key {}",
            arn("us-east-1", &id)
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn put_key_policy_replaces_the_policy() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:Encrypt","Resource":"*"}]}"#;
    c.put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy(doc)
        .send()
        .await
        .unwrap();
    let out = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(out.policy(), Some(doc));
    tc.stop().await;
}

#[tokio::test]
async fn put_key_policy_rejects_a_document_that_is_not_json() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let before = c
        .get_key_policy()
        .key_id(&id)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    for bad in ["not json at all", "[1,2,3]", "{\"Version\":"] {
        let (code, msg) = err_code(
            c.put_key_policy()
                .key_id(&id)
                .policy_name("default")
                .policy(bad)
                .send()
                .await,
        );
        assert_eq!(code, "MalformedPolicyDocumentException", "{bad}");
        assert_eq!(
            msg.as_deref(),
            Some("The new key policy will not allow you to update the key policy in the future.")
        );
    }
    let after = c.get_key_policy().key_id(&id).send().await.unwrap();
    assert_eq!(after.policy(), Some(before.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn create_key_rejects_a_policy_that_is_not_json() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let (code, _) = err_code(c.create_key().policy("nope").send().await);
    assert_eq!(code, "MalformedPolicyDocumentException");
    // A JSON policy given at creation is stored verbatim.
    let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let out = c.create_key().policy(doc).send().await.unwrap();
    let id = out.key_metadata().unwrap().key_id();
    let got = c.get_key_policy().key_id(id).send().await.unwrap();
    assert_eq!(got.policy(), Some(doc));
    // Nothing was created by the failed call.
    assert_eq!(c.list_keys().send().await.unwrap().keys().len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn list_key_policies_returns_default() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let out = c.list_key_policies().key_id(&id).send().await.unwrap();
    assert_eq!(out.policy_names(), ["default"]);
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    tc.stop().await;
}
