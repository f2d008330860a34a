//! DeriveSharedSecret's ECDH (KA-1 … KA-3): the raw shared secret of a KEY_AGREEMENT key's
//! private key and a peer's public key.

use aws_lc_rs::agreement::{
    self, Algorithm, ParsedPublicKey, ParsedPublicKeyFormat, PrivateKey, UnparsedPublicKey,
    ECDH_P256, ECDH_P384, ECDH_P521,
};

use super::enums::KeySpec;
use crate::error::{KmsError, KmsResult};

/// The curves CreateKey allows KEY_AGREEMENT for (C-3), with their ECDH algorithm.
const CURVES: [(KeySpec, &Algorithm); 3] = [
    (KeySpec::EccNistP256, &ECDH_P256),
    (KeySpec::EccNistP384, &ECDH_P384),
    (KeySpec::EccNistP521, &ECDH_P521),
];

fn algorithm(spec: KeySpec) -> Option<&'static Algorithm> {
    CURVES.iter().find(|(s, _)| *s == spec).map(|(_, a)| *a)
}

/// The spec of the curve an X.509 SubjectPublicKeyInfo names, among the ECDH curves.
fn spki_curve(spki: &[u8]) -> Option<(KeySpec, ParsedPublicKey)> {
    CURVES.iter().find_map(|(spec, alg)| {
        let parsed = ParsedPublicKey::try_from(&UnparsedPublicKey::new(alg, spki)).ok()?;
        (parsed.format() == ParsedPublicKeyFormat::X509).then_some((*spec, parsed))
    })
}

/// KA-2: the peer's `PublicKey` must be a DER X.509 SubjectPublicKeyInfo (the model's member
/// doc) of a point on the KMS key's curve. The model says a public key that is not DER SPKI
/// (e.g. base64-encoded twice by the AWS CLI v1) gets `ValidationException`; a raw SEC1
/// point is refused the same way, though ECDH libraries accept it.
///
/// [CHOICE] A valid SPKI on another curve is a `ValidationException` too, naming both curves
/// (no AWS text or exception is documented for it).
pub fn derive(spec: KeySpec, pkcs8: &[u8], peer_spki: &[u8]) -> KmsResult<Vec<u8>> {
    let alg = algorithm(spec).ok_or_else(|| {
        KmsError::internal(format!("{} is not a key agreement spec", spec.as_str()))
    })?;
    let (peer_spec, peer) = spki_curve(peer_spki).ok_or_else(|| {
        KmsError::validation(
            "PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo of an elliptic curve public key.",
        )
    })?;
    if peer_spec != spec {
        return Err(KmsError::validation(format!(
            "The public key's curve {} does not match key spec {}.",
            peer_spec.as_str(),
            spec.as_str()
        )));
    }
    let private = PrivateKey::from_private_key_der(alg, pkcs8)
        .map_err(|_| KmsError::internal("the key's private key does not parse"))?;
    // KA-1: the raw secret (the x-coordinate of the shared point), no KDF applied.
    agreement::agree(
        &private,
        peer,
        KmsError::internal("ECDH failed"),
        |secret| Ok(secret.to_vec()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::asymmetric;
    use crate::error::ErrorCode;

    #[test]
    fn both_sides_derive_the_same_secret_on_every_curve() {
        for (spec, len) in [
            (KeySpec::EccNistP256, 32),
            (KeySpec::EccNistP384, 48),
            (KeySpec::EccNistP521, 66),
        ] {
            let a = asymmetric::generate(spec).unwrap();
            let b = asymmetric::generate(spec).unwrap();
            let ab = derive(spec, &a.secret, b.public_key.as_deref().unwrap()).unwrap();
            let ba = derive(spec, &b.secret, a.public_key.as_deref().unwrap()).unwrap();
            assert_eq!(ab, ba, "{spec:?}");
            assert_eq!(ab.len(), len, "{spec:?}");
        }
    }

    #[test]
    fn peer_keys_that_are_not_spki_on_the_curve_are_validation_errors() {
        let a = asymmetric::generate(KeySpec::EccNistP256).unwrap();
        let p384 = asymmetric::generate(KeySpec::EccNistP384).unwrap();
        let k1 = asymmetric::generate(KeySpec::EccSecgP256k1).unwrap();
        let e = derive(
            KeySpec::EccNistP256,
            &a.secret,
            p384.public_key.as_deref().unwrap(),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(
            e.message.as_deref(),
            Some("The public key's curve ECC_NIST_P384 does not match key spec ECC_NIST_P256.")
        );
        // The raw point inside the SPKI (uncompressed SEC1, the last 65 bytes) is not SPKI.
        let spki = a.public_key.clone().unwrap();
        let raw = &spki[spki.len() - 65..];
        for bad in [
            b"InvalidPublicKey".as_slice(),
            raw,
            k1.public_key.as_deref().unwrap(),
        ] {
            assert_eq!(
                derive(KeySpec::EccNistP256, &a.secret, bad)
                    .unwrap_err()
                    .code,
                ErrorCode::Validation
            );
        }
    }
}
