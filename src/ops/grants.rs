//! CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant, and the
//! `GrantTokens` check every operation with that member shares ([`check_tokens`]).
//!
//! The rules live in [`crate::domain::grant`]; the grants in [`crate::grant_table`], beside the
//! Region's keys. In `[auth] mode = "sigv4"` a grant lets its grantee call its operations
//! under its constraints, and decides who may retire it ([`super::access`]).

use serde::Serialize;

use super::keys::Empty;
use super::paging;
use super::resolve::{resolve, Accept};
use crate::domain::ciphertext::EncryptionContext;
use crate::domain::grant::{
    self, check_fits_key, check_spec, dedup_operations, grant_not_found, invalid_grant_id,
    invalid_grant_token, Constraints, Grant, GrantSpec, Principal,
};
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    CreateGrantRequest, ListGrantsRequest, ListRetirableGrantsRequest, RetireGrantRequest,
    RevokeGrantRequest,
};
use crate::protocol::types::Epoch;

/// `GrantTokens` on any operation that has the member (Encrypt, Decrypt, ReEncrypt,
/// GenerateDataKey*, Sign, Verify, GenerateMac, VerifyMac, GetPublicKey, DescribeKey,
/// CreateGrant, …), checked once for every operation by the dispatcher (`ops::run`) after the
/// model's constraints (0..10 entries of 1..8192 characters, W-35) and before the handler:
/// every token must be one this Region issued → else `InvalidGrantTokenException` (in the
/// error list of every such operation but DescribeKey, which kmsim checks the same way
/// [CHOICE]).
///
/// [CHOICE] A token stays well-formed after its grant is retired or revoked and is then still
/// accepted: a token only helps a new grant past eventual consistency, which kmsim does not
/// have (a grant is effective at once and gone at once, [`super::access`]). A token issued in another Region is not one of this Region's → refused, since grants
/// are regional.
pub fn check_tokens(node: &Node, tokens: Option<&[String]>) -> KmsResult<()> {
    let Some(tokens) = tokens else {
        return Ok(());
    };
    if tokens
        .iter()
        .all(|t| node.store.grants.tokens.open(t).is_some())
    {
        Ok(())
    } else {
        Err(invalid_grant_token())
    }
}

/// `CreateGrantResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateGrantResponse {
    grant_token: String,
    grant_id: String,
}

/// CreateGrant. Checks, in order: the model's member constraints (W-35, at decoding), the
/// grant tokens (at dispatch); exactly one grantee
/// and at most one retiring principal (member docs: "You must specify either GranteePrincipal
/// or GranteeServicePrincipal, but not both", "either RetiringPrincipal or
/// RetiringServicePrincipal, but not both"; messages [CHOICE]); [`check_spec`]; the key (key id or key ARN only, member doc; an alias → `NotFoundException` as W-43); its
/// state (§4.3 CreateGrant row); [`check_fits_key`]; DryRun; the quota and `Name` idempotency.
/// Every answer carries a fresh token, even for an existing named grant (`Name` doc).
pub fn create_grant(node: &Node, req: CreateGrantRequest) -> KmsResult<CreateGrantResponse> {
    let ops = req.operations;
    let grantee = match (req.grantee_principal, req.grantee_service_principal) {
        (Some(p), None) => Principal::Aws(p),
        (None, Some(s)) => Principal::Service(s),
        _ => return Err(KmsError::validation(
            "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
        )),
    };
    let retiring = match (req.retiring_principal, req.retiring_service_principal) {
        (Some(p), None) => Some(Principal::Aws(p)),
        (None, Some(s)) => Some(Principal::Service(s)),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(KmsError::validation(
            "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
        )),
    };
    let constraints = req.constraints.map(|c| Constraints {
        subset: c.encryption_context_subset,
        equals: c.encryption_context_equals,
        source_arn: c.source_arn,
    });
    let spec = GrantSpec {
        name: req.name,
        grantee,
        retiring,
        operations: dedup_operations(ops),
        constraints,
    };
    check_spec(&spec)?;
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let limit = node.limits.grants_per_key;
    let now = node.now();
    let seq = node.store.grants.next_seq();
    let grant_id = node.update_grants(&id, |k, grants| {
        k.permits(OpClass::CreateGrant)?;
        check_fits_key(&spec, k.spec, k.usage)?;
        if req.dry_run == Some(true) {
            return Err(KmsError::dry_run());
        }
        grants.create(spec, limit, now, seq, &k.arn)
    })?;
    Ok(CreateGrantResponse {
        grant_token: node.store.grants.issue_token(&id, &grant_id)?,
        grant_id,
    })
}

