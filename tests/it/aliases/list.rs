//! ListAliases (C-45, W-50): all or one key's, sorted and paged by name, and aliases of a key
//! that is deleted.

use aws_sdk_kms::types::KeyState;

use super::*;
use crate::common::*;

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
