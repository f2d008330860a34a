//! Import tokens (G-5, I-7, I-8, Q-6): 256 random bits naming a server-side record bound to
//! this Region (each node has its own table), one key id, one wrapping algorithm and spec, and
//! one wrapping key pair. A token cannot be forged (it is only a lookup key), expires at
//! `ParametersValidTo`, and is used up by a successful import; a failed import puts it back.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;

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

/// Issue 12, item 5: how many unused tokens a node keeps. Tokens are remembered for their
/// whole validity (and a week after, to answer `ExpiredImportTokenException`), so without a
/// cap a client calling GetParametersForImport in a loop grows the table without bound.
///
/// [CHOICE] AWS documents that a token is valid for 24 hours and must be used with the public
/// key from the same response; it does not say that a newer GetParametersForImport call
/// invalidates older tokens. So kmsim keeps older tokens valid, up to `per_key` outstanding
/// tokens per key and `per_region` per Region; past either cap the oldest token (earliest
/// `ParametersValidTo`, then earliest issued) is forgotten, exactly as if it had never been
/// issued: importing with it answers `InvalidImportTokenException`. The newest tokens always
/// win, so the usual GetParametersForImport → ImportKeyMaterial sequence is never affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLimits {
    /// Outstanding tokens per key (`[import] max_tokens_per_key`).
    pub per_key: usize,
    /// Outstanding tokens per Region (`[import] max_tokens_per_region`).
    pub per_region: usize,
}

impl Default for TokenLimits {
    fn default() -> Self {
        TokenLimits {
            per_key: crate::config::DEFAULT_MAX_TOKENS_PER_KEY,
            per_region: crate::config::DEFAULT_MAX_TOKENS_PER_REGION,
        }
    }
}

/// Eviction order: earliest `ParametersValidTo` first, then issue order. `ParametersValidTo`
/// is "now + 24 h" on a clock that never runs backwards, so this is issue order, and it is
/// also defined for tokens recovered from a data dir (which stores no issue order).
type Age = (Millis, u64);

/// The table and its two age indexes, always changed together under one lock.
#[derive(Debug, Default)]
struct Inner {
    map: HashMap<[u8; TOKEN_LEN], (Age, TokenRecord)>,
    /// Every token, oldest first (the per-Region cap).
    by_age: BTreeMap<Age, [u8; TOKEN_LEN]>,
    /// Key id → its tokens, oldest first (the per-key cap).
    by_key: HashMap<String, BTreeMap<Age, [u8; TOKEN_LEN]>>,
    next_seq: u64,
    limits: TokenLimits,
}

impl Inner {
    fn insert(&mut self, token: [u8; TOKEN_LEN], record: TokenRecord) {
        self.remove(&token);
        let age = (record.valid_to, self.next_seq);
        self.next_seq += 1;
        self.by_age.insert(age, token);
        self.by_key
            .entry(record.key_id.clone())
            .or_default()
            .insert(age, token);
        self.map.insert(token, (age, record));
    }

    fn remove(&mut self, token: &[u8; TOKEN_LEN]) -> Option<TokenRecord> {
        let (age, record) = self.map.remove(token)?;
        self.by_age.remove(&age);
        if let Some(of_key) = self.by_key.get_mut(&record.key_id) {
            of_key.remove(&age);
            if of_key.is_empty() {
                self.by_key.remove(&record.key_id);
            }
        }
        Some(record)
    }

