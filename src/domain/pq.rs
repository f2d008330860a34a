//! The newer key families (contract C-3, A-1, A-2; issue 8): Ed25519
//! (`ECC_NIST_EDWARDS25519`), ML-DSA (`ML_DSA_44/65/87`, FIPS 204) and ML-KEM
//! (`ML_KEM_512/768/1024`, FIPS 203): material format, generation, public keys, Sign/Verify
//! with their MessageType rules, and Encapsulate/Decapsulate.
//!
//! aws-lc-rs does the work wherever it can (Ed25519 pure signing, ML-DSA on raw messages,
//! ML-KEM). It has no public API for two of the operations KMS offers, so those use
//! RustCrypto crates on the server:
//! - Ed25519ph (RFC 8032 §5.1, `ED25519_PH_SHA_512`): `ed25519-dalek`'s `sign_prehashed`;
//! - ML-DSA signing and verifying on an external μ (FIPS 204 Algorithm 7 line 6 given μ):
//!   the `ml-dsa` crate's `sign_mu_randomized` / `verify_mu`.
//!
//! Both read the same stored PKCS#8 key as aws-lc-rs, so a key signs the same way whichever
//! path a request takes.

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::kem;
use aws_lc_rs::signature::{self as sig, Ed25519KeyPair, KeyPair, PqdsaKeyPair, UnparsedPublicKey};
use ed25519_dalek::pkcs8::DecodePrivateKey as _;
use ed25519_dalek::{Digest as _, Sha512};
use ml_dsa::common::array::Array;
use ml_dsa::pkcs8::DecodePrivateKey as _;
use ml_dsa::{EncodedSignature, EncodedVerifyingKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams};
use spki::der::Decode as _;
use spki::{ObjectIdentifier, SubjectPublicKeyInfoRef};

use super::asymmetric::CheckedMaterial;
use super::enums::{KeySpec, MessageType, SigningAlgorithm};
use super::ml_kem;
use crate::error::{ErrorCode, KmsError, KmsResult};

/// The length of an Ed25519ph DIGEST message: one SHA-512 output.
pub const ED25519PH_DIGEST_LEN: usize = 64;
/// The length of an ML-DSA external μ (FIPS 204 §6.2: 64 bytes).
pub const MU_LEN: usize = 64;
/// `Decapsulate` and `Encapsulate` return a 32-byte shared secret (model docs).
pub const SHARED_SECRET_LEN: usize = 32;

/// Which of the new families a key spec belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    Ed25519,
    MlDsa(MlDsaLevel),
    MlKem(&'static kem::Algorithm),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MlDsaLevel {
    L44,
    L65,
    L87,
}

fn family(spec: KeySpec) -> Option<Family> {
    Some(match spec {
        KeySpec::EccNistEdwards25519 => Family::Ed25519,
        KeySpec::MlDsa44 => Family::MlDsa(MlDsaLevel::L44),
        KeySpec::MlDsa65 => Family::MlDsa(MlDsaLevel::L65),
        KeySpec::MlDsa87 => Family::MlDsa(MlDsaLevel::L87),
        KeySpec::MlKem512 => Family::MlKem(&kem::ML_KEM_512),
        KeySpec::MlKem768 => Family::MlKem(&kem::ML_KEM_768),
        KeySpec::MlKem1024 => Family::MlKem(&kem::ML_KEM_1024),
        _ => return None,
    })
}

/// Whether `spec` is one of the families this module owns.
pub fn handles(spec: KeySpec) -> bool {
    family(spec).is_some()
}

/// Whether `spec` is an ML-KEM spec (the only ENCAPSULATE_DECAPSULATE keys, C-3).
pub fn is_ml_kem(spec: KeySpec) -> bool {
    matches!(family(spec), Some(Family::MlKem(_)))
}

impl MlDsaLevel {
    fn signing(self) -> &'static sig::PqdsaSigningAlgorithm {
        match self {
            MlDsaLevel::L44 => &sig::ML_DSA_44_SIGNING,
            MlDsaLevel::L65 => &sig::ML_DSA_65_SIGNING,
            MlDsaLevel::L87 => &sig::ML_DSA_87_SIGNING,
        }
    }

    fn verification(self) -> &'static sig::PqdsaVerificationAlgorithm {
        match self {
            MlDsaLevel::L44 => &sig::ML_DSA_44,
            MlDsaLevel::L65 => &sig::ML_DSA_65,
            MlDsaLevel::L87 => &sig::ML_DSA_87,
        }
    }
}

