//! ReplicateKey and UpdatePrimaryRegion (contract §3.8, §3.9). The primary changes its own
//! record; the bus carries the change to the other Regions (no node reads another's store).

use serde::Serialize;

use super::keys::{check_policy, Empty};
use super::resolve::{resolve, Accept};
use super::shapes::{KeyMetadata, Tag};
use super::tags::{pairs, TagRules};
use crate::domain::enums::MultiRegionKeyType;
use crate::domain::ids;
use crate::domain::key::{default_policy, Key, MultiRegion, RegionalKey};
use crate::domain::multi_region::{self, ReplicaLocal};
use crate::domain::state::{KeyState, OpClass};
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{ReplicateKeyRequest, UpdatePrimaryRegionRequest};
use crate::replication::observe;

/// `ReplicateKeyResponse` (R-6: ReplicaTags omitted when no tags were given).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicateKeyResponse {
    replica_key_metadata: KeyMetadata,
    replica_policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    replica_tags: Option<Vec<Tag>>,
}

/// R-1 … R-9.
pub fn replicate_key(node: &Node, req: ReplicateKeyRequest) -> KmsResult<ReplicateKeyResponse> {
    let tags_given = req.tags.is_some();
    let tags = pairs(req.tags);
    TagRules::new(node.limits.tags_per_key).check_new(&tags, &[])?;
    if let Some(p) = &req.policy {
        check_policy(p)?;
    }
    let target = req.replica_region;
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let now = node.now();
    let account = node.request_account();
    let replica_arn = ids::key_arn(&target, &account, &id);
    let policy = req
        .policy
        .clone()
        .unwrap_or_else(|| default_policy(ids::partition(&target), &account));
    let local = ReplicaLocal {
        description: req.description.clone().unwrap_or_default(),
        policy: policy.clone(),
        tags: tags.clone(),
    };
    let shown_snapshot = node.update_key_emitting(&id, |k| {
        // only a multi-Region primary can be replicated.
        let mr = require_primary(k)?;
        // the primary must be Enabled.
        k.permits(OpClass::ReplicateSource)?;
        // not the primary's own Region, nor a Region that already has a related key.
        if target == node.region {
            return Err(KmsError::validation(format!(
                "The replica Region {target} is the Region of the primary key."
            )));
        }
        if mr.replicas.iter().any(|r| r.region == target) {
            return Err(KmsError::new(
                ErrorCode::AlreadyExists,
                format!("Replica key {replica_arn} already exists."),
            ));
        }
        // same partition; and the Region must be one this cluster runs [CHOICE].
        if ids::partition(&target) != node.partition {
            return Err(KmsError::validation(format!(
                "Cannot replicate from partition {} to Region {target} in another partition.",
                node.partition
            )));
        }
        if !node.bus.serves(&target) {
            return Err(KmsError::validation(format!(
                "Region {target} is not served by this kmsim cluster (configured: {}).",
                node.bus.regions().join(", ")
            )));
        }
        let mr = k
            .multi_region
            .as_mut()
            .ok_or_else(|| KmsError::internal("no mr"))?;
        mr.replicas.push(RegionalKey {
            region: target.clone(),
            arn: replica_arn.clone(),
        });
        // pending materials now also wait for the new replica.
        multi_region::recompute_pending(k);
        multi_region::bump(k);
        let snapshot =
            multi_region::snapshot(k).ok_or_else(|| KmsError::internal("no snapshot"))?;
        // the replica is created by this event, journaled with the primary's new list.
        let create =
            observe::create_replica(&node.region, &target, snapshot.clone(), local.clone());
        Ok((snapshot, vec![create]))
    })?;
    // the response shows the replica as it starts, `Creating`.
    let shown = multi_region::new_replica(
        &shown_snapshot,
        &target,
        replica_arn,
        0,
        now,
        now,
        local.clone(),
    );
    let metadata = KeyMetadata::of(&shown);
    Ok(ReplicateKeyResponse {
        replica_key_metadata: metadata,
        replica_policy: policy,
        replica_tags: tags_given.then(|| {
            tags.into_iter()
                .map(|(k, v)| Tag {
                    tag_key: Some(k),
                    tag_value: Some(v),
                })
                .collect()
        }),
    })
}

/// R-1/U-1: the key must be a multi-Region primary. A single-Region key →
/// `UnsupportedOperationException "<ARN> is not a multi-region key."` [CHOICE text]; a replica
/// → `"<ARN> is not a multi-region primary key."` [VAL].
fn require_primary(k: &Key) -> KmsResult<&MultiRegion> {
    let Some(mr) = k.multi_region.as_deref() else {
        return Err(KmsError::unsupported(format!(
            "{} is not a multi-region key.",
            k.arn
        )));
    };
    if mr.role != MultiRegionKeyType::Primary {
        return Err(KmsError::unsupported(format!(
            "{} is not a multi-region primary key.",
            k.arn
        )));
    }
    Ok(mr)
}

/// U-1 … U-4: the named replica becomes the primary. The old primary shows `Updating` until
/// the new primary's first snapshot reaches it.
pub fn update_primary_region(node: &Node, req: UpdatePrimaryRegionRequest) -> KmsResult<Empty> {
    let target = req.primary_region;
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        // U-1: only the current primary, and only to a Region holding a replica.
        let mr = require_primary(k)?;
        k.permits(OpClass::UpdatePrimary)?;
        if target == node.region {
            // Already the primary there: nothing to do.
            return Ok(Empty {});
        }
        let Some(new_primary) = mr.replicas.iter().find(|r| r.region == target).cloned() else {
            return Err(KmsError::not_found(format!(
                "Key '{}' does not exist",
                ids::key_arn(&target, k.account(), &k.id)
            )));
        };
        // U-2: the replica must be Enabled too, as it last reported.
        let reported = mr
            .imports
            .get(&target)
            .map(|s| s.state.clone())
            .unwrap_or_else(|| "Creating".to_string());
        let arn = &new_primary.arn;
        match reported.as_str() {
            "Enabled" | "Updating" => {}
            "Disabled" => {
                return Err(KmsError::new(
                    ErrorCode::Disabled,
                    format!("{arn} is disabled."),
                ))
            }
            "PendingImport" => {
                return Err(KmsError::invalid_state(format!("{arn} is pending import.")))
            }
            "Creating" => return Err(KmsError::invalid_state(format!("{arn} is creating."))),
            _ => {
                return Err(KmsError::invalid_state(format!(
                    "{arn} is pending deletion."
                )))
            }
        }
        let here = mr.primary.clone();
        let mr = k
            .multi_region
            .as_mut()
            .ok_or_else(|| KmsError::internal("no mr"))?;
        mr.replicas.retain(|r| r.region != target);
        mr.replicas.push(here);
        mr.primary = new_primary;
        mr.role = MultiRegionKeyType::Replica;
        mr.state_before_update = Some(k.state);
        k.state = KeyState::Updating;
        Ok(Empty {})
    })
}
