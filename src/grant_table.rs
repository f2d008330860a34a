//! One Region's grants, kept beside its key store: a sharded map from key id to that key's
//! [`KeyGrants`], holding entries only for keys that have grants (a key without grants costs
//! nothing), plus the Region's grant-token key and grant sequence.
//!
//! Grants are regional: nodes never share this table, and the replication bus carries no
//! grant (related multi-Region keys do not share grants). Changes go through closures on
//! a `DashMap` entry guard, which no caller holds across `.await`.

use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;

use crate::domain::grant::{Grant, KeyGrants};
use crate::domain::grant_token::TokenKey;
use crate::durable::{Change, Journal};
use crate::error::KmsResult;

/// A Region's grants.
#[derive(Debug, Default)]
pub struct GrantTable {
    /// Key id → its grants. Shared by every request of the Region; shard guards are held only
    /// for the synchronous closure of one request.
    by_key: DashMap<String, KeyGrants>,
    /// Creation sequence of grants in this Region (ListRetirableGrants order, W-52).
    seq: AtomicU64,
    /// Issues and opens this Region's grant tokens.
    pub tokens: TokenKey,
    region: String,
    journal: Journal,
}

impl GrantTable {
    /// An empty table for `region`, journaling into `journal`.
    pub fn new(region: &str, journal: Journal) -> Self {
        GrantTable {
            region: region.to_string(),
            journal,
            ..Default::default()
        }
    }

    /// Issues a grant token, making (and journaling) the Region's token key on first use.
    pub fn issue_token(&self, key_id: &str, grant_id: &str) -> KmsResult<String> {
        self.tokens.ensure(|secret| {
            self.journal.record(|| Change::GrantTokenKey {
                region: self.region.clone(),
                secret: secret.to_vec(),
            })
        })?;
        self.tokens.issue(key_id, grant_id)
    }

    /// Recovery: installs a key's grants read from the data dir (journals nothing).
    pub fn install(&self, key_id: &str, grants: KeyGrants) {
        if let Some(max) = grants.iter().map(|g| g.seq).max() {
            self.seq.fetch_max(max + 1, Ordering::Relaxed);
        }
        self.by_key.insert(key_id.to_string(), grants);
    }

    /// The next grant sequence number.
    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Changes the grants of key `id`; an entry left empty is dropped. `f` must leave the
    /// grants unchanged when it fails (the [`KeyGrants`] methods do).
    pub fn update<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut KeyGrants) -> KmsResult<T>,
    ) -> KmsResult<T> {
        let (out, empty) = {
            let mut entry = self.by_key.entry(id.to_string()).or_default();
            let before = self.journal.is_durable().then(|| entry.clone());
            let out = f(&mut entry);
            if out.is_ok() && before.is_some_and(|b| b != *entry) {
                self.journal.record(|| Change::Grants {
                    region: self.region.clone(),
                    key_id: id.to_string(),
                    grants: (!entry.is_empty()).then(|| entry.clone()),
                });
            }
            (out, entry.is_empty())
        };
        if empty {
            self.by_key.remove_if(id, |_, g| g.is_empty());
        }
        out
    }

    /// Reads the grants of key `id` (an empty set if it has none).
    pub fn read<T>(&self, id: &str, f: impl FnOnce(&KeyGrants) -> T) -> T {
        match self.by_key.get(id) {
            Some(g) => f(&g),
            None => f(&KeyGrants::default()),
        }
    }

    /// `/_kmsim/reset`: forgets every grant.
    pub fn clear(&self) {
        self.by_key.clear();
    }

    /// Drops every grant of key `id` (its deletion completed, X-6).
    pub fn remove_key(&self, id: &str) {
        self.by_key.remove(id);
    }

    /// Every grant of the Region that satisfies `keep`, with its key id, in creation order.
    pub fn all(&self, keep: impl Fn(&Grant) -> bool) -> Vec<(String, Grant)> {
        let mut out: Vec<(String, Grant)> = Vec::new();
        for e in self.by_key.iter() {
            out.extend(
                e.value()
                    .iter()
                    .filter(|g| keep(g))
                    .map(|g| (e.key().clone(), g.clone())),
            );
        }
        out.sort_by_key(|(_, g)| g.seq);
        out
    }
}
