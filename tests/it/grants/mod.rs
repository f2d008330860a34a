//! CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant, and `GrantTokens`
//! on the operations that take them; a file per concern.

use aws_sdk_kms::types::{GrantListEntry, GrantOperation};
use aws_sdk_kms::Client;

mod errors;
mod lifecycle;
mod listing;
mod tokens;

/// A principal in the test account.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/app";
/// Another principal, used as a retiring principal.
pub const RETIRER: &str = "arn:aws:iam::111122223333:role/retirer";

/// CreateGrant for `ROLE` with `ops`, expecting success; (GrantId, GrantToken).
pub async fn grant(c: &Client, key_id: &str, ops: &[GrantOperation]) -> (String, String) {
    let out = c
        .create_grant()
        .key_id(key_id)
        .grantee_principal(ROLE)
        .set_operations(Some(ops.to_vec()))
        .send()
        .await
        .expect("CreateGrant");
    (
        out.grant_id().expect("GrantId").to_string(),
        out.grant_token().expect("GrantToken").to_string(),
    )
}

/// Every grant of a key, following the markers with pages of `limit`.
pub async fn all_grants(c: &Client, key_id: &str, limit: i32) -> Vec<GrantListEntry> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = c
            .list_grants()
            .key_id(key_id)
            .limit(limit)
            .set_marker(marker)
            .send()
            .await
            .expect("ListGrants");
        assert!(page.grants().len() <= limit as usize);
        out.extend(page.grants().iter().cloned());
        if !page.truncated() {
            assert!(page.next_marker().is_none());
            return out;
        }
        marker = page.next_marker().map(str::to_string);
        assert!(marker.is_some(), "Truncated without NextMarker");
    }
}

/// The grant ids of a key, in listing order.
pub async fn grant_ids(c: &Client, key_id: &str) -> Vec<String> {
    all_grants(c, key_id, 100)
        .await
        .iter()
        .map(|g| g.grant_id().unwrap().to_string())
        .collect()
}
