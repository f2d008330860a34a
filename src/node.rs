//! A regional node: one Region's key store, its clock and its limits. Nodes share no mutable
//! state with each other (DESIGN.md); multi-Region keys stay in step only through the bus.

use std::sync::Arc;

use crate::clock::{Clock, Millis};
use crate::config::{ImportConfig, Limits};
use crate::domain::ids;
use crate::error::{KmsError, KmsResult};
use crate::store::Store;
use crate::tokens::Tokens;
use crate::wrapping_pool::WrappingPool;

/// One Region.
#[derive(Debug)]
pub struct Node {
    /// Region name.
    pub region: String,
    /// W-12: the configured account.
    pub account: String,
    /// W-13: the Region's partition.
    pub partition: &'static str,
    /// This Region's keys and aliases.
    pub store: Store,
    /// The cluster's shared simulated clock.
    pub clock: Arc<Clock>,
    /// Quotas.
    pub limits: Limits,
    /// Wrapping key pairs for GetParametersForImport.
    pub wrapping: WrappingPool,
    /// Outstanding import tokens.
    pub tokens: Tokens,
}

impl Node {
    /// A node with an empty store.
    pub fn new(
        region: &str,
        account: &str,
        clock: Arc<Clock>,
        limits: Limits,
        import: &ImportConfig,
    ) -> Node {
        Node {
            region: region.to_string(),
            account: account.to_string(),
            partition: ids::partition(region),
            store: Store::new(),
            clock,
            limits,
            wrapping: WrappingPool::new(import),
            tokens: Tokens::new(),
        }
    }

    /// The simulated time.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// W-41: the ARN of key `id` in this Region.
    pub fn key_arn(&self, id: &str) -> String {
        ids::key_arn(&self.region, &self.account, id)
    }

    /// W-41: the ARN of alias `name` (with its `alias/` prefix) in this Region.
    pub fn alias_arn(&self, name: &str) -> String {
        ids::alias_arn(&self.region, &self.account, name)
    }

    /// `NotFoundException "Key '<ARN>' does not exist"` (W-44 step 3).
    pub fn key_not_found(&self, id: &str) -> KmsError {
        KmsError::not_found(format!("Key '{}' does not exist", self.key_arn(id)))
    }

    /// Reads key `id` (a resolved bare id); a key deleted since it was resolved is NotFound.
    pub fn read_key<T>(
        &self,
        id: &str,
        f: impl FnOnce(&crate::domain::key::Key) -> T,
    ) -> KmsResult<T> {
        self.store
            .read(id, self.now(), f)
            .ok_or_else(|| self.key_not_found(id))
    }

    /// Changes key `id` atomically (see [`Store::update`]).
    pub fn update_key<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut crate::domain::key::Key) -> KmsResult<T>,
    ) -> KmsResult<T> {
        self.store
            .update(id, self.now(), f)
            .unwrap_or_else(|| Err(self.key_not_found(id)))
    }
}
