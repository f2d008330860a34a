//! The data dir's database (redb), in two parts:
//!
//! - the **log**: one row per group commit (`u64` → the batch of [`Change`]s, postcard),
//!   appended at the end of the table so a commit touches a page or two and one fsync;
//! - the **state tables**: one per kind of record (keys, aliases, grants, import tokens,
//!   wrapping keys, early snapshots, the bus queue, meta), which a **checkpoint** brings up to
//!   date by folding the log into them and deleting the folded rows, in one atomic commit.
//!
//! Loading folds the log (whatever a crash left there) over the state tables, so the records
//! it returns are the state as of the last acknowledged commit.

use std::collections::BTreeMap;
use std::sync::Arc;

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;

use super::change::{Change, StoredToken};
use crate::domain::key::Key;
use crate::tokens::TOKEN_LEN;

/// Version of the records' layout inside the database (also in the `FORMAT` file).
pub const FORMAT_VERSION: u32 = 1;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("log");
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");
const ALIASES: TableDefinition<&str, &[u8]> = TableDefinition::new("aliases");
const GRANTS: TableDefinition<&str, &[u8]> = TableDefinition::new("grants");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("import_tokens");
const WRAPPING: TableDefinition<&str, &[u8]> = TableDefinition::new("wrapping_keys");
const ORPHANS: TableDefinition<&str, &[u8]> = TableDefinition::new("orphans");
const BUS: TableDefinition<u64, &[u8]> = TableDefinition::new("bus");

const META_FORMAT: &str = "format";
const META_CLOCK: &str = "clock_offset";
const META_GRANT_KEY: &str = "grant_token_key/";

