//! The journal: where every node records its committed changes, and the group committer that
//! makes them durable. Recording is a push onto a pending list under a short mutex (callers
//! record while they still hold the record's own guard, so per-record order is the order of
//! the in-memory commits); one writer thread takes everything pending, writes it in one redb
//! commit (one fsync for however many requests are waiting) and publishes the sequence number
//! now durable. A request answers only once everything recorded before it returned is durable
//! ([`Journal::mark`] then [`Journal::wait`]); one that recorded nothing, while nothing else is
//! pending, pays two atomic loads.
//!
//! Memory-only clusters use [`Journal::memory`]: recording is a no-op that does not even build
//! the change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};
use redb::Database;
use tokio::sync::watch;

use super::change::Change;
use crate::error::{KmsError, KmsResult};

/// A cluster's journal (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Journal(Option<Arc<Inner>>);

#[derive(Debug)]
struct Inner {
    pending: Mutex<Pending>,
    ready: Condvar,
    /// Sequence number of the last change recorded.
    recorded: AtomicU64,
    /// (last durable sequence number, whether the data dir failed).
    durable: watch::Sender<(u64, bool)>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct Pending {
    changes: Vec<Change>,
    last: u64,
    stop: bool,
}

impl Journal {
    /// The journal of a memory-only cluster: records nothing.
    pub fn memory() -> Journal {
        Journal(None)
    }

    /// A journal writing to `db` from a thread of its own, continuing its log at row
    /// `next_log` with `log_changes` changes not yet checkpointed (from
    /// [`super::tables::Loaded`]).
    pub fn start(db: Database, next_log: u64, log_changes: usize) -> Journal {
        let (durable, _) = watch::channel((0, false));
        let inner = Arc::new(Inner {
            pending: Mutex::new(Pending::default()),
            ready: Condvar::new(),
            recorded: AtomicU64::new(0),
            durable,
            writer: Mutex::new(None),
        });
        let w = inner.clone();
        let handle = std::thread::Builder::new()
            .name("kmsim-journal".into())
            .spawn(move || writer(&w, db, next_log, log_changes))
            .expect("spawning the journal thread");
        *inner.writer.lock() = Some(handle);
        Journal(Some(inner))
    }

    /// Whether changes are made durable.
    pub fn is_durable(&self) -> bool {
        self.0.is_some()
    }

    /// Records one change, built only when the journal is durable. Call it while the record's
    /// own guard is still held, so that two changes to one record are journaled in the order
    /// they were made in memory.
    pub fn record(&self, change: impl FnOnce() -> Change) {
        if let Some(inner) = &self.0 {
            inner.push(std::iter::once(change()));
        }
    }

    /// Records several changes that must become durable together (one commit holds all or
    /// none of them): e.g. a key's removal with its aliases and grants.
    pub fn record_all(&self, changes: impl FnOnce() -> Vec<Change>) {
        if let Some(inner) = &self.0 {
            inner.push(changes());
        }
    }

    /// The sequence number of the last change recorded so far.
    pub fn mark(&self) -> u64 {
        self.0
            .as_ref()
            .map_or(0, |i| i.recorded.load(Ordering::Acquire))
    }

    /// Waits until every change up to `mark` is durable. `KMSInternalException` if the data
    /// dir can no longer be written (the change is in memory but not acknowledged as durable).
    pub async fn wait(&self, mark: u64) -> KmsResult<()> {
        let Some(inner) = &self.0 else {
            return Ok(());
        };
        {
            let d = *inner.durable.borrow();
            if d.1 {
                return Err(failed());
            }
            if d.0 >= mark {
                return Ok(());
            }
        }
        let mut rx = inner.durable.subscribe();
        let d = rx
            .wait_for(|(seq, failed)| *failed || *seq >= mark)
            .await
            .map(|d| *d)
            .map_err(|_| failed())?;
        if d.1 {
            Err(failed())
        } else {
            Ok(())
        }
    }

