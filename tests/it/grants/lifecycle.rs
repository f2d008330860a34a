//! A grant's life: created, listed with AWS's fields, retired (by token or by id), revoked;
//! `Name` idempotency; grants are regional and go with their key.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::GrantOperation as Op;
use serde_json::json;

use super::*;
use crate::common::mr::{mrk, replicate};
use crate::common::*;

#[tokio::test]
async fn create_list_retire_by_token_and_by_id_then_revoke() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = aws_kms_key(&c).await;
    let (g1, t1) = grant(&c, &id, &[Op::Encrypt, Op::Decrypt]).await;
    // AWS formats: a 64-hex grant id and a long opaque token.
    assert!(is_lower_hex(&g1, 64), "{g1}");
    assert!(t1.len() >= 500, "{}", t1.len());
    // By key ARN as well as by key id.
    let (g2, _) = grant(&c, &key_arn, &[Op::DescribeKey]).await;
    let (g3, _) = grant(&c, &id, &[Op::GenerateDataKey]).await;
    assert_eq!(
        grant_ids(&c, &id).await,
        [g1.as_str(), g2.as_str(), g3.as_str()]
    );
    assert_eq!(
        grant_ids(&c, &key_arn).await,
        [g1.as_str(), g2.as_str(), g3.as_str()]
    );

    c.retire_grant()
        .grant_token(&t1)
        .send()
        .await
        .expect("RetireGrant by token");
    assert_eq!(grant_ids(&c, &id).await, [g2.as_str(), g3.as_str()]);
    c.retire_grant()
        .key_id(&key_arn)
        .grant_id(&g2)
        .send()
        .await
        .expect("RetireGrant by id");
    assert_eq!(grant_ids(&c, &id).await, [g3.as_str()]);
    c.revoke_grant()
        .key_id(&id)
        .grant_id(&g3)
        .send()
        .await
        .expect("RevokeGrant");
    assert!(grant_ids(&c, &id).await.is_empty());
    // Gone is gone: retiring or revoking it again → NotFoundException.
    let (code, msg) = err_code(c.revoke_grant().key_id(&id).grant_id(&g3).send().await);
    assert_eq!(code, "NotFoundException");
    msg_is(msg, format!("Grant ID {g3} not found"));
    let (code, _) = err_code(c.retire_grant().grant_token(&t1).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn list_entry_has_the_model_fields() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, key_arn) = aws_kms_key(&c).await;
    let before = wall_secs();
    let out = c
        .create_grant()
        .key_id(&id)
        .grantee_principal(ROLE)
        .retiring_principal(RETIRER)
        .operations(Op::Decrypt)
        .operations(Op::RetireGrant)
        .name("nightly-backup")
        .constraints(
            aws_sdk_kms::types::GrantConstraints::builder()
                .encryption_context_subset("Department", "IT")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let g = &all_grants(&c, &id, 50).await[0];
    assert_eq!(g.grant_id(), out.grant_id());
    assert_eq!(g.key_id(), Some(key_arn.as_str()));
    assert_eq!(g.name(), Some("nightly-backup"));
    assert_eq!(g.grantee_principal(), Some(ROLE));
    assert_eq!(g.retiring_principal(), Some(RETIRER));
    assert_eq!(g.issuing_account(), Some("arn:aws:iam::111122223333:root"));
    assert_eq!(g.operations(), [Op::Decrypt, Op::RetireGrant]);
    let subset = g
        .constraints()
        .unwrap()
        .encryption_context_subset()
        .unwrap();
    assert_eq!(subset.get("Department").map(String::as_str), Some("IT"));
    let created = g.creation_date().unwrap().as_secs_f64();
    assert!(created >= before - 1.0 && created <= wall_secs() + 1.0);
    // Raw JSON: absent members are left out (W-23), dates are epoch numbers (W-21).
    let v = raw_ok(&tc, REGION, "ListGrants", json!({ "KeyId": id })).await;
    assert_eq!(members(&v), ["Grants", "Truncated"]);
    assert_eq!(
        members(&v["Grants"][0]),
        [
            "Constraints",
            "CreationDate",
            "GrantId",
            "GranteePrincipal",
            "IssuingAccount",
            "KeyId",
            "Name",
            "Operations",
            "RetiringPrincipal"
        ]
    );
    assert!(v["Grants"][0]["CreationDate"].is_number());
    // A grant without name, retiring principal or constraints has none of those members.
    let key2 = new_key(&c).await;
    grant(&c, &key2, &[Op::Encrypt]).await;
    let v = raw_ok(&tc, REGION, "ListGrants", json!({ "KeyId": key2 })).await;
    assert_eq!(
        members(&v["Grants"][0]),
        [
            "CreationDate",
            "GrantId",
            "GranteePrincipal",
            "IssuingAccount",
            "KeyId",
            "Operations"
        ]
    );
    tc.stop().await;
}