/// `region/name`: regions never contain `/`, so the first `/` splits.
fn rkey(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

fn split(k: &str) -> Result<(String, String), String> {
    k.split_once('/')
        .map(|(r, n)| (r.to_string(), n.to_string()))
        .ok_or_else(|| format!("record key {k:?} names no Region"))
}

fn enc<T: serde::Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, redb::Error> {
    postcard::to_stdvec(v).map_err(|e| redb::Error::Corrupted(format!("encoding a record: {e}")))
}

fn dec<T: DeserializeOwned>(table: &str, key: &str, v: &[u8]) -> Result<T, String> {
    postcard::from_bytes(v)
        .map_err(|e| format!("record {key:?} of table {table} is unreadable: {e}"))
}

/// The key as stored: a key with its Region's default policy (C-10, most keys) stores an
/// empty policy instead of the ~400-byte document, which [`expand_key`] rebuilds from the ARN.
/// (An empty string is never a policy kmsim accepts, so the marker is unambiguous.) The
/// store journals keys this way ([`crate::store::Store`]); this is the reference form.
#[cfg(test)]
fn compact_key(k: &Key) -> Key {
    let mut k = k.clone();
    if let Some(default) = default_policy_of(&k.arn) {
        if *k.policy == *default {
            k.policy = "".into();
        }
    }
    k
}

fn expand_key(mut k: Key) -> Key {
    if k.policy.is_empty() {
        if let Some(default) = default_policy_of(&k.arn) {
            k.policy = default.into();
        }
    }
    k
}

/// [`expand_key`] for many keys: the default policy of the last partition and account seen
/// is built once and shared (almost every key of a data dir has the same one).
#[derive(Default)]
struct Policies {
    last: Option<(String, Arc<str>)>,
}

impl Policies {
    fn expand(&mut self, mut k: Key) -> Key {
        if !k.policy.is_empty() {
            return k;
        }
        // `arn:<partition>:kms:<region>:<account>:key/<id>`: partition and account decide.
        let owner: String = {
            let mut p = k.arn.split(':');
            let (_, partition, _, _, account) = (p.next(), p.next(), p.next(), p.next(), p.next());
            format!("{}:{}", partition.unwrap_or(""), account.unwrap_or(""))
        };
        match &self.last {
            Some((o, policy)) if *o == owner => k.policy = policy.clone(),
            _ => {
                let k2 = expand_key(k);
                self.last = Some((owner, k2.policy.clone()));
                return k2;
            }
        }
        k
    }
}

/// The default key policy of the account and partition in a key ARN.
fn default_policy_of(arn: &str) -> Option<String> {
    let mut parts = arn.split(':');
    let (_, partition, _, _, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    Some(crate::domain::key::default_policy(partition, account))
}

/// Which state table a stored record lives in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
enum Table {
    Meta,
    Keys,
    Aliases,
    Grants,
    Tokens,
    Wrapping,
    Orphans,
}

/// A state-table row: its table and key.
type RowId = (Table, String);

/// One change in stored form: the table row it sets (`Some`) or deletes (`None`), already
/// encoded, so a checkpoint moves bytes and never decodes a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Put {
    Row {
        table: Table,
        key: String,
        value: Option<Vec<u8>>,
    },
    Bus {
        seq: u64,
        value: Option<Vec<u8>>,
    },
    Wipe,
}

/// A change in stored form. Keys arrive compacted (see [`Change::Key`]'s journaling in the
/// store: a key with its Region's default policy carries an empty one).
fn put(c: &Change) -> Result<Put, redb::Error> {
    fn opt<T: serde::Serialize>(v: &Option<T>) -> Result<Option<Vec<u8>>, redb::Error> {
        v.as_ref().map(|v| enc(v)).transpose()
    }
    let row = |table, key: String, value| Put::Row { table, key, value };
    Ok(match c {
        Change::Key { region, id, key } => row(Table::Keys, rkey(region, id), opt(key)?),
        Change::Alias {
            region,
            name,
            alias,
        } => row(Table::Aliases, rkey(region, name), opt(alias)?),
        Change::Grants {
            region,
            key_id,
            grants,
        } => row(Table::Grants, rkey(region, key_id), opt(grants)?),
        Change::GrantTokenKey { region, secret } => row(
            Table::Meta,
            format!("{META_GRANT_KEY}{region}"),
            Some(secret.clone()),
        ),
        Change::ImportToken {
            region,
            token,
            record,
        } => row(
            Table::Tokens,
            rkey(region, &hex::encode(token)),
            opt(record)?,
        ),
        Change::WrappingKey { fingerprint, pkcs8 } => row(
            Table::Wrapping,
            hex::encode(fingerprint),
            pkcs8.as_ref().map(|p| p.to_vec()),
        ),
        Change::Orphan {
            region,
            key_id,
            snapshot,
        } => row(Table::Orphans, rkey(region, key_id), opt(snapshot)?),
        Change::Clock { offset } => row(
            Table::Meta,
            META_CLOCK.to_string(),
            Some(offset.to_le_bytes().to_vec()),
        ),
        Change::BusEvent { seq, envelope } => Put::Bus {
            seq: *seq,
            value: opt(envelope)?,
        },
        Change::Wipe => Put::Wipe,
    })
}

/// The change a stored row recreates (`table` names it in errors).
fn record(table: Table, key: &str, v: &[u8], policies: &mut Policies) -> Result<Change, String> {
    Ok(match table {
        Table::Meta => {
            if key == META_CLOCK {
                let b: [u8; 8] = v
                    .try_into()
                    .map_err(|_| "the clock offset record is malformed".to_string())?;
                Change::Clock {
                    offset: i64::from_le_bytes(b),
                }
            } else if let Some(region) = key.strip_prefix(META_GRANT_KEY) {
                Change::GrantTokenKey {
                    region: region.to_string(),
                    secret: v.to_vec(),
                }
            } else {
                return Err(format!("unknown meta record {key:?}"));
            }
        }
        Table::Wrapping => {
            let mut fingerprint = [0u8; 32];
            hex::decode_to_slice(key, &mut fingerprint)
                .map_err(|_| format!("record {key:?} of table wrapping_keys is malformed"))?;
            Change::WrappingKey {
                fingerprint,
                pkcs8: Some(Arc::from(v)),
            }
        }
        Table::Keys => {
            let (region, id) = split(key)?;
            let k: Key = dec("keys", key, v)?;
            if k.id != id {
                return Err(format!("record {key:?} of table keys holds key {}", k.id));
            }
            Change::Key {
                region,
                id,
                key: Some(Box::new(policies.expand(k))),
            }
        }
        Table::Aliases => {
            let (region, name) = split(key)?;
            Change::Alias {
                region,
                name,
                alias: Some(dec("aliases", key, v)?),
            }
        }
        Table::Grants => {
            let (region, key_id) = split(key)?;
            Change::Grants {
                region,
                key_id,
                grants: Some(dec("grants", key, v)?),
            }
        }
        Table::Tokens => {
            let (region, t) = split(key)?;
            let mut token = [0u8; TOKEN_LEN];
            hex::decode_to_slice(&t, &mut token)
                .map_err(|_| format!("record {key:?} of table import_tokens is malformed"))?;
            let r: StoredToken = dec("import_tokens", key, v)?;
            Change::ImportToken {
                region,
                token,
                record: Some(r),
            }
        }
        Table::Orphans => {
            let (region, key_id) = split(key)?;
            Change::Orphan {
                region,
                key_id,
                snapshot: Some(dec("orphans", key, v)?),
            }
        }
    })
}

fn definition(t: Table) -> TableDefinition<'static, &'static str, &'static [u8]> {
    match t {
        Table::Meta => META,
        Table::Keys => KEYS,
        Table::Aliases => ALIASES,
        Table::Grants => GRANTS,
        Table::Tokens => TOKENS,
        Table::Wrapping => WRAPPING,
        Table::Orphans => ORPHANS,
    }
}