/// `GrantConstraints` as listed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantConstraintsEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_subset: Option<EncryptionContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encryption_context_equals: Option<EncryptionContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_arn: Option<String>,
}

/// `GrantListEntry`. `KeyId` is the key ARN and `IssuingAccount` the account's root ARN, as in
/// the developer guide's ListGrants example (*Viewing grants*). `Name` is left out when the
/// grant has none (member doc: "Otherwise this value is null"; [CHOICE] over the older example
/// output that shows `"Name": ""`). A service grantee appears only as
/// `GranteeServicePrincipal`, a service retiring principal only as `RetiringServicePrincipal`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantListEntry {
    key_id: String,
    grant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    creation_date: Epoch,
    #[serde(skip_serializing_if = "Option::is_none")]
    grantee_principal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retiring_principal: Option<String>,
    issuing_account: String,
    operations: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraints: Option<GrantConstraintsEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grantee_service_principal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retiring_service_principal: Option<String>,
}

impl GrantListEntry {
    fn of(node: &Node, key_id: &str, g: Grant) -> GrantListEntry {
        // The key's own ARN: a grant may be listed by a caller of another account (ListGrants
        // is a cross-account operation).
        let key_arn = node
            .peek_key(key_id, |k| k.arn.clone())
            .unwrap_or_else(|| node.key_arn(key_id));
        let account = crate::domain::ids::arn_account(&key_arn).to_string();
        let split = |p: Option<Principal>| match p {
            Some(Principal::Aws(a)) => (Some(a), None),
            Some(Principal::Service(s)) => (None, Some(s)),
            None => (None, None),
        };
        let (grantee_principal, grantee_service_principal) = split(Some(g.spec.grantee));
        let (retiring_principal, retiring_service_principal) = split(g.spec.retiring);
        GrantListEntry {
            issuing_account: format!("arn:{}:iam::{account}:root", node.partition),
            key_id: key_arn,
            grant_id: g.id,
            name: g.spec.name,
            creation_date: Epoch(g.created),
            grantee_principal,
            retiring_principal,
            operations: g.spec.operations.iter().map(|o| o.as_str()).collect(),
            constraints: g.spec.constraints.map(|c| GrantConstraintsEntry {
                encryption_context_subset: c.subset,
                encryption_context_equals: c.equals,
                source_arn: c.source_arn,
            }),
            grantee_service_principal,
            retiring_service_principal,
        }
    }
}

/// `ListGrantsResponse` (also ListRetirableGrants'). `Truncated` always present; `NextMarker`
/// only when truncated (W-50).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGrantsResponse {
    grants: Vec<GrantListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// ListGrants: the key's grants in creation order (W-52), any key state (§4.3), default page
/// 50. Filters: `GrantId` (not a grant id's shape → `InvalidGrantIdException`; an unknown one
/// matches nothing [CHOICE]), `GranteePrincipal`, `GranteeServicePrincipal` (not both, member
/// doc; message [CHOICE]). A marker from another key's list → `InvalidMarkerException`.
pub fn list_grants(node: &Node, req: ListGrantsRequest) -> KmsResult<ListGrantsResponse> {
    if req.grantee_principal.is_some() && req.grantee_service_principal.is_some() {
        return Err(KmsError::validation(
            "You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
        ));
    }
    if let Some(g) = req.grant_id.as_deref() {
        if !grant::is_grant_id(g) {
            return Err(invalid_grant_id(g));
        }
    }
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let list = format!("grants/{id}");
    let from = paging::numeric_position(&list, req.marker.as_deref())?;
    let limit = req.limit.unwrap_or(50) as usize;
    let keep = |g: &Grant| {
        req.grant_id.as_deref().is_none_or(|x| g.id == x)
            && req
                .grantee_principal
                .as_deref()
                .is_none_or(|p| g.spec.grantee == Principal::Aws(p.to_string()))
            && req
                .grantee_service_principal
                .as_deref()
                .is_none_or(|p| g.spec.grantee == Principal::Service(p.to_string()))
    };
    let (page, next) = node.store.grants.read(&id, |gs| gs.page(from, limit, keep));
    Ok(ListGrantsResponse {
        grants: page
            .into_iter()
            .map(|g| GrantListEntry::of(node, &id, g))
            .collect(),
        truncated: next.is_some(),
        next_marker: next.map(|n| paging::marker(&list, &n.to_string())),
    })
}

