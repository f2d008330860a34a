//! Wrapping key pairs and the unwrap of imported key material (contract §5.1, P-1, P-2, P-20).

use std::fmt;

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::key_wrap::{KeyEncryptionKey, KeyWrapPadded, AES_128, AES_256};
use aws_lc_rs::rsa::{
    KeySize, OaepAlgorithm, OaepPrivateDecryptingKey, PrivateDecryptingKey, OAEP_SHA1_MGF1SHA1,
    OAEP_SHA256_MGF1SHA256,
};

use super::enums::{WrappingAlgorithm, WrappingKeySpec};
use crate::error::{KmsError, KmsResult};

/// An RSA wrapping key pair, parsed once: the private half ready for OAEP decryption (its CRT
/// values precomputed by aws-lc), the public half as the DER SubjectPublicKeyInfo that
/// GetParametersForImport returns (G-3, P-20).
pub struct WrappingKey {
    /// Which spec it was generated for.
    pub spec: WrappingKeySpec,
    oaep: OaepPrivateDecryptingKey,
    /// DER `SubjectPublicKeyInfo`, `rsaEncryption` with NULL parameters.
    pub public_key_der: Vec<u8>,
    /// The private key as PKCS#8 DER, for a data dir's import-token records.
    pub pkcs8: Arc<[u8]>,
    /// SHA-256 of `pkcs8`: how a data dir's token records name the pair.
    pub fingerprint: [u8; 32],
    /// Whether a data dir holds the pair already (set by the first token that needs it).
    pub persisted: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappingKey({})", self.spec.as_str())
    }
}

impl WrappingKey {
    /// Generates a fresh pair (tens to hundreds of milliseconds: never on the request path).
    /// Public exponent 65537 (G-3 [CHOICE]).
    pub fn generate(spec: WrappingKeySpec) -> KmsResult<WrappingKey> {
        let size = match spec {
            WrappingKeySpec::Rsa2048 => KeySize::Rsa2048,
            WrappingKeySpec::Rsa3072 => KeySize::Rsa3072,
            WrappingKeySpec::Rsa4096 => KeySize::Rsa4096,
            WrappingKeySpec::Sm2 => {
                return Err(KmsError::validation(
                    "SM2 wrapping keys are available only in China Regions",
                ))
            }
        };
        let private = PrivateDecryptingKey::generate(size)
            .map_err(|_| KmsError::internal("RSA key generation failed"))?;
        Self::from_private(spec, private)
    }

    /// Wraps an existing RSA private key (PKCS#8 DER): a data dir's import tokens, tests and
    /// benches.
    pub fn from_pkcs8(spec: WrappingKeySpec, der: &[u8]) -> KmsResult<WrappingKey> {
        let private = PrivateDecryptingKey::from_pkcs8(der)
            .map_err(|_| KmsError::internal("bad RSA private key"))?;
        Self::from_private(spec, private)
    }

