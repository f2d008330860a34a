//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext (DK-1 … DK-5) through the SDK,
//! each pair checked with an independent implementation: the private key (PKCS#8) is parsed
//! by RustCrypto (`rsa`, `p256`, `p384`, `p521`, `k256`, `ed25519-dalek`, `ml-kem`), its
//! public key derived there and compared with the returned SubjectPublicKeyInfo, and the
//! encrypted private key decrypted by KMS Decrypt back to the same PKCS#8 bytes.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeyPairSpec;
use aws_sdk_kms::Client;
use pkcs8::{DecodePrivateKey, EncodePublicKey};

use crate::common::*;

mod errors;
mod pairs;

/// The DER SubjectPublicKeyInfo an independent implementation derives from `pkcs8`.
fn independent_spki(spec: &DataKeyPairSpec, pkcs8: &[u8]) -> Vec<u8> {
    let der = match spec {
        DataKeyPairSpec::Rsa2048 | DataKeyPairSpec::Rsa3072 | DataKeyPairSpec::Rsa4096 => {
            let k = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8).expect("RSA PKCS#8");
            let bits = match spec {
                DataKeyPairSpec::Rsa2048 => 2048,
                DataKeyPairSpec::Rsa3072 => 3072,
                _ => 4096,
            };
            assert_eq!(rsa::traits::PublicKeyParts::n(&k).bits(), bits, "{spec:?}");
            rsa::RsaPublicKey::from(&k).to_public_key_der()
        }
        DataKeyPairSpec::EccNistP256 => p256::SecretKey::from_pkcs8_der(pkcs8)
            .expect("P-256 PKCS#8")
            .public_key()
            .to_public_key_der(),
        DataKeyPairSpec::EccNistP384 => p384::SecretKey::from_pkcs8_der(pkcs8)
            .expect("P-384 PKCS#8")
            .public_key()
            .to_public_key_der(),
        DataKeyPairSpec::EccNistP521 => p521::SecretKey::from_pkcs8_der(pkcs8)
            .expect("P-521 PKCS#8")
            .public_key()
            .to_public_key_der(),
        DataKeyPairSpec::EccSecgP256K1 => k256::SecretKey::from_pkcs8_der(pkcs8)
            .expect("secp256k1 PKCS#8")
            .public_key()
            .to_public_key_der(),
        DataKeyPairSpec::EccNistEdwards25519 => ed25519_dalek::SigningKey::from_pkcs8_der(pkcs8)
            .expect("Ed25519 PKCS#8")
            .verifying_key()
            .to_public_key_der(),
        DataKeyPairSpec::MlKem512 | DataKeyPairSpec::MlKem768 | DataKeyPairSpec::MlKem1024 => {
            return ml_kem_spki(spec, pkcs8)
        }
        other => panic!("no independent check for {other:?}"),
    };
    der.expect("SPKI encoding").as_bytes().to_vec()
}

/// ML-KEM (FIPS 203): the PKCS#8 holds the 64-byte seed `d ‖ z` (the model: "the private key
/// in seed format"), as the `[0]` choice of draft-ietf-lamps-kyber-certificates. RustCrypto
/// `ml-kem` expands the seed; the SPKI is built from its encapsulation key under the
/// spec's OID (NIST CSOR 2.16.840.1.101.3.4.4.{1,2,3}, no parameters).
fn ml_kem_spki(spec: &DataKeyPairSpec, pkcs8: &[u8]) -> Vec<u8> {
    use ml_kem::{DecapsulationKey, KeyExport, MlKem1024, MlKem512, MlKem768, Seed};
    let info = pkcs8::PrivateKeyInfo::try_from(pkcs8).expect("ML-KEM PKCS#8");
    /// The 64-byte seed → the encapsulation key's bytes (FIPS 203 ML-KEM.KeyGen_internal).
    type Expand = fn(Seed) -> Vec<u8>;
    let (oid, ek): (&str, Expand) = match spec {
        DataKeyPairSpec::MlKem512 => ("2.16.840.1.101.3.4.4.1", |s| {
            DecapsulationKey::<MlKem512>::from_seed(s)
                .encapsulation_key()
                .to_bytes()
                .to_vec()
        }),
        DataKeyPairSpec::MlKem768 => ("2.16.840.1.101.3.4.4.2", |s| {
            DecapsulationKey::<MlKem768>::from_seed(s)
                .encapsulation_key()
                .to_bytes()
                .to_vec()
        }),
        _ => ("2.16.840.1.101.3.4.4.3", |s| {
            DecapsulationKey::<MlKem1024>::from_seed(s)
                .encapsulation_key()
                .to_bytes()
                .to_vec()
        }),
    };
    assert_eq!(info.algorithm.oid.to_string(), oid, "{spec:?}");
    assert!(
        info.algorithm.parameters.is_none(),
        "{spec:?}: no parameters"
    );
    let seed = match info.private_key {
        [0x80, 0x40, seed @ ..] if seed.len() == 64 => seed,
        other => panic!("{spec:?}: not the seed form: {} bytes", other.len()),
    };
    let seed = Seed::try_from(seed).expect("64-byte seed");
    let ek = ek(seed);
    aws_lc_encapsulates_to_the_seed(spec, seed, &ek);
    let spki = spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: oid.parse().expect("OID"),
            parameters: None,
        },
        subject_public_key: spki::der::asn1::BitString::from_bytes(&ek).expect("bit string"),
    };
    spki::der::Encode::to_der(&spki).expect("SPKI DER")
}