/// Creates the tables and stamps the format version (a new data dir).
pub fn initialise(db: &Database) -> Result<(), redb::Error> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    {
        let mut meta = tx.open_table(META)?;
        meta.insert(META_FORMAT, FORMAT_VERSION.to_le_bytes().as_slice())?;
        for t in [KEYS, ALIASES, GRANTS, TOKENS, WRAPPING, ORPHANS] {
            tx.open_table(t)?;
        }
        tx.open_table(BUS)?;
        tx.open_table(LOG)?;
    }
    tx.commit()?;
    Ok(())
}

/// Makes `batch` durable as log row `seq`, in one atomic, fsynced commit.
pub fn append(db: &Database, seq: u64, batch: &[Change]) -> Result<(), redb::Error> {
    let puts = batch.iter().map(put).collect::<Result<Vec<_>, _>>()?;
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    {
        let mut log = tx.open_table(LOG)?;
        log.insert(seq, enc(&puts)?.as_slice())?;
    }
    tx.commit()?;
    Ok(())
}

/// Folds every log row into the state tables and deletes the rows, in one atomic commit.
/// Only the last write of each row is applied (a key imported a thousand times since the
/// last checkpoint is written once).
pub fn checkpoint(db: &Database) -> Result<(), redb::Error> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    let mut wiped = false;
    let mut rows: std::collections::HashMap<RowId, Option<Vec<u8>>> = Default::default();
    let mut bus_rows: BTreeMap<u64, Option<Vec<u8>>> = BTreeMap::new();
    {
        let log = tx.open_table(LOG)?;
        let mut any = false;
        for row in log.iter()? {
            let (k, v) = row?;
            any = true;
            let puts: Vec<Put> =
                dec("log", &k.value().to_string(), v.value()).map_err(redb::Error::Corrupted)?;
            for p in puts {
                match p {
                    Put::Row { table, key, value } => {
                        rows.insert((table, key), value);
                    }
                    Put::Bus { seq, value } => {
                        bus_rows.insert(seq, value);
                    }
                    Put::Wipe => {
                        wiped = true;
                        rows.retain(|(t, k), _| {
                            *t == Table::Wrapping || (*t == Table::Meta && k != META_CLOCK)
                        });
                        bus_rows.clear();
                    }
                }
            }
        }
        if !any {
            return Ok(());
        }
    }
    if wiped {
        for t in [KEYS, ALIASES, GRANTS, TOKENS, ORPHANS] {
            tx.open_table(t)?.retain(|_, _| false)?;
        }
        tx.open_table(BUS)?.retain(|_, _| false)?;
        tx.open_table(META)?
            .insert(META_CLOCK, 0i64.to_le_bytes().as_slice())?;
    }
    // In table and key order: each table opened once, its rows written in B-tree order.
    let mut rows: Vec<(RowId, Option<Vec<u8>>)> = rows.into_iter().collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for chunk in rows.chunk_by(|a, b| a.0 .0 == b.0 .0) {
        let mut tab = tx.open_table(definition(chunk[0].0 .0))?;
        for ((_, k), v) in chunk {
            match v {
                Some(v) => tab.insert(k.as_str(), v.as_slice())?,
                None => tab.remove(k.as_str())?,
            };
        }
    }
    {
        let mut bus = tx.open_table(BUS)?;
        for (seq, v) in bus_rows {
            match v {
                Some(v) => bus.insert(seq, v.as_slice())?,
                None => bus.remove(seq)?,
            };
        }
    }
    tx.open_table(LOG)?.retain(|_, _| false)?;
    tx.commit()?;
    Ok(())
}

