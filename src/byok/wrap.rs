//! The client half of contract §5.1: key material wrapped under the RSA public key that
//! GetParametersForImport returns, with aws-lc-rs (the crate whose other half,
//! [`crate::domain::wrapping`], unwraps it in the server). Pure: no I/O.

use std::fmt;

use aws_lc_rs::rsa::{
    OaepAlgorithm, OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA1_MGF1SHA1,
    OAEP_SHA256_MGF1SHA256,
};

use crate::domain::enums::{WrappingAlgorithm, WrappingKeySpec};

/// Why material could not be wrapped; each names the rule it would break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrapError {
    /// The material is empty (nothing KMS accepts, §5.4; RFC 5649 wraps at least one byte).
    EmptyMaterial,
    /// §5.2: direct RSA-OAEP carries at most `k − 2·hLen − 2` bytes.
    MaterialTooLong {
        /// The algorithm asked for.
        algorithm: WrappingAlgorithm,
        /// The wrapping key's size in bits.
        key_bits: usize,
        /// Its capacity in bytes.
        max: usize,
        /// The material's length in bytes.
        len: usize,
    },
    /// G-6: RSAES_PKCS1_V1_5 was withdrawn by AWS on 10 October 2023.
    Withdrawn,
    /// G-6: SM2PKE and the SM2 wrapping key spec exist only in AWS's China Regions.
    ChinaOnly,
    /// G-3, P-20: the public key is not a DER SubjectPublicKeyInfo of an RSA key.
    NotAnRsaPublicKey,
    /// aws-lc refused the operation (not expected with a valid key and material).
    Crypto(&'static str),
}

impl fmt::Display for WrapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WrapError::EmptyMaterial => write!(f, "the key material is empty"),
            WrapError::MaterialTooLong {
                algorithm,
                key_bits,
                max,
                len,
            } => write!(
                f,
                "{len} bytes of key material do not fit {} under a {key_bits}-bit wrapping key \
                 (at most {max} bytes); use RSA_AES_KEY_WRAP_SHA_256, which RSA private keys \
                 always need, or a larger wrapping key",
                algorithm.as_str()
            ),
            WrapError::Withdrawn => write!(
                f,
                "RSAES_PKCS1_V1_5 was withdrawn by AWS on 10 October 2023 and KMS no longer \
                 accepts it; use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256"
            ),
            WrapError::ChinaOnly => write!(
                f,
                "SM2PKE and the SM2 wrapping key spec exist only in AWS's China Regions; kmsim \
                 implements neither: use an RSA wrapping key (RSA_2048, RSA_3072, RSA_4096)"
            ),
            WrapError::NotAnRsaPublicKey => write!(
                f,
                "the public key is not an RSA public key in DER SubjectPublicKeyInfo form (what \
                 GetParametersForImport returns as PublicKey)"
            ),
            WrapError::Crypto(what) => write!(f, "{what} failed"),
        }
    }
}

impl std::error::Error for WrapError {}

/// G-3: the RSA modulus length in bytes (`k`) of a wrapping key spec; `ChinaOnly` for SM2.
pub fn modulus_len(spec: WrappingKeySpec) -> Result<usize, WrapError> {
    match spec {
        WrappingKeySpec::Rsa2048 => Ok(256),
        WrappingKeySpec::Rsa3072 => Ok(384),
        WrappingKeySpec::Rsa4096 => Ok(512),
        WrappingKeySpec::Sm2 => Err(WrapError::ChinaOnly),
    }
}

/// The OAEP padding an algorithm uses: the same hash for OAEP and MGF1, empty label (§5.1).
/// `Withdrawn` / `ChinaOnly` for the two algorithms kmsim does not wrap with.
fn oaep(algorithm: WrappingAlgorithm) -> Result<&'static OaepAlgorithm, WrapError> {
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaAesKeyWrapSha1 => {
            Ok(&OAEP_SHA1_MGF1SHA1)
        }
        WrappingAlgorithm::RsaesOaepSha256 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            Ok(&OAEP_SHA256_MGF1SHA256)
        }
        WrappingAlgorithm::RsaesPkcs1V15 => Err(WrapError::Withdrawn),
        WrappingAlgorithm::Sm2pke => Err(WrapError::ChinaOnly),
    }
}