fn incorrect(msg: String) -> KmsError {
    KmsError::new(ErrorCode::IncorrectKeyMaterial, msg)
}

pub(super) fn internal(what: &str) -> KmsError {
    KmsError::internal(format!("{what} failed"))
}

fn spki_der(
    der: Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
) -> KmsResult<Vec<u8>> {
    Ok(der
        .map_err(|_| internal("encoding a public key"))?
        .as_ref()
        .to_vec())
}

/// P-11 … P-14 for the new families: checks a private key and derives its public key.
///
/// - Ed25519: DER PKCS#8 (v1 or v2, RFC 8410), kept as PKCS#8 v1.
/// - ML-DSA: DER PKCS#8 (the seed or seed-and-expanded form of RFC 9881), kept in the seed
///   form. [CHOICE] A key given only in the expanded form is refused with
///   `IncorrectKeyMaterialException`: external-μ signing needs the seed.
/// - ML-KEM: the FIPS 203 expanded decapsulation key `dk` (what aws-lc-rs serialises), whose
///   embedded encapsulation key and its SHA3-256 hash are checked (FIPS 203 §7.3).
///
/// The identity (I-41, KeyMaterialId) of every one of them is its SubjectPublicKeyInfo.
pub fn check_material(spec: KeySpec, material: &[u8]) -> KmsResult<CheckedMaterial> {
    let fam = family(spec).ok_or_else(|| internal("dispatching a key family"))?;
    let (secret, spki) = match fam {
        Family::Ed25519 => {
            let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(material).map_err(|_| {
                incorrect("Key material is not a DER PKCS#8 Ed25519 private key".into())
            })?;
            let v1 = kp
                .to_pkcs8v1()
                .map_err(|_| internal("encoding an Ed25519 key"))?;
            (v1.as_ref().to_vec(), spki_der(kp.public_key().as_der())?)
        }
        Family::MlDsa(level) => {
            let bad = || {
                incorrect(format!(
                    "Key material is not a DER PKCS#8 private key (with its seed) of {}",
                    spec.as_str()
                ))
            };
            let kp = PqdsaKeyPair::from_pkcs8(level.signing(), material).map_err(|_| bad())?;
            let seed_form = kp.to_pkcs8v1().map_err(|_| bad())?;
            (
                seed_form.as_ref().to_vec(),
                spki_der(kp.public_key().as_der())?,
            )
        }
        Family::MlKem(alg) => {
            let ek = ml_kem::encapsulation_key_of(alg, material).ok_or_else(|| {
                incorrect(format!(
                    "Key material is not an expanded ML-KEM decapsulation key of {}",
                    spec.as_str()
                ))
            })?;
            kem::DecapsulationKey::new(alg, material)
                .map_err(|_| incorrect(format!("Key material is not a {} key", spec.as_str())))?;
            (material.to_vec(), ml_kem::spki(alg, ek)?)
        }
    };
    Ok(CheckedMaterial {
        secret,
        identity: spki.clone(),
        public_key: Some(spki),
    })
}

/// P-21 for an ML-KEM spec's raw encapsulation key `ek` (for data key pairs, DK-1).
pub fn ml_kem_spki(spec: KeySpec, ek: &[u8]) -> KmsResult<Vec<u8>> {
    match family(spec) {
        Some(Family::MlKem(alg)) => ml_kem::spki(alg, ek),
        _ => Err(internal("not an ML-KEM key spec")),
    }
}

/// The NIST object identifier of an ML-KEM spec.
pub fn ml_kem_oid(spec: KeySpec) -> Option<ObjectIdentifier> {
    match family(spec) {
        Some(Family::MlKem(alg)) => Some(ml_kem::params(alg).oid),
        _ => None,
    }
}

/// The raw public key inside a SubjectPublicKeyInfo this module made.
pub(super) fn raw_public_key(spki: &[u8]) -> KmsResult<&[u8]> {
    SubjectPublicKeyInfoRef::from_der(spki)
        .ok()
        .and_then(|i| i.subject_public_key.as_bytes())
        .ok_or_else(|| internal("reading a stored public key"))
}

