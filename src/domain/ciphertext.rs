//! The symmetric ciphertext blob (contract §6.2, B-1 … B-6) and encryption-context binding.
//!
//! Layout (normative for this simulator only, Q-2): `version (1) ‖ key-id length (1) ‖ key id
//! (ASCII) ‖ KeyMaterialId (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)`. The GCM
//! key is `HKDF-SHA256(material, salt = nonce, info = "aws-kms-sim-dek" ‖ key id)`; the AAD is
//! every header byte followed by the canonical encryption context. The header names the bare
//! key id, never a Region, so related multi-Region keys decrypt each other's blobs while
//! unrelated keys holding equal material cannot (E-6, E-8).

use std::collections::BTreeMap;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use super::material::KeyMaterialId;
use crate::error::{KmsError, KmsResult};

/// The one blob version this simulator writes and reads.
pub const VERSION: u8 = 0x01;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HKDF_INFO: &[u8] = b"aws-kms-sim-dek";

/// An encryption context: a string map, compared exactly and case-sensitively.
pub type EncryptionContext = BTreeMap<String, String>;

/// The cleartext header of a blob (B-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The bare key id the blob was made under.
    pub key_id: String,
    /// The material that encrypted it (E-5).
    pub material_id: KeyMaterialId,
}

/// Encrypts `plaintext` under `material` (B-6: a fresh random nonce per call).
pub fn seal(
    key_id: &str,
    material_id: &KeyMaterialId,
    material: &[u8],
    plaintext: &[u8],
    context: &EncryptionContext,
) -> KmsResult<Vec<u8>> {
    let id = key_id.as_bytes();
    let id_len = u8::try_from(id.len()).map_err(|_| KmsError::internal("key id too long"))?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| KmsError::internal("random number generator failed"))?;

    let header_len = 2 + id.len() + 32 + NONCE_LEN;
    let mut blob = Vec::with_capacity(header_len + plaintext.len() + TAG_LEN);
    blob.push(VERSION);
    blob.push(id_len);
    blob.extend_from_slice(id);
    blob.extend_from_slice(&material_id.0);
    blob.extend_from_slice(&nonce);

    let key = data_key(material, &nonce, id)?;
    let aad = aad(&blob, context);
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad.as_slice()),
        &mut body,
    )
    .map_err(|_| KmsError::internal("AES-GCM seal failed"))?;
    blob.extend_from_slice(&body);
    Ok(blob)
}

/// B-1: reads the header; anything malformed → `InvalidCiphertextException`.
pub fn parse_header(blob: &[u8]) -> KmsResult<Header> {
    let (header, _) = split(blob)?;
    Ok(header)
}

/// B-3/B-4: decrypts with the material the caller chose from the header's KeyMaterialId. A GCM
/// failure (tampering, wrong context, wrong material) → `InvalidCiphertextException`.
pub fn open(blob: &[u8], material: &[u8], context: &EncryptionContext) -> KmsResult<Vec<u8>> {
    let (header, header_len) = split(blob)?;
    let nonce_start = header_len - NONCE_LEN;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&blob[nonce_start..header_len]);
    let key = data_key(material, &nonce, header.key_id.as_bytes())?;
    let aad = aad(&blob[..header_len], context);
    let mut body = blob[header_len..].to_vec();
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_slice()),
            &mut body,
        )
        .map_err(|_| KmsError::invalid_ciphertext())?;
    let n = plain.len();
    body.truncate(n);
    Ok(body)
}

/// Splits a blob into its header and the header's length, checking every length field.
fn split(blob: &[u8]) -> KmsResult<(Header, usize)> {
    let bad = KmsError::invalid_ciphertext;
    if blob.len() < 2 || blob[0] != VERSION {
        return Err(bad());
    }
    let id_len = blob[1] as usize;
    let header_len = 2 + id_len + 32 + NONCE_LEN;
    if blob.len() < header_len + TAG_LEN {
        return Err(bad());
    }
    let key_id = std::str::from_utf8(&blob[2..2 + id_len]).map_err(|_| bad())?;
    let mut mid = [0u8; 32];
    mid.copy_from_slice(&blob[2 + id_len..2 + id_len + 32]);
    Ok((
        Header {
            key_id: key_id.to_string(),
            material_id: KeyMaterialId(mid),
        },
        header_len,
    ))
}

