//! Key resolution: which identifiers each operation accepts and the exact NotFound /
//! InvalidArn errors (contract §1.5, W-43, W-44).

use crate::common::*;

#[tokio::test]
async fn describe_key_accepts_key_id_key_arn_alias_name_and_alias_arn_w43() {
    let tc = TestCluster::start().await;
    let c = tc.client("ap-southeast-2");
    let id = new_key(&c).await;
    create_alias(&c, "alias/by-any-name", &id).await;
    for key_ref in [
        id.clone(),
        arn("ap-southeast-2", &id),
        "alias/by-any-name".to_string(),
        alias_arn("ap-southeast-2", "alias/by-any-name"),
    ] {
        assert_eq!(described_id(&c, &key_ref).await, id, "{key_ref}");
    }
    tc.stop().await;
}

#[tokio::test]
async fn multi_region_key_id_resolves_like_a_uuid_w44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let out = c.create_key().multi_region(true).send().await.unwrap();
    let id = out.key_metadata().unwrap().key_id().to_string();
    assert_eq!(described_id(&c, &id).await, id);
    assert_eq!(described_id(&c, &arn("us-east-1", &id)).await, id);
    // A well-formed mrk id that does not exist.
    let missing = "mrk-0123456789abcdef0123456789abcdef";
    let (code, msg) = err_code(c.describe_key().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", missing))
    );
    tc.stop().await;
}

#[tokio::test]
async fn alias_is_refused_by_key_id_only_operations_w43() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    create_alias(&c, "alias/only-ids", &id).await;
    let (code, msg) = err_code(c.enable_key().key_id("alias/only-ids").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/only-ids'"));
    let a_arn = alias_arn("us-east-1", "alias/only-ids");
    let (code, msg) = err_code(c.disable_key().key_id(&a_arn).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.unwrap(), format!("Invalid keyId '{a_arn}'"));
    let (code, _) = err_code(
        c.schedule_key_deletion()
            .key_id("alias/only-ids")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    // Nothing happened to the key.
    let d = c.describe_key().key_id(&id).send().await.unwrap();
    assert!(d.key_metadata().unwrap().enabled());
    tc.stop().await;
}

#[tokio::test]
async fn arn_of_another_region_is_invalid_arn_not_found_w44() {
    let tc = TestCluster::start().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let eu_id = new_key(&eu).await;
    let (code, msg) = err_code(
        us.describe_key()
            .key_id(arn("eu-west-1", &eu_id))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid arn eu-west-1"));
    // Also for key-id-only operations and for alias ARNs.
    let (code, msg) = err_code(
        us.enable_key()
            .key_id(arn("eu-west-1", &eu_id))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid arn eu-west-1"));
    let (code, msg) = err_code(
        us.describe_key()
            .key_id(alias_arn("ap-southeast-2", "alias/x"))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid arn ap-southeast-2"));
    tc.stop().await;
}

#[tokio::test]
async fn arn_of_another_service_is_invalid_arn_exception_w44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    new_key(&c).await;
    for bad in [
        "arn:aws:s3:::my-bucket",
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:kms:us-east-1:111122223333:grant/abc",
        "arn:nonsense",
    ] {
        let (code, msg) = err_code(c.describe_key().key_id(bad).send().await);
        assert_eq!(code, "InvalidArnException", "{bad}");
        assert_eq!(msg.unwrap(), format!("Invalid arn {bad}"));
    }
    tc.stop().await;
}

#[tokio::test]
async fn arn_of_another_account_is_not_found_w12() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let foreign = format!("arn:aws:kms:us-east-1:999999999999:key/{id}");
    let (code, msg) = err_code(c.describe_key().key_id(&foreign).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.unwrap(), format!("Key '{foreign}' does not exist"));
    tc.stop().await;
}

#[tokio::test]
async fn missing_key_is_key_does_not_exist_w44() {
    let tc = TestCluster::start().await;
    let c = tc.client("eu-west-1");
    let missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let want = format!("Key '{}' does not exist", arn("eu-west-1", missing));
    let (code, msg) = err_code(c.describe_key().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    // The same through its ARN, and from a key-id-only operation.
    let (code, msg) = err_code(
        c.describe_key()
            .key_id(arn("eu-west-1", missing))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    let (code, msg) = err_code(c.disable_key().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some(want.as_str()));
    tc.stop().await;
}

#[tokio::test]
async fn malformed_key_id_is_invalid_key_id_w44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    for bad in [
        "fake-key-id",
        "mrk-fake-key-id",
        "1234abcd12ab34cd56ef1234567890ab",
        "mrk-1234",
    ] {
        let (code, msg) = err_code(c.describe_key().key_id(bad).send().await);
        assert_eq!(code, "NotFoundException", "{bad}");
        assert_eq!(msg.unwrap(), format!("Invalid keyId '{bad}'"));
        let (code, msg) = err_code(c.enable_key().key_id(bad).send().await);
        assert_eq!(code, "NotFoundException", "{bad}");
        assert_eq!(msg.unwrap(), format!("Invalid keyId '{bad}'"));
    }
    // A key ARN whose resource is not a key id is reported with the whole ARN.
    let bad_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/fake-key-id");
    let (code, msg) = err_code(c.describe_key().key_id(&bad_arn).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.unwrap(), format!("Invalid keyId '{bad_arn}'"));
    tc.stop().await;
}

#[tokio::test]
async fn missing_key_id_is_validation_exception_w35() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let want = "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null";
    let (code, msg) = err_code(c.describe_key().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(want));
    let (code, msg) = err_code(c.enable_key().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(want));
    let (code, msg) = err_code(c.schedule_key_deletion().send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(msg.as_deref(), Some(want));
    // An empty KeyId breaks the length constraint instead.
    let (code, msg) = err_code(c.describe_key().key_id("").send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1")
    );
    tc.stop().await;
}

#[tokio::test]
async fn key_is_resolved_in_the_request_region_only_c21() {
    let tc = TestCluster::start().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let id = new_key(&us).await;
    create_alias(&us, "alias/home", &id).await;
    let (code, msg) = err_code(eu.describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("eu-west-1", &id))
    );
    let (code, msg) = err_code(eu.describe_key().key_id("alias/home").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("eu-west-1", "alias/home")
        )
    );
    tc.stop().await;
}