/// Generates AWS_KMS material for a spec of the new families (S-1).
pub fn generate(spec: KeySpec) -> KmsResult<CheckedMaterial> {
    let fail = || KmsError::internal(format!("generating a {} key failed", spec.as_str()));
    match family(spec).ok_or_else(fail)? {
        Family::Ed25519 => {
            let kp = Ed25519KeyPair::generate().map_err(|_| fail())?;
            check_material(spec, kp.to_pkcs8v1().map_err(|_| fail())?.as_ref())
        }
        Family::MlDsa(level) => {
            let kp = PqdsaKeyPair::generate(level.signing()).map_err(|_| fail())?;
            check_material(spec, kp.to_pkcs8v1().map_err(|_| fail())?.as_ref())
        }
        Family::MlKem(alg) => {
            let dk = kem::DecapsulationKey::generate(alg).map_err(|_| fail())?;
            check_material(spec, dk.key_bytes().map_err(|_| fail())?.as_ref())
        }
    }
}

/// What Sign/Verify feed the primitive once A-2's MessageType rules for the spec hold.
enum Input<'a> {
    /// The message itself (Ed25519 pure, ML-DSA on RAW).
    Raw(&'a [u8]),
    /// Ed25519ph over the 64 bytes the caller sent (KMS hashes them once more, see below).
    Prehash(&'a [u8]),
    /// An ML-DSA μ.
    Mu(&'a [u8]),
}

fn message_type_incompatible_with_alg(mt: MessageType, alg: SigningAlgorithm) -> KmsError {
    KmsError::validation(format!(
        "Message type {} is incompatible with algorithm {}.",
        mt.as_str(),
        alg.as_str()
    ))
}

fn digest_length(alg: SigningAlgorithm) -> KmsError {
    KmsError::validation(format!(
        "Digest is invalid length for algorithm {}.",
        alg.as_str()
    ))
}

/// A-2 for the new families (model docs of `Sign.MessageType`):
/// - `ED25519_SHA_512` takes only RAW and `ED25519_PH_SHA_512` only DIGEST ("These message
///   types cannot be used interchangeably"); the other → `ValidationException`
///   `Message type <T> is incompatible with algorithm <A>.` [CHOICE: text as reported from
///   real KMS by floci-io/floci#2924/#2930]. A DIGEST must be 64 bytes (a SHA-512 output) →
///   otherwise `Digest is invalid length for algorithm ED25519_PH_SHA_512.`.
/// - ML-DSA takes RAW or EXTERNAL_MU; DIGEST → `ValidationException` `Message type DIGEST is
///   incompatible with key spec <S>.` (reported from real KMS in floci-io/floci#3025). An
///   EXTERNAL_MU message must be 64 bytes ("the length of the Message value must be 64
///   bytes") → otherwise `Digest is invalid length for algorithm ML_DSA_SHAKE_256.`
///   [CHOICE: AWS's text for this case is not known; the DIGEST-length text is reused].
fn input<'a>(
    spec: KeySpec,
    alg: SigningAlgorithm,
    mt: MessageType,
    msg: &'a [u8],
) -> KmsResult<Input<'a>> {
    match (family(spec), alg, mt) {
        (Some(Family::Ed25519), SigningAlgorithm::Ed25519Sha512, MessageType::Raw) => {
            Ok(Input::Raw(msg))
        }
        (Some(Family::Ed25519), SigningAlgorithm::Ed25519PhSha512, MessageType::Digest) => {
            if msg.len() == ED25519PH_DIGEST_LEN {
                Ok(Input::Prehash(msg))
            } else {
                Err(digest_length(alg))
            }
        }
        (Some(Family::Ed25519), _, _) => Err(message_type_incompatible_with_alg(mt, alg)),
        (Some(Family::MlDsa(_)), SigningAlgorithm::MlDsaShake256, MessageType::Raw) => {
            Ok(Input::Raw(msg))
        }
        (Some(Family::MlDsa(_)), SigningAlgorithm::MlDsaShake256, MessageType::ExternalMu) => {
            if msg.len() == MU_LEN {
                Ok(Input::Mu(msg))
            } else {
                Err(digest_length(alg))
            }
        }
        (Some(Family::MlDsa(_)), _, MessageType::Digest) => Err(KmsError::validation(format!(
            "Message type DIGEST is incompatible with key spec {}.",
            spec.as_str()
        ))),
        _ => Err(KmsError::new(
            ErrorCode::InvalidKeyUsage,
            format!(
                "Algorithm {} is incompatible with key spec {}.",
                alg.as_str(),
                spec.as_str()
            ),
        )),
    }
}