    /// [`Journal::wait`] for threads outside the async runtime (start-up, seeding, reset).
    pub fn wait_blocking(&self, mark: u64) -> KmsResult<()> {
        let Some(inner) = &self.0 else {
            return Ok(());
        };
        let mut rx = inner.durable.subscribe();
        loop {
            let d = *rx.borrow_and_update();
            if d.1 {
                return Err(failed());
            }
            if d.0 >= mark {
                return Ok(());
            }
            // No runtime here: poll the watch with a short sleep (start-up paths only).
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Makes everything recorded durable, stops the writer and closes the database cleanly.
    pub fn close(&self) {
        if let Some(inner) = &self.0 {
            inner.pending.lock().stop = true;
            inner.ready.notify_one();
            if let Some(h) = inner.writer.lock().take() {
                let _ = h.join();
            }
        }
    }
}

fn failed() -> KmsError {
    KmsError::internal("the data dir cannot be written; the change is not durable")
}

impl Inner {
    fn push(&self, changes: impl IntoIterator<Item = Change>) {
        let mut p = self.pending.lock();
        let before = p.changes.len();
        p.changes.extend(changes);
        p.last += (p.changes.len() - before) as u64;
        self.recorded.store(p.last, Ordering::Release);
        drop(p);
        self.ready.notify_one();
    }
}

/// A checkpoint folds the log into the state tables once it holds this many changes (or
/// when the journal has been idle for [`IDLE`]), so start-up never replays much.
const CHECKPOINT_CHANGES: usize = 16_384;
/// How long the writer waits for work before it checkpoints an idle log.
const IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// The group committer: everything pending goes into one log row, one commit.
fn writer(inner: &Inner, db: Database, mut next_log: u64, mut unfolded: usize) {
    let mut batch = Vec::new();
    loop {
        let (last, stop, idle) = {
            let mut p = inner.pending.lock();
            let mut idle = false;
            while p.changes.is_empty() && !p.stop && !idle {
                idle = inner.ready.wait_for(&mut p, IDLE).timed_out();
            }
            std::mem::swap(&mut batch, &mut p.changes);
            (p.last, p.stop, idle)
        };
        if !batch.is_empty() {
            match super::tables::append(&db, next_log, &batch) {
                Ok(()) => {
                    next_log += 1;
                    unfolded += batch.len();
                    inner.durable.send_modify(|d| d.0 = last);
                }
                Err(e) => {
                    tracing::error!(error = %e, "writing the data dir failed; changes are no longer acknowledged");
                    inner.durable.send_modify(|d| d.1 = true);
                }
            }
            batch.clear();
        }
        if unfolded > 0 && (unfolded >= CHECKPOINT_CHANGES || idle || stop) {
            match super::tables::checkpoint(&db) {
                Ok(()) => unfolded = 0,
                // The log still holds everything: nothing acknowledged is lost; try again later.
                Err(e) => tracing::warn!(error = %e, "checkpointing the data dir failed"),
            }
        }
        if stop && inner.pending.lock().changes.is_empty() {
            break;
        }
    }
    drop(db);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many writers, one committer: every change acknowledged by `wait` is in the database.
    #[test]
    fn concurrent_changes_are_durable_when_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.redb");
        let db = Database::create(&path).unwrap();
        super::super::tables::initialise(&db).unwrap();
        let journal = Journal::start(db, 0, 0);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut tasks = Vec::new();
            for t in 0..16u64 {
                let j = journal.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..20u64 {
                        j.record(|| Change::BusEvent {
                            seq: t * 100 + i,
                            envelope: Some(crate::replication::event::Envelope {
                                from: "us-east-1".into(),
                                to: "eu-west-1".into(),
                                event: crate::replication::event::Event::ReplicaDeleted {
                                    key_id: format!("k{t}-{i}"),
                                    region: "eu-west-1".into(),
                                },
                            }),
                        });
                        j.wait(j.mark()).await.unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        });
        journal.close();
        let db = Database::open(&path).unwrap();
        let n = super::super::tables::load(&db)
            .unwrap()
            .records
            .into_iter()
            .filter(|c| matches!(c, Change::BusEvent { .. }))
            .count();
        assert_eq!(n, 16 * 20);
    }

    #[test]
    fn a_memory_journal_records_nothing_and_never_waits() {
        let j = Journal::memory();
        j.record(|| unreachable!("a memory journal does not build changes"));
        assert_eq!(j.mark(), 0);
        assert!(j.wait_blocking(0).is_ok());
    }
}
