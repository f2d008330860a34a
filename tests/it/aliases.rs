//! CreateAlias, UpdateAlias, DeleteAlias, ListAliases and aliases as key identifiers
//! (contract §3.4, C-40 … C-46).

use crate::common::*;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyState, OriginType};
use aws_sdk_kms::Client;

async fn new_key(c: &Client) -> String {
    c.create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

/// The alias ARN of `name` (with its `alias/` prefix) in `region` (W-41).
fn alias_arn(region: &str, name: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:{name}")
}

async fn create_alias(c: &Client, name: &str, target: &str) {
    c.create_alias()
        .alias_name(name)
        .target_key_id(target)
        .send()
        .await
        .unwrap();
}

async fn described_id(c: &Client, key_id: &str) -> String {
    c.describe_key()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

/// (AliasName, TargetKeyId) of every alias ListAliases returns.
async fn alias_pairs(c: &Client, key_id: Option<&str>) -> Vec<(String, String)> {
    c.list_aliases()
        .set_key_id(key_id.map(str::to_string))
        .send()
        .await
        .unwrap()
        .aliases()
        .iter()
        .map(|a| {
            (
                a.alias_name().unwrap().to_string(),
                a.target_key_id().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

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
    let ext = c
        .create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
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

#[tokio::test]
async fn update_alias_retargets_and_refuses_key_pending_deletion_c44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let a = new_key(&c).await;
    let b = new_key(&c).await;
    let doomed = new_key(&c).await;
    create_alias(&c, "alias/app", &a).await;
    let created = c.list_aliases().send().await.unwrap().aliases()[0]
        .creation_date()
        .unwrap()
        .as_secs_f64();
    tc.advance(60.0).await;
    c.update_alias()
        .alias_name("alias/app")
        .target_key_id(&b)
        .send()
        .await
        .unwrap();
    assert_eq!(described_id(&c, "alias/app").await, b);
    let entry = c.list_aliases().send().await.unwrap().aliases()[0].clone();
    assert_eq!(entry.target_key_id(), Some(b.as_str()));
    assert_eq!(entry.creation_date().unwrap().as_secs_f64(), created);
    assert!(entry.last_updated_date().unwrap().as_secs_f64() >= created + 60.0);

    c.schedule_key_deletion()
        .key_id(&doomed)
        .send()
        .await
        .unwrap();
    let (code, msg) = err_code(
        c.update_alias()
            .alias_name("alias/app")
            .target_key_id(&doomed)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(
        msg.unwrap(),
        format!("{} is pending deletion.", arn("us-east-1", &doomed))
    );
    assert_eq!(described_id(&c, "alias/app").await, b);
    tc.stop().await;
}

#[tokio::test]
async fn update_alias_away_from_a_current_target_pending_deletion_c44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let old = new_key(&c).await;
    let new = new_key(&c).await;
    create_alias(&c, "alias/rescue", &old).await;
    c.schedule_key_deletion().key_id(&old).send().await.unwrap();
    c.update_alias()
        .alias_name("alias/rescue")
        .target_key_id(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(described_id(&c, "alias/rescue").await, new);
    tc.stop().await;
}

#[tokio::test]
async fn update_alias_unknown_alias_is_not_found_c44() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    let (code, msg) = err_code(
        c.update_alias()
            .alias_name("alias/nope")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("us-east-1", "alias/nope")
        )
    );
    assert!(alias_pairs(&c, None).await.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn list_aliases_with_and_without_key_id_c45() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let a = new_key(&c).await;
    let b = new_key(&c).await;
    // Created out of name order: the list is sorted by name (W-52).
    create_alias(&c, "alias/zeta", &a).await;
    create_alias(&c, "alias/alpha", &b).await;
    create_alias(&c, "alias/mid", &a).await;
    let out = c.list_aliases().send().await.unwrap();
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    let names: Vec<&str> = out
        .aliases()
        .iter()
        .map(|x| x.alias_name().unwrap())
        .collect();
    assert_eq!(names, ["alias/alpha", "alias/mid", "alias/zeta"]);
    for e in out.aliases() {
        let name = e.alias_name().unwrap();
        assert_eq!(e.alias_arn(), Some(alias_arn("us-east-1", name).as_str()));
        // W-45: TargetKeyId is the bare key id.
        let t = e.target_key_id().unwrap();
        assert!(t == a || t == b, "{t}");
        assert!(e.creation_date().is_some());
        assert!(e.last_updated_date().is_some());
    }
    assert_eq!(
        alias_pairs(&c, Some(&a)).await,
        pairs(&[("alias/mid", a.as_str()), ("alias/zeta", a.as_str())])
    );
    // KeyId as a key ARN.
    assert_eq!(
        alias_pairs(&c, Some(&arn("us-east-1", &b))).await,
        pairs(&[("alias/alpha", b.as_str())])
    );
    // A key without aliases lists none.
    let lonely = new_key(&c).await;
    assert!(alias_pairs(&c, Some(&lonely)).await.is_empty());
    tc.stop().await;
}

#[tokio::test]
async fn list_aliases_unknown_key_is_not_found_c45() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let missing = "11111111-2222-3333-4444-555555555555";
    let (code, msg) = err_code(c.list_aliases().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!("Key '{}' does not exist", arn("us-east-1", missing))
    );
    tc.stop().await;
}

#[tokio::test]
async fn list_aliases_pages_by_name_w50() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let id = new_key(&c).await;
    for n in ["e", "c", "a", "d", "b"] {
        create_alias(&c, &format!("alias/{n}"), &id).await;
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .list_aliases()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        seen.extend(
            out.aliases()
                .iter()
                .map(|a| a.alias_name().unwrap().to_string()),
        );
        assert_eq!(out.truncated(), out.next_marker().is_some());
        if !out.truncated() {
            break;
        }
        marker = out.next_marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["alias/a", "alias/b", "alias/c", "alias/d", "alias/e"]
    );
    let (code, msg) = err_code(c.list_aliases().marker("bogus").send().await);
    assert_eq!(code, "InvalidMarkerException");
    assert_eq!(msg.as_deref(), Some("Invalid marker: bogus"));
    // ListAliases allows at most 100 (W-51).
    let (code, msg) = err_code(c.list_aliases().limit(101).send().await);
    assert_eq!(code, "ValidationException");
    assert_eq!(
        msg.as_deref(),
        Some("1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
    );
    tc.stop().await;
}

#[tokio::test]
async fn aliases_of_a_deleted_key_disappear_after_the_window_c45() {
    let tc = TestCluster::start().await;
    let c = tc.client("us-east-1");
    let doomed = new_key(&c).await;
    let kept = new_key(&c).await;
    create_alias(&c, "alias/doomed", &doomed).await;
    create_alias(&c, "alias/kept", &kept).await;
    c.schedule_key_deletion()
        .key_id(&doomed)
        .send()
        .await
        .unwrap();
    // While pending deletion the alias is still listed and still resolves.
    assert_eq!(
        alias_pairs(&c, None).await,
        pairs(&[
            ("alias/doomed", doomed.as_str()),
            ("alias/kept", kept.as_str())
        ])
    );
    let d = c
        .describe_key()
        .key_id("alias/doomed")
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.key_metadata().unwrap().key_state(),
        Some(&KeyState::PendingDeletion)
    );
    tc.advance(31.0 * 86400.0).await;
    assert_eq!(
        alias_pairs(&c, None).await,
        pairs(&[("alias/kept", kept.as_str())])
    );
    let (code, msg) = err_code(c.describe_key().key_id("alias/doomed").send().await);
    assert_eq!(code, "NotFoundException");
    assert_eq!(
        msg.unwrap(),
        format!(
            "Alias {} is not found.",
            alias_arn("us-east-1", "alias/doomed")
        )
    );
    // The name is free again.
    create_alias(&c, "alias/doomed", &kept).await;
    tc.stop().await;
}

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