/// Sign with a key of the new families.
///
/// `ED25519_PH_SHA_512` with a 64-byte DIGEST `d` is Ed25519ph (RFC 8032, empty context) of
/// the message `d`: "KMS still performs the SHA-512 prehash … the input is hashed twice: once
/// by you and once by KMS" (model docs of `Sign.MessageType`). ML-DSA signs with an empty
/// context (FIPS 204 Algorithm 2); on EXTERNAL_MU the 64 bytes are μ itself, so the signature
/// equals one over the message μ was computed from ("The signatures produced by the
/// externally computed μ are the same as the RAW ones", KMS ML-DSA docs).
pub fn sign(
    spec: KeySpec,
    secret: &[u8],
    alg: SigningAlgorithm,
    mt: MessageType,
    msg: &[u8],
) -> KmsResult<Vec<u8>> {
    let fail = || internal("signing");
    match (family(spec), input(spec, alg, mt, msg)?) {
        (Some(Family::Ed25519), Input::Raw(m)) => {
            let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(secret).map_err(|_| fail())?;
            Ok(kp.try_sign(m).map_err(|_| fail())?.as_ref().to_vec())
        }
        (Some(Family::Ed25519), Input::Prehash(d)) => {
            let sk = ed25519_dalek::SigningKey::from_pkcs8_der(secret).map_err(|_| fail())?;
            let s = sk
                .sign_prehashed(Sha512::new().chain_update(d), None)
                .map_err(|_| fail())?;
            Ok(s.to_bytes().to_vec())
        }
        (Some(Family::MlDsa(level)), Input::Raw(m)) => {
            let kp = PqdsaKeyPair::from_pkcs8(level.signing(), secret).map_err(|_| fail())?;
            let mut out = vec![0u8; level.signing().signature_len()];
            let n = kp.sign(m, &mut out).map_err(|_| fail())?;
            out.truncate(n);
            Ok(out)
        }
        (Some(Family::MlDsa(level)), Input::Mu(mu)) => match level {
            MlDsaLevel::L44 => sign_mu::<MlDsa44>(secret, mu),
            MlDsaLevel::L65 => sign_mu::<MlDsa65>(secret, mu),
            MlDsaLevel::L87 => sign_mu::<MlDsa87>(secret, mu),
        },
        _ => Err(fail()),
    }
}

/// FIPS 204 Algorithm 2 (hedged) from line 6 on, with the caller's μ.
fn sign_mu<P: MlDsaParams>(pkcs8: &[u8], mu: &[u8]) -> KmsResult<Vec<u8>>
where
    ml_dsa::SigningKey<P>:
        for<'a> TryFrom<ml_dsa::pkcs8::PrivateKeyInfoRef<'a>, Error = ml_dsa::pkcs8::Error>,
{
    let fail = || internal("signing");
    let sk = ml_dsa::SigningKey::<P>::from_pkcs8_der(pkcs8).map_err(|_| fail())?;
    let mu = Array::try_from(mu).map_err(|_| fail())?;
    let s = sk
        .expanded_key()
        .sign_mu_randomized(&mu, &mut ml_dsa::common::getrandom::SysRng)
        .map_err(|_| fail())?;
    Ok(s.encode().to_vec())
}

