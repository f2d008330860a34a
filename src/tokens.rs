//! Import tokens (G-5, I-7, I-8, Q-6): 256 random bits naming a server-side record bound to
//! this Region (each node has its own table), one key id, one wrapping algorithm and spec, and
//! one wrapping key pair. A token cannot be forged (it is only a lookup key), expires at
//! `ParametersValidTo`, and is used up by a successful import; a failed import puts it back.

use std::sync::Arc;

use dashmap::DashMap;

use crate::clock::{Millis, DAY_MS};
use crate::domain::enums::{WrappingAlgorithm, WrappingKeySpec};
use crate::domain::material::random_bytes;
use crate::domain::wrapping::WrappingKey;
use crate::durable::{Change, Journal, StoredToken};
use crate::error::{ErrorCode, KmsError, KmsResult};

/// Token bytes on the wire.
pub const TOKEN_LEN: usize = 32;

/// What a token is bound to.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Bare key id.
    pub key_id: String,
    /// The algorithm the client must have used (P-2).
    pub algorithm: WrappingAlgorithm,
    /// The spec of the wrapping key.
    pub spec: WrappingKeySpec,
    /// The private key that unwraps.
    pub wrapping_key: Arc<WrappingKey>,
    /// `ParametersValidTo` (G-4).
    pub valid_to: Millis,
}

impl TokenRecord {
    /// The record as a data dir stores it.
    pub fn stored(&self) -> StoredToken {
        StoredToken {
            key_id: self.key_id.clone(),
            algorithm: self.algorithm,
            spec: self.spec,
            wrapping_key: self.wrapping_key.fingerprint,
            valid_to: self.valid_to,
        }
    }
}

/// One node's outstanding tokens. Every change is journaled while the token's entry is
/// still held (issue 9: import tokens are durable).
#[derive(Debug, Default)]
pub struct Tokens {
    map: DashMap<[u8; TOKEN_LEN], TokenRecord>,
    region: String,
    journal: Journal,
}

/// How long an expired token is remembered, so that it is reported as expired
/// (`ExpiredImportTokenException`) rather than unknown.
const REMEMBER_EXPIRED: Millis = 7 * DAY_MS;

impl Tokens {
    /// An empty table for `region`, journaling into `journal`.
    pub fn new(region: &str, journal: Journal) -> Self {
        Tokens {
            map: DashMap::new(),
            region: region.to_string(),
            journal,
        }
    }

    fn change(&self, token: [u8; TOKEN_LEN], record: Option<&TokenRecord>) -> Change {
        Change::ImportToken {
            region: self.region.clone(),
            token,
            record: record.map(TokenRecord::stored),
        }
    }

    /// Recovery: puts back a token read from the data dir (journals nothing).
    pub fn install(&self, token: [u8; TOKEN_LEN], record: TokenRecord) {
        self.map.insert(token, record);
    }

    /// Issues a new token for `record` (G-5: every call returns a new token).
    pub fn issue(&self, record: TokenRecord) -> KmsResult<Vec<u8>> {
        let bytes = random_bytes(TOKEN_LEN)?;
        let mut key = [0u8; TOKEN_LEN];
        key.copy_from_slice(&bytes);
        let entry = self.map.entry(key).insert(record);
        self.journal.record_all(|| {
            let wk = &entry.wrapping_key;
            let mut changes = Vec::with_capacity(2);
            if !wk
                .persisted
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                changes.push(Change::WrappingKey {
                    fingerprint: wk.fingerprint,
                    pkcs8: Some(wk.pkcs8.clone()),
                });
            }
            changes.push(self.change(key, Some(&*entry)));
            changes
        });
        Ok(bytes)
    }

    /// I-7/I-8: takes the token out for one import attempt. Unknown, used, or bound to another
    /// key → `InvalidImportTokenException`; past `ParametersValidTo` →
    /// `ExpiredImportTokenException` (and it stays, for the same answer next time). On
    /// failure of the import the caller must [`Tokens::restore`] it.
    pub fn take(
        &self,
        token: &[u8],
        key_id: &str,
        now: Millis,
    ) -> KmsResult<([u8; TOKEN_LEN], TokenRecord)> {
        let invalid = || {
            KmsError::new(
                ErrorCode::InvalidImportToken,
                "The import token is not valid for this KMS key. Call GetParametersForImport for a new import token.",
            )
        };
        let key: [u8; TOKEN_LEN] = token.try_into().map_err(|_| invalid())?;
        {
            let rec = self.map.get(&key).ok_or_else(invalid)?;
            if rec.key_id != key_id {
                return Err(invalid());
            }
            if rec.valid_to <= now {
                return Err(KmsError::new(
                    ErrorCode::ExpiredImportToken,
                    "The import token has expired. Call GetParametersForImport for a new import token.",
                ));
            }
        }
        // Another import with the same token may have taken it in between.
        let taken = self.map.remove(&key).ok_or_else(invalid)?;
        self.journal.record(|| self.change(key, None));
        Ok(taken)
    }

    /// Puts back a token whose import failed (I-12: a failure uses nothing up).
    pub fn restore(&self, key: [u8; TOKEN_LEN], record: TokenRecord) {
        let entry = self.map.entry(key).insert(record);
        self.journal.record(|| self.change(key, Some(&*entry)));
    }

    /// Forgets tokens expired for longer than a week.
    pub fn sweep(&self, now: Millis) {
        self.map.retain(|k, r| {
            let keep = r.valid_to + REMEMBER_EXPIRED > now;
            if !keep {
                self.journal.record(|| self.change(*k, None));
            }
            keep
        });
    }

    /// `/_kmsim/reset`: forgets every token.
    pub fn clear(&self) {
        self.map.clear();
    }

    /// Outstanding tokens.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
