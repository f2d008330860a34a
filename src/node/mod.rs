//! A regional node: one Region's key store, its clock and its limits. Nodes share no mutable
//! state with each other (DESIGN.md); multi-Region keys stay in step only through the bus.

use std::sync::Arc;

pub mod apply;

use crate::clock::{Clock, Millis};
use crate::config::{ImportConfig, Limits, ReplicationConfig};
use crate::domain::ids;
use crate::domain::key::Key;
use crate::domain::multi_region::Snapshot;
use crate::durable::{Change, Journal};
use crate::error::{KmsError, KmsResult};
use crate::replication::bus::queued_changes;
use crate::replication::bus::Bus;
use crate::replication::event::Envelope;
use crate::replication::observe;
use crate::store::Due;
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
    /// The replication bus shared by the cluster.
    pub bus: Arc<Bus>,
    /// Replication settings.
    pub replication: ReplicationSettings,
    /// Snapshots that arrived before their replica (re-ordered delivery).
    pub orphans: Orphans,
    /// C-10: the default key policy of this Region's account, shared by every key that has it.
    pub default_policy: Arc<str>,
    /// Each key's last cryptographic use here, for GetKeyLastUsage (LU-1).
    pub last_usage: crate::last_usage::LastUsage,
    /// The cluster's request quotas (issue 12).
    pub quotas: Arc<crate::quotas::Quotas>,
    /// This Region's request metrics (issue 12).
    pub metrics: crate::telemetry::RegionMetrics,
}

/// What every node of a cluster shares: the simulated clock, the replication bus and the
/// journal of durable changes.
#[derive(Debug, Clone)]
pub struct Links {
    /// The cluster's clock.
    pub clock: Arc<Clock>,
    /// The replication bus.
    pub bus: Arc<Bus>,
    /// Where committed changes are recorded.
    pub journal: Journal,
    /// Request quotas (issue 12).
    pub quotas: Arc<crate::quotas::Quotas>,
}

/// Replication settings of one node.
#[derive(Debug, Clone)]
pub struct ReplicationSettings {
    /// how long a new replica stays `Creating`, in simulated milliseconds.
    pub creating_ms: Millis,
}

/// Snapshots for keys this Region does not hold yet, newest per key (journaled: they are
/// replication state a restart must not lose).
#[derive(Debug, Default)]
pub struct Orphans {
    map: dashmap::DashMap<String, Snapshot>,
    region: String,
    journal: Journal,
}

impl Orphans {
    fn change(&self, key_id: &str, s: Option<&Snapshot>) -> Change {
        Change::Orphan {
            region: self.region.clone(),
            key_id: key_id.to_string(),
            snapshot: s.cloned(),
        }
    }

    /// Keeps `s` if it is the newest for its key.
    pub fn keep(&self, s: Snapshot) {
        let mut e = self
            .map
            .entry(s.key_id.clone())
            .or_insert_with(|| s.clone());
        if s.version > e.version {
            *e = s;
        }
        self.journal.record(|| self.change(&e.key_id, Some(&e)));
    }

    /// Recovery: puts back a kept snapshot.
    pub fn install(&self, s: Snapshot) {
        self.map.insert(s.key_id.clone(), s);
    }

    /// `/_kmsim/reset`: forgets every kept snapshot.
    pub fn clear(&self) {
        self.map.clear();
    }

    /// Takes the kept snapshot for `key_id`.
    pub fn take(&self, key_id: &str) -> Option<Snapshot> {
        let (_, s) = self.map.remove(key_id)?;
        self.journal.record(|| self.change(key_id, None));
        Some(s)
    }
}

impl Node {
    /// `/_kmsim/reset`: this Region forgets every key, alias, grant, import token, early
    /// snapshot and recorded use. Its wrapping key pools stay (they are not state AWS shows).
    pub fn reset(&self) {
        self.store.clear();
        self.tokens.clear();
        self.orphans.clear();
        self.last_usage.clear();
    }

