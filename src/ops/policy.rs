//! GetKeyPolicy, PutKeyPolicy, ListKeyPolicies: the policy is stored verbatim and the only
//! policy name is `default`. In `[auth] mode = "sigv4"` it is enforced, and a new one is
//! checked for grammar and lockout before this handler runs ([`super::access`]); in `open`
//! mode it is only checked to be a JSON object.

use serde::Serialize;

use super::keys::{check_policy, Empty};
use super::resolve::{resolve, Accept};
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{GetKeyPolicyRequest, ListKeyPoliciesRequest, PutKeyPolicyRequest};

/// `GetKeyPolicyResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyPolicyResponse {
    policy: String,
    policy_name: &'static str,
}

/// The only key policy name KMS has.
const DEFAULT: &str = "default";

fn only_default(node: &Node, id: &str, name: Option<&str>) -> KmsResult<()> {
    match name {
        None | Some(DEFAULT) => Ok(()),
        Some(other) => Err(KmsError::not_found(format!(
            "No such policy exists: {other} for key {}",
            node.key_arn(id)
        ))),
    }
}

/// GetKeyPolicy: any state (§4.3). `PolicyName` defaults to `default`.
pub fn get_key_policy(node: &Node, req: GetKeyPolicyRequest) -> KmsResult<GetKeyPolicyResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    only_default(node, &id, req.policy_name.as_deref())?;
    node.read_key(&id, |k| GetKeyPolicyResponse {
        policy: k.policy.to_string(),
        policy_name: DEFAULT,
    })
}

/// PutKeyPolicy: any state but pending deletion; the document must be a JSON object.
pub fn put_key_policy(node: &Node, req: PutKeyPolicyRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    only_default(node, &id, req.policy_name.as_deref())?;
    let policy = req.policy;
    check_policy(&policy)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        k.policy = policy.into();
        Ok(Empty {})
    })
}

/// `ListKeyPoliciesResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyPoliciesResponse {
    policy_names: Vec<&'static str>,
    truncated: bool,
}

/// ListKeyPolicies: always `["default"]`.
pub fn list_key_policies(
    node: &Node,
    req: ListKeyPoliciesRequest,
) -> KmsResult<ListKeyPoliciesResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.read_key(&id, |_| ListKeyPoliciesResponse {
        policy_names: vec![DEFAULT],
        truncated: false,
    })
}