/// Whether the algorithm is the two-step RSA_AES_KEY_WRAP_* (§5.1).
fn is_rsa_aes(algorithm: WrappingAlgorithm) -> bool {
    matches!(
        algorithm,
        WrappingAlgorithm::RsaAesKeyWrapSha1 | WrappingAlgorithm::RsaAesKeyWrapSha256
    )
}

/// Checks, before any request, that `len` bytes can be wrapped with `algorithm` under a key
/// of `spec` (§5.2, §5.3, G-6).
pub fn check_fits(
    algorithm: WrappingAlgorithm,
    spec: WrappingKeySpec,
    len: usize,
) -> Result<(), WrapError> {
    check_len(algorithm, modulus_len(spec)?, len)
}

/// [`check_fits`] for a modulus of `k` bytes.
fn check_len(algorithm: WrappingAlgorithm, k: usize, len: usize) -> Result<(), WrapError> {
    oaep(algorithm)?;
    if len == 0 {
        return Err(WrapError::EmptyMaterial);
    }
    if is_rsa_aes(algorithm) {
        return Ok(());
    }
    let max =
        crate::domain::asymmetric::oaep_capacity(k, algorithm != WrappingAlgorithm::RsaesOaepSha1);
    if len > max {
        return Err(WrapError::MaterialTooLong {
            algorithm,
            key_bits: k * 8,
            max,
            len,
        });
    }
    Ok(())
}

/// [CHOICE] The algorithm `kmsim import-material` uses when none is given: the first of AWS's
/// preference order ("Select a wrapping algorithm", KMS Developer Guide) that fits.
/// RSAES_OAEP_SHA_256 for raw material (symmetric and HMAC keys) that fits direct OAEP under
/// `spec`; RSA_AES_KEY_WRAP_SHA_256 for a private key (PKCS#8: RSA needs it, and AWS lists it
/// first for ECC) and for raw material too long for OAEP.
pub fn preferred_algorithm(
    is_private_key: bool,
    len: usize,
    spec: WrappingKeySpec,
) -> WrappingAlgorithm {
    let oaep = WrappingAlgorithm::RsaesOaepSha256;
    if !is_private_key && check_fits(oaep, spec, len).is_ok() {
        oaep
    } else {
        WrappingAlgorithm::RsaAesKeyWrapSha256
    }
}

/// A wrapping public key, parsed once.
pub struct WrappingPublicKey {
    oaep: OaepPublicEncryptingKey,
}

impl fmt::Debug for WrappingPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappingPublicKey(RSA {} bits)", self.bits())
    }
}

impl WrappingPublicKey {
    /// Parses a DER SubjectPublicKeyInfo holding an RSA key (G-3, P-20).
    pub fn from_der(spki: &[u8]) -> Result<WrappingPublicKey, WrapError> {
        let public =
            PublicEncryptingKey::from_der(spki).map_err(|_| WrapError::NotAnRsaPublicKey)?;
        let oaep =
            OaepPublicEncryptingKey::new(public).map_err(|_| WrapError::NotAnRsaPublicKey)?;
        Ok(WrappingPublicKey { oaep })
    }

    /// The modulus size in bits (2048, 3072 or 4096 for AWS's wrapping key specs).
    pub fn bits(&self) -> usize {
        self.oaep.key_size_bits()
    }

    /// §5.1: wraps `material`. `RSAES_OAEP_*`: RSA-OAEP of the material (exactly `k`
    /// bytes). `RSA_AES_KEY_WRAP_*`: RSA-OAEP of a fresh random 256-bit AES key, followed by
    /// the RFC 5649 key wrap with padding of the material under that AES key.
    pub fn wrap(
        &self,
        algorithm: WrappingAlgorithm,
        material: &[u8],
    ) -> Result<Vec<u8>, WrapError> {
        check_len(algorithm, self.oaep.key_size_bytes(), material.len())?;
        let oaep = oaep(algorithm)?;
        if !is_rsa_aes(algorithm) {
            return self.encrypt(oaep, material);
        }
        let mut aes_key = [0u8; 32];
        aws_lc_rs::rand::fill(&mut aes_key).map_err(|_| WrapError::Crypto("random AES key"))?;
        let mut out = self.encrypt(oaep, &aes_key)?;
        let kwp = crate::domain::wrapping::kwp_wrap(&aes_key, material)
            .map_err(|_| WrapError::Crypto("RFC 5649 key wrap"))?;
        aes_key.fill(0);
        out.extend_from_slice(&kwp);
        Ok(out)
    }