    /// A node with an empty store, linked to the cluster's clock, bus and journal.
    pub fn new(
        region: &str,
        account: &str,
        limits: Limits,
        import: &ImportConfig,
        replication: &ReplicationConfig,
        links: Links,
    ) -> Node {
        let Links {
            clock,
            bus,
            journal,
            quotas,
        } = links;
        let default_policy: Arc<str> =
            crate::domain::key::default_policy(ids::partition(region), account).into();
        Node {
            region: region.to_string(),
            account: account.to_string(),
            partition: ids::partition(region),
            store: Store::new(region, journal.clone(), default_policy.clone()),
            last_usage: crate::last_usage::LastUsage::new(clock.now()),
            clock,
            limits,
            wrapping: WrappingPool::new(import),
            tokens: Tokens::new(region, journal.clone()),
            bus,
            replication: ReplicationSettings {
                creating_ms: (replication.creating_seconds * 1000.0) as Millis,
            },
            orphans: Orphans {
                region: region.to_string(),
                journal,
                ..Default::default()
            },
            default_policy,
            quotas,
            metrics: crate::telemetry::RegionMetrics::new(region),
        }
    }

    /// Recovery: installs one record read from the data dir — the one function through which
    /// stored state enters a node. Journals and publishes nothing (the records are already
    /// durable; the bus queue is restored by the cluster). Changes for another Region, the
    /// clock or the bus are ignored here.
    pub fn restore(
        &self,
        change: Change,
        wrapping: &mut crate::recovery::KeyCache,
    ) -> Result<(), String> {
        match change {
            Change::Key { key: Some(key), .. } => self.store.install(*key),
            Change::Alias {
                name,
                alias: Some(alias),
                ..
            } => self.store.install_alias(&name, alias),
            Change::Grants {
                key_id,
                grants: Some(grants),
                ..
            } => self.store.grants.install(&key_id, grants),
            Change::GrantTokenKey { secret, .. } => self.store.grants.tokens.install(&secret),
            Change::ImportToken {
                token,
                record: Some(r),
                ..
            } => {
                let wrapping_key = wrapping.get(&r.wrapping_key)?;
                self.tokens.install(
                    token,
                    crate::tokens::TokenRecord {
                        key_id: r.key_id,
                        algorithm: r.algorithm,
                        spec: r.spec,
                        wrapping_key,
                        valid_to: r.valid_to,
                    },
                );
            }
            Change::Orphan {
                snapshot: Some(s), ..
            } => self.orphans.install(s),
            _ => {}
        }
        Ok(())
    }

    /// The simulated time.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// Issue 11, item 3: the account a request acts in — its caller's (`sigv4` mode), else
    /// the configured one.
    pub fn request_account(&self) -> String {
        crate::auth::current::account_or(&self.account)
    }

    /// W-41: the ARN of key `id` in this Region and the request's account.
    pub fn key_arn(&self, id: &str) -> String {
        ids::key_arn(&self.region, &self.request_account(), id)
    }

    /// W-41: the ARN of alias `name` (with its `alias/` prefix) in this Region and the
    /// request's account.
    pub fn alias_arn(&self, name: &str) -> String {
        ids::alias_arn(&self.region, &self.request_account(), name)
    }

    /// Issue 11, item 3: where alias `name` of the request's account is kept in the store.
    /// Alias names are per account and Region; the configured account's aliases keep their
    /// bare names (so data dirs written before accounts existed read unchanged), another
    /// account's are kept as `<account>@<name>` (`@` is not allowed in alias names).
    pub fn alias_slot(&self, name: &str) -> String {
        let account = self.request_account();
        if account == self.account {
            name.to_string()
        } else {
            format!("{account}@{name}")
        }
    }