/// ListRetirableGrants: every grant of this Region and account whose retiring principal is the
/// one given, across keys, in creation order. Exactly one of `RetiringPrincipal` /
/// `RetiringServicePrincipal` (member doc); neither → the W-35 missing-member message for
/// `retiringPrincipal` (required in older models) [CHOICE], both → `ValidationException`
/// [CHOICE message].
pub fn list_retirable_grants(
    node: &Node,
    req: ListRetirableGrantsRequest,
) -> KmsResult<ListGrantsResponse> {
    let who = match (req.retiring_principal, req.retiring_service_principal) {
        (Some(p), None) => Principal::Aws(p),
        (None, Some(s)) => Principal::Service(s),
        (None, None) => return Err(KmsError::validation(
            "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null",
        )),
        (Some(_), Some(_)) => return Err(KmsError::validation(
            "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
        )),
    };
    let from = paging::numeric_position("retirable", req.marker.as_deref())?;
    let limit = req.limit.unwrap_or(50) as usize;
    let mut all = node
        .store
        .grants
        .all(|g| g.seq >= from && g.spec.retiring.as_ref() == Some(&who));
    let next = all.get(limit).map(|(_, g)| g.seq);
    all.truncate(limit);
    Ok(ListGrantsResponse {
        grants: all
            .into_iter()
            .map(|(key_id, g)| GrantListEntry::of(node, &key_id, g))
            .collect(),
        truncated: next.is_some(),
        next_marker: next.map(|n| paging::marker("retirable", &n.to_string())),
    })
}

/// RetireGrant, by `GrantToken` or by `KeyId` + `GrantId` (operation doc). Neither →
/// `ValidationException` [CHOICE message]. A token this Region did not issue →
/// `InvalidGrantTokenException`; a `GrantId` not shaped like one → `InvalidGrantIdException`;
/// a grant that no longer exists → `NotFoundException`. With a token, a `KeyId`/`GrantId` given
/// as well must name the same grant, else `InvalidGrantIdException` [CHOICE]. Any key state.
pub fn retire_grant(node: &Node, req: RetireGrantRequest) -> KmsResult<Empty> {
    let (key_id, grant_id) = match (&req.grant_token, &req.key_id, &req.grant_id) {
        (Some(t), _, _) => {
            let c = node
                .store
                .grants
                .tokens
                .open(t)
                .ok_or_else(invalid_grant_token)?;
            if let Some(g) = &req.grant_id {
                if !g.eq_ignore_ascii_case(&c.grant_id) {
                    return Err(invalid_grant_id(g));
                }
            }
            if let Some(k) = &req.key_id {
                if resolve(node, k, Accept::KeyIdOrArn)? != c.key_id {
                    return Err(invalid_grant_id(&c.grant_id));
                }
            }
            (c.key_id, c.grant_id)
        }
        (None, Some(k), Some(g)) => {
            if !grant::is_grant_id(g) {
                return Err(invalid_grant_id(g));
            }
            (
                resolve(node, k, Accept::KeyIdOrArn)?,
                g.to_ascii_lowercase(),
            )
        }
        _ => {
            return Err(KmsError::validation(
                "Either GrantToken, or both KeyId and GrantId, must be specified.",
            ))
        }
    };
    remove(node, &key_id, &grant_id, req.dry_run)
}

/// RevokeGrant: `KeyId` (key id or ARN) and `GrantId` both required. A `GrantId` not shaped
/// like one → `InvalidGrantIdException`; a well-formed id the key has no grant for →
/// `NotFoundException "Grant ID <id> not found"` [CHOICE]. Any key state (§4.3).
pub fn revoke_grant(node: &Node, req: RevokeGrantRequest) -> KmsResult<Empty> {
    let g = req.grant_id.as_str();
    if !grant::is_grant_id(g) {
        return Err(invalid_grant_id(g));
    }
    let key_id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    remove(node, &key_id, &g.to_ascii_lowercase(), req.dry_run)
}

/// Deletes grant `grant_id` of key `key_id`, after the DryRun check (E-12).
fn remove(
    node: &Node,
    key_id: &str,
    grant_id: &str,
    dry_run_flag: Option<bool>,
) -> KmsResult<Empty> {
    node.update_grants(key_id, |k, grants| {
        k.permits(OpClass::Describe)?;
        if grants.get(grant_id).is_none() {
            return Err(grant_not_found(grant_id));
        }
        if dry_run_flag == Some(true) {
            return Err(KmsError::dry_run());
        }
        grants.remove(grant_id);
        Ok(Empty {})
    })
}