/// The format version stamped in the database, if any.
pub fn stored_format(db: &impl ReadableDatabase) -> Result<Option<u32>, String> {
    let tx = db.begin_read().map_err(|e| e.to_string())?;
    let meta = match tx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let v = meta.get(META_FORMAT).map_err(|e| e.to_string())?;
    Ok(match v {
        None => None,
        Some(v) => Some(u32::from_le_bytes(
            v.value()
                .try_into()
                .map_err(|_| "the format record is malformed".to_string())?,
        )),
    })
}

/// What a data dir holds.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every record, as the change that recreates it, in install order: the clock and the
    /// grant-token keys, wrapping keys, keys, aliases, grants, import tokens, early
    /// snapshots, then the bus queue in publication order.
    pub records: Vec<Change>,
    /// The number the next log row gets.
    pub next_log: u64,
    /// Changes in log rows not yet checkpointed.
    pub log_changes: usize,
}

/// Where a record sorts in [`Loaded::records`], and which record it is.
fn slot(c: &Change) -> Option<(u8, String, u64)> {
    Some(match c {
        Change::Clock { .. } => (0, String::new(), 0),
        Change::GrantTokenKey { region, .. } => (1, region.clone(), 0),
        Change::WrappingKey { fingerprint, .. } => (2, hex::encode(fingerprint), 0),
        Change::Key { region, id, .. } => (3, rkey(region, id), 0),
        Change::Alias { region, name, .. } => (4, rkey(region, name), 0),
        Change::Grants { region, key_id, .. } => (5, rkey(region, key_id), 0),
        Change::ImportToken { region, token, .. } => (6, rkey(region, &hex::encode(token)), 0),
        Change::Orphan { region, key_id, .. } => (7, rkey(region, key_id), 0),
        Change::BusEvent { seq, .. } => (8, String::new(), *seq),
        Change::Wipe => return None,
    })
}

