//! Which request quota a request counts against (issue 12, item 1; the buckets are
//! [`crate::quotas`]): checked first in the dispatcher, before the request is decoded, so a
//! throttled request reads and changes nothing.

use serde_json::Value;

use super::access;
use crate::error::KmsResult;
use crate::model::Operation;
use crate::node::Node;
use crate::quotas::Table;

/// Counts the request against its quota(s) in `[quotas] mode = "aws"`; `ThrottlingException`
/// when one is exhausted.
pub fn admit(node: &Node, op: Operation, req: &Value) -> KmsResult<()> {
    let table = Table::aws();
    let name = op.name();
    let spec = if table.is_shared(name) {
        access::key_spec_of(node, op, req)
    } else {
        None
    };
    let pair = match op {
        Operation::GenerateDataKeyPair | Operation::GenerateDataKeyPairWithoutPlaintext => req
            .get("KeyPairSpec")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let account = node.request_account();
    if let Some(quota) = table.quota_of(name, spec.as_deref(), pair.as_deref()) {
        node.quotas.admit(&node.region, &account, &quota)?;
    }
    let other_region = |member| req.get(member).and_then(Value::as_str).map(str::to_string);
    match op {
        // "one ReplicateKey request in the primary key's Region and two CreateKey requests in
        // the replica's Region".
        Operation::ReplicateKey => {
            if let Some(replica) = other_region("ReplicaRegion") {
                node.quotas.admit(&replica, &account, "CreateKey")?;
                node.quotas.admit(&replica, &account, "CreateKey")?;
            }
        }
        // "one request in each of the two affected Regions".
        Operation::UpdatePrimaryRegion => {
            if let Some(primary) = other_region("PrimaryRegion") {
                node.quotas.admit(&primary, &account, name)?;
            }
        }
        _ => {}
    }
    if table.hot_key(name).is_some() {
        if let Some(id) = access::key_id_of(node, op, req) {
            node.quotas.admit_key_change(&node.region, &id, name)?;
        }
    }
    Ok(())
}
