//! The data dir's database: one redb table per kind of record, values encoded with postcard.
//! Writing a batch of [`Change`]s is one atomic, fsynced redb commit; loading reads every
//! record back as the `Change` that would recreate it.

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;

use super::change::{Change, StoredToken};
use crate::tokens::TOKEN_LEN;

/// Version of the records' layout inside the database (also in the `FORMAT` file).
pub const FORMAT_VERSION: u32 = 1;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");
const ALIASES: TableDefinition<&str, &[u8]> = TableDefinition::new("aliases");
const GRANTS: TableDefinition<&str, &[u8]> = TableDefinition::new("grants");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("import_tokens");
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

/// Creates the tables and stamps the format version (a new data dir).
pub fn initialise(db: &Database) -> Result<(), redb::Error> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    {
        let mut meta = tx.open_table(META)?;
        meta.insert(META_FORMAT, FORMAT_VERSION.to_le_bytes().as_slice())?;
        for t in [KEYS, ALIASES, GRANTS, TOKENS, ORPHANS] {
            tx.open_table(t)?;
        }
        tx.open_table(BUS)?;
    }
    tx.commit()?;
    Ok(())
}

/// Makes `batch` durable in one atomic commit, in order (a later change to the same record
/// wins).
pub fn write(db: &Database, batch: &[Change]) -> Result<(), redb::Error> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    {
        let mut meta = tx.open_table(META)?;
        let mut keys = tx.open_table(KEYS)?;
        let mut aliases = tx.open_table(ALIASES)?;
        let mut grants = tx.open_table(GRANTS)?;
        let mut tokens = tx.open_table(TOKENS)?;
        let mut orphans = tx.open_table(ORPHANS)?;
        let mut bus = tx.open_table(BUS)?;
        for ch in batch {
            match ch {
                Change::Key { region, id, key } => {
                    let k = rkey(region, id);
                    match key {
                        Some(key) => keys.insert(k.as_str(), enc(&**key)?.as_slice())?,
                        None => keys.remove(k.as_str())?,
                    };
                }
                Change::Alias {
                    region,
                    name,
                    alias,
                } => {
                    let k = rkey(region, name);
                    match alias {
                        Some(a) => aliases.insert(k.as_str(), enc(a)?.as_slice())?,
                        None => aliases.remove(k.as_str())?,
                    };
                }
                Change::Grants {
                    region,
                    key_id,
                    grants: g,
                } => {
                    let k = rkey(region, key_id);
                    match g {
                        Some(g) => grants.insert(k.as_str(), enc(g)?.as_slice())?,
                        None => grants.remove(k.as_str())?,
                    };
                }
                Change::GrantTokenKey { region, secret } => {
                    let k = format!("{META_GRANT_KEY}{region}");
                    meta.insert(k.as_str(), secret.as_slice())?;
                }
                Change::ImportToken {
                    region,
                    token,
                    record,
                } => {
                    let k = rkey(region, &hex::encode(token));
                    match record {
                        Some(r) => tokens.insert(k.as_str(), enc(r)?.as_slice())?,
                        None => tokens.remove(k.as_str())?,
                    };
                }
                Change::Orphan {
                    region,
                    key_id,
                    snapshot,
                } => {
                    let k = rkey(region, key_id);
                    match snapshot {
                        Some(s) => orphans.insert(k.as_str(), enc(s)?.as_slice())?,
                        None => orphans.remove(k.as_str())?,
                    };
                }
                Change::Clock { offset } => {
                    meta.insert(META_CLOCK, offset.to_le_bytes().as_slice())?;
                }
                Change::BusEvent { seq, envelope } => {
                    match envelope {
                        Some(e) => bus.insert(*seq, enc(e)?.as_slice())?,
                        None => bus.remove(*seq)?,
                    };
                }
                Change::Wipe => {
                    keys.retain(|_, _| false)?;
                    aliases.retain(|_, _| false)?;
                    grants.retain(|_, _| false)?;
                    tokens.retain(|_, _| false)?;
                    orphans.retain(|_, _| false)?;
                    bus.retain(|_, _| false)?;
                    meta.insert(META_CLOCK, 0i64.to_le_bytes().as_slice())?;
                }
            }
        }
    }
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

