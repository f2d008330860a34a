//! Applying bus events at their destination Region. Every function here is idempotent and
//! safe under re-ordering: snapshots apply only if newer, reports only if their sequence
//! number is, a duplicate CreateReplica finds the replica already there, and a deleted replica
//! is removed from a list at most once.

use super::Node;
use crate::clock::DAY_MS;
use crate::domain::enums::MultiRegionKeyType;
use crate::domain::multi_region::{self, ReplicaLocal, Report, Snapshot};
use crate::domain::state::KeyState;

use crate::replication::event::{Envelope, Event};
use crate::replication::observe;

/// Applies one event at `node` and publishes whatever it implies.
pub fn apply(node: &Node, env: &Envelope) {
    let events = match &env.event {
        Event::Snapshot(s) => snapshot(node, s),
        Event::CreateReplica { snapshot, local } => create_replica(node, snapshot, local),
        Event::Report(r) => report(node, r),
        Event::ReplicaDeleted { key_id, region } => replica_deleted(node, key_id, region),
    };
    node.bus.publish(events);
}

/// A snapshot for a key this Region does not hold (yet) is kept until its CreateReplica
/// arrives, so re-ordered delivery converges.
fn snapshot(node: &Node, s: &Snapshot) -> Vec<Envelope> {
    let region = node.region.as_str();
    let out = node.change_key(&s.key_id, |k| {
        let was_primary = k
            .multi_region
            .as_ref()
            .is_some_and(|m| m.role == MultiRegionKeyType::Primary);
        let before_imported = imported(k);
        let before_state = k.state;
        if !multi_region::apply_snapshot(k, s, region) {
            return Ok(((), Vec::new()));
        }
        let mut events = Vec::new();
        let is_primary = k
            .multi_region
            .as_ref()
            .is_some_and(|m| m.role == MultiRegionKeyType::Primary);
        if is_primary && !was_primary {
            // U-3: this Region has just become the primary. It takes over the version and
            // tells every replica (the old primary among them), which ends their Updating.
            multi_region::recompute_pending(k);
            multi_region::bump(k);
            events.extend(observe::broadcast(k, region));
        } else if !is_primary {
            // U-3: a snapshot from a new primary ends this Region's Updating.
            if let Some(mr) = k.multi_region.as_mut() {
                if k.state == KeyState::Updating && mr.primary.region != region {
                    if let Some(prev) = mr.state_before_update.take() {
                        k.state = prev;
                        multi_region::settle_state(k);
                    }
                }
            }
            if imported(k) != before_imported || k.state != before_state {
                events.extend(observe::report(k, region));
            }
        }
        Ok(((), events))
    });
    if out.is_none() {
        node.orphans.keep(s.clone());
    }
    Vec::new()
}

fn imported(k: &crate::domain::key::Key) -> Vec<crate::domain::material::KeyMaterialId> {
    k.materials
        .iter()
        .filter(|m| m.bytes.is_some())
        .map(|m| m.id)
        .collect()
}

/// creates the replica (once), in `Creating` until the configured delay passes on
/// the simulated clock, then reports to the primary.
fn create_replica(node: &Node, s: &Snapshot, local: &ReplicaLocal) -> Vec<Envelope> {
    let now = node.now();
    if node.store.read(&s.key_id, |_| ()).is_some() {
        // A duplicate, or the set was re-created: a newer snapshot still applies.
        return snapshot(node, s);
    }
    // The set's account (the primary's): no request, hence no caller, is behind an event.
    let account = crate::domain::ids::arn_account(&s.primary.arn);
    let arn = crate::domain::ids::key_arn(&node.region, account, &s.key_id);
    let ready_at = now + node.replication.creating_ms;
    let key = multi_region::new_replica(
        s,
        &node.region,
        arn,
        node.store.next_seq(),
        now,
        ready_at,
        local.clone(),
    );
    node.store.insert(key);
    let mut events = Vec::new();
    if let Some(orphan) = node.orphans.take(&s.key_id) {
        events.extend(snapshot(node, &orphan));
    }
    let region = node.region.clone();
    node.change_key(&s.key_id, |k| {
        multi_region::finish_creating(k, now);
        Ok(((), observe::report(k, &region).into_iter().collect()))
    });
    events
}

/// I-31/M-4 on the primary: newer reports update what it knows; a change of pending states
/// goes out to every replica.
fn report(node: &Node, r: &Report) -> Vec<Envelope> {
    let region = node.region.clone();
    node.change_key(&r.key_id, |k| {
        let before = multi_region::snapshot(k);
        if !multi_region::apply_report(k, r) {
            return Ok(((), Vec::new()));
        }
        let mut after = multi_region::snapshot(k);
        if let (Some(b), Some(a)) = (before.as_ref(), after.as_mut()) {
            let mut b = b.clone();
            b.imports.clear();
            let mut a2 = a.clone();
            a2.imports.clear();
            if b == a2 {
                return Ok(((), Vec::new()));
            }
        }
        multi_region::bump(k);
        Ok(((), observe::broadcast(k, &region)))
    });
    Vec::new()
}

/// the primary forgets a deleted replica; a primary waiting for its replicas
/// starts its own deletion window when the last one is gone.
fn replica_deleted(node: &Node, key_id: &str, gone: &str) -> Vec<Envelope> {
    let region = node.region.clone();
    let now = node.now();
    node.change_key(key_id, |k| {
        let Some(mr) = k.multi_region.as_mut() else {
            return Ok(((), Vec::new()));
        };
        if mr.role != MultiRegionKeyType::Primary || !mr.replicas.iter().any(|r| r.region == gone) {
            return Ok(((), Vec::new()));
        }
        mr.replicas.retain(|r| r.region != gone);
        mr.imports.remove(gone);
        let last_gone = mr.replicas.is_empty();
        if let KeyState::PendingReplicaDeletion { window_days } = k.state {
            if last_gone {
                k.state = KeyState::PendingDeletion {
                    deletion_date: now + window_days as i64 * DAY_MS,
                    window_days,
                };
            }
        }
        multi_region::recompute_pending(k);
        multi_region::bump(k);
        Ok(((), observe::broadcast(k, &region)))
    });
    Vec::new()
}
