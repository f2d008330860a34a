//! `Recipient` (Nitro Enclaves attestation) on Decrypt, GenerateDataKey and GenerateRandom
//! through the SDK over real HTTP. The test plays the enclave: it makes its own RSA key pair,
//! wraps the public key in an attestation document (COSE_Sign1, dummy signature), and opens
//! `CiphertextForRecipient` on its own with RustCrypto (`cms`, `rsa`, `aes` + `cbc`), sharing
//! no code with the server.

use std::sync::OnceLock;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyEncryptionMechanism, RecipientInfo};
use ciborium::Value;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{EnvelopedData, RecipientIdentifier, RecipientInfo as CmsRecipient};
use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::RsaPrivateKey;

mod pairs_and_agreement;
mod refusals;
mod round_trip;

/// The enclave's key pair, made once per test binary. aws-lc-rs generates it (the `rsa` crate
/// takes seconds in a debug build); everything after that is the `rsa` crate.
fn enclave() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        use aws_lc_rs::encoding::AsDer;
        let k = aws_lc_rs::rsa::PrivateDecryptingKey::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .expect("generate");
        RsaPrivateKey::from_pkcs8_der(k.as_der().expect("pkcs8").as_ref()).expect("rsa key")
    })
}

/// The enclave's public key as DER SubjectPublicKeyInfo.
fn enclave_spki() -> Vec<u8> {
    enclave()
        .to_public_key()
        .to_public_key_der()
        .expect("spki")
        .as_bytes()
        .to_vec()
}

/// A CBOR map with text keys.
fn cbor_map(entries: Vec<(&str, Value)>) -> Vec<u8> {
    let map = Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.into()), v))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::into_writer(&map, &mut out).expect("cbor");
    out
}

/// An untagged COSE_Sign1 (as the Nitro Secure Module returns) around `payload`, signed with
/// nothing: 96 zero bytes where the ES384 signature goes.
fn cose_sign1(payload: Vec<u8>) -> Vec<u8> {
    CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(coset::iana::Algorithm::ES384)
                .build(),
        )
        .payload(payload)
        .signature(vec![0u8; 96])
        .build()
        .to_vec()
        .expect("cose")
}

/// A Nitro-format attestation document carrying `public_key`.
fn attestation_document(public_key: Value) -> Vec<u8> {
    let pcrs = Value::Map(
        (0..3)
            .map(|i| (Value::Integer(i.into()), Value::Bytes(vec![0u8; 48])))
            .collect(),
    );
    cose_sign1(cbor_map(vec![
        (
            "module_id",
            Value::Text("i-0123456789abcdef0-enc0123456789abcdef".into()),
        ),
        ("digest", Value::Text("SHA384".into())),
        ("timestamp", Value::Integer(1_700_000_000_000u64.into())),
        ("pcrs", pcrs),
        ("certificate", Value::Bytes(vec![0x30, 0x00])),
        (
            "cabundle",
            Value::Array(vec![Value::Bytes(vec![0x30, 0x00])]),
        ),
        ("public_key", public_key),
        ("user_data", Value::Null),
        ("nonce", Value::Null),
    ]))
}

/// `Recipient` for the enclave's key.
fn recipient() -> RecipientInfo {
    recipient_with(attestation_document(Value::Bytes(enclave_spki())))
}

/// `Recipient` with this document and RSAES_OAEP_SHA_256.
fn recipient_with(doc: Vec<u8>) -> RecipientInfo {
    RecipientInfo::builder()
        .attestation_document(Blob::new(doc))
        .key_encryption_algorithm(KeyEncryptionMechanism::RsaesOaepSha256)
        .build()
}

const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
const ID_AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");

/// Opens `CiphertextForRecipient` as the enclave would: CMS EnvelopedData, one
/// KeyTransRecipientInfo (RSAES-OAEP SHA-256) for the enclave's key, AES-256-CBC content.
fn open(envelope: &[u8]) -> Vec<u8> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, KeyIvInit};

    // AWS frames the outer layers with indefinite lengths (BER); `der` reads DER only.
    assert_eq!(
        &envelope[..2],
        &[0x30, 0x80],
        "indefinite-length ContentInfo"
    );
    let der = ber_to_der(envelope);
    let ci = ContentInfo::from_der(&der).expect("ContentInfo");
    assert_eq!(ci.content_type, ID_ENVELOPED_DATA);
    let ed: EnvelopedData = ci.content.decode_as().expect("EnvelopedData");
    assert_eq!(ed.version, CmsVersion::V2);
    assert_eq!(ed.recip_infos.0.len(), 1, "one recipient");
    let CmsRecipient::Ktri(ktri) = ed.recip_infos.0.get(0).expect("recipient").clone() else {
        panic!("not a KeyTransRecipientInfo");
    };
    assert_eq!(ktri.version, CmsVersion::V2);
    assert!(matches!(
        ktri.rid,
        RecipientIdentifier::SubjectKeyIdentifier(_)
    ));
    assert_eq!(ktri.key_enc_alg.oid, ID_RSAES_OAEP);
    let cek = enclave()
        .decrypt(rsa::Oaep::new::<sha2::Sha256>(), ktri.enc_key.as_bytes())
        .expect("RSAES-OAEP-SHA256 unwrap of the content key");
    assert_eq!(cek.len(), 32, "AES-256 content key");

    let eci = ed.encrypted_content;
    assert_eq!(eci.content_type, ID_DATA);
    assert_eq!(eci.content_enc_alg.oid, ID_AES256_CBC);
    let iv: OctetString = eci
        .content_enc_alg
        .parameters
        .expect("IV parameter")
        .decode_as()
        .expect("IV");
    let mut buf = eci.encrypted_content.expect("content").as_bytes().to_vec();
    cbc::Decryptor::<aes::Aes256>::new_from_slices(&cek, iv.as_bytes())
        .expect("key/iv sizes")
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .expect("AES-256-CBC")
        .to_vec()
}

/// Re-frames indefinite-length constructed elements with definite lengths; a constructed
/// `[0]` of OCTET STRING chunks (BER `encryptedContent`) becomes DER's primitive `[0]`.
fn ber_to_der(ber: &[u8]) -> Vec<u8> {
    fn element(b: &[u8]) -> (Vec<u8>, usize) {
        if b[1] != 0x80 {
            let (len, hdr) = match b[1] {
                n if n < 0x80 => (n as usize, 2),
                0x81 => (b[2] as usize, 3),
                0x82 => (((b[2] as usize) << 8) | b[3] as usize, 4),
                n => panic!("length form {n:#x}"),
            };
            return (b[..hdr + len].to_vec(), hdr + len);
        }
        let mut pos = 2;
        let mut children = Vec::new();
        while b[pos..pos + 2] != [0, 0] {
            let (c, n) = element(&b[pos..]);
            children.push(c);
            pos += n;
        }
        let (tag, body) = if b[0] == 0xA0 && children.iter().all(|c| c[0] == 0x04) {
            let mut octets = Vec::new();
            for c in &children {
                octets.extend_from_slice(OctetString::from_der(c).expect("chunk").as_bytes());
            }
            (0x80, octets)
        } else {
            (b[0], children.concat())
        };
        let mut out = vec![tag];
        der::Length::try_from(body.len())
            .expect("length")
            .encode_to_vec(&mut out)
            .expect("encode length");
        out.extend_from_slice(&body);
        (out, pos + 2)
    }
    let (out, n) = element(ber);
    assert_eq!(n, ber.len(), "bytes after the ContentInfo");
    out
}
