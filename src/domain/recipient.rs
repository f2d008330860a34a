//! `Recipient` (Nitro Enclaves / NitroTPM cryptographic attestation): the public key an
//! attestation document carries, and `CiphertextForRecipient`, the CMS EnvelopedData (RFC 5652)
//! that KMS returns instead of a plaintext.
//!
//! The operations that take `Recipient` (Decrypt, GenerateDataKey, GenerateRandom,
//! GenerateDataKeyPair, DeriveSharedSecret) return the plaintext "encrypted with the public key
//! from the attestation document" and leave the plaintext member out (model docs of
//! `Recipient` / `CiphertextForRecipient`).
//!
//! [CHOICE] The document's signature and certificate chain are **not verified**. AWS checks the
//! COSE_Sign1 signature against the AWS Nitro root before it trusts the key; a local simulator
//! cannot be handed documents signed by that root, so requiring it would make `Recipient`
//! untestable. Only the structure is checked: CBOR COSE_Sign1 (tagged or untagged), a payload
//! that is a CBOR map, and in it a `public_key` that is a usable RSA key. The other members of
//! the Nitro format (`module_id`, `digest`, `timestamp`, `pcrs`, `certificate`, `cabundle`,
//! `user_data`, `nonce`) are neither required nor read: nothing in the simulator uses them
//! (no key-policy condition keys such as `kms:RecipientAttestation:ImageSha384` yet).
//!
//! The envelope's shape follows what AWS KMS sends and what the AWS Nitro Enclaves SDK's
//! parser (`aws_cms_parse_enveloped_data`) insists on: EnvelopedData version 2, one
//! KeyTransRecipientInfo version 2 naming the key by `subjectKeyIdentifier`, key transport
//! RSAES-OAEP with SHA-256 and MGF1-SHA-256, content AES-256-CBC with PKCS#7 padding and the
//! IV as the algorithm parameter. The outer constructed layers use BER indefinite lengths, as
//! AWS's responses do; that SDK's parser reads those layers header by header and cannot read a
//! definite-length (DER) outer layer. Everything inside them is DER.

use aws_lc_rs::cipher::{PaddedBlockEncryptingKey, UnboundCipherKey, AES_256};
use aws_lc_rs::digest;
use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA256_MGF1SHA256};
use cms::cert::x509::ext::pkix::SubjectKeyIdentifier;
use cms::cert::x509::spki::AlgorithmIdentifierOwned;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo, RecipientInfos,
};
use der::asn1::{Null, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Encode, Sequence};

use super::material::random_bytes;
use crate::error::{KmsError, KmsResult};

/// Why an attestation document cannot serve as a `Recipient`. Each variant is one rule, so
/// tests can say which one a document broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationError {
    /// The document is not CBOR, or not a COSE_Sign1 structure (RFC 9052 §4.2).
    NotCoseSign1,
    /// The COSE_Sign1 payload is detached (nil); an attestation document carries its payload.
    NoPayload,
    /// The payload is not a CBOR map.
    PayloadNotMap,
    /// The payload has no `public_key`, or it is null or not a byte string.
    NoPublicKey,
    /// `public_key` is not a DER SubjectPublicKeyInfo of an RSA key of 2048 to 4096 bits.
    UnusablePublicKey,
}

impl AttestationError {
    /// The `ValidationException` message.
    ///
    /// [CHOICE] AWS's wording for these failures is not documented; each message names the
    /// document and the rule it broke.
    pub fn message(&self) -> &'static str {
        match self {
            Self::NotCoseSign1 => {
                "The attestation document in the Recipient parameter is not a valid CBOR-encoded COSE_Sign1 structure."
            }
            Self::NoPayload => {
                "The attestation document in the Recipient parameter has no payload."
            }
            Self::PayloadNotMap => {
                "The payload of the attestation document in the Recipient parameter is not a CBOR map."
            }
            Self::NoPublicKey => {
                "The attestation document in the Recipient parameter does not include a public key."
            }
            Self::UnusablePublicKey => {
                "The public key in the attestation document must be a DER-encoded SubjectPublicKeyInfo of an RSA key of 2048 to 4096 bits."
            }
        }
    }
}

impl AttestationError {
    /// [CHOICE] A document that cannot serve → `ValidationException`. The operations'
    /// modelled errors have nothing closer (`InvalidCiphertextException` is about
    /// `CiphertextBlob`), and a malformed request member is a validation failure everywhere
    /// else in KMS. (A method, not `From`: a second `From` into `KmsError` would make `?` in
    /// untyped closures elsewhere ambiguous.)
    pub fn to_kms_error(&self) -> KmsError {
        KmsError::validation(self.message())
    }
}

