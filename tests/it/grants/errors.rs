//! Every modelled CreateGrant / ListGrants / RetireGrant / RevokeGrant error kmsim can produce,
//! key-state rules, DryRun and the per-key quota. A refused request changes nothing.

use aws_sdk_kms::types::{
    GrantConstraints, GrantOperation as Op, KeySpec, KeyUsageType, OriginType,
};

use super::*;
use crate::common::*;

#[tokio::test]
async fn create_grant_refuses_bad_keys_and_members() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = aws_kms_key(&c).await;
    create_alias(&c, "alias/granted", &id).await;
    let base = || {
        c.create_grant()
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
    };
    // Key id or key ARN only: an alias is not accepted (KeyId doc; W-43).
    let (code, msg) = err_code(base().key_id("alias/granted").send().await);
    assert_eq!(code, "NotFoundException");
    msg_is(msg, "Invalid keyId 'alias/granted'".into());
    let missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let (code, msg) = err_code(base().key_id(missing).send().await);
    assert_eq!(code, "NotFoundException");
    msg_is(
        msg,
        format!("Key '{}' does not exist", arn(REGION, missing)),
    );
    let (code, _) = err_code(base().key_id("arn:aws:s3:::bucket").send().await);
    assert_eq!(code, "InvalidArnException");
    // Required members (W-35), raw so the SDK's own checks do not intervene.
    let (status, v) = raw_op(&tc, REGION, "CreateGrant", serde_json::json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "ValidationException");
    assert_eq!(
        v["message"],
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; Value null at 'operations' failed to satisfy constraint: Member must not be null"
    );
    let (_, v) = raw_op(
        &tc,
        REGION,
        "CreateGrant",
        serde_json::json!({"KeyId": id, "GranteePrincipal": ROLE, "Operations": ["Encrypt", "Fly"]}),
    )
    .await;
    assert_eq!(v["__type"], "ValidationException");
    let m = v["message"].as_str().unwrap();
    assert!(
        m.starts_with("1 validation error detected: Value '[Encrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt, "),
        "{m}"
    );
    let (code, msg) = err_code(base().key_id(&id).name("has space").send().await);
    assert_eq!(code, "ValidationException");
    assert!(msg.unwrap().contains("at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"));
    // Grantee: exactly one of the two.
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&id)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (code, _) = err_code(
        base()
            .key_id(&id)
            .grantee_service_principal("logs.us-east-1.amazonaws.com")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    // A service grantee needs SourceArn and a retiring principal.
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_service_principal("logs.us-east-1.amazonaws.com")
            .retiring_principal(RETIRER)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    // Empty operations.
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .set_operations(Some(vec![]))
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    // Operations must fit the key: Sign on a symmetric key, GenerateDataKey on a signing key.
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Sign)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    assert!(msg.unwrap().contains("[Sign]"));
    let (sid, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&sid)
            .grantee_principal(ROLE)
            .operations(Op::GenerateDataKey)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    grant(
        &c,
        &sid,
        &[Op::Sign, Op::Verify, Op::GetPublicKey, Op::DescribeKey],
    )
    .await;
    // No encryption-context constraint for crypto on an asymmetric key.
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&sid)
            .grantee_principal(ROLE)
            .operations(Op::Sign)
            .constraints(
                GrantConstraints::builder()
                    .encryption_context_equals("a", "b")
                    .build(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    // Nine context pairs is one too many.
    let mut nine = GrantConstraints::builder();
    for i in 0..9 {
        nine = nine.encryption_context_subset(format!("k{i}"), "v");
    }
    let (code, _) = err_code(base().key_id(&id).constraints(nine.build()).send().await);
    assert_eq!(code, "ValidationException");
    // Nothing was created by any refusal.
    assert!(grant_ids(&c, &id).await.is_empty());
    assert_eq!(grant_ids(&c, &sid).await.len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn create_grant_follows_the_key_state_table() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = aws_kms_key(&c).await;
    let (gid, _) = grant(&c, &id, &[Op::Encrypt]).await;
    c.disable_key().key_id(&id).send().await.unwrap();
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "DisabledException");
    msg_is(msg, format!("{key_arn} is disabled."));
    // Listing and revoking work in every state.
    assert_eq!(grant_ids(&c, &id).await, [gid.as_str()]);
    schedule_deletion(&c, &id, 7).await;
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{key_arn} is pending deletion."));
    c.revoke_grant()
        .key_id(&id)
        .grant_id(&gid)
        .send()
        .await
        .unwrap();
    let (ext, ext_arn) = external_key(&c).await;
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&ext)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    msg_is(msg, format!("{ext_arn} is pending import."));
    tc.stop().await;
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let dry = "The request would have succeeded, but the DryRun option is set.";
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    msg_is(msg, dry.into());
    assert!(grant_ids(&c, &id).await.is_empty());
    // A DryRun that would fail reports the failure instead.
    let (code, _) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Sign)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    let (gid, token) = grant(&c, &id, &[Op::Encrypt]).await;
    let (code, _) = err_code(
        c.retire_grant()
            .grant_token(&token)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    let (code, _) = err_code(
        c.revoke_grant()
            .key_id(&id)
            .grant_id(&gid)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "DryRunOperationException");
    assert_eq!(grant_ids(&c, &id).await, [gid.as_str()]);
    let (code, _) = err_code(
        c.revoke_grant()
            .key_id(&id)
            .grant_id("0".repeat(64))
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn retire_and_revoke_refuse_bad_identifiers() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let (gid, token) = grant(&c, &id, &[Op::Encrypt]).await;
    let (code, _) = err_code(c.retire_grant().send().await);
    assert_eq!(code, "ValidationException");
    let (code, _) = err_code(c.retire_grant().grant_id(&gid).send().await);
    assert_eq!(code, "ValidationException");
    let (code, msg) = err_code(c.retire_grant().key_id(&id).grant_id("xyz").send().await);
    assert_eq!(code, "InvalidGrantIdException");
    msg_is(msg, "Invalid grantId 'xyz'".into());
    let (code, _) = err_code(c.revoke_grant().key_id(&id).grant_id("xyz").send().await);
    assert_eq!(code, "InvalidGrantIdException");
    let (code, msg) = err_code(
        c.revoke_grant()
            .key_id(&id)
            .grant_id("f".repeat(64))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    msg_is(msg, format!("Grant ID {} not found", "f".repeat(64)));
    // A token with a GrantId naming another grant.
    let (code, _) = err_code(
        c.retire_grant()
            .grant_token(&token)
            .grant_id("a".repeat(64))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidGrantIdException");
    // A grant of one key is not found under another key.
    let other = new_key(&c).await;
    let (code, _) = err_code(c.revoke_grant().key_id(&other).grant_id(&gid).send().await);
    assert_eq!(code, "NotFoundException");
    let (code, _) = err_code(
        c.revoke_grant()
            .key_id("alias/x")
            .grant_id(&gid)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(grant_ids(&c, &id).await, [gid.as_str()]);
    tc.stop().await;
}

#[tokio::test]
async fn the_grant_quota_is_per_key_and_configurable() {
    let tc = TestCluster::start_with("[limits]\ngrants_per_key = 3\n").await;
    let c = tc.client(REGION);
    let (id, key_arn) = aws_kms_key(&c).await;
    let named = || {
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .name("kept")
            .send()
    };
    let kept = named().await.unwrap();
    grant(&c, &id, &[Op::Encrypt]).await;
    grant(&c, &id, &[Op::Encrypt]).await;
    let (code, msg) = err_code(
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(Op::Encrypt)
            .send()
            .await,
    );
    assert_eq!(code, "LimitExceededException");
    msg_is(
        msg,
        format!("The number of grants on KMS key {key_arn} has reached the limit of 3."),
    );
    // A retry of an existing named grant creates nothing, so it still succeeds.
    assert_eq!(named().await.unwrap().grant_id(), kept.grant_id());
    // Another key has its own quota; retiring one frees a place.
    let other = new_key(&c).await;
    grant(&c, &other, &[Op::Encrypt]).await;
    c.revoke_grant()
        .key_id(&id)
        .grant_id(kept.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    grant(&c, &id, &[Op::Encrypt]).await;
    assert_eq!(grant_ids(&c, &id).await.len(), 3);
    tc.stop().await;
}
