//! ML-KEM (FIPS 203) for ENCAPSULATE_DECAPSULATE keys: parameter sets, the expanded
//! decapsulation key's embedded public key, the SubjectPublicKeyInfo, Encapsulate and
//! Decapsulate with implicit rejection. Key generation and the spec → algorithm mapping stay in
//! [`super::pq`], which owns every newer family.

use aws_lc_rs::digest;
use aws_lc_rs::kem;
use spki::der::asn1::BitString;
use spki::der::Encode as _;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use super::pq::{internal, raw_public_key};
use crate::error::{KmsError, KmsResult};

/// FIPS 203 Table 3 sizes and the RFC 9935 / NIST CSOR object identifier of an ML-KEM set.
pub(super) struct KemParams {
    /// FIPS 203 `k`.
    pub(super) k: usize,
    /// Ciphertext length in bytes.
    pub(super) ciphertext_len: usize,
    /// The set's object identifier.
    pub(super) oid: ObjectIdentifier,
}

/// The parameters of `alg`.
pub(super) fn params(alg: &'static kem::Algorithm) -> KemParams {
    // id-alg-ml-kem-512/768/1024 = 2.16.840.1.101.3.4.4.{1,2,3}.
    if alg == &kem::ML_KEM_512 {
        KemParams {
            k: 2,
            ciphertext_len: 768,
            oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.1"),
        }
    } else if alg == &kem::ML_KEM_768 {
        KemParams {
            k: 3,
            ciphertext_len: 1088,
            oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.2"),
        }
    } else {
        KemParams {
            k: 4,
            ciphertext_len: 1568,
            oid: ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.3"),
        }
    }
}

/// FIPS 203 §7.3: `dk = dk_pke ‖ ek ‖ H(ek) ‖ z` with `|dk_pke| = 384k`, `|ek| = 384k + 32`.
/// Returns `ek` when the length and the hash check hold.
pub(super) fn encapsulation_key_of<'a>(
    alg: &'static kem::Algorithm,
    dk: &'a [u8],
) -> Option<&'a [u8]> {
    let k = params(alg).k;
    let (pke, ek_len) = (384 * k, 384 * k + 32);
    if dk.len() != pke + ek_len + 64 {
        return None;
    }
    let ek = &dk[pke..pke + ek_len];
    let h = &dk[pke + ek_len..pke + ek_len + 32];
    let ok = digest::digest(&digest::SHA3_256, ek).as_ref() == h;
    // The modulus check of §7.2 on ek.
    (ok && kem::EncapsulationKey::new(alg, ek).is_ok()).then_some(ek)
}

/// P-21 for ML-KEM: SubjectPublicKeyInfo with the NIST object identifier, no parameters, and
/// the raw encapsulation key as the BIT STRING (RFC 9935 §4).
pub(super) fn spki(alg: &'static kem::Algorithm, ek: &[u8]) -> KmsResult<Vec<u8>> {
    let info = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: params(alg).oid,
            parameters: None,
        },
        subject_public_key: BitString::from_bytes(ek)
            .map_err(|_| internal("encoding an ML-KEM public key"))?,
    };
    info.to_der()
        .map_err(|_| internal("encoding an ML-KEM public key"))
}

/// Encapsulate: a fresh 32-byte shared secret and its ML-KEM ciphertext under the key's
/// public key (FIPS 203 Algorithm 20). Returns `(ciphertext, shared secret)`.
pub fn encapsulate(alg: &'static kem::Algorithm, spki: &[u8]) -> KmsResult<(Vec<u8>, Vec<u8>)> {
    let ek = kem::EncapsulationKey::new(alg, raw_public_key(spki)?)
        .map_err(|_| internal("reading an ML-KEM public key"))?;
    let (ct, ss) = ek.encapsulate().map_err(|_| internal("encapsulating"))?;
    Ok((ct.as_ref().to_vec(), ss.as_ref().to_vec()))
}

/// Decapsulate (FIPS 203 Algorithm 21) with implicit rejection: a ciphertext of the right
/// length always yields 32 bytes, pseudo-random when it was tampered with or made for
/// another key. Only a length "inconsistent with the ML-KEM key spec" →
/// `InvalidCiphertextException` (model docs of Decapsulate), with no message like the other
/// ciphertext failures (E-5).
pub fn decapsulate(
    alg: &'static kem::Algorithm,
    dk: &[u8],
    ciphertext: &[u8],
) -> KmsResult<Vec<u8>> {
    if ciphertext.len() != params(alg).ciphertext_len {
        return Err(KmsError::invalid_ciphertext());
    }
    let key = kem::DecapsulationKey::new(alg, dk).map_err(|_| internal("reading an ML-KEM key"))?;
    let ss = key
        .decapsulate(kem::Ciphertext::from(ciphertext))
        .map_err(|_| KmsError::invalid_ciphertext())?;
    Ok(ss.as_ref().to_vec())
}
