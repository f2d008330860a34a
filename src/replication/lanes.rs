//! The in-process bus's queue: one lane per (source Region, destination Region), ordered by
//! publication number. Cutting a Region off stops only the lanes to and from it, so a key
//! whose Regions are all connected keeps replicating (no head-of-line block across Regions).
//! Per-key order holds because every event for a key from one Region travels one lane.
//!
//! A lane keeps at most one queued snapshot and one queued report per key: a newer one
//! (higher snapshot version, or report sequence number) supersedes the queued one, an older
//! one is dropped. Both carry full state, so the superseded event could change nothing the
//! newer does not (the apply laws of [`crate::node::apply`]); a cut Region's queue is
//! therefore bounded by its keys, not by the events published while it was away. Publishing
//! costs a hash lookup and a B-tree insert, whatever the queue's length.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use super::event::{Envelope, Event};

/// One queued event: when it is due, and the event.
#[derive(Debug, Clone)]
pub struct Queued {
    /// When it was sent (replication lag is measured from here).
    pub published: Instant,
    /// Not delivered before this instant (the bus delay), unless drained.
    pub due: Instant,
    /// The event.
    pub envelope: Envelope,
}

/// Which events of a key supersede each other in a lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Snapshot,
    Report,
}

/// What ranks superseding events: a snapshot's version, a report's sequence number.
fn rank(e: &Event) -> Option<(Kind, &str, u64)> {
    match e {
        Event::Snapshot(s) => Some((Kind::Snapshot, s.key_id.as_str(), s.version)),
        Event::Report(r) => Some((Kind::Report, r.key_id.as_str(), r.seq)),
        Event::CreateReplica { .. } | Event::ReplicaDeleted { .. } => None,
    }
}

#[derive(Debug, Default)]
struct Lane {
    queue: BTreeMap<u64, Queued>,
    /// (kind, key id) → the publication number of its queued event.
    latest: HashMap<(Kind, String), u64>,
}

/// Every lane of the bus.
#[derive(Debug, Default)]
pub struct Lanes {
    lanes: HashMap<(String, String), Lane>,
    len: usize,
}

impl Lanes {
    /// Queues event `seq`. Returns the publication numbers of events that are no longer queued
    /// because of it (one it superseded, or itself if it is older than the queued one), for
    /// the journal. `coalesce: false` queues it as is (fault injection's duplicates).
    pub fn push(&mut self, seq: u64, q: Queued, coalesce: bool) -> Option<u64> {
        let lane = self
            .lanes
            .entry((q.envelope.from.clone(), q.envelope.to.clone()))
            .or_default();
        let mut dropped = None;
        if let (true, Some((kind, key, rank_new))) = (coalesce, rank(&q.envelope.event)) {
            let slot = (kind, key.to_string());
            if let Some(&old) = lane.latest.get(&slot) {
                let rank_old = lane
                    .queue
                    .get(&old)
                    .and_then(|o| rank(&o.envelope.event))
                    .map(|r| r.2);
                if rank_old.is_some_and(|r| r > rank_new) {
                    // The queued one is newer: this one would change nothing.
                    return Some(seq);
                }
                if lane.queue.remove(&old).is_some() {
                    self.len -= 1;
                    dropped = Some(old);
                }
            }
            lane.latest.insert(slot, seq);
        }
        lane.queue.insert(seq, q);
        self.len += 1;
        dropped
    }

    /// Queues events sent now, due after `delay` ([`Lanes::push`] each); the publication
    /// numbers no longer queued because of them.
    pub fn push_all(
        &mut self,
        events: Vec<super::transport::Outgoing>,
        delay: std::time::Duration,
    ) -> Vec<u64> {
        let now = Instant::now();
        let due = now + delay;
        let mut dropped = Vec::new();
        for o in events {
            let q = Queued {
                published: now,
                due,
                envelope: o.envelope,
            };
            dropped.extend(self.push(o.seq, q, o.coalesce));
        }
        dropped
    }

