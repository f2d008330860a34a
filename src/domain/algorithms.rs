//! Which algorithms a key offers (C-20's `EncryptionAlgorithms`, `SigningAlgorithms`,
//! `MacAlgorithms`, `KeyAgreementAlgorithms`,
//! `EncapsulationAlgorithms`).

use super::enums::{KeySpec, KeyUsage};

/// C-20: `EncryptionAlgorithms`, only for ENCRYPT_DECRYPT keys.
pub fn encryption_algorithms(spec: KeySpec, usage: KeyUsage) -> Option<&'static [&'static str]> {
    if usage != KeyUsage::EncryptDecrypt {
        return None;
    }
    Some(match spec {
        KeySpec::SymmetricDefault => &["SYMMETRIC_DEFAULT"],
        KeySpec::Sm2 => &["SM2PKE"],
        _ => &["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
    })
}

/// C-20: `SigningAlgorithms`, only for SIGN_VERIFY keys.
pub fn signing_algorithms(spec: KeySpec, usage: KeyUsage) -> Option<&'static [&'static str]> {
    if usage != KeyUsage::SignVerify {
        return None;
    }
    Some(match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => &[
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
        ],
        KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 => &["ECDSA_SHA_256"],
        KeySpec::EccNistP384 => &["ECDSA_SHA_384"],
        KeySpec::EccNistP521 => &["ECDSA_SHA_512"],
        KeySpec::Sm2 => &["SM2DSA"],
        KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => &["ML_DSA_SHAKE_256"],
        KeySpec::EccNistEdwards25519 => &["ED25519_SHA_512", "ED25519_PH_SHA_512"],
        _ => &[],
    })
}

/// C-20: `MacAlgorithms`, only for HMAC keys, the one matching the spec.
pub fn mac_algorithms(spec: KeySpec) -> Option<&'static [&'static str]> {
    Some(match spec {
        KeySpec::Hmac224 => &["HMAC_SHA_224"],
        KeySpec::Hmac256 => &["HMAC_SHA_256"],
        KeySpec::Hmac384 => &["HMAC_SHA_384"],
        KeySpec::Hmac512 => &["HMAC_SHA_512"],
        _ => return None,
    })
}

/// C-20: `KeyAgreementAlgorithms`, only for KEY_AGREEMENT keys.
pub fn key_agreement_algorithms(usage: KeyUsage) -> Option<&'static [&'static str]> {
    (usage == KeyUsage::KeyAgreement).then_some(&["ECDH"])
}

/// C-20: `EncapsulationAlgorithms`, "present only when the KMS key has a KeyUsage value of
/// ENCAPSULATE_DECAPSULATE" (model docs); `ML_KEM` is the only value.
pub fn encapsulation_algorithms(usage: KeyUsage) -> Option<&'static [&'static str]> {
    (usage == KeyUsage::EncapsulateDecapsulate).then_some(&["ML_KEM"])
}
