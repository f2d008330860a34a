//! CreateAlias, UpdateAlias, DeleteAlias, ListAliases and aliases as key identifiers
//! (contract §3.4, C-40 … C-46); a file per operation.

use aws_sdk_kms::Client;

mod create;
mod list;
mod update;
mod use_and_delete;

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
