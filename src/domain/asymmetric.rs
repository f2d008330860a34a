//! Asymmetric and HMAC key material: format checks for imported material (P-11 … P-14, I-42),
//! key generation for AWS_KMS keys, public keys (P-21), Sign/Verify, RSA
//! encryption (E-9, E-10) and HMAC (§3.16).

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{
    self as lc_rsa, KeySize, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
};
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair, UnparsedPublicKey};

use super::enums::{EncryptionAlgorithm, KeySpec, MacAlgorithm, MessageType, SigningAlgorithm};
use crate::error::{ErrorCode, KmsError, KmsResult};

/// What an imported or generated non-symmetric material is, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMaterial {
    /// The bytes to keep: PKCS#8 DER for RSA/ECC, the raw key for HMAC.
    pub secret: Vec<u8>,
    /// Identity of the material for re-import comparison (I-41) and its KeyMaterialId: the
    /// SubjectPublicKeyInfo for RSA/ECC (equal for any encoding of the same private key), the
    /// raw key for HMAC.
    pub identity: Vec<u8>,
    /// P-21: DER SubjectPublicKeyInfo for RSA/ECC; `None` for HMAC.
    pub public_key: Option<Vec<u8>>,
}

fn incorrect(msg: &str) -> KmsError {
    KmsError::new(ErrorCode::IncorrectKeyMaterial, msg)
}

/// P-11: HMAC key lengths per spec.
pub fn hmac_length_range(spec: KeySpec) -> Option<(usize, usize)> {
    Some(match spec {
        KeySpec::Hmac224 => (28, 64),
        KeySpec::Hmac256 => (32, 64),
        KeySpec::Hmac384 => (48, 128),
        KeySpec::Hmac512 => (64, 128),
        _ => return None,
    })
}

fn ec_signing_alg(spec: KeySpec) -> Option<&'static sig::EcdsaSigningAlgorithm> {
    Some(match spec {
        KeySpec::EccNistP256 => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
        KeySpec::EccNistP384 => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
        KeySpec::EccNistP521 => &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
        KeySpec::EccSecgP256k1 => &sig::ECDSA_P256K1_SHA256_ASN1_SIGNING,
        _ => return None,
    })
}

fn rsa_bits(spec: KeySpec) -> Option<usize> {
    Some(match spec {
        KeySpec::Rsa2048 => 2048,
        KeySpec::Rsa3072 => 3072,
        KeySpec::Rsa4096 => 4096,
        _ => return None,
    })
}

/// P-11 … P-14, I-42: checks unwrapped material against the key spec. Anything that is not
/// the expected raw/DER form for exactly this spec → `IncorrectKeyMaterialException`.
pub fn check_material(spec: KeySpec, material: &[u8]) -> KmsResult<CheckedMaterial> {
    if super::pq::handles(spec) {
        return super::pq::check_material(spec, material);
    }
    if let Some((min, max)) = hmac_length_range(spec) {
        if material.len() < min || material.len() > max {
            return Err(incorrect(&format!(
                "Key material for {} must be {min} to {max} bytes long",
                spec.as_str()
            )));
        }
        return Ok(CheckedMaterial {
            secret: material.to_vec(),
            identity: material.to_vec(),
            public_key: None,
        });
    }
    if let Some(bits) = rsa_bits(spec) {
        let kp = lc_rsa::KeyPair::from_pkcs8(material)
            .map_err(|_| incorrect("Key material is not a DER PKCS#8 RSA private key"))?;
        if kp.public_modulus_len() * 8 != bits {
            return Err(incorrect(&format!(
                "The RSA key size does not match key spec {}",
                spec.as_str()
            )));
        }
        let spki = rsa_spki(&kp)?;
        return Ok(CheckedMaterial {
            secret: material.to_vec(),
            identity: spki.clone(),
            public_key: Some(spki),
        });
    }
    if let Some(alg) = ec_signing_alg(spec) {
        let kp = EcdsaKeyPair::from_pkcs8(alg, material).map_err(|_| {
            incorrect(&format!(
                "Key material is not a DER PKCS#8 private key on the curve of {}",
                spec.as_str()
            ))
        })?;
        let spki = ec_spki(&kp)?;
        return Ok(CheckedMaterial {
            secret: material.to_vec(),
            identity: spki.clone(),
            public_key: Some(spki),
        });
    }
    Err(KmsError::unsupported(format!(
        "Key material of spec {} is not supported",
        spec.as_str()
    )))
}

