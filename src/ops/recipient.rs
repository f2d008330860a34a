//! The `Recipient` request member shared by Decrypt, GenerateDataKey, GenerateRandom,
//! GenerateDataKeyPair and DeriveSharedSecret, and the swap of a plaintext for
//! `CiphertextForRecipient` (the rules themselves are in [`crate::domain::recipient`]).
//!
//! The model's constraints on the member (`AttestationDocument` 1..262144 bytes,
//! `KeyEncryptionAlgorithm` in `[RSAES_OAEP_SHA_256]`) are checked by the generated decoder
//! (`protocol::requests::RecipientInfo`). A handler whose request has `recipient`:
//! 1. calls [`parse`] first, before it resolves the key,
//! 2. calls [`deliver`] (or [`seal`]) on the plaintext it would have returned.
//!
//! [CHOICE] The document is judged before the key is looked up or DryRun is honoured: AWS
//! reads the attestation document to authorize the request (its `kms:RecipientAttestation:*`
//! condition keys), and authorization comes before key state.
//!
//! The RSA public-key operation costs tens of microseconds, so these operations stay on the
//! executor (`Placement::Inline`).

use crate::domain::recipient::RecipientKey as DomainKey;
use crate::error::KmsResult;
use crate::protocol::requests::RecipientInfo;
use crate::protocol::types::Blob;
use crate::protocol::validate::{Path, Validator};

/// The recipient's key, ready to seal a plaintext (re-exported for handlers' signatures).
pub type RecipientKey = DomainKey;

/// The recipient's key, or `None` when the request has no `Recipient`.
///
/// [CHOICE] Both members are required when `Recipient` is present, although the model marks
/// neither: AWS's Nitro Enclaves SDK documentation of `RecipientRequest` says "Required: Yes"
/// for both, and a document with no algorithm, or an algorithm with no document, cannot be
/// served. The failure reads like any missing member (W-35 `Member must not be null` at
/// `recipient.attestationDocument` / `recipient.keyEncryptionAlgorithm`).
///
/// A document that is not a COSE_Sign1 with a usable RSA `public_key` →
/// `ValidationException` naming the rule (`domain::recipient::AttestationError`).
pub fn parse(r: Option<&RecipientInfo>) -> KmsResult<Option<RecipientKey>> {
    let Some(r) = r else { return Ok(None) };
    let mut v = Validator::new();
    let at = Path::member(None, "recipient");
    if r.attestation_document.is_none() {
        v.null(&Path::member(Some(&at), "attestationDocument"));
    }
    if r.key_encryption_algorithm.is_none() {
        v.null(&Path::member(Some(&at), "keyEncryptionAlgorithm"));
    }
    v.finish()?;
    let Some(doc) = &r.attestation_document else {
        return Ok(None);
    };
    RecipientKey::from_attestation_document(&doc.0)
        .map(Some)
        .map_err(|e| e.to_kms_error())
}

/// `CiphertextForRecipient` for `plaintext` when there is a recipient, else `None`.
pub fn seal(recipient: Option<&RecipientKey>, plaintext: &[u8]) -> KmsResult<Option<Vec<u8>>> {
    recipient.map(|k| k.seal(plaintext)).transpose()
}

/// The response's (`Plaintext`, `CiphertextForRecipient`) pair: exactly one is present. With
/// a recipient AWS returns the plaintext only inside the envelope ("The Plaintext field in the
/// response is null or empty").
pub fn deliver(
    recipient: Option<&RecipientKey>,
    plaintext: Vec<u8>,
) -> KmsResult<(Option<Blob>, Option<Blob>)> {
    Ok(match seal(recipient, &plaintext)? {
        Some(envelope) => (None, Some(Blob(envelope))),
        None => (Some(Blob(plaintext)), None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::model::KeyEncryptionMechanism;

    fn info(doc: Option<&[u8]>, alg: bool) -> RecipientInfo {
        RecipientInfo {
            key_encryption_algorithm: alg.then_some(KeyEncryptionMechanism::RsaesOaepSha256),
            attestation_document: doc.map(|d| Blob(d.to_vec())),
        }
    }

    #[test]
    fn no_recipient_means_plaintext() {
        assert!(parse(None).expect("ok").is_none());
        let (p, c) = deliver(None, b"x".to_vec()).expect("ok");
        assert_eq!(p, Some(Blob(b"x".to_vec())));
        assert_eq!(c, None);
    }

    #[test]
    fn both_members_are_required() {
        let e = parse(Some(&info(None, false))).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(
            e.message.as_deref(),
            Some(
                "2 validation errors detected: Value null at 'recipient.attestationDocument' \
                 failed to satisfy constraint: Member must not be null; Value null at \
                 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must \
                 not be null"
            )
        );
    }

    #[test]
    fn a_document_that_is_not_cose_is_a_validation_exception() {
        let e = parse(Some(&info(Some(b"hello"), true))).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert_eq!(
            e.message.as_deref(),
            Some(crate::domain::recipient::AttestationError::NotCoseSign1.message())
        );
    }
}
