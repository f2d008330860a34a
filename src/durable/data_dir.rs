//! Opening a data dir (`--data-dir`): check its format, take its lock, open its database and
//! read everything back — or refuse, with one line naming the path, having written nothing to
//! any file that was already there.
//!
//! Layout: `FORMAT` (one line, `kmsim-data-dir <version>`), `LOCK` (held with an exclusive
//! advisory lock while a kmsim uses the dir), `state.redb` (the records, see
//! [`super::tables`]).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use redb::{Database, ReadOnlyDatabase, ReadableDatabase};

use super::change::Change;
use super::tables::{self, FORMAT_VERSION};

/// Why a data dir was refused (one line, naming the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An open data dir: its database, its lock (released when this is dropped), and the records
/// it held.
#[derive(Debug)]
pub struct Opened {
    /// The database, for the journal's writer.
    pub db: Database,
    /// Held for as long as the process uses the dir.
    pub lock: File,
    /// Every stored record (the log folded in) and where the log continues.
    pub loaded: tables::Loaded,
    /// Whether the dir was new.
    pub created: bool,
}

const FORMAT_FILE: &str = "FORMAT";
const LOCK_FILE: &str = "LOCK";
const DB_FILE: &str = "state.redb";
const MAGIC: &str = "kmsim-data-dir";

/// Which Regions a data dir may hold state of.
#[derive(Debug, Clone, Copy)]
pub struct RegionsAllowed<'a> {
    /// The Regions this process serves.
    pub configured: &'a [String],
    /// Issue 13, item 1: any valid Region name too (the cluster opens Regions on first use).
    pub any: bool,
}

impl RegionsAllowed<'_> {
    fn allows(&self, region: &str) -> bool {
        self.configured.iter().any(|c| c == region)
            || (self.any && crate::config::region_name_ok(region))
    }
}

/// Opens (or creates) the data dir at `path` for a cluster of `regions`.
pub fn open(path: &Path, regions: RegionsAllowed<'_>) -> Result<Opened, Refused> {
    let name = path.display();
    let refuse = |why: String| Refused(format!("data dir {name}: {why}"));
    if path.exists() && !path.is_dir() {
        return Err(refuse("is not a directory".into()));
    }
    std::fs::create_dir_all(path).map_err(|e| refuse(format!("cannot create it: {e}")))?;
    let format_path = path.join(FORMAT_FILE);
    let db_path = path.join(DB_FILE);
    let format = match std::fs::read_to_string(&format_path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(refuse(format!("cannot read {FORMAT_FILE}: {e}"))),
    };
    match &format {
        Some(s) => check_format(s).map_err(refuse)?,
        None => {
            let others: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| refuse(format!("cannot list it: {e}")))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().is_none_or(|n| n != LOCK_FILE))
                .collect();
            if !others.is_empty() {
                return Err(refuse(format!(
                    "is not empty and has no {FORMAT_FILE} file: not a kmsim data dir"
                )));
            }
        }
    }
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.join(LOCK_FILE))
        .map_err(|e| refuse(format!("cannot open {LOCK_FILE}: {e}")))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(refuse("is in use by another kmsim process".into()))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(refuse(format!("cannot lock {LOCK_FILE}: {e}")))
        }
    }
    if format.is_none() {
        write_format(path, &format_path)
            .map_err(|e| refuse(format!("cannot write {FORMAT_FILE}: {e}")))?;
    }
    let created = !db_path.exists();
    if created {
        let db = Database::builder()
            .create(&db_path)
            .map_err(|e| refuse(format!("cannot create {DB_FILE}: {e}")))?;
        tables::initialise(&db).map_err(|e| refuse(format!("cannot initialise {DB_FILE}: {e}")))?;
        return Ok(Opened {
            db,
            lock,
            loaded: tables::Loaded::default(),
            created,
        });
    }
    // Read everything through a read-only handle first, so a refusal writes nothing. Only a
    // database left open by a crash needs redb's repair, which takes a writable open.
    let records = match ReadOnlyDatabase::open(&db_path) {
        Ok(ro) => Some(read_all(&ro, regions).map_err(&refuse)?),
        Err(redb::DatabaseError::RepairAborted) => {
            let db = Database::builder()
                .open(&db_path)
                .map_err(|e| refuse(format!("{DB_FILE} is corrupt or unreadable: {e}")))?;
            drop(db);
            None
        }
        Err(e) => return Err(refuse(format!("{DB_FILE} is corrupt or unreadable: {e}"))),
    };
    let db = Database::builder()
        .open(&db_path)
        .map_err(|e| refuse(format!("{DB_FILE} is corrupt or unreadable: {e}")))?;
    // After a repair, read from the repaired database.
    let records = match records {
        Some(r) => r,
        None => read_all(&db, regions).map_err(&refuse)?,
    };
    Ok(Opened {
        db,
        lock,
        loaded: records,
        created,
    })
}

/// The format check, every record, and the check that every Region they name is configured
/// (state of an unconfigured Region would be unreachable, and lost at the next reset).
fn read_all(
    db: &impl ReadableDatabase,
    regions: RegionsAllowed<'_>,
) -> Result<tables::Loaded, String> {
    match tables::stored_format(db) {
        Ok(Some(FORMAT_VERSION)) => {}
        Ok(Some(v)) => {
            return Err(format!(
                "{DB_FILE} has format version {v}; this kmsim reads version {FORMAT_VERSION}"
            ))
        }
        Ok(None) => return Err(format!("{DB_FILE} has no format version: corrupt")),
        Err(e) => return Err(format!("{DB_FILE} is corrupt: {e}")),
    }
    let loaded = tables::load(db).map_err(|e| format!("{DB_FILE} is corrupt: {e}"))?;
    if let Some(r) = loaded
        .records
        .iter()
        .filter_map(Change::region)
        .find(|r| !regions.allows(r))
    {
        return Err(format!(
            "it holds state of Region {r}, which the configuration does not have (configured: {})",
            regions.configured.join(", ")
        ));
    }
    Ok(loaded)
}

/// `kmsim-data-dir 1`: anything else (a newer or unknown version, or garbage) is refused.
fn check_format(s: &str) -> Result<(), String> {
    let line = s.trim_end_matches('\n');
    let version = line
        .strip_prefix(MAGIC)
        .and_then(|v| v.strip_prefix(' '))
        .and_then(|v| v.parse::<u32>().ok())
        .ok_or_else(|| format!("{FORMAT_FILE} is not a kmsim format line (found {line:?})"))?;
    if version != FORMAT_VERSION {
        return Err(format!(
            "was written in format version {version}; this kmsim reads version {FORMAT_VERSION} only"
        ));
    }
    Ok(())
}

/// Writes `FORMAT` atomically (temporary file, fsync, rename, fsync of the dir).
fn write_format(dir: &Path, format_path: &Path) -> std::io::Result<()> {
    let tmp = dir.join(format!("{FORMAT_FILE}.tmp"));
    {
        let mut f = File::create(&tmp)?;
        writeln!(f, "{MAGIC} {FORMAT_VERSION}")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, format_path)?;
    File::open(dir)?.sync_all()
}