fn rsa_spki(kp: &lc_rsa::KeyPair) -> KmsResult<Vec<u8>> {
    let der: PublicKeyX509Der<'static> = kp
        .public_key()
        .as_der()
        .map_err(|_| KmsError::internal("encoding an RSA public key failed"))?;
    Ok(der.as_ref().to_vec())
}

fn ec_spki(kp: &EcdsaKeyPair) -> KmsResult<Vec<u8>> {
    let der: PublicKeyX509Der<'static> = kp
        .public_key()
        .as_der()
        .map_err(|_| KmsError::internal("encoding an EC public key failed"))?;
    Ok(der.as_ref().to_vec())
}

/// Generates AWS_KMS material for a non-symmetric spec (RSA: tens to hundreds of ms).
pub fn generate(spec: KeySpec) -> KmsResult<CheckedMaterial> {
    if super::pq::handles(spec) {
        return super::pq::generate(spec);
    }
    let fail = || KmsError::internal(format!("generating a {} key failed", spec.as_str()));
    // AWS_KMS HMAC keys: as many bytes as the hash's output, the shortest length the
    // spec accepts for imported material (P-11).
    if let Some((len, _)) = hmac_length_range(spec) {
        return check_material(spec, &super::material::random_bytes(len)?);
    }
    if let Some(bits) = rsa_bits(spec) {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            _ => KeySize::Rsa4096,
        };
        let kp = lc_rsa::KeyPair::generate(size).map_err(|_| fail())?;
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = kp.as_der().map_err(|_| fail())?;
        return check_material(spec, der.as_ref());
    }
    if let Some(alg) = ec_signing_alg(spec) {
        let doc = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).map_err(|_| fail())?;
        return check_material(spec, doc.as_ref());
    }
    Err(KmsError::unsupported(format!(
        "KeySpec {} is not supported by kmsim",
        spec.as_str()
    )))
}

/// The hash a signing algorithm uses.
fn hash_of(alg: SigningAlgorithm) -> Option<&'static digest::Algorithm> {
    use SigningAlgorithm::*;
    Some(match alg {
        RsassaPssSha256 | RsassaPkcs1V15Sha256 | EcdsaSha256 => &digest::SHA256,
        RsassaPssSha384 | RsassaPkcs1V15Sha384 | EcdsaSha384 => &digest::SHA384,
        RsassaPssSha512 | RsassaPkcs1V15Sha512 | EcdsaSha512 => &digest::SHA512,
        _ => return None,
    })
}

fn rsa_encoding(alg: SigningAlgorithm) -> Option<&'static dyn sig::RsaEncoding> {
    use SigningAlgorithm::*;
    Some(match alg {
        RsassaPssSha256 => &sig::RSA_PSS_SHA256,
        RsassaPssSha384 => &sig::RSA_PSS_SHA384,
        RsassaPssSha512 => &sig::RSA_PSS_SHA512,
        RsassaPkcs1V15Sha256 => &sig::RSA_PKCS1_SHA256,
        RsassaPkcs1V15Sha384 => &sig::RSA_PKCS1_SHA384,
        RsassaPkcs1V15Sha512 => &sig::RSA_PKCS1_SHA512,
        _ => return None,
    })
}

