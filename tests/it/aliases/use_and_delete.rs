//! An alias as a KeyId (C-46), and DeleteAlias.

use aws_sdk_kms::primitives::Blob;

use super::*;
use crate::common::*;

#[tokio::test]
async fn alias_works_as_key_id_for_describe_key_and_encrypt_c46() {
    let tc = TestCluster::start().await;
    let c = tc.client("eu-west-1");
    let id = new_key(&c).await;
    create_alias(&c, "alias/orders", &id).await;
    for key_ref in [
        "alias/orders".to_string(),
        alias_arn("eu-west-1", "alias/orders"),
    ] {
        assert_eq!(described_id(&c, &key_ref).await, id);
        let enc = c
            .encrypt()
            .key_id(&key_ref)
            .plaintext(Blob::new(b"secret".to_vec()))
            .send()
            .await
            .unwrap();
        // W-45: the response names the key ARN, not the alias.
        assert_eq!(enc.key_id(), Some(arn("eu-west-1", &id).as_str()));
        let dec = c
            .decrypt()
            .key_id(&key_ref)
            .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"secret");
    }
    // An alias that does not exist.
    let (code, msg) = err_code(
        c.encrypt()
            .key_id("alias/missing")
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("eu-west-1", "alias/missing")
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn delete_alias_removes_it_and_unknown_is_not_found() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    create_alias(&c, "alias/temp", &id).await;
    c.delete_alias()
        .alias_name("alias/temp")
        .send()
        .await
        .unwrap();
    assert!(alias_pairs(&c, None).await.is_empty());
    // The key itself is untouched.
    assert_eq!(described_id(&c, &id).await, id);
    let (code, msg) = err_code(c.delete_alias().alias_name("alias/temp").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("us-east-1", "alias/temp")
        )
    );
    tc.stop().await;
}

#[tokio::test]
async fn delete_alias_allowed_when_target_is_pending_deletion() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    create_alias(&c, "alias/bye", &id).await;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    c.delete_alias()
        .alias_name("alias/bye")
        .send()
        .await
        .unwrap();
    assert!(alias_pairs(&c, None).await.is_empty());
    tc.stop().await;
}
