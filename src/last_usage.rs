//! One Region's record of each key's last cryptographic use, for GetKeyLastUsage (LU-1), and
//! the request id of the request being served, which that record carries.
//!
//! The record is kept beside the key store rather than in the key: a use must not copy the
//! key record (as [`crate::store::Store::update`] does) nor publish replication events (usage
//! is per Region, LU-4). A `DashMap` keeps it sharded, so a use costs one shard write lock
//! shared with nothing else of the key, and no allocation once the key has an entry.

use std::cell::Cell;

use dashmap::DashMap;

use crate::clock::Millis;
use crate::domain::enums::TrackedOperation;
use crate::domain::last_usage::Use;
use crate::node::Node;

thread_local! {
    /// The id of the request the current thread is serving. Handlers are synchronous and
    /// never `.await` (see `ops`), so a request is served start to end on one thread, the
    /// executor thread or a CPU-pool thread, and [`with_request_id`] scopes it to exactly
    /// that call. This is the smallest plumbing that gives handlers the id without changing
    /// every handler's signature.
    static REQUEST_ID: Cell<[u8; 16]> = const { Cell::new([0; 16]) };
}

/// Runs `f` (one request's dispatch) with `request_id` as the current request id.
pub fn with_request_id<T>(request_id: [u8; 16], f: impl FnOnce() -> T) -> T {
    /// Puts the previous id back even if `f` panics.
    struct Restore([u8; 16]);
    impl Drop for Restore {
        fn drop(&mut self) {
            REQUEST_ID.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(REQUEST_ID.with(|c| c.replace(request_id)));
    f()
}

/// The current request id (all zeros outside a request, e.g. in benches calling handlers).
pub fn current_request_id() -> [u8; 16] {
    REQUEST_ID.with(Cell::get)
}

/// A Region's last use of every key used since the node started.
#[derive(Debug)]
pub struct LastUsage {
    /// LU-2: when this Region began tracking.
    started: Millis,
    by_key: DashMap<String, Use>,
}

impl LastUsage {
    /// An empty record that began tracking at `started`.
    pub fn new(started: Millis) -> Self {
        LastUsage {
            started,
            by_key: DashMap::new(),
        }
    }

    /// When this Region began tracking (LU-2).
    pub fn started(&self) -> Millis {
        self.started
    }

    /// Records `u` as key `key_id`'s last use (a later use replaces an earlier one; two
    /// concurrent uses leave either, as two requests racing on AWS would).
    pub fn record(&self, key_id: &str, u: Use) {
        match self.by_key.get_mut(key_id) {
            Some(mut last) => *last = u,
            None => {
                self.by_key.insert(key_id.to_string(), u);
            }
        }
    }

    /// `/_kmsim/reset`: forgets every recorded use.
    pub fn clear(&self) {
        self.by_key.clear();
    }

    /// Key `key_id`'s last recorded use.
    pub fn get(&self, key_id: &str) -> Option<Use> {
        self.by_key.get(key_id).map(|u| *u)
    }
}

/// LU-1: records that the current request used key `key_id` (bare id) successfully for
/// `operation`, now. Call it only once the operation has succeeded (a DryRun, a refused or
/// a failed request is not a use).
pub fn record(node: &Node, key_id: &str, operation: TrackedOperation) {
    node.last_usage.record(
        key_id,
        Use {
            operation,
            at: node.now(),
            request_id: current_request_id(),
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_id_is_scoped_to_the_call() {
        assert_eq!(current_request_id(), [0; 16]);
        let inner = with_request_id([7; 16], || {
            with_request_id([9; 16], current_request_id);
            current_request_id()
        });
        assert_eq!(inner, [7; 16]);
        assert_eq!(current_request_id(), [0; 16]);
    }

    #[test]
    fn a_later_use_replaces_an_earlier_one() {
        let l = LastUsage::new(5);
        assert_eq!(l.get("k"), None);
        let u = |at| Use {
            operation: TrackedOperation::Encrypt,
            at,
            request_id: [1; 16],
        };
        l.record("k", u(1));
        l.record("k", u(2));
        assert_eq!(l.get("k"), Some(u(2)));
        assert_eq!(l.started(), 5);
    }
}