fn rsa_verification(alg: SigningAlgorithm) -> Option<&'static dyn sig::VerificationAlgorithm> {
    use SigningAlgorithm::*;
    Some(match alg {
        RsassaPssSha256 => &sig::RSA_PSS_2048_8192_SHA256,
        RsassaPssSha384 => &sig::RSA_PSS_2048_8192_SHA384,
        RsassaPssSha512 => &sig::RSA_PSS_2048_8192_SHA512,
        RsassaPkcs1V15Sha256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        RsassaPkcs1V15Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        RsassaPkcs1V15Sha512 => &sig::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    })
}

fn ec_verification(spec: KeySpec) -> Option<&'static dyn sig::VerificationAlgorithm> {
    Some(match spec {
        KeySpec::EccNistP256 => &sig::ECDSA_P256_SHA256_ASN1,
        KeySpec::EccNistP384 => &sig::ECDSA_P384_SHA384_ASN1,
        KeySpec::EccNistP521 => &sig::ECDSA_P521_SHA512_ASN1,
        KeySpec::EccSecgP256k1 => &sig::ECDSA_P256K1_SHA256_ASN1,
        _ => return None,
    })
}

/// the digest to sign or verify. RAW messages are hashed here; DIGEST messages must be
/// exactly the hash's length.
fn message_digest(
    alg: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
) -> KmsResult<Digest> {
    let hash = hash_of(alg).ok_or_else(|| unsupported_alg(alg))?;
    match message_type {
        MessageType::Raw => Ok(digest::digest(hash, message)),
        MessageType::Digest => Digest::import_less_safe(message, hash).map_err(|_| {
            KmsError::validation(format!(
                "Digest is invalid length for algorithm {}.",
                alg.as_str()
            ))
        }),
        MessageType::ExternalMu => Err(KmsError::validation(
            "MessageType EXTERNAL_MU is only valid for ML-DSA keys.",
        )),
    }
}

fn unsupported_alg(alg: SigningAlgorithm) -> KmsError {
    KmsError::unsupported(format!(
        "Signing algorithm {} is not supported by kmsim",
        alg.as_str()
    ))
}

/// Signs with PKCS#8 material (A-1, A-2: PSS salt = digest length; ECDSA DER signatures).
pub fn sign(
    spec: KeySpec,
    pkcs8: &[u8],
    alg: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
) -> KmsResult<Vec<u8>> {
    if super::pq::handles(spec) {
        return super::pq::sign(spec, pkcs8, alg, message_type, message);
    }
    let d = message_digest(alg, message_type, message)?;
    let fail = || KmsError::internal("signing failed");
    if rsa_bits(spec).is_some() {
        let enc = rsa_encoding(alg).ok_or_else(|| unsupported_alg(alg))?;
        let kp = lc_rsa::KeyPair::from_pkcs8(pkcs8).map_err(|_| fail())?;
        let mut out = vec![0u8; kp.public_modulus_len()];
        kp.sign_digest(enc, &d, &mut out).map_err(|_| fail())?;
        return Ok(out);
    }
    let ec = ec_signing_alg(spec).ok_or_else(|| unsupported_alg(alg))?;
    let kp = EcdsaKeyPair::from_pkcs8(ec, pkcs8).map_err(|_| fail())?;
    Ok(kp.sign_digest(&d).map_err(|_| fail())?.as_ref().to_vec())
}

/// Verifies a signature against the key's public key; `false` on any mismatch.
pub fn verify(
    spec: KeySpec,
    public_key: &[u8],
    alg: SigningAlgorithm,
    message_type: MessageType,
    message: &[u8],
    signature: &[u8],
) -> KmsResult<bool> {
    if super::pq::handles(spec) {
        return super::pq::verify(spec, public_key, alg, message_type, message, signature);
    }
    let d = message_digest(alg, message_type, message)?;
    let v = if rsa_bits(spec).is_some() {
        rsa_verification(alg)
    } else {
        ec_verification(spec)
    }
    .ok_or_else(|| unsupported_alg(alg))?;
    Ok(UnparsedPublicKey::new(v, public_key)
        .verify_digest(&d, signature)
        .is_ok())
}

