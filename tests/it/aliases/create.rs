//! CreateAlias (C-40 … C-43, W-42): one name per Region, the name rules, duplicates, and
//! which keys an alias may target.

use super::*;
use crate::common::*;

#[tokio::test]
async fn same_alias_name_lives_independently_in_each_region_c40() {
    let tc = TestCluster::start().await;
    let us = tc.client("us-east-1");
    let eu = tc.client("eu-west-1");
    let us_key = new_key(&us).await;
    let eu_key = new_key(&eu).await;
    create_alias(&us, "alias/shared", &us_key).await;
    create_alias(&eu, "alias/shared", &eu_key).await;
    assert_eq!(described_id(&us, "alias/shared").await, us_key);
    assert_eq!(described_id(&eu, "alias/shared").await, eu_key);
    // Deleting it in one Region leaves the other untouched.
    us.delete_alias()
        .alias_name("alias/shared")
        .send()
        .await
        .unwrap();
    assert_eq!(described_id(&eu, "alias/shared").await, eu_key);
    let (code, msg) = err_code(us.describe_key().key_id("alias/shared").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("us-east-1", "alias/shared")
        )
    );
    // And a Region without the alias does not see it.
    let (code, _) = err_code(
        tc.client("ap-southeast-2")
            .describe_key()
            .key_id("alias/shared")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn alias_name_without_prefix_is_rejected_c41() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("my-key")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
    );
    // UpdateAlias and DeleteAlias apply the same rule.
    let (code, msg) = err_code(
        c.update_alias()
            .alias_name("my-key")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(msg.unwrap().starts_with("Alias must start with the prefix"));
    let (code, msg) = err_code(c.delete_alias().alias_name("my-key").send().await);
    assert_eq!(code, "ValidationException");
    assert!(msg.unwrap().starts_with("Alias must start with the prefix"));
    assert!(alias_pairs(&c, None).await.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn reserved_aws_alias_prefix_is_rejected_c41() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/aws/s3")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidAliasNameException");
    assert_eq!(
        msg.as_deref(),
        Some("Alias cannot begin with the reserved prefix alias/aws/")
    );
    // "alias/aws-ish" is not the reserved prefix.
    create_alias(&c, "alias/aws-ish", &id).await;
    tc.stop().await;
}

#[tokio::test]
async fn alias_name_pattern_and_length_are_validated_w42() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/has space")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
    );
    let long = format!("alias/{}", "a".repeat(251));
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name(&long)
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.unwrap(),
        format!("1 validation error detected: Value '{long}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256")
    );
    // 256 characters including the prefix, and every allowed character, are accepted.
    create_alias(&c, &format!("alias/{}", "a".repeat(250)), &id).await;
    create_alias(&c, "alias/Team:app/prod_v1-x", &id).await;
    tc.stop().await;
}

#[tokio::test]
async fn duplicate_alias_name_is_already_exists_c42() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let a = new_key(&c).await;
    let b = new_key(&c).await;
    create_alias(&c, "alias/dup", &a).await;
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/dup")
            .target_key_id(&b)
            .send()
            .await,
    );
    assert_eq!(code, "AlreadyExistsException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "An alias with the name {} already exists",
            alias_arn("us-east-1", "alias/dup")
        )
    );
    // The alias still points at the first key.
    assert_eq!(described_id(&c, "alias/dup").await, a);
    tc.stop().await;
}

#[tokio::test]
async fn create_alias_refused_on_key_pending_deletion_c43() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    c.schedule_key_deletion().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/late")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("{} is pending deletion.", arn("us-east-1", &id))
    );
    assert!(alias_pairs(&c, None).await.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn create_alias_allowed_on_disabled_and_pending_import_keys_c43() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let disabled = new_key(&c).await;
    c.disable_key().key_id(&disabled).send().await.unwrap();
    let ext = external_key(&c).await.0;
    create_alias(&c, "alias/disabled", &disabled).await;
    // By key ARN too (CreateAlias.TargetKeyId accepts key id or ARN).
    create_alias(&c, "alias/imported", &arn("us-east-1", &ext)).await;
    assert_eq!(
        alias_pairs(&c, None).await,
        pairs(&[
            ("alias/disabled", disabled.as_str()),
            ("alias/imported", ext.as_str())
        ])
    );
    tc.stop().await;
}

#[tokio::test]
async fn create_alias_target_must_exist_and_be_a_key_id_c43() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let missing = "11111111-2222-3333-4444-555555555555";
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/x")
            .target_key_id(missing)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", missing))
    );
    // An alias as the target (W-43: key id or ARN only) → NotFoundException.
    create_alias(&c, "alias/first", &id).await;
    let (code, msg) = err_code(
        c.create_alias()
            .alias_name("alias/second")
            .target_key_id("alias/first")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(msg.as_deref(), Some("Invalid keyId 'alias/first'"));
    tc.stop().await;
}
