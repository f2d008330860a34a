//! Durable state (`--data-dir`, issue 9): every committed change of every Region is a typed
//! [`Change`] recorded in the cluster's [`Journal`], group-committed to an embedded redb
//! database before the request that made it is answered, and read back at start-up as the
//! same changes, which the nodes install through one function ([`crate::node::Node::restore`]).
//!
//! A change is the new value of one record (or its removal), never a delta: applying one twice
//! is harmless, and the database after any commit is the fold of the changes up to it, so a
//! crash loses only what was never acknowledged and never half-applies a commit (redb's commit
//! is atomic and checksummed).
//!
//! [CHOICE] Not durable: GetKeyLastUsage's record (LU-1; persisting it would make every
//! Encrypt a write — after a restart tracking starts again, the restart being the new
//! `TrackingStartDate`), the bus's delay and cut-off settings (test controls: a restart
//! reconnects every Region and delivers what was queued) and the wrapping key pools (not
//! state AWS shows; an outstanding import token keeps its own wrapping key).

pub mod change;
pub mod data_dir;
pub mod journal;
pub mod tables;

pub use change::{Change, StoredToken};
pub use journal::Journal;