/// E-9: the largest plaintext RSA-OAEP can carry under this key and algorithm.
pub fn rsa_max_plaintext(spec: KeySpec, alg: EncryptionAlgorithm) -> Option<usize> {
    let sha256 = match alg {
        EncryptionAlgorithm::RsaesOaepSha1 => false,
        EncryptionAlgorithm::RsaesOaepSha256 => true,
        _ => return None,
    };
    Some(oaep_capacity(rsa_bits(spec)? / 8, sha256))
}

/// E-9, §5.2 (RFC 8017 §7.1.1): RSA-OAEP carries at most `k − 2·hLen − 2` bytes under a
/// `k`-byte modulus; hLen is 32 for SHA-256, 20 for SHA-1.
pub fn oaep_capacity(modulus_bytes: usize, sha256: bool) -> usize {
    let h_len = if sha256 { 32 } else { 20 };
    modulus_bytes.saturating_sub(2 * h_len + 2)
}

fn oaep_alg(alg: EncryptionAlgorithm) -> KmsResult<&'static lc_rsa::OaepAlgorithm> {
    match alg {
        EncryptionAlgorithm::RsaesOaepSha1 => Ok(&OAEP_SHA1_MGF1SHA1),
        EncryptionAlgorithm::RsaesOaepSha256 => Ok(&OAEP_SHA256_MGF1SHA256),
        _ => Err(KmsError::invalid_ciphertext()),
    }
}

/// RSA-OAEP encryption under the key's public key (E-10: the blob is raw OAEP output).
pub fn rsa_encrypt(
    public_key: &[u8],
    alg: EncryptionAlgorithm,
    plain: &[u8],
) -> KmsResult<Vec<u8>> {
    let fail = || KmsError::internal("RSA encryption failed");
    let pk = PublicEncryptingKey::from_der(public_key).map_err(|_| fail())?;
    let oaep = OaepPublicEncryptingKey::new(pk).map_err(|_| fail())?;
    let mut out = vec![0u8; oaep.ciphertext_size()];
    let n = oaep
        .encrypt(oaep_alg(alg)?, plain, &mut out, None)
        .map_err(|_| fail())?
        .len();
    out.truncate(n);
    Ok(out)
}

/// RSA-OAEP decryption; any failure → `InvalidCiphertextException`.
pub fn rsa_decrypt(pkcs8: &[u8], alg: EncryptionAlgorithm, blob: &[u8]) -> KmsResult<Vec<u8>> {
    let key = PrivateDecryptingKey::from_pkcs8(pkcs8)
        .map_err(|_| KmsError::internal("bad RSA private key"))?;
    let oaep = OaepPrivateDecryptingKey::new(key).map_err(|_| KmsError::internal("bad RSA key"))?;
    if blob.len() != oaep.key_size_bytes() {
        return Err(KmsError::invalid_ciphertext());
    }
    let mut out = vec![0u8; oaep.min_output_size()];
    let n = oaep
        .decrypt(oaep_alg(alg)?, blob, &mut out, None)
        .map_err(|_| KmsError::invalid_ciphertext())?
        .len();
    out.truncate(n);
    Ok(out)
}

/// The HMAC algorithm an HMAC key spec requires (§3.16).
pub fn mac_for_spec(spec: KeySpec) -> Option<MacAlgorithm> {
    Some(match spec {
        KeySpec::Hmac224 => MacAlgorithm::HmacSha224,
        KeySpec::Hmac256 => MacAlgorithm::HmacSha256,
        KeySpec::Hmac384 => MacAlgorithm::HmacSha384,
        KeySpec::Hmac512 => MacAlgorithm::HmacSha512,
        _ => return None,
    })
}

fn hmac_alg(alg: MacAlgorithm) -> hmac::Algorithm {
    match alg {
        MacAlgorithm::HmacSha224 => hmac::HMAC_SHA224,
        MacAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
        MacAlgorithm::HmacSha384 => hmac::HMAC_SHA384,
        MacAlgorithm::HmacSha512 => hmac::HMAC_SHA512,
    }
}