    /// Takes the next event to deliver: the first (or with `newest_first`, the last) of a lane
    /// whose Regions are not cut off and whose head is due at `now` (any head with `force`).
    pub fn pop(
        &mut self,
        cut: &BTreeSet<String>,
        now: Instant,
        force: bool,
        newest_first: bool,
    ) -> Option<(u64, Queued)> {
        let (key, seq) = self.lanes.iter().find_map(|((from, to), lane)| {
            if cut.contains(from) || cut.contains(to) {
                return None;
            }
            let (seq, q) = if newest_first {
                lane.queue.last_key_value()?
            } else {
                lane.queue.first_key_value()?
            };
            (force || q.due <= now).then(|| ((from.clone(), to.clone()), *seq))
        })?;
        let lane = self.lanes.get_mut(&key)?;
        let q = lane.queue.remove(&seq)?;
        if let Some((kind, k, _)) = rank(&q.envelope.event) {
            let slot = (kind, k.to_string());
            if lane.latest.get(&slot) == Some(&seq) {
                lane.latest.remove(&slot);
            }
        }
        self.len -= 1;
        Some((seq, q))
    }

    /// When the next deliverable head is due (`None`: nothing deliverable).
    pub fn next_due(&self, cut: &BTreeSet<String>) -> Option<Instant> {
        self.lanes
            .iter()
            .filter(|((from, to), _)| !cut.contains(from) && !cut.contains(to))
            .filter_map(|(_, lane)| lane.queue.values().map(|q| q.due).min())
            .min()
    }

    /// Queued events per destination Region.
    pub fn queued(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for ((_, to), lane) in &self.lanes {
            if !lane.queue.is_empty() {
                *out.entry(to.clone()).or_insert(0) += lane.queue.len();
            }
        }
        out
    }

    /// Events queued in all.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops everything (reset).
    pub fn clear(&mut self) {
        self.lanes.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::multi_region::Report;

    fn report(from: &str, to: &str, key: &str, seq: u64) -> Queued {
        Queued {
            published: Instant::now(),
            due: Instant::now(),
            envelope: Envelope {
                from: from.into(),
                to: to.into(),
                event: Event::Report(Report {
                    key_id: key.into(),
                    region: from.into(),
                    seq,
                    imported: Vec::new(),
                    state: "Enabled".into(),
                }),
            },
        }
    }

    fn deleted(from: &str, to: &str, key: &str) -> Queued {
        Queued {
            published: Instant::now(),
            due: Instant::now(),
            envelope: Envelope {
                from: from.into(),
                to: to.into(),
                event: Event::ReplicaDeleted {
                    key_id: key.into(),
                    region: from.into(),
                },
            },
        }
    }

    /// A cut Region blocks its own lanes only: the other lanes to the same destination flow.
    #[test]
    fn a_cut_region_blocks_only_its_own_lanes() {
        let mut l = Lanes::default();
        l.push(1, report("ap-southeast-2", "us-east-1", "a", 1), true);
        l.push(2, report("eu-west-1", "us-east-1", "b", 1), true);
        let cut: BTreeSet<String> = ["ap-southeast-2".to_string()].into();
        let (seq, q) = l.pop(&cut, Instant::now(), false, false).unwrap();
        assert_eq!((seq, q.envelope.from.as_str()), (2, "eu-west-1"));
        assert!(l.pop(&cut, Instant::now(), false, false).is_none());
        assert_eq!(l.queued()["us-east-1"], 1);
        assert!(
            l.next_due(&cut).is_none(),
            "nothing deliverable: nothing to wake for"
        );
    }

    /// However many reports a cut Region's key produces, one stays queued; an older one never
    /// replaces a newer; other events are never coalesced.
    #[test]
    fn newer_full_state_supersedes_and_the_queue_stays_bounded() {
        let mut l = Lanes::default();
        let mut dropped = Vec::new();
        for i in 1..=10_000u64 {
            dropped.extend(l.push(i, report("eu-west-1", "us-east-1", "k", i), true));
        }
        assert_eq!(l.len(), 1);
        assert_eq!(dropped.len(), 9_999);
        assert_eq!(
            l.push(20_000, report("eu-west-1", "us-east-1", "k", 5), true),
            Some(20_000)
        );
        for i in 0..3 {
            l.push(30_000 + i, deleted("eu-west-1", "us-east-1", "k"), true);
        }
        assert_eq!(l.len(), 4);
        let none = BTreeSet::new();
        let (_, first) = l.pop(&none, Instant::now(), true, false).unwrap();
        match first.envelope.event {
            Event::Report(r) => assert_eq!(r.seq, 10_000),
            other => panic!("{other:?}"),
        }
    }
}