    /// The tokens past either cap after a token of `key_id` was added, oldest first.
    /// The tokens past either cap, oldest first, never `keep` (the token just issued: under
    /// concurrency its `ParametersValidTo`, read before the lock, can be earlier than an older
    /// token's, and the newest must win).
    fn over_caps(&self, key_id: &str, keep: Option<&[u8; TOKEN_LEN]>) -> Vec<[u8; TOKEN_LEN]> {
        let mut out: Vec<[u8; TOKEN_LEN]> = self
            .by_key
            .get(key_id)
            .map(|of_key| {
                let over = of_key.len().saturating_sub(self.limits.per_key);
                of_key
                    .values()
                    .filter(|t| Some(*t) != keep)
                    .take(over)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        let over = self
            .map
            .len()
            .saturating_sub(out.len())
            .saturating_sub(self.limits.per_region);
        out.extend(
            self.by_age
                .values()
                .filter(|t| Some(*t) != keep && !out.contains(t))
                .take(over)
                .copied()
                .collect::<Vec<_>>(),
        );
        out
    }
}

/// One node's outstanding tokens, bounded by [`TokenLimits`] (issue 12, item 5). Every change
/// is journaled while the table's lock is held, so the journal sees a token's changes in the
/// order they happened (issue 9: import tokens are durable), evictions included: a restart
/// does not bring back an evicted token.
#[derive(Debug, Default)]
pub struct Tokens {
    /// A std-style (parking_lot) lock, not a tokio one: nothing awaits while it is held. Shared
    /// by every request of this Region that issues or uses a token, the sweeper and recovery;
    /// GetParametersForImport is not a hot path, and one lock keeps the map and its indexes in
    /// step.
    inner: Mutex<Inner>,
    region: String,
    journal: Journal,
}

/// How long an expired token is remembered, so that it is reported as expired
/// (`ExpiredImportTokenException`) rather than unknown.
const REMEMBER_EXPIRED: Millis = 7 * DAY_MS;

impl Tokens {
    /// An empty table for `region`, journaling into `journal`, with the default
    /// [`TokenLimits`].
    pub fn new(region: &str, journal: Journal) -> Self {
        Tokens {
            inner: Mutex::new(Inner::default()),
            region: region.to_string(),
            journal,
        }
    }

    /// Issue 12, item 5: sets the caps (from `[import]`, at start-up, before any token is
    /// issued or recovered). Lowering them does not evict at once: the next issued token
    /// trims the table.
    pub fn set_limits(&self, limits: TokenLimits) {
        self.inner.lock().limits = limits;
    }

    fn change(&self, token: [u8; TOKEN_LEN], record: Option<&TokenRecord>) -> Change {
        Change::ImportToken {
            region: self.region.clone(),
            token,
            record: record.map(TokenRecord::stored),
        }
    }

    /// Recovery: puts back a token read from the data dir (journals nothing, evicts nothing).
    pub fn install(&self, token: [u8; TOKEN_LEN], record: TokenRecord) {
        self.inner.lock().insert(token, record);
    }

    /// Issues a new token for `record` (G-5: every call returns a new token). Past a cap of
    /// [`TokenLimits`] the oldest tokens are forgotten, and journaled as removed.
    pub fn issue(&self, record: TokenRecord) -> KmsResult<Vec<u8>> {
        let bytes = random_bytes(TOKEN_LEN)?;
        let mut key = [0u8; TOKEN_LEN];
        key.copy_from_slice(&bytes);
        let mut inner = self.inner.lock();
        let key_id = record.key_id.clone();
        inner.insert(key, record);
        let evicted = inner.over_caps(&key_id, Some(&key));
        for t in &evicted {
            inner.remove(t);
        }
        let Some((_, entry)) = inner.map.get(&key) else {
            // Only a cap of 0 could evict the new token, and config validation refuses one.
            return Err(KmsError::internal("the import token table has no room"));
        };
        self.journal.record_all(|| {
            let wk = &entry.wrapping_key;
            let mut changes = Vec::with_capacity(2 + evicted.len());
            if !wk
                .persisted
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                changes.push(Change::WrappingKey {
                    fingerprint: wk.fingerprint,
                    pkcs8: Some(wk.pkcs8.clone()),
                });
            }
            changes.push(self.change(key, Some(entry)));
            changes.extend(evicted.iter().map(|t| self.change(*t, None)));
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
        let mut inner = self.inner.lock();
        {
            let (_, rec) = inner.map.get(&key).ok_or_else(invalid)?;
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
        let taken = inner.remove(&key).ok_or_else(invalid)?;
        self.journal.record(|| self.change(key, None));
        Ok((key, taken))
    }

    /// Puts back a token whose import failed (I-12: a failure uses nothing up). It keeps its
    /// `ParametersValidTo`, so its place in the eviction order; if the caps filled up while it
    /// was out, the oldest tokens (possibly this one) are forgotten.
    pub fn restore(&self, key: [u8; TOKEN_LEN], record: TokenRecord) {
        let mut inner = self.inner.lock();
        let key_id = record.key_id.clone();
        inner.insert(key, record);
        let evicted = inner.over_caps(&key_id, None);
        for t in &evicted {
            inner.remove(t);
        }
        let restored = inner.map.get(&key).map(|(_, r)| r);
        self.journal.record_all(|| {
            let mut changes = vec![self.change(key, restored)];
            changes.extend(
                evicted
                    .iter()
                    .filter(|t| **t != key)
                    .map(|t| self.change(*t, None)),
            );
            changes
        });
    }

    /// Forgets tokens expired for longer than a week.
    pub fn sweep(&self, now: Millis) {
        let mut inner = self.inner.lock();
        let stale: Vec<[u8; TOKEN_LEN]> = inner
            .by_age
            .iter()
            .take_while(|((valid_to, _), _)| valid_to + REMEMBER_EXPIRED <= now)
            .map(|(_, t)| *t)
            .collect();
        for t in stale {
            inner.remove(&t);
            self.journal.record(|| self.change(t, None));
        }
    }

    /// `/_kmsim/reset`: forgets every token.
    pub fn clear(&self) {
        let mut inner = self.inner.lock();
        let limits = inner.limits;
        *inner = Inner {
            limits,
            ..Inner::default()
        };
    }

    /// Outstanding tokens.
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// Outstanding tokens of key `key_id`.
    pub fn len_of_key(&self, key_id: &str) -> usize {
        self.inner
            .lock()
            .by_key
            .get(key_id)
            .map_or(0, BTreeMap::len)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.inner.lock().map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn wrapping_key() -> Arc<WrappingKey> {
        static KEY: OnceLock<Arc<WrappingKey>> = OnceLock::new();
        KEY.get_or_init(|| Arc::new(WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap()))
            .clone()
    }

    fn record(key_id: &str, valid_to: Millis) -> TokenRecord {
        TokenRecord {
            key_id: key_id.to_string(),
            algorithm: WrappingAlgorithm::RsaesOaepSha256,
            spec: WrappingKeySpec::Rsa2048,
            wrapping_key: wrapping_key(),
            valid_to,
        }
    }

    fn table(per_key: usize, per_region: usize) -> Tokens {
        let t = Tokens::new("us-east-1", Journal::memory());
        t.set_limits(TokenLimits {
            per_key,
            per_region,
        });
        t
    }

    fn usable(t: &Tokens, token: &[u8], key_id: &str) -> bool {
        match t.take(token, key_id, 0) {
            Ok((k, r)) => {
                t.restore(k, r);
                true
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidImportToken);
                false
            }
        }
    }

    #[test]
    fn the_oldest_tokens_of_a_key_are_forgotten_past_its_cap() {
        let t = table(2, 100);
        let other = t.issue(record("other", DAY_MS)).unwrap();
        let issued: Vec<Vec<u8>> = (0..4)
            .map(|i| t.issue(record("k", DAY_MS + i)).unwrap())
            .collect();
        assert_eq!(t.len_of_key("k"), 2);
        assert_eq!(t.len(), 3);
        assert!(!usable(&t, &issued[0], "k"));
        assert!(!usable(&t, &issued[1], "k"));
        assert!(usable(&t, &issued[2], "k"));
        assert!(usable(&t, &issued[3], "k"));
        assert!(usable(&t, &other, "other"));
    }

    #[test]
    fn a_new_token_is_never_the_one_forgotten() {
        // Concurrent GetParametersForImport: the token issued last may carry the earliest
        // ParametersValidTo (read before the table's lock); it must still be kept.
        let t = table(1, 1);
        let first = t.issue(record("k", DAY_MS + 5)).unwrap();
        let last = t.issue(record("k", DAY_MS)).unwrap();
        assert!(usable(&t, &last, "k"));
        assert!(!usable(&t, &first, "k"));
    }

    #[test]
    fn the_oldest_tokens_of_a_region_are_forgotten_past_its_cap() {
        let t = table(10, 3);
        let a = t.issue(record("a", DAY_MS)).unwrap();
        let b = t.issue(record("b", DAY_MS)).unwrap();
        let c = t.issue(record("c", DAY_MS + 1)).unwrap();
        let d = t.issue(record("d", DAY_MS + 2)).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t.len_of_key("a"), 0);
        assert!(!usable(&t, &a, "a"));
        for (tok, key) in [(&b, "b"), (&c, "c"), (&d, "d")] {
            assert!(usable(&t, tok, key), "{key}");
        }
    }

    #[test]
    fn a_restored_token_keeps_its_age_and_the_caps_hold() {
        let t = table(2, 100);
        let old = t.issue(record("k", DAY_MS)).unwrap();
        let (key, rec) = t.take(&old, "k", 0).unwrap();
        // While it is out for an import attempt, two newer tokens fill the key's cap.
        let n1 = t.issue(record("k", DAY_MS + 1)).unwrap();
        let n2 = t.issue(record("k", DAY_MS + 2)).unwrap();
        t.restore(key, rec);
        assert_eq!(t.len_of_key("k"), 2);
        assert!(!usable(&t, &old, "k"));
        assert!(usable(&t, &n1, "k"));
        assert!(usable(&t, &n2, "k"));
    }

    #[test]
    fn sweep_and_clear_keep_the_indexes_in_step() {
        let t = table(5, 5);
        let expired = t.issue(record("k", 1_000)).unwrap();
        let fresh = t
            .issue(record("k", REMEMBER_EXPIRED + 10 * DAY_MS))
            .unwrap();
        // Expired but remembered: reported as expired, and it stays.
        assert_eq!(
            t.take(&expired, "k", 2_000).unwrap_err().code,
            ErrorCode::ExpiredImportToken
        );
        t.sweep(1_000 + REMEMBER_EXPIRED);
        assert_eq!(t.len_of_key("k"), 1);
        assert!(!usable(&t, &expired, "k"));
        assert!(usable(&t, &fresh, "k"));
        t.clear();
        assert!(t.is_empty());
        assert_eq!(t.len_of_key("k"), 0);
        // The caps survive a reset.
        for i in 0..7 {
            t.issue(record(&format!("k{i}"), DAY_MS)).unwrap();
        }
        assert_eq!(t.len(), 5);
    }
}
