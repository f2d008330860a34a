//! GetKeyPolicy, PutKeyPolicy, ListKeyPolicies: the policy is stored verbatim, never
//! enforced (issue scope), and the only policy name is `default`.

use serde::{Deserialize, Serialize};

use super::keys::{check_policy, required_key, Empty};
use super::resolve::Accept;
use crate::domain::state::OpClass;
use crate::error::{KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::validate::Validator;

/// `GetKeyPolicyRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyPolicyRequest {
    key_id: Option<String>,
    policy_name: Option<String>,
}

/// `GetKeyPolicyResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyPolicyResponse {
    policy: String,
    policy_name: &'static str,
}

/// The only key policy name KMS has.
const DEFAULT: &str = "default";

fn policy_name_ok(v: &mut Validator, name: Option<&str>) {
    v.str_len(name, "policyName", 1, 128);
    v.pattern(name, "policyName", "[\\w]+", |s| {
        s.chars().all(|c| c.is_alphanumeric() || c == '_')
    });
}

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
    let mut v = Validator::new();
    policy_name_ok(&mut v, req.policy_name.as_deref());
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
    only_default(node, &id, req.policy_name.as_deref())?;
    node.read_key(&id, |k| GetKeyPolicyResponse {
        policy: k.policy.to_string(),
        policy_name: DEFAULT,
    })
}

/// `PutKeyPolicyRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutKeyPolicyRequest {
    key_id: Option<String>,
    policy_name: Option<String>,
    policy: Option<String>,
    #[allow(dead_code)]
    bypass_policy_lockout_safety_check: Option<bool>,
}

/// PutKeyPolicy: any state but pending deletion; the document must be a JSON object.
pub fn put_key_policy(node: &Node, req: PutKeyPolicyRequest) -> KmsResult<Empty> {
    let mut v = Validator::new();
    v.required(&req.key_id, "keyId");
    policy_name_ok(&mut v, req.policy_name.as_deref());
    v.required(&req.policy, "policy");
    v.str_len(req.policy.as_deref(), "policy", 1, 131_072);
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
    only_default(node, &id, req.policy_name.as_deref())?;
    let policy = req.policy.unwrap_or_default();
    check_policy(&policy)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        k.policy = policy.into();
        Ok(Empty {})
    })
}

/// `ListKeyPoliciesRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeyPoliciesRequest {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
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
    let mut v = Validator::new();
    super::paging::validate(&mut v, req.limit, req.marker.as_deref(), 1000);
    v.finish()?;
    let id = required_key(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.read_key(&id, |_| ListKeyPoliciesResponse {
        policy_names: vec![DEFAULT],
        truncated: false,
    })
}
