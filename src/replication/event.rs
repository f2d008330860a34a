//! The messages of the replication bus. Each carries full state with a version or sequence
//! number, so a duplicate or re-ordered delivery changes nothing (see
//! [`crate::domain::multi_region`] for the laws).

use crate::domain::multi_region::{ReplicaLocal, Report, Snapshot};

/// One replication message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// The primary's shared properties (to every replica).
    Snapshot(Snapshot),
    /// ReplicateKey: create the replica in the destination Region.
    CreateReplica {
        /// The shared properties, including the new replica in `replicas`.
        snapshot: Snapshot,
        /// The replica's own description, policy and tags.
        local: ReplicaLocal,
    },
    /// A Region's imported materials and key state (to the primary, I-31, D-7, U-2).
    Report(Report),
    /// A replica has been deleted (to the primary, X-4, X-6).
    ReplicaDeleted {
        /// The shared key id.
        key_id: String,
        /// The Region whose replica is gone.
        region: String,
    },
}

impl Event {
    /// The multi-Region key the event is about (the bus keeps per-key order).
    pub fn key_id(&self) -> &str {
        match self {
            Event::Snapshot(s) => &s.key_id,
            Event::CreateReplica { snapshot, .. } => &snapshot.key_id,
            Event::Report(r) => &r.key_id,
            Event::ReplicaDeleted { key_id, .. } => key_id,
        }
    }
}

/// An event addressed from one Region to another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    /// Sending Region.
    pub from: String,
    /// Receiving Region.
    pub to: String,
    /// The message.
    pub event: Event,
}