/// Every stored record: the state tables with the log folded over them. Any unreadable
/// record is an error naming it.
pub fn load(db: &impl ReadableDatabase) -> Result<Loaded, String> {
    let e = |e: redb::Error| e.to_string();
    let tx = db.begin_read().map_err(|x| e(x.into()))?;
    let mut state: BTreeMap<(u8, String, u64), Change> = BTreeMap::new();
    let mut policies = Policies::default();
    for t in [
        Table::Meta,
        Table::Wrapping,
        Table::Keys,
        Table::Aliases,
        Table::Grants,
        Table::Tokens,
        Table::Orphans,
    ] {
        let table = tx.open_table(definition(t)).map_err(|x| e(x.into()))?;
        for row in table.iter().map_err(|x| e(x.into()))? {
            let (k, v) = row.map_err(|x| e(x.into()))?;
            if t == Table::Meta && k.value() == META_FORMAT {
                continue;
            }
            let c = record(t, k.value(), v.value(), &mut policies)?;
            if let Some(s) = slot(&c) {
                state.insert(s, c);
            }
        }
    }
    let bus = tx.open_table(BUS).map_err(|x| e(x.into()))?;
    for row in bus.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let seq = k.value();
        state.insert(
            (8, String::new(), seq),
            Change::BusEvent {
                seq,
                envelope: Some(dec("bus", &seq.to_string(), v.value())?),
            },
        );
    }
    // The log, in commit order, over the state.
    let mut loaded = Loaded::default();
    let log = tx.open_table(LOG).map_err(|x| e(x.into()))?;
    for row in log.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        loaded.next_log = k.value() + 1;
        let puts: Vec<Put> = dec("log", &k.value().to_string(), v.value())?;
        loaded.log_changes += puts.len();
        for p in puts {
            match p {
                Put::Wipe => {
                    state.retain(|(kind, _, _), _| matches!(kind, 1 | 2));
                    state.insert((0, String::new(), 0), Change::Clock { offset: 0 });
                }
                Put::Bus { seq, value } => {
                    let s = (8, String::new(), seq);
                    match value {
                        Some(v) => {
                            let envelope = Some(dec("log (bus)", &seq.to_string(), &v)?);
                            state.insert(s, Change::BusEvent { seq, envelope });
                        }
                        None => {
                            state.remove(&s);
                        }
                    }
                }
                Put::Row { table, key, value } => match value {
                    Some(v) => {
                        let c = record(table, &key, &v, &mut policies)?;
                        if let Some(s) = slot(&c) {
                            state.insert(s, c);
                        }
                    }
                    None => {
                        // The slot of a removed row, from a stand-in record of that table.
                        if let Some(s) = removed_slot(table, &key) {
                            state.remove(&s);
                        }
                    }
                },
            }
        }
    }
    loaded.records = state.into_values().collect();
    Ok(loaded)
}

/// The [`slot`] of a row of `table` named `key`.
fn removed_slot(table: Table, key: &str) -> Option<(u8, String, u64)> {
    let kind = match table {
        Table::Meta => {
            return if key == META_CLOCK {
                Some((0, String::new(), 0))
            } else {
                key.strip_prefix(META_GRANT_KEY)
                    .map(|r| (1, r.to_string(), 0))
            }
        }
        Table::Wrapping => 2,
        Table::Keys => 3,
        Table::Aliases => 4,
        Table::Grants => 5,
        Table::Tokens => 6,
        Table::Orphans => 7,
    };
    Some((kind, key.to_string(), 0))
}

#[cfg(test)]
mod tests {
    //! The laws recovery rests on, checked against a model: after every commit, loading the
    //! database gives exactly the fold of the changes committed so far (any prefix of a
    //! history is the state acknowledged at that point); a batch lands whole; and writing
    //! back what was loaded changes nothing (recovery is idempotent).

    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::domain::enums::{KeySpec, KeyUsage, Origin};
    use crate::domain::key::Key;
    use crate::domain::material::Material;
    use crate::domain::state::KeyState;
    use crate::replication::event::{Envelope, Event};
    use crate::store::Alias;

    const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
    const IDS: [&str; 3] = [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-0123456789abcdef0123456789abcdef",
        "0b5e7a44-1d2c-4f3e-9a8b-7c6d5e4f3a21",
    ];