/// Smallest and largest recipient RSA key. [CHOICE] The Nitro Enclaves SDK documents an
/// RSA-2048 key and generates 2048, 3072 or 4096-bit keys; KMS's own RSA specs stop at 4096.
const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 4096;

/// The recipient named by an attestation document: its RSA public key, ready to encrypt.
pub struct RecipientKey {
    key: OaepPublicEncryptingKey,
    /// `subjectKeyIdentifier` for the KeyTransRecipientInfo. [CHOICE] AWS sends a 32-byte
    /// identifier without saying how it is derived; this is SHA-256 of the SubjectPublicKeyInfo.
    key_id: Vec<u8>,
}

impl std::fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecipientKey(RSA-{})", self.key.key_size_bits())
    }
}

impl RecipientKey {
    /// Reads the recipient's public key from an attestation document (COSE_Sign1 whose payload
    /// is a CBOR map with `public_key`). The signature is not checked (module docs).
    pub fn from_attestation_document(doc: &[u8]) -> Result<Self, AttestationError> {
        Self::from_spki(&public_key_of(doc)?)
    }

    /// An RSA public key (DER SubjectPublicKeyInfo) of 2048 to 4096 bits.
    pub fn from_spki(spki: &[u8]) -> Result<Self, AttestationError> {
        let pk =
            PublicEncryptingKey::from_der(spki).map_err(|_| AttestationError::UnusablePublicKey)?;
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&pk.key_size_bits()) {
            return Err(AttestationError::UnusablePublicKey);
        }
        let key =
            OaepPublicEncryptingKey::new(pk).map_err(|_| AttestationError::UnusablePublicKey)?;
        let key_id = digest::digest(&digest::SHA256, spki).as_ref().to_vec();
        Ok(RecipientKey { key, key_id })
    }

    /// `CiphertextForRecipient`: `plaintext` in a CMS EnvelopedData for this key (module docs
    /// give the shape). A fresh AES-256 content key and IV per call.
    pub fn seal(&self, plaintext: &[u8]) -> KmsResult<Vec<u8>> {
        let fail = |what: &str| KmsError::internal(format!("CiphertextForRecipient: {what}"));
        let cek = random_bytes(32)?;

        // The content: AES-256-CBC, PKCS#7 padding, random IV.
        let aes = UnboundCipherKey::new(&AES_256, &cek)
            .and_then(PaddedBlockEncryptingKey::cbc_pkcs7)
            .map_err(|_| fail("AES key"))?;
        let mut content = plaintext.to_vec();
        let ctx = aes.encrypt(&mut content).map_err(|_| fail("AES-CBC"))?;
        let iv: &[u8] = (&ctx).try_into().map_err(|_| fail("IV"))?;

        // The content key, RSAES-OAEP-SHA-256 to the recipient.
        let mut enc_key = vec![0u8; self.key.ciphertext_size()];
        let n = self
            .key
            .encrypt(&OAEP_SHA256_MGF1SHA256, &cek, &mut enc_key, None)
            .map_err(|_| fail("RSA-OAEP"))?
            .len();
        enc_key.truncate(n);

        let der_fail = |_| fail("DER encoding");
        let ktri = KeyTransRecipientInfo {
            version: CmsVersion::V2,
            rid: RecipientIdentifier::SubjectKeyIdentifier(SubjectKeyIdentifier(
                OctetString::new(self.key_id.clone()).map_err(der_fail)?,
            )),
            key_enc_alg: rsaes_oaep_sha256().map_err(der_fail)?,
            enc_key: OctetString::new(enc_key).map_err(der_fail)?,
        };
        let recipients =
            RecipientInfos(SetOfVec::try_from(vec![RecipientInfo::Ktri(ktri)]).map_err(der_fail)?);
        let content_alg = AlgorithmIdentifierOwned {
            oid: AES_256_CBC,
            parameters: Some(
                Any::encode_from(&OctetString::new(iv).map_err(der_fail)?).map_err(der_fail)?,
            ),
        };

        // ContentInfo { envelopedData, [0] EnvelopedData { 2, recipients,
        //   EncryptedContentInfo { data, aes256-CBC(iv), [0] { OCTET STRING ciphertext } } } }
        let encrypted_content = indefinite(
            0xA0,
            &[OctetString::new(content)
                .map_err(der_fail)?
                .to_der()
                .map_err(der_fail)?],
        );
        let encrypted_content_info = indefinite(
            0x30,
            &[
                ID_DATA.to_der().map_err(der_fail)?,
                content_alg.to_der().map_err(der_fail)?,
                encrypted_content,
            ],
        );
        let enveloped_data = indefinite(
            0x30,
            &[
                CmsVersion::V2.to_der().map_err(der_fail)?,
                recipients.to_der().map_err(der_fail)?,
                encrypted_content_info,
            ],
        );
        Ok(indefinite(
            0x30,
            &[
                ID_ENVELOPED_DATA.to_der().map_err(der_fail)?,
                indefinite(0xA0, &[enveloped_data]),
            ],
        ))
    }
}