    fn encrypt(&self, oaep: &'static OaepAlgorithm, data: &[u8]) -> Result<Vec<u8>, WrapError> {
        let mut out = vec![0u8; self.oaep.ciphertext_size()];
        let n = self
            .oaep
            .encrypt(oaep, data, &mut out, None)
            .map_err(|_| WrapError::Crypto("RSA-OAEP encryption"))?
            .len();
        out.truncate(n);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wrapping::WrappingKey;

    const WRAPPING: [WrappingAlgorithm; 4] = [
        WrappingAlgorithm::RsaesOaepSha1,
        WrappingAlgorithm::RsaesOaepSha256,
        WrappingAlgorithm::RsaAesKeyWrapSha1,
        WrappingAlgorithm::RsaAesKeyWrapSha256,
    ];

    #[test]
    fn the_servers_unwrap_recovers_what_this_wraps() {
        let server = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
        let public = WrappingPublicKey::from_der(&server.public_key_der).unwrap();
        assert_eq!(public.bits(), 2048);
        let material = [7u8; 45];
        for alg in WRAPPING {
            let wrapped = public.wrap(alg, &material).unwrap();
            if is_rsa_aes(alg) {
                // C1 (k bytes) ‖ C2 (45 padded to 48, plus the 8-byte integrity block).
                assert_eq!(wrapped.len(), 256 + 56, "{alg:?}");
            } else {
                assert_eq!(wrapped.len(), 256, "{alg:?}");
            }
            assert_eq!(server.unwrap(alg, &wrapped).unwrap(), material, "{alg:?}");
        }
    }

    #[test]
    fn oaep_capacity_is_k_minus_two_hash_lengths_minus_two() {
        use WrappingAlgorithm::*;
        use WrappingKeySpec::*;
        for (spec, alg, max) in [
            (Rsa2048, RsaesOaepSha1, 214),
            (Rsa2048, RsaesOaepSha256, 190),
            (Rsa3072, RsaesOaepSha1, 342),
            (Rsa3072, RsaesOaepSha256, 318),
            (Rsa4096, RsaesOaepSha1, 470),
            (Rsa4096, RsaesOaepSha256, 446),
        ] {
            assert_eq!(check_fits(alg, spec, max), Ok(()));
            assert!(matches!(
                check_fits(alg, spec, max + 1),
                Err(WrapError::MaterialTooLong { max: m, .. }) if m == max
            ));
        }
        assert_eq!(check_fits(RsaAesKeyWrapSha256, Rsa2048, 2400), Ok(()));
        assert_eq!(
            check_fits(RsaesOaepSha256, Rsa2048, 0),
            Err(WrapError::EmptyMaterial)
        );
        assert_eq!(
            check_fits(RsaesPkcs1V15, Rsa2048, 32),
            Err(WrapError::Withdrawn)
        );
        assert_eq!(check_fits(Sm2pke, Rsa2048, 32), Err(WrapError::ChinaOnly));
        assert_eq!(
            check_fits(RsaesOaepSha256, Sm2, 32),
            Err(WrapError::ChinaOnly)
        );
    }

    #[test]
    fn preferred_algorithm_follows_aws_preference_order() {
        use WrappingAlgorithm::*;
        use WrappingKeySpec::*;
        assert_eq!(preferred_algorithm(false, 32, Rsa4096), RsaesOaepSha256);
        assert_eq!(preferred_algorithm(false, 128, Rsa2048), RsaesOaepSha256);
        assert_eq!(
            preferred_algorithm(false, 191, Rsa2048),
            RsaAesKeyWrapSha256
        );
        assert_eq!(preferred_algorithm(true, 138, Rsa4096), RsaAesKeyWrapSha256);
    }
}