/// The server expands ML-KEM seeds with RustCrypto `ml-kem`, as this test does, so the pair is
/// also checked across implementations: aws-lc-rs encapsulates to the public key and the
/// secret key made from the seed decapsulates to the same shared secret.
fn aws_lc_encapsulates_to_the_seed(spec: &DataKeyPairSpec, seed: ml_kem::Seed, ek: &[u8]) {
    use aws_lc_rs::kem;
    use ml_kem::{Decapsulate, DecapsulationKey, MlKem1024, MlKem512, MlKem768};
    let alg = match spec {
        DataKeyPairSpec::MlKem512 => &kem::ML_KEM_512,
        DataKeyPairSpec::MlKem768 => &kem::ML_KEM_768,
        _ => &kem::ML_KEM_1024,
    };
    let (ct, ss) = kem::EncapsulationKey::new(alg, ek)
        .expect("aws-lc-rs reads the public key")
        .encapsulate()
        .expect("encapsulate");
    let ct = ct.as_ref();
    macro_rules! decap {
        ($p:ty) => {
            DecapsulationKey::<$p>::from_seed(seed)
                .decapsulate(&ct.try_into().expect("ciphertext length"))
                .to_vec()
        };
    }
    let ours = match spec {
        DataKeyPairSpec::MlKem512 => decap!(MlKem512),
        DataKeyPairSpec::MlKem768 => decap!(MlKem768),
        _ => decap!(MlKem1024),
    };
    assert_eq!(ours, ss.as_ref(), "{spec:?}: shared secrets agree");
}

/// GenerateDataKeyPair under `key` with an encryption context, checked end to end: the
/// response members, the private/public match (independently), and Decrypt of the encrypted
/// private key (same context) giving the PKCS#8 bytes back.
async fn check_pair(c: &Client, key: &str, key_arn: &str, spec: DataKeyPairSpec) {
    let out = c
        .generate_data_key_pair()
        .key_id(key)
        .key_pair_spec(spec.clone())
        .encryption_context("purpose", "dkp")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GenerateDataKeyPair {spec:?}: {e:?}"));
    assert_eq!(out.key_id(), Some(key_arn));
    assert_eq!(out.key_pair_spec(), Some(&spec));
    assert_eq!(
        out.key_material_id(),
        Some(current_material(c, key).await.as_str()),
        "{spec:?}: KeyMaterialId is the CURRENT material (E-4)"
    );
    let private = out.private_key_plaintext().expect("PrivateKeyPlaintext");
    let public = out.public_key().expect("PublicKey");
    assert_eq!(
        independent_spki(&spec, private.as_ref()),
        public.as_ref(),
        "{spec:?}: the public key is the private key's"
    );
    let dec = c
        .decrypt()
        .ciphertext_blob(out.private_key_ciphertext_blob().expect("blob").clone())
        .encryption_context("purpose", "dkp")
        .send()
        .await
        .expect("Decrypt of PrivateKeyCiphertextBlob");
    assert_eq!(dec.plaintext().map(Blob::as_ref), Some(private.as_ref()));
    assert_eq!(dec.key_id(), Some(key_arn));

    // WithoutPlaintext: a fresh pair whose private key only Decrypt reveals.
    let out = c
        .generate_data_key_pair_without_plaintext()
        .key_id(key)
        .key_pair_spec(spec.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("WithoutPlaintext {spec:?}: {e:?}"));
    assert_eq!(out.key_id(), Some(key_arn));
    assert_eq!(out.key_pair_spec(), Some(&spec));
    let private = c
        .decrypt()
        .ciphertext_blob(out.private_key_ciphertext_blob().expect("blob").clone())
        .send()
        .await
        .expect("Decrypt")
        .plaintext()
        .expect("Plaintext")
        .as_ref()
        .to_vec();
    assert_eq!(
        independent_spki(&spec, &private),
        out.public_key().expect("PublicKey").as_ref(),
        "{spec:?} (WithoutPlaintext)"
    );
}