/// `id-envelopedData` (RFC 5652 §6.1).
const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// `id-data` (RFC 5652 §4).
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// `id-aes256-CBC` (RFC 3565 §4.1).
const AES_256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
/// `id-RSAES-OAEP` (RFC 8017 appendix A.2.1).
const ID_RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
/// `id-mgf1` (RFC 8017 appendix B.2.1).
const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
/// `id-sha256` (RFC 8017 appendix A.2.1).
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

/// `RSAES-OAEP-params` (RFC 8017 appendix A.2.1) with the label source left at its default
/// (empty), as AWS sends it.
#[derive(Sequence)]
struct RsaesOaepParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen: AlgorithmIdentifierOwned,
}

/// The KeyTransRecipientInfo's `keyEncryptionAlgorithm`: RSAES-OAEP, SHA-256, MGF1-SHA-256.
fn rsaes_oaep_sha256() -> der::Result<AlgorithmIdentifierOwned> {
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: Some(Any::from(Null)),
    };
    let params = RsaesOaepParams {
        hash: sha256.clone(),
        mask_gen: AlgorithmIdentifierOwned {
            oid: ID_MGF1,
            parameters: Some(Any::encode_from(&sha256)?),
        },
    };
    Ok(AlgorithmIdentifierOwned {
        oid: ID_RSAES_OAEP,
        parameters: Some(Any::encode_from(&params)?),
    })
}

/// A BER constructed element of indefinite length: `tag 0x80 parts… 00 00` (X.690 §8.1.3.6).
fn indefinite(tag: u8, parts: &[Vec<u8>]) -> Vec<u8> {
    let len = parts.iter().map(Vec::len).sum::<usize>() + 4;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&[tag, 0x80]);
    for p in parts {
        out.extend_from_slice(p);
    }
    out.extend_from_slice(&[0, 0]);
    out
}