/// The per-message GCM key (§6.2).
fn data_key(material: &[u8], nonce: &[u8], key_id: &[u8]) -> KmsResult<LessSafeKey> {
    let prk = Salt::new(HKDF_SHA256, nonce).extract(material);
    let info = [HKDF_INFO, key_id];
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .map_err(|_| KmsError::internal("HKDF expand failed"))?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

/// AAD = header ‖ canonical context: entries in key order, each key and value prefixed with
/// its length as a 4-byte big-endian integer, so no two contexts encode alike.
fn aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len() + context.len() * 32);
    out.extend_from_slice(header);
    for (k, v) in context {
        for s in [k, v] {
            out.extend_from_slice(&(s.len() as u32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trip_and_header() {
        let m = [9u8; 32];
        let mid = KeyMaterialId::derive(KEY_ID, &m);
        let c = ctx(&[("purpose", "test")]);
        let blob = seal(KEY_ID, &mid, &m, b"hello", &c).unwrap();
        assert_eq!(blob.len(), 1 + 1 + 36 + 32 + 12 + 5 + 16);
        let h = parse_header(&blob).unwrap();
        assert_eq!(h.key_id, KEY_ID);
        assert_eq!(h.material_id, mid);
        assert_eq!(open(&blob, &m, &c).unwrap(), b"hello");
        // B-6: a new nonce each time.
        assert_ne!(blob, seal(KEY_ID, &mid, &m, b"hello", &c).unwrap());
    }

    #[test]
    fn context_is_authenticated_exactly() {
        let m = [1u8; 32];
        let mid = KeyMaterialId::derive(KEY_ID, &m);
        let blob = seal(KEY_ID, &mid, &m, b"x", &ctx(&[("a", "b")])).unwrap();
        for wrong in [ctx(&[]), ctx(&[("a", "B")]), ctx(&[("a", "b"), ("c", "d")])] {
            assert_eq!(
                open(&blob, &m, &wrong).unwrap_err(),
                KmsError::invalid_ciphertext()
            );
        }
        // Length prefixes keep {"ab": "c"} and {"a": "bc"} apart.
        let blob = seal(KEY_ID, &mid, &m, b"x", &ctx(&[("ab", "c")])).unwrap();
        assert!(open(&blob, &m, &ctx(&[("a", "bc")])).is_err());
    }

    #[test]
    fn wrong_material_fails() {
        let m = [1u8; 32];
        let mid = KeyMaterialId::derive(KEY_ID, &m);
        let blob = seal(KEY_ID, &mid, &m, b"x", &ctx(&[])).unwrap();
        assert!(open(&blob, &[2u8; 32], &ctx(&[])).is_err());
    }

    #[test]
    fn short_or_foreign_blobs_are_invalid_ciphertext() {
        for blob in [&b""[..], &[1u8][..], &[2u8; 120][..], &[1u8, 36, 0, 0][..]] {
            assert_eq!(
                parse_header(blob).unwrap_err(),
                KmsError::invalid_ciphertext()
            );
        }
    }

    proptest! {
        /// B-4: flipping any bit of any byte makes the blob fail, never decrypt to something else.
        #[test]
        fn any_tampered_byte_is_invalid_ciphertext(
            plain in prop::collection::vec(any::<u8>(), 1..256),
            pos in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let m = [5u8; 32];
            let mid = KeyMaterialId::derive(KEY_ID, &m);
            let c = ctx(&[("k", "v")]);
            let mut blob = seal(KEY_ID, &mid, &m, &plain, &c).unwrap();
            let i = pos.index(blob.len());
            blob[i] ^= 1 << bit;
            // The header may now name another key or material; the caller would then pick
            // other (or no) material. Either way the original material must not open it.
            let r = open(&blob, &m, &c);
            prop_assert_eq!(r.unwrap_err(), KmsError::invalid_ciphertext());
        }
    }
}
