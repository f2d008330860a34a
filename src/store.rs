//! One Region's key store: keys, their creation order, and aliases (contract §2). A leaf: it
//! knows no bus and no event; the node decides what a change implies and hands the store the
//! journal records to commit with it.
//!
//! Keys live in a sharded `DashMap`, so a lookup is a shard read and requests to different keys
//! never contend. Every change goes through [`Store::update`], which runs a synchronous closure
//! on a copy of the key and commits only on success: no guard is ever held across `.await`, and
//! a failing operation leaves the key exactly as it was (I-12).
//!
//! Every committed change is journaled (issue 9) while the record's guard is still held, so
//! the data dir sees changes to one record in the order memory did.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use dashmap::DashMap;
use parking_lot::RwLock;

use crate::clock::Millis;
use crate::domain::grant::KeyGrants;
use crate::domain::key::Key;
use crate::durable::{Change, Journal};
use crate::error::KmsResult;
use crate::grant_table::GrantTable;

/// An alias in one Region (C-40).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alias {
    /// Bare key id of the target.
    pub target: String,
    /// `CreationDate`.
    pub created: Millis,
    /// `LastUpdatedDate`.
    pub updated: Millis,
}

/// Which time rule is due for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Its deletion window has passed (S-13): the key goes.
    Deletion,
    /// Expiry, automatic rotation or the end of Creating.
    Rules,
}

/// A Region's keys and aliases.
#[derive(Debug)]
pub struct Store {
    region: String,
    /// Boxed, so the hash table's buckets stay small however large a key record grows.
    keys: DashMap<String, Box<Key>>,
    /// Creation order for ListKeys (W-52). A std-style lock, never held across `.await`; taken
    /// only on create, delete and list.
    order: RwLock<BTreeMap<u64, String>>,
    /// Aliases by full name (`alias/…`), sorted for ListAliases (W-52).
    aliases: RwLock<BTreeMap<String, Alias>>,
    next_seq: AtomicU64,
    /// The Region's grants, per key (a grant is regional; deleted with its key).
    pub grants: GrantTable,
    journal: Journal,
    /// C-10: the Region's default key policy, shared by every key that has it.
    default_policy: Arc<str>,
}

impl Store {
    /// An empty store for `region`, journaling into `journal`.
    pub fn new(region: &str, journal: Journal, default_policy: Arc<str>) -> Self {
        Store {
            default_policy,
            grants: GrantTable::new(region, journal.clone()),
            journal,
            region: region.to_string(),
            keys: DashMap::new(),
            order: RwLock::new(BTreeMap::new()),
            aliases: RwLock::new(BTreeMap::new()),
            next_seq: AtomicU64::new(0),
        }
    }

    /// `/_kmsim/reset`: forgets every key, alias and grant of the Region (the creation
    /// sequence goes on, so ListKeys markers issued before stay distinct).
    pub fn clear(&self) {
        self.keys.clear();
        self.order.write().clear();
        self.aliases.write().clear();
        self.grants.clear();
    }

