//! UpdateAlias (C-44): retargeting, a new target pending deletion, an old target pending
//! deletion, and an unknown alias.

use super::*;
use crate::common::*;

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
