//! The typed changes of durable state: each one is the new value (or the removal) of one
//! record, so applying a change is idempotent and a log of them folds to the state at any
//! point — the property recovery rests on (issue 9).

use std::sync::Arc;

use crate::clock::Millis;
use crate::domain::enums::{WrappingAlgorithm, WrappingKeySpec};
use crate::domain::grant::KeyGrants;
use crate::domain::key::Key;
use crate::domain::multi_region::Snapshot;
use crate::replication::event::Envelope;
use crate::store::Alias;
use crate::tokens::TOKEN_LEN;

/// One change to durable state. Regional records name their Region; the clock and the bus
/// are the cluster's. Stored in the log as postcard (a new variant goes at the end; changing
/// one needs a new format version).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// A key record as committed (`None`: the key is gone, X-6).
    Key {
        /// Region.
        region: String,
        /// Bare key id.
        id: String,
        /// The record.
        key: Option<Box<Key>>,
    },
    /// An alias (`None`: deleted).
    Alias {
        /// Region.
        region: String,
        /// Full name, `alias/…`.
        name: String,
        /// Target and dates.
        alias: Option<Alias>,
    },
    /// Every grant of one key (`None`: the key has none).
    Grants {
        /// Region.
        region: String,
        /// Bare key id.
        key_id: String,
        /// The grants.
        grants: Option<KeyGrants>,
    },
    /// The Region's grant-token MAC key (made once, on the first CreateGrant).
    GrantTokenKey {
        /// Region.
        region: String,
        /// The HMAC-SHA256 key.
        secret: Vec<u8>,
    },
    /// An import token (`None`: used up or forgotten; G-5, Q-6).
    ImportToken {
        /// Region.
        region: String,
        /// The token bytes.
        token: [u8; TOKEN_LEN],
        /// What it is bound to.
        record: Option<StoredToken>,
    },
    /// A wrapping private key that import tokens refer to (written once, before the first
    /// token that uses it; `None`: no token uses it any more).
    WrappingKey {
        /// SHA-256 of the PKCS#8 DER.
        fingerprint: [u8; 32],
        /// The private key, PKCS#8 DER.
        pkcs8: Option<Arc<[u8]>>,
    },
    /// A snapshot that arrived before its replica (`None`: taken).
    Orphan {
        /// Region.
        region: String,
        /// Bare key id.
        key_id: String,
        /// The snapshot.
        snapshot: Option<Snapshot>,
    },
    /// The simulated clock's offset.
    Clock {
        /// Milliseconds ahead of system time.
        offset: Millis,
    },
    /// A bus event (`Some`: published, not yet delivered; `None`: delivered).
    BusEvent {
        /// The bus's sequence number.
        seq: u64,
        /// The event.
        envelope: Option<Envelope>,
    },
    /// `/_kmsim/reset`: every regional record and the bus queue are gone, the clock offset is 0.
    /// (Grant-token keys and wrapping keys stay, as they do in memory.)
    Wipe,
}

impl Change {
    /// The Region a regional record belongs to (`None`: the clock, the bus, a reset).
    pub fn region(&self) -> Option<&str> {
        match self {
            Change::Key { region, .. }
            | Change::Alias { region, .. }
            | Change::Grants { region, .. }
            | Change::GrantTokenKey { region, .. }
            | Change::ImportToken { region, .. }
            | Change::Orphan { region, .. } => Some(region),
            Change::Clock { .. }
            | Change::BusEvent { .. }
            | Change::WrappingKey { .. }
            | Change::Wipe => None,
        }
    }
}

/// An import token's binding, naming its wrapping private key (stored once per key pair as a
/// [`Change::WrappingKey`], so an import after a restart still unwraps, I-7).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredToken {
    /// Bare key id.
    pub key_id: String,
    /// The algorithm the client must have used (P-2).
    pub algorithm: WrappingAlgorithm,
    /// The wrapping key's spec.
    pub spec: WrappingKeySpec,
    /// SHA-256 of the wrapping private key's PKCS#8 DER.
    pub wrapping_key: [u8; 32],
    /// `ParametersValidTo` (G-4).
    pub valid_to: Millis,
}