    /// The next creation sequence number.
    pub fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }

    /// The change that records key `k` as it now is. A key with the Region's default policy
    /// carries an empty one (the data dir's compact form, rebuilt from the ARN on load).
    fn put(&self, k: &Key) -> Change {
        let mut k = k.clone();
        if Arc::ptr_eq(&k.policy, &self.default_policy) {
            k.policy = Arc::from("");
        }
        Change::Key {
            region: self.region.clone(),
            id: k.id.clone(),
            key: Some(Box::new(k)),
        }
    }

    /// Adds a new key.
    pub fn insert(&self, key: Key) {
        self.order.write().insert(key.seq, key.id.clone());
        let entry = self.keys.entry(key.id.clone()).insert(Box::new(key));
        self.journal.record(|| self.put(&entry));
    }

    /// Recovery: puts back a key read from the data dir (journals nothing, publishes nothing).
    /// A default policy is shared again.
    pub fn install(&self, mut key: Key) {
        if *key.policy == *self.default_policy {
            key.policy = self.default_policy.clone();
        }
        self.next_seq.fetch_max(key.seq + 1, Ordering::Relaxed);
        self.order.write().insert(key.seq, key.id.clone());
        self.keys.insert(key.id.clone(), Box::new(key));
    }

    /// Recovery: puts back an alias read from the data dir.
    pub fn install_alias(&self, name: &str, alias: Alias) {
        self.aliases.write().insert(name.to_string(), alias);
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Reads a key as it is (the node applies due time rules first). `None` if the key does
    /// not exist.
    pub fn read<T>(&self, id: &str, f: impl FnOnce(&Key) -> T) -> Option<T> {
        let k = self.keys.get(id)?;
        Some(f(&k))
    }

    /// Which time rule is due for key `id` at `now`, if any.
    pub fn due(&self, id: &str, now: Millis) -> Option<Due> {
        let k = self.keys.get(id)?;
        if k.deletion_due(now) {
            Some(Due::Deletion)
        } else if k.time_rules_due(now) {
            Some(Due::Rules)
        } else {
            None
        }
    }

    /// Ids of every key some time rule is due for (the sweep).
    pub fn due_ids(&self, now: Millis) -> Vec<String> {
        self.keys
            .iter()
            .filter(|k| k.deletion_due(now) || k.time_rules_due(now))
            .map(|k| k.id.clone())
            .collect()
    }

    /// Changes a key atomically: `f` runs on a copy, which replaces the key only if `f`
    /// returns `Ok` and the copy differs (an update that changes nothing writes nothing).
    /// The key and the extra changes `f` returns (the bus events it implies) are journaled as
    /// one group, while the key's guard is held. `None` if the key does not exist.
    pub fn update<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Key) -> KmsResult<(T, Vec<Change>)>,
    ) -> Option<KmsResult<T>> {
        let mut entry = self.keys.get_mut(id)?;
        let mut copy = entry.clone();
        Some(f(&mut copy).map(|(v, extra)| {
            if *copy != **entry || !extra.is_empty() {
                *entry = copy;
                self.journal.record_all(|| {
                    let mut changes = vec![self.put(&entry)];
                    changes.extend(extra);
                    changes
                });
            }
            v
        }))
    }

    /// Runs `f` on key `id` and its grants together: the key's shard is read-locked while the
    /// grants change, so a concurrent state change or deletion cannot slip in between (lock
    /// order: key, then grants; [`Store::remove`] never holds both). `None` if the key does
    /// not exist.
    pub fn update_grants<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Key, &mut KeyGrants) -> KmsResult<T>,
    ) -> Option<KmsResult<T>> {
        let key = self.keys.get(id)?;
        Some(self.grants.update(id, |g| f(&key, g)))
    }

    /// Deletes a key with every alias that points at it and its grants (X-6, C-45), journaled
    /// as one group with the extra changes `extra` makes of the removed key (a deleted
    /// replica's notice to its primary, X-4).
    pub fn remove(&self, id: &str, extra: impl FnOnce(&Key) -> Vec<Change>) -> Option<Key> {
        let (_, key) = self.keys.remove(id)?;
        self.grants.remove_key(id);
        self.order.write().remove(&key.seq);
        let mut gone = Vec::new();
        self.aliases.write().retain(|name, a| {
            let keep = a.target != id;
            if !keep {
                gone.push(name.clone());
            }
            keep
        });
        let extra = extra(&key);
        self.journal.record_all(|| {
            let region = &self.region;
            let mut changes = vec![
                Change::Key {
                    region: region.clone(),
                    id: id.to_string(),
                    key: None,
                },
                Change::Grants {
                    region: region.clone(),
                    key_id: id.to_string(),
                    grants: None,
                },
            ];
            changes.extend(gone.into_iter().map(|name| Change::Alias {
                region: region.clone(),
                name,
                alias: None,
            }));
            changes.extend(extra);
            changes
        });
        Some(*key)
    }

    /// Keys in creation order starting at sequence number `from` whose ARN `keep` accepts (an
    /// account's keys): at most `limit` of `(id, arn)`, plus the sequence number to continue
    /// from if more remain (W-50).
    pub fn list(
        &self,
        from: u64,
        limit: usize,
        keep: impl Fn(&str) -> bool,
    ) -> (Vec<(String, String)>, Option<u64>) {
        let order = self.order.read();
        let mut out = Vec::with_capacity(limit.min(order.len()));
        let mut next = None;
        for (seq, id) in order.range(from..) {
            if out.len() == limit {
                next = Some(*seq);
                break;
            }
            if let Some(k) = self.keys.get(id).filter(|k| keep(&k.arn)) {
                out.push((k.id.clone(), k.arn.clone()));
            }
        }
        (out, next)
    }

    /// Looks up an alias.
    pub fn alias(&self, name: &str) -> Option<Alias> {
        self.aliases.read().get(name).cloned()
    }

    /// Creates an alias; `false` if the name is taken (C-42).
    pub fn create_alias(&self, name: &str, alias: Alias) -> bool {
        let mut aliases = self.aliases.write();
        if aliases.contains_key(name) {
            return false;
        }
        self.journal
            .record(|| self.alias_change(name, Some(&alias)));
        aliases.insert(name.to_string(), alias);
        true
    }

    /// Points an existing alias at another key; `false` if it does not exist.
    pub fn retarget_alias(&self, name: &str, target: &str, now: Millis) -> bool {
        match self.aliases.write().get_mut(name) {
            Some(a) => {
                a.target = target.to_string();
                a.updated = now;
                self.journal.record(|| self.alias_change(name, Some(a)));
                true
            }
            None => false,
        }
    }

    /// Deletes an alias; `false` if it does not exist.
    pub fn delete_alias(&self, name: &str) -> bool {
        let mut aliases = self.aliases.write();
        let gone = aliases.remove(name).is_some();
        if gone {
            self.journal.record(|| self.alias_change(name, None));
        }
        gone
    }

    fn alias_change(&self, name: &str, alias: Option<&Alias>) -> Change {
        Change::Alias {
            region: self.region.clone(),
            name: name.to_string(),
            alias: alias.cloned(),
        }
    }

    /// Aliases in name order starting after `after`, optionally only those targeting `target`.
    pub fn aliases(&self, target: Option<&str>) -> Vec<(String, Alias)> {
        self.aliases
            .read()
            .iter()
            .filter(|(_, a)| target.is_none_or(|t| a.target == t))
            .map(|(n, a)| (n.clone(), a.clone()))
            .collect()
    }

    /// Bare ids of every key (for admin views and sweeps).
    pub fn key_ids(&self) -> Vec<String> {
        self.order.read().values().cloned().collect()
    }
}