    fn from_private(
        spec: WrappingKeySpec,
        private: PrivateDecryptingKey,
    ) -> KmsResult<WrappingKey> {
        let der: PublicKeyX509Der<'static> = private
            .public_key()
            .as_der()
            .map_err(|_| KmsError::internal("encoding the wrapping public key failed"))?;
        let public_key_der = der.as_ref().to_vec();
        let pkcs8: Pkcs8V1Der<'static> = private
            .as_der()
            .map_err(|_| KmsError::internal("encoding the wrapping private key failed"))?;
        let pkcs8: Arc<[u8]> = pkcs8.as_ref().into();
        let mut fingerprint = [0u8; 32];
        fingerprint.copy_from_slice(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &pkcs8).as_ref(),
        );
        let oaep = OaepPrivateDecryptingKey::new(private)
            .map_err(|_| KmsError::internal("RSA key unusable for OAEP"))?;
        Ok(WrappingKey {
            spec,
            oaep,
            public_key_der,
            pkcs8,
            fingerprint,
            persisted: Default::default(),
        })
    }

    /// The modulus length in bytes (`k` in §5.1).
    pub fn modulus_len(&self) -> usize {
        self.oaep.key_size_bytes()
    }

    /// §5.1: unwraps `EncryptedKeyMaterial` with the algorithm bound to the import token
    /// (P-2). Any failure — wrong length, OAEP padding, KWP integrity — is
    /// `InvalidCiphertextException` (P-1, I-9).
    pub fn unwrap(&self, alg: WrappingAlgorithm, wrapped: &[u8]) -> KmsResult<Vec<u8>> {
        let k = self.modulus_len();
        match alg {
            WrappingAlgorithm::RsaesOaepSha1 => self.oaep(&OAEP_SHA1_MGF1SHA1, wrapped),
            WrappingAlgorithm::RsaesOaepSha256 => self.oaep(&OAEP_SHA256_MGF1SHA256, wrapped),
            WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
                let oaep = if alg == WrappingAlgorithm::RsaAesKeyWrapSha1 {
                    &OAEP_SHA1_MGF1SHA1
                } else {
                    &OAEP_SHA256_MGF1SHA256
                };
                if wrapped.len() < k + 16 {
                    return Err(KmsError::invalid_ciphertext());
                }
                let (c1, c2) = wrapped.split_at(k);
                let aes_key = self.oaep(oaep, c1)?;
                kwp_unwrap(&aes_key, c2)
            }
            WrappingAlgorithm::RsaesPkcs1V15 | WrappingAlgorithm::Sm2pke => {
                Err(KmsError::invalid_ciphertext())
            }
        }
    }

    fn oaep(&self, alg: &'static OaepAlgorithm, c: &[u8]) -> KmsResult<Vec<u8>> {
        if c.len() != self.modulus_len() {
            return Err(KmsError::invalid_ciphertext());
        }
        let mut out = vec![0u8; self.oaep.min_output_size()];
        let n = self
            .oaep
            .decrypt(alg, c, &mut out, None)
            .map_err(|_| KmsError::invalid_ciphertext())?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

/// RFC 5649 key wrap with padding under a 256-bit key (a 16-byte key is tolerated, §5.1
/// [CHOICE]; aws-lc offers no AES-192 key wrap); the ciphertext is a multiple of 8 and at least 16 bytes.
fn kwp_unwrap(key: &[u8], c2: &[u8]) -> KmsResult<Vec<u8>> {
    if c2.len() < 16 || !c2.len().is_multiple_of(8) {
        return Err(KmsError::invalid_ciphertext());
    }
    let cipher = match key.len() {
        32 => &AES_256,
        16 => &AES_128,
        _ => return Err(KmsError::invalid_ciphertext()),
    };
    let kek = KeyEncryptionKey::new(cipher, key).map_err(|_| KmsError::invalid_ciphertext())?;
    let mut out = vec![0u8; c2.len()];
    let n = kek
        .unwrap_with_padding(c2, &mut out)
        .map_err(|_| KmsError::invalid_ciphertext())?
        .len();
    out.truncate(n);
    Ok(out)
}

/// RFC 5649 wrap with padding: the client half of RSA_AES_KEY_WRAP, for `kmsim wrap` /
/// `kmsim import-material` ([`crate::byok::wrap`]) and tests of this module (integration tests
/// use an independent implementation).
pub fn kwp_wrap(key: &[u8; 32], material: &[u8]) -> KmsResult<Vec<u8>> {
    let kek = KeyEncryptionKey::new(&AES_256, key).map_err(|_| KmsError::internal("bad KEK"))?;
    let mut out = vec![0u8; material.len() + 16];
    let n = kek
        .wrap_with_padding(material, &mut out)
        .map_err(|_| KmsError::internal("key wrap failed"))?
        .len();
    out.truncate(n);
    Ok(out)
}