    fn key(id: &str, description: &str, material: u8) -> Key {
        Key {
            id: id.to_string(),
            arn: format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
            seq: material as u64,
            creation_date: 1_700_000_000_000,
            description: description.to_string(),
            spec: KeySpec::SymmetricDefault,
            usage: KeyUsage::EncryptDecrypt,
            origin: Origin::AwsKms,
            state: KeyState::PendingDeletion {
                deletion_date: 1_800_000_000_000,
                window_days: 7,
            },
            policy: "{}".into(),
            tags: vec![("team".into(), description.to_string())],
            multi_region: None,
            materials: vec![Material::initial(id, vec![material; 32])],
            auto_rotation: None,
            on_demand_rotations: material as u32,
            ever_imported: false,
            public_key: None,
        }
    }

    fn change() -> impl Strategy<Value = Change> {
        let region = (0..REGIONS.len()).prop_map(|i| REGIONS[i].to_string());
        let id = (0..IDS.len()).prop_map(|i| IDS[i].to_string());
        prop_oneof![
            4 => (region.clone(), id.clone(), "[a-z]{0,6}", any::<u8>(), any::<bool>()).prop_map(
                |(region, id, d, m, keep)| Change::Key {
                    key: keep.then(|| Box::new(key(&id, &d, m))),
                    region,
                    id,
                }
            ),
            2 => (region.clone(), 0..3u8, id.clone(), any::<bool>()).prop_map(
                |(region, n, target, keep)| Change::Alias {
                    region,
                    name: format!("alias/a{n}"),
                    alias: keep.then_some(Alias {
                        target,
                        created: 1,
                        updated: n as i64,
                    }),
                }
            ),
            1 => (region.clone(), any::<[u8; 4]>(), any::<bool>()).prop_map(|(region, t, keep)| {
                let mut token = [0u8; TOKEN_LEN];
                token[..4].copy_from_slice(&t);
                Change::ImportToken {
                    region,
                    token,
                    record: keep.then(|| StoredToken {
                        key_id: IDS[0].to_string(),
                        algorithm: crate::domain::enums::WrappingAlgorithm::RsaesOaepSha256,
                        spec: crate::domain::enums::WrappingKeySpec::Rsa2048,
                        wrapping_key: [t[0]; 32],
                        valid_to: 5,
                    }),
                }
            }),
            1 => (region.clone(), any::<u8>()).prop_map(|(region, b)| Change::GrantTokenKey {
                region,
                secret: vec![b; 32],
            }),
            1 => (0..1_000_000i64).prop_map(|offset| Change::Clock { offset }),
            1 => (any::<u8>(), any::<bool>()).prop_map(|(b, keep)| Change::WrappingKey {
                fingerprint: [b % 4; 32],
                pkcs8: keep.then(|| vec![b; 16].into()),
            }),
            2 => (0..6u64, id, any::<bool>()).prop_map(|(seq, key_id, keep)| Change::BusEvent {
                seq,
                envelope: keep.then(|| Envelope {
                    from: REGIONS[0].to_string(),
                    to: REGIONS[1].to_string(),
                    event: Event::ReplicaDeleted {
                        key_id,
                        region: REGIONS[1].to_string(),
                    },
                }),
            }),
            1 => Just(Change::Wipe),
        ]
    }

