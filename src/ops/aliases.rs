//! CreateAlias, UpdateAlias, DeleteAlias, ListAliases (contract §3.4, C-40 … C-46).

use serde::Serialize;

use super::keys::Empty;
use super::paging;
use super::resolve::{resolve, Accept};
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest, UpdateAliasRequest,
};
use crate::protocol::types::Epoch;
use crate::store::Alias;

/// W-42/C-41: past the model's schema (length, pattern), the `alias/` prefix and the reserved
/// `alias/aws/` prefix.
fn alias_rules(name: &str) -> KmsResult<()> {
    if !name.starts_with("alias/") {
        return Err(KmsError::validation(
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    }
    if name.starts_with("alias/aws/") {
        return Err(KmsError::new(
            ErrorCode::InvalidAliasName,
            "Alias cannot begin with the reserved prefix alias/aws/",
        ));
    }
    if name == "alias/" {
        return Err(KmsError::new(
            ErrorCode::InvalidAliasName,
            "Alias name must have characters after the alias/ prefix",
        ));
    }
    Ok(())
}

/// CreateAlias: C-41, C-42, C-43 (not on a key pending deletion).
pub fn create_alias(node: &Node, req: CreateAliasRequest) -> KmsResult<Empty> {
    let name = req.alias_name;
    alias_rules(&name)?;
    let id = resolve(node, &req.target_key_id, Accept::KeyIdOrArn)?;
    node.read_key(&id, |k| k.permits(OpClass::Manage))??;
    let now = node.now();
    let created = node.store.create_alias(
        &node.alias_slot(&name),
        Alias {
            target: id,
            created: now,
            updated: now,
        },
    );
    if !created {
        return Err(KmsError::new(
            ErrorCode::AlreadyExists,
            format!(
                "An alias with the name {} already exists",
                node.alias_arn(&name)
            ),
        ));
    }
    Ok(Empty {})
}

/// UpdateAlias: C-44. The new target must be of the same type (symmetric / asymmetric /
/// HMAC) and key usage as the current one, else `ValidationException` [CHOICE]; a new target
/// pending deletion → `KMSInvalidStateException`.
pub fn update_alias(node: &Node, req: UpdateAliasRequest) -> KmsResult<Empty> {
    let name = req.alias_name;
    alias_rules(&name)?;
    let slot = node.alias_slot(&name);
    let alias = node.store.alias(&slot).ok_or_else(|| {
        KmsError::not_found(format!("Alias {} is not found.", node.alias_arn(&name)))
    })?;
    let id = resolve(node, &req.target_key_id, Accept::KeyIdOrArn)?;
    let (new_kind, new_usage) = node.read_key(&id, |k| {
        k.permits(OpClass::Manage).map(|_| (kind(k), k.usage))
    })??;
    if let Ok((old_kind, old_usage)) = node.read_key(&alias.target, |k| (kind(k), k.usage)) {
        if old_kind != new_kind || old_usage != new_usage {
            return Err(KmsError::validation(format!(
                "{} is not compatible with the alias's current target: the new key must have the same key type and key usage",
                node.key_arn(&id)
            )));
        }
    }
    if !node.store.retarget_alias(&slot, &id, node.now()) {
        return Err(KmsError::not_found(format!(
            "Alias {} is not found.",
            node.alias_arn(&name)
        )));
    }
    Ok(Empty {})
}

/// Symmetric / asymmetric / HMAC (C-44).
fn kind(k: &crate::domain::key::Key) -> u8 {
    use crate::domain::enums::KeySpec;
    match k.spec {
        KeySpec::SymmetricDefault => 0,
        s if s.is_hmac() => 1,
        _ => 2,
    }
}

/// DeleteAlias: allowed whatever the target's state (§4.3).
pub fn delete_alias(node: &Node, req: DeleteAliasRequest) -> KmsResult<Empty> {
    let name = req.alias_name;
    alias_rules(&name)?;
    if !node.store.delete_alias(&node.alias_slot(&name)) {
        return Err(KmsError::not_found(format!(
            "Alias {} is not found.",
            node.alias_arn(&name)
        )));
    }
    Ok(Empty {})
}

/// `ListAliasesResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAliasesResponse {
    aliases: Vec<AliasListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// `AliasListEntry` (W-45: `TargetKeyId` is the bare id).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasListEntry {
    alias_name: String,
    alias_arn: String,
    target_key_id: String,
    creation_date: Epoch,
    last_updated_date: Epoch,
}

/// ListAliases: C-45, sorted by name (W-52); default limit 50, at most 100 (W-51).
pub fn list_aliases(node: &Node, req: ListAliasesRequest) -> KmsResult<ListAliasesResponse> {
    let target = match &req.key_id {
        Some(k) => {
            let id = resolve(node, k, Accept::KeyIdOrArn)?;
            // Not a cross-account operation: another account's key ARN names nothing here.
            if !node.read_key(&id, |key| node.owns(key))? {
                return Err(KmsError::not_found(format!("Key '{k}' does not exist")));
            }
            Some(id)
        }
        None => None,
    };
    let start = paging::numeric_position("aliases", req.marker.as_deref())?;
    // Aliases of keys deleted by the clock disappear with them (C-45).
    let live: Vec<_> = node
        .store
        .aliases(target.as_deref())
        .into_iter()
        .filter_map(|(slot, a)| Some((node.alias_of_slot(&slot)?.to_string(), a)))
        .filter(|(_, a)| node.peek_key(&a.target, |_| ()).is_some())
        .collect();
    let (page, next) = paging::page(live, start, req.limit.unwrap_or(50) as usize, "aliases");
    Ok(ListAliasesResponse {
        aliases: page
            .into_iter()
            .map(|(name, a)| AliasListEntry {
                alias_arn: node.alias_arn(&name),
                alias_name: name,
                target_key_id: a.target,
                creation_date: Epoch(a.created),
                last_updated_date: Epoch(a.updated),
            })
            .collect(),
        truncated: next.is_some(),
        next_marker: next,
    })
}