/// Every stored record, as the change that recreates it: keys first, then what refers to
/// them (aliases, grants, tokens), then the bus queue in publication order. Any unreadable
/// record is an error naming it.
pub fn load(db: &impl ReadableDatabase) -> Result<Vec<Change>, String> {
    let e = |e: redb::Error| e.to_string();
    let tx = db.begin_read().map_err(|x| e(x.into()))?;
    let mut out = Vec::new();
    let meta = tx.open_table(META).map_err(|x| e(x.into()))?;
    for row in meta.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (k, v) = (k.value(), v.value());
        if k == META_CLOCK {
            let b: [u8; 8] = v
                .try_into()
                .map_err(|_| "the clock offset record is malformed".to_string())?;
            out.push(Change::Clock {
                offset: i64::from_le_bytes(b),
            });
        } else if let Some(region) = k.strip_prefix(META_GRANT_KEY) {
            out.push(Change::GrantTokenKey {
                region: region.to_string(),
                secret: v.to_vec(),
            });
        }
    }
    let keys = tx.open_table(KEYS).map_err(|x| e(x.into()))?;
    for row in keys.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (region, id) = split(k.value())?;
        let key: crate::domain::key::Key = dec("keys", k.value(), v.value())?;
        if key.id != id {
            return Err(format!(
                "record {:?} of table keys holds key {}",
                k.value(),
                key.id
            ));
        }
        out.push(Change::Key {
            region,
            id,
            key: Some(Box::new(key)),
        });
    }
    let aliases = tx.open_table(ALIASES).map_err(|x| e(x.into()))?;
    for row in aliases.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (region, name) = split(k.value())?;
        out.push(Change::Alias {
            region,
            name,
            alias: Some(dec("aliases", k.value(), v.value())?),
        });
    }
    let grants = tx.open_table(GRANTS).map_err(|x| e(x.into()))?;
    for row in grants.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (region, key_id) = split(k.value())?;
        out.push(Change::Grants {
            region,
            key_id,
            grants: Some(dec("grants", k.value(), v.value())?),
        });
    }
    let tokens = tx.open_table(TOKENS).map_err(|x| e(x.into()))?;
    for row in tokens.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (region, t) = split(k.value())?;
        let mut token = [0u8; TOKEN_LEN];
        hex::decode_to_slice(&t, &mut token)
            .map_err(|_| format!("record {:?} of table import_tokens is malformed", k.value()))?;
        let record: StoredToken = dec("import_tokens", k.value(), v.value())?;
        out.push(Change::ImportToken {
            region,
            token,
            record: Some(record),
        });
    }
    let orphans = tx.open_table(ORPHANS).map_err(|x| e(x.into()))?;
    for row in orphans.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let (region, key_id) = split(k.value())?;
        out.push(Change::Orphan {
            region,
            key_id,
            snapshot: Some(dec("orphans", k.value(), v.value())?),
        });
    }
    let bus = tx.open_table(BUS).map_err(|x| e(x.into()))?;
    for row in bus.iter().map_err(|x| e(x.into()))? {
        let (k, v) = row.map_err(|x| e(x.into()))?;
        let seq = k.value();
        out.push(Change::BusEvent {
            seq,
            envelope: Some(dec("bus", &seq.to_string(), v.value())?),
        });
    }
    Ok(out)
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
                        wrapping_key_pkcs8: vec![t[0]; 8].into(),
                        valid_to: 5,
                    }),
                }
            }),
            1 => (region.clone(), any::<u8>()).prop_map(|(region, b)| Change::GrantTokenKey {
                region,
                secret: vec![b; 32],
            }),
            1 => (0..1_000_000i64).prop_map(|offset| Change::Clock { offset }),
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
                model.retain(|id, _| id.starts_with("grant key "));
                model.insert("clock".into(), "0".into());
            }
        }
    }

    fn loaded(db: &Database) -> BTreeMap<String, String> {
        load(db)
            .unwrap()
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
            groups in proptest::collection::vec(proptest::collection::vec(change(), 1..6), 1..12)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = Database::create(dir.path().join("t.redb")).unwrap();
            initialise(&db).unwrap();
            let mut model = BTreeMap::new();
            prop_assert_eq!(loaded(&db), model.clone());
            for g in &groups {
                write(&db, g).unwrap();
                for c in g {
                    fold(&mut model, c);
                }
                prop_assert_eq!(loaded(&db), model.clone());
            }
            // Idempotent recovery: what was loaded, written back, changes nothing.
            let again = load(&db).unwrap();
            write(&db, &again).unwrap();
            prop_assert_eq!(loaded(&db), model.clone());
            // And it survives closing and reopening.
            drop(db);
            let db = Database::open(dir.path().join("t.redb")).unwrap();
            prop_assert_eq!(loaded(&db), model);
        }
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