/// Verify with a key of the new families: `Ok(false)` on any mismatch, including a
/// signature of the wrong length.
pub fn verify(
    spec: KeySpec,
    spki: &[u8],
    alg: SigningAlgorithm,
    mt: MessageType,
    msg: &[u8],
    signature: &[u8],
) -> KmsResult<bool> {
    let input = input(spec, alg, mt, msg)?;
    let raw = raw_public_key(spki)?;
    Ok(match (family(spec), input) {
        (Some(Family::Ed25519), Input::Raw(m)) => UnparsedPublicKey::new(&sig::ED25519, raw)
            .verify(m, signature)
            .is_ok(),
        (Some(Family::Ed25519), Input::Prehash(d)) => {
            let (Ok(pk), Ok(s)) = (
                <[u8; 32]>::try_from(raw),
                ed25519_dalek::Signature::from_slice(signature),
            ) else {
                return Ok(false);
            };
            ed25519_dalek::VerifyingKey::from_bytes(&pk)
                .and_then(|vk| vk.verify_prehashed(Sha512::new().chain_update(d), None, &s))
                .is_ok()
        }
        (Some(Family::MlDsa(level)), Input::Raw(m)) => {
            UnparsedPublicKey::new(level.verification(), spki)
                .verify(m, signature)
                .is_ok()
        }
        (Some(Family::MlDsa(level)), Input::Mu(mu)) => match level {
            MlDsaLevel::L44 => verify_mu::<MlDsa44>(raw, mu, signature),
            MlDsaLevel::L65 => verify_mu::<MlDsa65>(raw, mu, signature),
            MlDsaLevel::L87 => verify_mu::<MlDsa87>(raw, mu, signature),
        },
        _ => false,
    })
}

/// FIPS 204 Algorithm 3 from line 7 on, with the caller's μ.
fn verify_mu<P: MlDsaParams>(public: &[u8], mu: &[u8], signature: &[u8]) -> bool {
    let (Ok(pk), Ok(s), Ok(mu)) = (
        EncodedVerifyingKey::<P>::try_from(public),
        EncodedSignature::<P>::try_from(signature),
        Array::try_from(mu),
    ) else {
        return false;
    };
    let Some(s) = ml_dsa::Signature::<P>::decode(&s) else {
        return false;
    };
    ml_dsa::VerifyingKey::<P>::decode(&pk).verify_mu(&mu, &s)
}

/// Encapsulate with an ML-KEM key (see [`ml_kem::encapsulate`]).
pub fn encapsulate(spec: KeySpec, spki: &[u8]) -> KmsResult<(Vec<u8>, Vec<u8>)> {
    match family(spec) {
        Some(Family::MlKem(alg)) => ml_kem::encapsulate(alg, spki),
        _ => Err(internal("encapsulating with a non-ML-KEM key")),
    }
}