#[tokio::test]
async fn named_retry_returns_the_same_grant_with_a_new_token() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let create = |name: &'static str, op: Op| {
        c.create_grant()
            .key_id(&id)
            .grantee_principal(ROLE)
            .operations(op)
            .name(name)
            .send()
    };
    let a = create("retry-me", Op::Encrypt).await.unwrap();
    let b = create("retry-me", Op::Encrypt).await.unwrap();
    assert_eq!(a.grant_id(), b.grant_id());
    assert_ne!(a.grant_token(), b.grant_token());
    assert_eq!(grant_ids(&c, &id).await.len(), 1);
    // Both tokens work, interchangeably (Name doc).
    for t in [a.grant_token().unwrap(), b.grant_token().unwrap()] {
        c.describe_key()
            .key_id(&id)
            .grant_tokens(t)
            .send()
            .await
            .unwrap();
    }
    // The same name with other parameters is another grant.
    let d = create("retry-me", Op::Decrypt).await.unwrap();
    assert_ne!(d.grant_id(), a.grant_id());
    // Without a name, identical requests make two grants.
    grant(&c, &id, &[Op::Encrypt]).await;
    grant(&c, &id, &[Op::Encrypt]).await;
    assert_eq!(grant_ids(&c, &id).await.len(), 4);
    // Retiring with the second token retires the one grant.
    c.retire_grant()
        .grant_token(b.grant_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(grant_ids(&c, &id).await.len(), 3);
    tc.stop().await;
}

#[tokio::test]
async fn grants_are_regional_and_replicas_do_not_share_them() {
    let tc = TestCluster::start().await;
    let a = tc.client("us-east-1");
    let b = tc.client("eu-west-1");
    let id = mrk(&a, aws_sdk_kms::types::OriginType::AwsKms).await;
    replicate(&a, &id, "eu-west-1").await;
    let (gid, token) = grant(&a, &id, &[Op::Encrypt]).await;
    assert_eq!(grant_ids(&a, &id).await, [gid.as_str()]);
    assert!(grant_ids(&b, &id).await.is_empty());
    // The token belongs to us-east-1's grant: eu-west-1 did not issue it.
    let (code, _) = err_code(
        b.describe_key()
            .key_id(&id)
            .grant_tokens(&token)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidGrantTokenException");
    let (code, _) = err_code(b.revoke_grant().key_id(&id).grant_id(&gid).send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn deleting_the_key_deletes_its_grants() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let other = new_key(&c).await;
    let mk = |k: String| {
        c.create_grant()
            .key_id(k)
            .grantee_principal(ROLE)
            .retiring_principal(RETIRER)
            .operations(Op::Encrypt)
            .send()
    };
    mk(id.clone()).await.unwrap();
    mk(other.clone()).await.unwrap();
    schedule_deletion(&c, &id, 7).await;
    // Pending deletion: the grant is still listed (ListGrants works in every state).
    assert_eq!(grant_ids(&c, &id).await.len(), 1);
    tc.advance(8.0 * DAY).await;
    let (code, _) = err_code(c.list_grants().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    let retirable = c
        .list_retirable_grants()
        .retiring_principal(RETIRER)
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = retirable
        .grants()
        .iter()
        .map(|g| g.key_id().unwrap())
        .collect();
    assert_eq!(keys, [arn(REGION, &other)]);
    // The key's data keeps working for the other key.
    c.encrypt()
        .key_id(&other)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap();
    tc.stop().await;
}
