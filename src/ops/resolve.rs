//! Key resolution (W-43, W-44): key id, key ARN, alias name and alias ARN, in the request
//! Region only (C-21).

use crate::domain::ids::{self, ArnResource, KmsArn};
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;

/// Which identifiers a member accepts (W-43).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Key id, key ARN, alias name or alias ARN (DescribeKey, crypto ops).
    AnyIdentifier,
    /// Key id or key ARN only (import family, rotation, Enable/Disable, deletion, …).
    KeyIdOrArn,
}

/// Resolves `key_id` to the bare id of an existing key in `node`'s Region.
///
/// W-44, in order: (1) an ARN is parsed; another Region → `NotFoundException "Invalid arn
/// <region>"`; not a KMS key/alias ARN → `InvalidArnException`; another account →
/// `NotFoundException` (W-12). (2) `alias/…` → looked up here; missing → `NotFoundException
/// "Alias <alias ARN> is not found."`. (3) A key-id shape → looked up; missing →
/// `NotFoundException "Key '<ARN>' does not exist"`. (4) Anything else → `NotFoundException
/// "Invalid keyId '<v>'"`. An alias (name or ARN) where only key ids are accepted →
/// `NotFoundException "Invalid keyId '<v>'"` [CHOICE].
///
/// Issue 11, item 3: a key id or alias names a key of the request's account only; a key ARN
/// may name another account's key (cross-account use, which `ops::access` allows only for the
/// operations AWS allows it for, and only when both accounts' policies allow). An alias ARN of
/// another account is never followed (aliases do not cross accounts).
pub fn resolve(node: &Node, key_id: &str, accept: Accept) -> KmsResult<String> {
    if key_id.starts_with("arn:") {
        let arn = KmsArn::parse(key_id)
            .ok_or_else(|| KmsError::new(ErrorCode::InvalidArn, format!("Invalid arn {key_id}")))?;
        if arn.region != node.region {
            return Err(KmsError::not_found(format!("Invalid arn {}", arn.region)));
        }
        let foreign = arn.account != node.request_account();
        let missing = || KmsError::not_found(format!("Key '{key_id}' does not exist"));
        return match arn.resource {
            ArnResource::Key(id) if foreign => {
                if !ids::is_key_id_shape(&id) {
                    return Err(invalid_key_id(key_id));
                }
                node.peek_key(&id, |k| (k.account() == arn.account).then(|| k.id.clone()))
                    .flatten()
                    .ok_or_else(missing)
            }
            ArnResource::Alias(_) if foreign => Err(missing()),
            ArnResource::Key(id) => lookup_key(node, &id, key_id),
            ArnResource::Alias(name) => match accept {
                Accept::AnyIdentifier => lookup_alias(node, &name),
                Accept::KeyIdOrArn => Err(invalid_key_id(key_id)),
            },
        };
    }
    if key_id.starts_with("alias/") {
        return match accept {
            Accept::AnyIdentifier => lookup_alias(node, key_id),
            Accept::KeyIdOrArn => Err(invalid_key_id(key_id)),
        };
    }
    lookup_key(node, key_id, key_id)
}

fn lookup_key(node: &Node, id: &str, given: &str) -> KmsResult<String> {
    if !ids::is_key_id_shape(id) {
        return Err(invalid_key_id(given));
    }
    match node.peek_key(id, |k| node.owns(k).then(|| k.id.clone())) {
        Some(Some(found)) => Ok(found),
        _ => Err(node.key_not_found(id)),
    }
}

fn lookup_alias(node: &Node, name: &str) -> KmsResult<String> {
    let missing = || KmsError::not_found(format!("Alias {} is not found.", node.alias_arn(name)));
    let alias = node
        .store
        .alias(&node.alias_slot(name))
        .ok_or_else(missing)?;
    // An alias whose key has just been deleted disappears with it (C-45).
    node.peek_key(&alias.target, |k| k.id.clone())
        .ok_or_else(missing)
}

fn invalid_key_id(v: &str) -> KmsError {
    KmsError::not_found(format!("Invalid keyId '{v}'"))
}