/// `HMAC(hash, key bytes, message)`.
pub fn mac(alg: MacAlgorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac_alg(alg), key), message)
        .as_ref()
        .to_vec()
}

/// Constant-time MAC check.
pub fn mac_ok(alg: MacAlgorithm, key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(&hmac::Key::new(hmac_alg(alg), key), message, tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_verify_for_every_ec_curve() {
        for (spec, alg) in [
            (KeySpec::EccNistP256, SigningAlgorithm::EcdsaSha256),
            (KeySpec::EccNistP384, SigningAlgorithm::EcdsaSha384),
            (KeySpec::EccNistP521, SigningAlgorithm::EcdsaSha512),
            (KeySpec::EccSecgP256k1, SigningAlgorithm::EcdsaSha256),
        ] {
            let m = generate(spec).unwrap();
            let pk = m.public_key.clone().unwrap();
            let s = sign(spec, &m.secret, alg, MessageType::Raw, b"msg").unwrap();
            assert!(
                verify(spec, &pk, alg, MessageType::Raw, b"msg", &s).unwrap(),
                "{spec:?}"
            );
            assert!(!verify(spec, &pk, alg, MessageType::Raw, b"other", &s).unwrap());
            // The same key re-checked gives the same identity (I-41).
            assert_eq!(
                check_material(spec, &m.secret).unwrap().identity,
                m.identity
            );
        }
    }

    #[test]
    fn rsa_sign_verify_digest_and_encrypt() {
        let m = generate(KeySpec::Rsa2048).unwrap();
        let pk = m.public_key.clone().unwrap();
        let d = digest::digest(&digest::SHA256, b"hello");
        for alg in [
            SigningAlgorithm::RsassaPssSha256,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
        ] {
            let s = sign(
                KeySpec::Rsa2048,
                &m.secret,
                alg,
                MessageType::Digest,
                d.as_ref(),
            )
            .unwrap();
            assert!(verify(KeySpec::Rsa2048, &pk, alg, MessageType::Raw, b"hello", &s).unwrap());
        }
        let e = sign(
            KeySpec::Rsa2048,
            &m.secret,
            SigningAlgorithm::RsassaPssSha256,
            MessageType::Digest,
            b"short",
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        let c = rsa_encrypt(&pk, EncryptionAlgorithm::RsaesOaepSha256, b"secret").unwrap();
        assert_eq!(
            rsa_decrypt(&m.secret, EncryptionAlgorithm::RsaesOaepSha256, &c).unwrap(),
            b"secret"
        );
        // A 2048-bit key is not a 3072 key (I-42).
        assert_eq!(
            check_material(KeySpec::Rsa3072, &m.secret)
                .unwrap_err()
                .code,
            ErrorCode::IncorrectKeyMaterial
        );
    }

    #[test]
    fn material_format_rules() {
        assert!(check_material(KeySpec::Hmac224, &[1u8; 28]).is_ok());
        for (spec, len) in [(KeySpec::Hmac224, 27), (KeySpec::Hmac384, 129)] {
            assert_eq!(
                check_material(spec, &vec![1u8; len]).unwrap_err().code,
                ErrorCode::IncorrectKeyMaterial
            );
        }
        let p256 = generate(KeySpec::EccNistP256).unwrap();
        assert_eq!(
            check_material(KeySpec::EccNistP384, &p256.secret)
                .unwrap_err()
                .code,
            ErrorCode::IncorrectKeyMaterial
        );
        assert_eq!(
            check_material(KeySpec::EccNistP256, b"-----BEGIN PRIVATE KEY-----")
                .unwrap_err()
                .code,
            ErrorCode::IncorrectKeyMaterial
        );
        assert_eq!(
            rsa_max_plaintext(KeySpec::Rsa2048, EncryptionAlgorithm::RsaesOaepSha1),
            Some(214)
        );
        assert_eq!(
            rsa_max_plaintext(KeySpec::Rsa4096, EncryptionAlgorithm::RsaesOaepSha256),
            Some(446)
        );
    }
}