    /// The alias name of store slot `slot` if it belongs to the request's account (the
    /// inverse of [`Node::alias_slot`]).
    pub fn alias_of_slot<'a>(&self, slot: &'a str) -> Option<&'a str> {
        let account = self.request_account();
        match slot.split_once('@') {
            Some((owner, name)) => (owner == account).then_some(name),
            None => (account == self.account).then_some(slot),
        }
    }

    /// Whether key `k` belongs to the request's account.
    pub fn owns(&self, k: &Key) -> bool {
        k.account() == self.request_account()
    }

    /// The default key policy (C-10) of the request's account.
    pub fn request_default_policy(&self) -> Arc<str> {
        let account = self.request_account();
        if account == self.account {
            self.default_policy.clone()
        } else {
            crate::domain::key::default_policy(self.partition, &account).into()
        }
    }

    /// `NotFoundException "Key '<ARN>' does not exist"` (W-44 step 3).
    pub fn key_not_found(&self, id: &str) -> KmsError {
        KmsError::not_found(format!("Key '{}' does not exist", self.key_arn(id)))
    }

    /// Reads key `id` (a resolved bare id) after the time rules due now; a key deleted since
    /// it was resolved is NotFound.
    pub fn read_key<T>(&self, id: &str, f: impl FnOnce(&Key) -> T) -> KmsResult<T> {
        self.peek_key(id, f).ok_or_else(|| self.key_not_found(id))
    }

    /// Reads key `id` after the time rules due now (lazy half of X-6/I-50; the sweep is the
    /// other half). `None` if it does not exist.
    pub fn peek_key<T>(&self, id: &str, f: impl FnOnce(&Key) -> T) -> Option<T> {
        self.apply_time(id);
        self.store.read(id, f)
    }

    /// Changes key `id` atomically; the replication events the change implies
    /// ([`observe`]) are journaled with it and then sent.
    pub fn update_key<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Key) -> KmsResult<T>,
    ) -> KmsResult<T> {
        self.update_key_emitting(id, |k| f(k).map(|v| (v, Vec::new())))
    }

    /// [`Node::update_key`] for a change that sends events of its own besides those the
    /// change implies (ReplicateKey's CreateReplica).
    pub fn update_key_emitting<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Key) -> KmsResult<(T, Vec<Envelope>)>,
    ) -> KmsResult<T> {
        self.apply_time(id);
        self.change_key(id, |k| {
            let before = observe::Before::of(k);
            let (v, extra) = f(k)?;
            let mut events = before
                .map(|b| b.events(k, &self.region))
                .unwrap_or_default();
            events.extend(extra);
            Ok((v, events))
        })
        .unwrap_or_else(|| Err(self.key_not_found(id)))
    }

    /// The one way a key changes: `f` runs on a copy and returns the events the change sends;
    /// the store commits the key and journals it with the events as one group, then the bus
    /// gets them. `None` if the key does not exist. (Time rules are the caller's: this is
    /// also how they are applied.)
    pub fn change_key<T>(
        &self,
        id: &str,
        f: impl FnOnce(&mut Key) -> KmsResult<(T, Vec<Envelope>)>,
    ) -> Option<KmsResult<T>> {
        let mut staged = Vec::new();
        let out = self.store.update(id, |k| {
            let (v, events) = f(k)?;
            staged = self.bus.stage(events);
            Ok((v, queued_changes(&staged).collect()))
        });
        self.bus.enqueue(staged);
        out
    }

    /// Deletes key `id`; a deleted replica tells its primary, in the same journal
    /// group.
    pub fn remove_key(&self, id: &str) -> Option<Key> {
        let mut staged = Vec::new();
        let key = self.store.remove(id, |k| {
            staged = self.bus.stage(observe::replica_deleted(k, &self.region));
            queued_changes(&staged).collect()
        });
        self.bus.enqueue(staged);
        key
    }

    /// Applies the time rule due for key `id` now, if any: removal once its deletion window
    /// has passed (S-13), or expiry, automatic rotation, the end of Creating.
    pub fn apply_time(&self, id: &str) {
        let now = self.now();
        match self.store.due(id, now) {
            None => {}
            Some(Due::Deletion) => {
                self.remove_key(id);
            }
            Some(Due::Rules) => {
                self.change_key(id, |k| {
                    let before = observe::Before::of(k);
                    k.apply_time(now)?;
                    let events = before
                        .map(|b| b.events(k, &self.region))
                        .unwrap_or_default();
                    Ok(((), events))
                });
            }
        }
    }

    /// Applies every time rule that is due (the background sweep, and after a clock advance).
    pub fn sweep(&self) {
        for id in self.store.due_ids(self.now()) {
            self.apply_time(&id);
        }
    }

    /// Changes key `id`'s grants with the key read-locked (see [`Store::update_grants`]),
    /// after the time rules due now.
    pub fn update_grants<T>(
        &self,
        id: &str,
        f: impl FnOnce(&Key, &mut crate::domain::grant::KeyGrants) -> KmsResult<T>,
    ) -> KmsResult<T> {
        self.apply_time(id);
        self.store
            .update_grants(id, f)
            .unwrap_or_else(|| Err(self.key_not_found(id)))
    }
}
