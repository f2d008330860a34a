//! ListGrants filters and paging, and ListRetirableGrants across keys.

use aws_sdk_kms::types::GrantOperation as Op;

use super::*;
use crate::common::*;

#[tokio::test]
async fn paging_with_limit_walks_every_grant_in_creation_order() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let mut want = Vec::new();
    for _ in 0..7 {
        want.push(grant(&c, &id, &[Op::Encrypt]).await.0);
    }
    for limit in [1, 2, 3, 7, 100] {
        let got: Vec<String> = all_grants(&c, &id, limit)
            .await
            .iter()
            .map(|g| g.grant_id().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "limit {limit}");
    }
    // Default page: 50, so 7 fit in one untruncated page.
    let page = c.list_grants().key_id(&id).send().await.unwrap();
    assert_eq!(page.grants().len(), 7);
    assert!(!page.truncated());
    // A marker from another key's list, or one kmsim did not issue.
    let other = new_key(&c).await;
    grant(&c, &other, &[Op::Encrypt]).await;
    grant(&c, &other, &[Op::Encrypt]).await;
    let first = c
        .list_grants()
        .key_id(&other)
        .limit(1)
        .send()
        .await
        .unwrap();
    let m = first.next_marker().unwrap();
    let (code, _) = err_code(c.list_grants().key_id(&id).marker(m).send().await);
    assert_eq!(code, "InvalidMarkerException");
    let (code, _) = err_code(c.list_grants().key_id(&id).marker("garbage").send().await);
    assert_eq!(code, "InvalidMarkerException");
    // Limit 1..100 (member doc).
    for bad in [0, 101] {
        let (code, msg) = err_code(c.list_grants().key_id(&id).limit(bad).send().await);
        assert_eq!(code, "ValidationException");
        assert!(msg
            .unwrap()
            .contains("at 'limit' failed to satisfy constraint"));
    }
    tc.stop().await;
}

#[tokio::test]
async fn filters_by_grant_id_and_grantee() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let (g1, _) = grant(&c, &id, &[Op::Encrypt]).await;
    let g2 = c
        .create_grant()
        .key_id(&id)
        .grantee_principal("arn:aws:iam::111122223333:user/bob")
        .operations(Op::Decrypt)
        .send()
        .await
        .unwrap()
        .grant_id()
        .unwrap()
        .to_string();
    let g3 = c
        .create_grant()
        .key_id(&id)
        .grantee_service_principal("logs.us-east-1.amazonaws.com")
        .retiring_principal(RETIRER)
        .operations(Op::Encrypt)
        .constraints(
            aws_sdk_kms::types::GrantConstraints::builder()
                .source_arn("arn:aws:logs:us-east-1:111122223333:log-group:app")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .grant_id()
        .unwrap()
        .to_string();
    let ids = |r: aws_sdk_kms::operation::list_grants::ListGrantsOutput| -> Vec<String> {
        r.grants()
            .iter()
            .map(|g| g.grant_id().unwrap().to_string())
            .collect()
    };
    let r = c
        .list_grants()
        .key_id(&id)
        .grant_id(&g2)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(r), [g2.as_str()]);
    let r = c
        .list_grants()
        .key_id(&id)
        .grantee_principal(ROLE)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(r), [g1.as_str()]);
    let r = c
        .list_grants()
        .key_id(&id)
        .grantee_service_principal("logs.us-east-1.amazonaws.com")
        .send()
        .await
        .unwrap();
    let g = &r.grants()[0];
    assert_eq!(g.grant_id(), Some(g3.as_str()));
    assert_eq!(
        g.grantee_service_principal(),
        Some("logs.us-east-1.amazonaws.com")
    );
    assert_eq!(g.grantee_principal(), None);
    assert_eq!(
        g.constraints().unwrap().source_arn(),
        Some("arn:aws:logs:us-east-1:111122223333:log-group:app")
    );
    // A well-formed unknown grant id matches nothing; a malformed one is refused.
    let r = c
        .list_grants()
        .key_id(&id)
        .grant_id("0".repeat(64))
        .send()
        .await
        .unwrap();
    assert!(r.grants().is_empty());
    let (code, msg) = err_code(c.list_grants().key_id(&id).grant_id("nope").send().await);
    assert_eq!(code, "InvalidGrantIdException");
    msg_is(msg, "Invalid grantId 'nope'".into());
    // Not both grantee filters.
    let (code, _) = err_code(
        c.list_grants()
            .key_id(&id)
            .grantee_principal(ROLE)
            .grantee_service_principal("logs.us-east-1.amazonaws.com")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    tc.stop().await;
}

#[tokio::test]
async fn list_retirable_grants_spans_the_regions_keys_and_pages() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let mut want = Vec::new();
    for _ in 0..3 {
        let id = new_key(&c).await;
        grant(&c, &id, &[Op::Encrypt]).await; // no retiring principal
        for _ in 0..2 {
            let g = c
                .create_grant()
                .key_id(&id)
                .grantee_principal(ROLE)
                .retiring_principal(RETIRER)
                .operations(Op::Decrypt)
                .send()
                .await
                .unwrap();
            want.push((arn(REGION, &id), g.grant_id().unwrap().to_string()));
        }
    }
    // Another Region's grants are not listed.
    let other = tc.client("eu-west-1");
    let oid = new_key(&other).await;
    other
        .create_grant()
        .key_id(&oid)
        .grantee_principal(ROLE)
        .retiring_principal(RETIRER)
        .operations(Op::Decrypt)
        .send()
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut marker = None;
    loop {
        let page = c
            .list_retirable_grants()
            .retiring_principal(RETIRER)
            .limit(4)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        got.extend(page.grants().iter().map(|g| {
            assert_eq!(g.retiring_principal(), Some(RETIRER));
            (
                g.key_id().unwrap().to_string(),
                g.grant_id().unwrap().to_string(),
            )
        }));
        if !page.truncated() {
            break;
        }
        marker = page.next_marker().map(str::to_string);
    }
    assert_eq!(got, want);
    let none = c
        .list_retirable_grants()
        .retiring_principal("arn:aws:iam::111122223333:role/nobody")
        .send()
        .await
        .unwrap();
    assert!(none.grants().is_empty());
    assert!(!none.truncated());
    // Neither principal: the member is missing (W-35).
    let (code, msg) = err_code(c.list_retirable_grants().send().await);
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null".into(),
    );
    tc.stop().await;
}
