//! Grant tokens (CreateGrant's `GrantToken`, `GrantTokens` on every operation, RetireGrant by
//! token): issued and checked per Region, unforgeable, resolvable to their key and grant.

use std::sync::OnceLock;

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::material::random_bytes;
use crate::error::{KmsError, KmsResult};

/// What a grant token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// Bare id of the grant's key.
    pub key_id: String,
    /// The grant's id.
    pub grant_id: String,
}

/// Issues and checks grant tokens for one Region.
///
/// AWS: "the returned grant token is unique with every CreateGrant request, even when a
/// duplicate GrantId is returned. All grant tokens for the same grant ID can be used
/// interchangeably." A token here is `base64url(v1 header ‖ grant id ‖ 32 random bytes ‖ key
/// id ‖ 224 random padding bytes ‖ HMAC-SHA256)` under a key that never leaves the node: it
/// cannot be forged, it resolves back to its key and grant without a lookup table, and at
/// ~520 characters it is as long as the tokens AWS returns [CHOICE on the layout; AWS's is
/// opaque]. The leading bytes 01 0A 40 make it start with `AQpA` like AWS's tokens.
#[derive(Default)]
pub struct TokenKey {
    key: OnceLock<hmac::Key>,
    init: parking_lot::Mutex<()>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

const TOKEN_HEADER: [u8; 3] = [0x01, 0x0A, 0x40];
const TOKEN_NONCE: usize = 32;
const TOKEN_PADDING: usize = 224;
const TOKEN_MAC: usize = 32;

impl TokenKey {
    /// Makes the Region's MAC key on first use. `on_new` sees a new key's secret before any
    /// caller can use the key (a data dir records it there, so no token is issued under a key
    /// that a restart would forget).
    pub fn ensure(&self, on_new: impl FnOnce(&[u8])) -> KmsResult<()> {
        if self.key.get().is_some() {
            return Ok(());
        }
        let _one = self.init.lock();
        if self.key.get().is_none() {
            let secret = random_bytes(32)?;
            on_new(&secret);
            let _ = self.key.set(hmac::Key::new(hmac::HMAC_SHA256, &secret));
        }
        Ok(())
    }

    /// Recovery: the key a data dir recorded.
    pub fn install(&self, secret: &[u8]) {
        let _ = self.key.set(hmac::Key::new(hmac::HMAC_SHA256, secret));
    }

    fn key(&self) -> KmsResult<&hmac::Key> {
        self.ensure(|_| {})?;
        self.key
            .get()
            .ok_or_else(|| KmsError::internal("grant token key unavailable"))
    }

    pub fn issue(&self, key_id: &str, grant_id: &str) -> KmsResult<String> {
        let key_len = u8::try_from(key_id.len())
            .map_err(|_| KmsError::internal("key id too long for a grant token"))?;
        if grant_id.len() != 64 {
            return Err(KmsError::internal("grant id of unexpected length"));
        }
        let mut b = Vec::with_capacity(512);
        b.extend_from_slice(&TOKEN_HEADER);
        b.extend_from_slice(grant_id.as_bytes());
        b.extend_from_slice(&random_bytes(TOKEN_NONCE)?);
        b.push(key_len);
        b.extend_from_slice(key_id.as_bytes());
        b.extend_from_slice(&random_bytes(TOKEN_PADDING)?);
        let tag = hmac::sign(self.key()?, &b);
        b.extend_from_slice(tag.as_ref());
        Ok(URL_SAFE_NO_PAD.encode(b))
    }

    /// The claims of a token this node issued; `None` for anything else (malformed, altered,
    /// or issued by another Region).
    pub fn open(&self, token: &str) -> Option<TokenClaims> {
        // No key yet: no token was ever issued here (and a read makes no key).
        let key = self.key.get()?;
        let b = URL_SAFE_NO_PAD.decode(token).ok()?;
        let (body, tag) = b.split_at_checked(b.len().checked_sub(TOKEN_MAC)?)?;
        hmac::verify(key, body, tag).ok()?;
        let rest = body.strip_prefix(&TOKEN_HEADER)?;
        let (grant_id, rest) = rest.split_at_checked(64)?;
        let (_nonce, rest) = rest.split_at_checked(TOKEN_NONCE)?;
        let (&key_len, rest) = rest.split_first()?;
        let (key_id, rest) = rest.split_at_checked(key_len as usize)?;
        if rest.len() != TOKEN_PADDING {
            return None;
        }
        Some(TokenClaims {
            key_id: String::from_utf8(key_id.to_vec()).ok()?,
            grant_id: String::from_utf8(grant_id.to_vec()).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grant::new_grant_id;

    #[test]
    fn tokens_resolve_to_their_grant_and_cannot_be_forged() {
        let k = TokenKey::default();
        let gid = new_grant_id().unwrap();
        let t1 = k
            .issue("mrk-0123456789abcdef0123456789abcdef", &gid)
            .unwrap();
        let t2 = k
            .issue("mrk-0123456789abcdef0123456789abcdef", &gid)
            .unwrap();
        assert_ne!(t1, t2, "every CreateGrant returns a new token");
        assert!(t1.len() >= 500, "{}", t1.len());
        assert!(t1.starts_with("AQpA"));
        let c = k.open(&t1).unwrap();
        assert_eq!(c.grant_id, gid);
        assert_eq!(c.key_id, "mrk-0123456789abcdef0123456789abcdef");
        // One flipped character, a truncation, another node's key, junk: all refused.
        let mut bad = t1.clone().into_bytes();
        bad[40] = if bad[40] == b'A' { b'B' } else { b'A' };
        assert!(k.open(&String::from_utf8(bad).unwrap()).is_none());
        assert!(k.open(&t1[..t1.len() - 4]).is_none());
        assert!(TokenKey::default().open(&t1).is_none());
        assert!(k.open("not a token").is_none());
        assert!(k.open("").is_none());
    }
}