    /// A record's identity, and its value as text (`None`: absent).
    fn identity(c: &Change) -> Option<(String, Option<String>)> {
        Some(match c {
            Change::Key { region, id, key } => (
                format!("key {region}/{id}"),
                key.as_ref().map(|k| format!("{k:?}")),
            ),
            Change::Alias {
                region,
                name,
                alias,
            } => (
                format!("alias {region}/{name}"),
                alias.as_ref().map(|a| format!("{a:?}")),
            ),
            Change::Grants {
                region,
                key_id,
                grants,
            } => (
                format!("grants {region}/{key_id}"),
                grants.as_ref().map(|g| format!("{g:?}")),
            ),
            Change::GrantTokenKey { region, secret } => {
                (format!("grant key {region}"), Some(format!("{secret:?}")))
            }
            Change::ImportToken {
                region,
                token,
                record,
            } => (
                format!("token {region}/{}", hex::encode(token)),
                record.as_ref().map(|r| format!("{r:?}")),
            ),
            Change::Orphan {
                region,
                key_id,
                snapshot,
            } => (
                format!("orphan {region}/{key_id}"),
                snapshot.as_ref().map(|s| format!("{s:?}")),
            ),
            Change::Clock { offset } => ("clock".into(), Some(offset.to_string())),
            Change::WrappingKey { fingerprint, pkcs8 } => (
                format!("wrapping {}", hex::encode(fingerprint)),
                pkcs8.as_ref().map(|p| format!("{p:?}")),
            ),
            Change::BusEvent { seq, envelope } => (
                format!("bus {seq}"),
                envelope.as_ref().map(|e| format!("{e:?}")),
            ),
            Change::Wipe => return None,
        })
    }

    /// The model: the fold of the changes, as identity → value.
    fn fold(model: &mut BTreeMap<String, String>, c: &Change) {
        match identity(c) {
            Some((id, Some(v))) => {
                model.insert(id, v);
            }
            Some((id, None)) => {
                model.remove(&id);
            }
            None => {
                model.retain(|id, _| id.starts_with("grant key ") || id.starts_with("wrapping "));
                model.insert("clock".into(), "0".into());
            }
        }
    }

    fn loaded(db: &Database) -> BTreeMap<String, String> {
        load(db)
            .unwrap()
            .records
            .iter()
            .map(|c| {
                let (id, v) = identity(c).unwrap();
                (id, v.unwrap())
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_prefix_of_a_history_loads_as_its_fold(
            groups in proptest::collection::vec(
                (proptest::collection::vec(change(), 1..6), any::<bool>()),
                1..12,
            )
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = Database::create(dir.path().join("t.redb")).unwrap();
            initialise(&db).unwrap();
            let mut model = BTreeMap::new();
            prop_assert_eq!(loaded(&db), model.clone());
            for (seq, (g, fold_now)) in groups.iter().enumerate() {
                append(&db, seq as u64, g).unwrap();
                for c in g {
                    fold(&mut model, c);
                }
                // Any prefix, whether or not a checkpoint folded it into the tables.
                prop_assert_eq!(loaded(&db), model.clone());
                if *fold_now {
                    checkpoint(&db).unwrap();
                    prop_assert_eq!(loaded(&db), model.clone());
                }
            }
            // Idempotent recovery: what was loaded, written back, changes nothing.
            let again = load(&db).unwrap();
            append(&db, again.next_log, &again.records).unwrap();
            prop_assert_eq!(loaded(&db), model.clone());
            checkpoint(&db).unwrap();
            // And it survives closing and reopening.
            drop(db);
            let db = Database::open(dir.path().join("t.redb")).unwrap();
            prop_assert_eq!(loaded(&db), model);
        }
    }

    /// A key with its Region's default policy is stored without the document and comes back
    /// with it; any other policy is stored as given.
    #[test]
    fn default_policies_are_stored_compactly() {
        let mut k = key(IDS[0], "d", 1);
        k.policy = crate::domain::key::default_policy("aws", "111122223333").into();
        let c = compact_key(&k);
        assert!(c.policy.is_empty());
        assert_eq!(expand_key(c), k);
        k.policy = r#"{"Version":"2012-10-17"}"#.into();
        assert_eq!(compact_key(&k), k);
    }

    #[test]
    fn a_record_of_another_shape_is_reported_not_guessed() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::create(dir.path().join("t.redb")).unwrap();
        initialise(&db).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(ALIASES)
            .unwrap()
            .insert("us-east-1/alias/x", [1u8, 2, 3].as_slice())
            .unwrap();
        tx.commit().unwrap();
        let err = load(&db).unwrap_err();
        assert!(
            err.contains("\"us-east-1/alias/x\" of table aliases"),
            "{err}"
        );
    }
}