/// Decapsulate with an ML-KEM key (see [`ml_kem::decapsulate`]).
pub fn decapsulate(spec: KeySpec, dk: &[u8], ciphertext: &[u8]) -> KmsResult<Vec<u8>> {
    match family(spec) {
        Some(Family::MlKem(alg)) => ml_kem::decapsulate(alg, dk, ciphertext),
        _ => Err(internal("decapsulating with a non-ML-KEM key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 §7.3, "TEST abc": Ed25519ph of the message "abc" with this secret key.
    #[test]
    fn ed25519ph_matches_rfc8032_test_vector() {
        let seed = hex::decode("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
            .unwrap();
        let public =
            hex::decode("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf")
                .unwrap();
        let want = "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
                    31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406";
        let kp = Ed25519KeyPair::from_seed_and_public_key(&seed, &public).unwrap();
        let m = check_material(
            KeySpec::EccNistEdwards25519,
            kp.to_pkcs8v1().unwrap().as_ref(),
        )
        .unwrap();
        // The domain rule demands 64 bytes; the primitive underneath is checked directly.
        let sk = ed25519_dalek::SigningKey::from_pkcs8_der(&m.secret).unwrap();
        let s = sk
            .sign_prehashed(Sha512::new().chain_update(b"abc"), None)
            .unwrap();
        assert_eq!(hex::encode(s.to_bytes()), want);
        // The SPKI is RFC 8410's 44 bytes around the raw key.
        let spki = m.public_key.unwrap();
        assert_eq!(spki.len(), 44);
        assert_eq!(raw_public_key(&spki).unwrap(), public.as_slice());
    }

    #[test]
    fn ed25519_message_type_rules() {
        let spec = KeySpec::EccNistEdwards25519;
        let m = generate(spec).unwrap();
        let pk = m.public_key.clone().unwrap();
        let pure = SigningAlgorithm::Ed25519Sha512;
        let ph = SigningAlgorithm::Ed25519PhSha512;
        let s = sign(spec, &m.secret, pure, MessageType::Raw, b"m").unwrap();
        assert!(verify(spec, &pk, pure, MessageType::Raw, b"m", &s).unwrap());
        assert!(!verify(spec, &pk, pure, MessageType::Raw, b"n", &s).unwrap());
        let d = [7u8; 64];
        let s = sign(spec, &m.secret, ph, MessageType::Digest, &d).unwrap();
        assert!(verify(spec, &pk, ph, MessageType::Digest, &d, &s).unwrap());
        assert!(!verify(spec, &pk, ph, MessageType::Digest, &[8u8; 64], &s).unwrap());
        assert!(!verify(spec, &pk, ph, MessageType::Digest, &d, &s[1..]).unwrap());
        for (alg, mt) in [
            (pure, MessageType::Digest),
            (ph, MessageType::Raw),
            (pure, MessageType::ExternalMu),
        ] {
            let e = sign(spec, &m.secret, alg, mt, &d).unwrap_err();
            assert_eq!(e.code, ErrorCode::Validation);
            assert_eq!(
                e.message.unwrap(),
                format!(
                    "Message type {} is incompatible with algorithm {}.",
                    mt.as_str(),
                    alg.as_str()
                )
            );
        }
        let e = sign(spec, &m.secret, ph, MessageType::Digest, &[1u8; 32]).unwrap_err();
        assert_eq!(
            e.message.unwrap(),
            "Digest is invalid length for algorithm ED25519_PH_SHA_512."
        );
    }

    #[test]
    fn ml_dsa_raw_and_mu_signatures_verify_both_ways() {
        for spec in [KeySpec::MlDsa44, KeySpec::MlDsa65, KeySpec::MlDsa87] {
            let m = generate(spec).unwrap();
            let pk = m.public_key.clone().unwrap();
            let alg = SigningAlgorithm::MlDsaShake256;
            let s = sign(spec, &m.secret, alg, MessageType::Raw, b"m").unwrap();
            assert!(verify(spec, &pk, alg, MessageType::Raw, b"m", &s).unwrap());
            let mu = [3u8; 64];
            let s = sign(spec, &m.secret, alg, MessageType::ExternalMu, &mu).unwrap();
            assert!(verify(spec, &pk, alg, MessageType::ExternalMu, &mu, &s).unwrap());
            assert!(!verify(spec, &pk, alg, MessageType::ExternalMu, &[4u8; 64], &s).unwrap());
            let e = sign(spec, &m.secret, alg, MessageType::Digest, &mu).unwrap_err();
            assert_eq!(
                e.message.unwrap(),
                format!(
                    "Message type DIGEST is incompatible with key spec {}.",
                    spec.as_str()
                )
            );
            let e = sign(spec, &m.secret, alg, MessageType::ExternalMu, &mu[1..]).unwrap_err();
            assert_eq!(e.code, ErrorCode::Validation);
            assert_eq!(
                check_material(spec, &m.secret).unwrap().identity,
                m.identity
            );
        }
        // Keys of one level are not material for another.
        let m = generate(KeySpec::MlDsa44).unwrap();
        assert_eq!(
            check_material(KeySpec::MlDsa65, &m.secret)
                .unwrap_err()
                .code,
            ErrorCode::IncorrectKeyMaterial
        );
    }

    #[test]
    fn ml_kem_round_trip_implicit_rejection_and_lengths() {
        for (spec, ct_len, k) in [
            (KeySpec::MlKem512, 768, 2),
            (KeySpec::MlKem768, 1088, 3),
            (KeySpec::MlKem1024, 1568, 4),
        ] {
            let m = generate(spec).unwrap();
            let pk = m.public_key.clone().unwrap();
            let (ct, ss) = encapsulate(spec, &pk).unwrap();
            assert_eq!((ct.len(), ss.len()), (ct_len, SHARED_SECRET_LEN));
            assert_eq!(decapsulate(spec, &m.secret, &ct).unwrap(), ss);
            let mut bad = ct.clone();
            bad[0] ^= 1;
            let other = decapsulate(spec, &m.secret, &bad).unwrap();
            assert_eq!(other.len(), SHARED_SECRET_LEN);
            assert_ne!(other, ss);
            assert_eq!(
                decapsulate(spec, &m.secret, &ct[1..]).unwrap_err().code,
                ErrorCode::InvalidCiphertext
            );
            // A flipped byte in the embedded public key fails the H(ek) check.
            let mut dk = m.secret.clone();
            dk[384 * k] ^= 1;
            assert_eq!(
                check_material(spec, &dk).unwrap_err().code,
                ErrorCode::IncorrectKeyMaterial
            );
        }
    }
}