/// The `public_key` byte string of an attestation document.
fn public_key_of(doc: &[u8]) -> Result<Vec<u8>, AttestationError> {
    use ciborium::Value;
    use coset::{CborSerializable, CoseSign1, TaggedCborSerializable};

    // [CHOICE] Nitro's NSM returns an untagged COSE_Sign1; the tagged form (CBOR tag 18) is
    // accepted as well, since RFC 9052 allows either.
    let sign1 = CoseSign1::from_slice(doc)
        .or_else(|_| CoseSign1::from_tagged_slice(doc))
        .map_err(|_| AttestationError::NotCoseSign1)?;
    let payload = sign1.payload.ok_or(AttestationError::NoPayload)?;
    // ciborium bounds nesting depth, so a hostile payload cannot exhaust the stack.
    let map = match ciborium::from_reader::<Value, _>(payload.as_slice()) {
        Ok(Value::Map(m)) => m,
        _ => return Err(AttestationError::PayloadNotMap),
    };
    map.into_iter()
        .find(|(k, _)| k.as_text() == Some("public_key"))
        .and_then(|(_, v)| v.into_bytes().ok())
        .ok_or(AttestationError::NoPublicKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::cipher::{DecryptionContext, PaddedBlockDecryptingKey};
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{KeySize, OaepPrivateDecryptingKey, PrivateDecryptingKey};
    use ciborium::Value;
    use cms::content_info::ContentInfo;
    use cms::enveloped_data::EnvelopedData;
    use coset::{CborSerializable, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
    use der::Decode;
    use std::sync::OnceLock;

    /// One enclave key pair for the whole test binary (generation is the slow part).
    fn enclave() -> &'static PrivateDecryptingKey {
        static KEY: OnceLock<PrivateDecryptingKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateDecryptingKey::generate(KeySize::Rsa2048).expect("keygen"))
    }

    fn spki() -> Vec<u8> {
        enclave()
            .public_key()
            .as_der()
            .expect("spki")
            .as_ref()
            .to_vec()
    }

    fn payload(entries: Vec<(&str, Value)>) -> Vec<u8> {
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

    fn sign1(payload: Option<Vec<u8>>) -> coset::CoseSign1 {
        let mut b = CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new()
                    .algorithm(coset::iana::Algorithm::ES384)
                    .build(),
            )
            .signature(vec![0u8; 96]);
        if let Some(p) = payload {
            b = b.payload(p);
        }
        b.build()
    }

    fn document(public_key: Value) -> Vec<u8> {
        let p = payload(vec![
            ("module_id", Value::Text("i-0-enc0".into())),
            ("digest", Value::Text("SHA384".into())),
            ("timestamp", Value::Integer(1_700_000_000_000u64.into())),
            ("public_key", public_key),
            ("nonce", Value::Null),
        ]);
        sign1(Some(p)).to_vec().expect("cose")
    }

    /// Opens an envelope the way the enclave does: parse, RSA-OAEP-SHA-256, AES-256-CBC.
    /// The outer layers are indefinite-length BER, which the `der` crate refuses, so they are
    /// re-framed first.
    fn open(envelope: &[u8]) -> Vec<u8> {
        let der = ber_to_der(envelope);
        let ci = ContentInfo::from_der(&der).expect("ContentInfo");
        assert_eq!(ci.content_type, ID_ENVELOPED_DATA);
        let ed: EnvelopedData = ci.content.decode_as().expect("EnvelopedData");
        assert_eq!(ed.version, CmsVersion::V2);
        assert_eq!(ed.recip_infos.0.len(), 1);
        let RecipientInfo::Ktri(ktri) = ed.recip_infos.0.get(0).expect("one").clone() else {
            panic!("not a KeyTransRecipientInfo")
        };
        assert_eq!(ktri.version, CmsVersion::V2);
        assert_eq!(ktri.key_enc_alg, rsaes_oaep_sha256().expect("alg"));
        let oaep = OaepPrivateDecryptingKey::new(enclave().clone()).expect("oaep");
        let mut cek = vec![0u8; oaep.min_output_size()];
        let cek = oaep
            .decrypt(
                &OAEP_SHA256_MGF1SHA256,
                ktri.enc_key.as_bytes(),
                &mut cek,
                None,
            )
            .expect("unwrap CEK")
            .to_vec();
        let eci = ed.encrypted_content;
        assert_eq!(eci.content_type, ID_DATA);
        assert_eq!(eci.content_enc_alg.oid, AES_256_CBC);
        let iv: OctetString = eci
            .content_enc_alg
            .parameters
            .expect("iv")
            .decode_as()
            .expect("iv octets");
        let iv: [u8; 16] = iv.as_bytes().try_into().expect("16-byte IV");
        let key = PaddedBlockDecryptingKey::cbc_pkcs7(
            UnboundCipherKey::new(&AES_256, &cek).expect("aes"),
        )
        .expect("cbc");
        let mut buf = eci.encrypted_content.expect("content").as_bytes().to_vec();
        key.decrypt(&mut buf, DecryptionContext::Iv128(iv.into()))
            .expect("AES-CBC")
            .to_vec()
    }

    /// Rewrites indefinite-length constructed elements as definite ones; a constructed
    /// `[0]` holding OCTET STRING chunks becomes the primitive `[0]` DER requires.
    fn ber_to_der(ber: &[u8]) -> Vec<u8> {
        fn element(b: &[u8]) -> (Vec<u8>, usize) {
            let tag = b[0];
            if b[1] != 0x80 {
                let (len, hdr) = match b[1] {
                    n if n < 0x80 => (n as usize, 2),
                    0x81 => (b[2] as usize, 3),
                    0x82 => (((b[2] as usize) << 8) | b[3] as usize, 4),
                    _ => panic!("long length"),
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
            let (tag, body) = if tag == 0xA0 && children.iter().all(|c| c[0] == 0x04) {
                let mut octets = Vec::new();
                for c in &children {
                    octets.extend_from_slice(OctetString::from_der(c).expect("chunk").as_bytes());
                }
                (0x80, octets)
            } else {
                (tag, children.concat())
            };
            let mut out = vec![tag];
            match body.len() {
                n if n < 0x80 => out.push(n as u8),
                n if n < 0x100 => out.extend_from_slice(&[0x81, n as u8]),
                n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
            }
            out.extend_from_slice(&body);
            (out, pos + 2)
        }
        let (out, n) = element(ber);
        assert_eq!(n, ber.len(), "trailing bytes");
        out
    }

    #[test]
    fn envelope_opens_with_the_enclave_key() {
        let r = RecipientKey::from_attestation_document(&document(Value::Bytes(spki())))
            .expect("recipient");
        for plain in [&b""[..], b"x", &[7u8; 16], &[9u8; 32], &[1u8; 4096]] {
            assert_eq!(open(&r.seal(plain).expect("seal")), plain);
        }
    }

    #[test]
    fn envelope_has_the_aws_framing_the_nitro_sdk_reads() {
        let r = RecipientKey::from_spki(&spki()).expect("recipient");
        let env = r.seal(b"secret").expect("seal");
        // ContentInfo (indefinite), envelopedData OID, [0] (indefinite), EnvelopedData
        // (indefinite), version 2, then the RecipientInfos SET.
        let oid = ID_ENVELOPED_DATA.to_der().expect("oid");
        assert_eq!(&env[..2], &[0x30, 0x80]);
        assert_eq!(&env[2..2 + oid.len()], oid.as_slice());
        let rest = &env[2 + oid.len()..];
        assert_eq!(&rest[..7], &[0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x02]);
        assert_eq!(rest[7], 0x31);
        // Five indefinite layers close at the end.
        assert_eq!(&env[env.len() - 10..], &[0u8; 10]);
        // The recipient is named by a 32-byte subjectKeyIdentifier: [0] IMPLICIT, version 2.
        let ed = ber_to_der(&env);
        let ci = ContentInfo::from_der(&ed).expect("ci");
        let ed: EnvelopedData = ci.content.decode_as().expect("ed");
        let RecipientInfo::Ktri(k) = ed.recip_infos.0.get(0).expect("one").clone() else {
            panic!("ktri")
        };
        let RecipientIdentifier::SubjectKeyIdentifier(ski) = k.rid else {
            panic!("rid is not a subjectKeyIdentifier")
        };
        assert_eq!(ski.0.as_bytes().len(), 32);
    }

    #[test]
    fn each_envelope_has_a_fresh_content_key_and_iv() {
        let r = RecipientKey::from_spki(&spki()).expect("recipient");
        assert_ne!(r.seal(b"same").expect("a"), r.seal(b"same").expect("b"));
    }

    #[test]
    fn tagged_cose_sign1_is_accepted() {
        let p = payload(vec![("public_key", Value::Bytes(spki()))]);
        let doc = sign1(Some(p)).to_tagged_vec().expect("tagged");
        assert!(RecipientKey::from_attestation_document(&doc).is_ok());
    }

    #[test]
    fn document_that_is_not_cose_sign1_is_refused() {
        for doc in [
            &b"not cbor at all \xff"[..],
            &[0xA0][..],               // an empty CBOR map
            &[0x83, 0x40, 0xA0, 0xF6], // a 3-element array
            &[],
        ] {
            assert_eq!(
                RecipientKey::from_attestation_document(doc).unwrap_err(),
                AttestationError::NotCoseSign1
            );
        }
    }

    #[test]
    fn detached_payload_is_refused() {
        let doc = sign1(None).to_vec().expect("cose");
        assert_eq!(
            RecipientKey::from_attestation_document(&doc).unwrap_err(),
            AttestationError::NoPayload
        );
    }

    #[test]
    fn payload_that_is_not_a_map_is_refused() {
        let mut p = Vec::new();
        ciborium::into_writer(&Value::Array(vec![]), &mut p).expect("cbor");
        for p in [p, b"\xff\xff".to_vec()] {
            let doc = sign1(Some(p)).to_vec().expect("cose");
            assert_eq!(
                RecipientKey::from_attestation_document(&doc).unwrap_err(),
                AttestationError::PayloadNotMap
            );
        }
    }

    #[test]
    fn document_without_a_public_key_is_refused() {
        for doc in [
            sign1(Some(payload(vec![("module_id", Value::Text("m".into()))])))
                .to_vec()
                .expect("cose"),
            document(Value::Null),
            document(Value::Text("MIIBIjAN".into())),
        ] {
            assert_eq!(
                RecipientKey::from_attestation_document(&doc).unwrap_err(),
                AttestationError::NoPublicKey
            );
        }
    }

    #[test]
    fn public_key_that_is_not_usable_rsa_is_refused() {
        let ec = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        )
        .expect("ec");
        let ec_spki = aws_lc_rs::signature::KeyPair::public_key(&ec)
            .as_der()
            .expect("ec spki")
            .as_ref()
            .to_vec();
        for key in [ec_spki, b"junk".to_vec(), spki()[..100].to_vec()] {
            assert_eq!(
                RecipientKey::from_attestation_document(&document(Value::Bytes(key))).unwrap_err(),
                AttestationError::UnusablePublicKey
            );
        }
    }

    #[test]
    fn errors_are_validation_exceptions() {
        let e = AttestationError::NoPublicKey.to_kms_error();
        assert_eq!(e.code, crate::error::ErrorCode::Validation);
        assert_eq!(
            e.message.as_deref(),
            Some(AttestationError::NoPublicKey.message())
        );
    }
}
