//! Request bodies in, response and error bodies out (W-2, W-3, W-6, W-23, W-30, W-31).

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{KmsError, KmsResult};

/// The response content type (W-2).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Largest request body accepted. The largest KMS request member is a 128 KiB policy; 1 MiB
/// leaves room while keeping a hostile client from making the server buffer more.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// W-3: an empty body is `{}`; otherwise the body must be one JSON object whose members fit
/// the operation's shapes. Unknown members are ignored (W-6). Malformed JSON, a non-object
/// body, a member of the wrong JSON type or invalid base64 → `SerializationException`.
///
/// Issue 12, item 5: the whole body must be UTF-8 (RFC 8259 §8.1), unknown members included;
/// serde skips an ignored member's bytes without checking them. AWS's JSON services read the
/// body with a strict parser that refuses invalid UTF-8 anywhere ("Invalid UTF-8 start byte"),
/// so kmsim answers `SerializationException` as for any other body it cannot parse [CHOICE].
pub fn parse_request<T: DeserializeOwned>(body: &[u8]) -> KmsResult<T> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            return Err(KmsError::serialization(format!(
                "Request body is not valid JSON: invalid UTF-8 at byte {}",
                e.valid_up_to()
            )))
        }
    };
    // One pass straight into the typed shape. Derived structs would also accept a JSON array
    // (fields by position), so the body must open with `{`.
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return parse_request(b"{}"),
        Some(b'{') => {}
        Some(_) => {
            return Err(KmsError::serialization(
                "Request body must be a JSON object",
            ))
        }
    }
    // From the checked text: serde_json does not check each string's UTF-8 a second time.
    serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            KmsError::serialization(format!("Request body is not valid JSON: {e}"))
        } else {
            KmsError::serialization(e.to_string())
        }
    })
}

/// Serialises a response shape. Absent optional members are skipped by the shapes (W-23);
/// blobs ([`crate::protocol::types::Blob`], serialised as bytes) become base64 strings (W-20).
pub fn encode_response<T: Serialize>(resp: &T) -> KmsResult<Vec<u8>> {
    // Most responses fit: one allocation instead of a chain of doublings from 128 bytes.
    let mut out = Vec::with_capacity(RESPONSE_CAPACITY);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, Base64Bytes);
    resp.serialize(&mut ser)
        .map_err(|e| KmsError::internal(format!("encoding response: {e}")))?;
    Ok(out)
}

/// The response buffer's first allocation (an Encrypt of 1 KiB answers about 1.6 KB).
const RESPONSE_CAPACITY: usize = 2048;

/// serde_json's compact output, with a byte array written as a base64 JSON string (W-20): the
/// AWS JSON 1.1 encoding of a blob shape, encoded straight into the output buffer. Base64 has
/// no character JSON escapes, so nothing is scanned for escaping.
struct Base64Bytes;

impl serde_json::ser::Formatter for Base64Bytes {
    fn write_byte_array<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> std::io::Result<()> {
        use base64::Engine;
        // Whole 3-byte groups per chunk, so the chunks' encodings join into one base64 text.
        const CHUNK: usize = 768;
        let mut buf = [0u8; CHUNK / 3 * 4];
        writer.write_all(b"\"")?;
        for chunk in value.chunks(CHUNK) {
            let n = base64::engine::general_purpose::STANDARD
                .encode_slice(chunk, &mut buf)
                .map_err(std::io::Error::other)?;
            writer.write_all(&buf[..n])?;
        }
        writer.write_all(b"\"")
    }
}

/// W-30/W-32: `{"__type": "<Exception>", "message": "<text>"}`, with `message` left out where
/// AWS sends none.
pub fn encode_error(err: &KmsError) -> Vec<u8> {
    let mut obj = serde_json::Map::new();
    obj.insert("__type".into(), err.code.code().into());
    if let Some(m) = &err.message {
        obj.insert("message".into(), m.clone().into());
    }
    serde_json::to_vec(&obj).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Req {
        key_id: Option<String>,
        limit: Option<i64>,
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        let r: Req = parse_request(b"").unwrap();
        assert!(r.key_id.is_none());
    }

    #[test]
    fn bad_bodies_are_serialization_exceptions() {
        for body in [
            &b"{"[..],
            b"[]",
            b"\"x\"",
            b"{\"Limit\": \"ten\"}",
            b"{\"KeyId\": 5}",
        ] {
            let e = parse_request::<Req>(body).unwrap_err();
            assert_eq!(
                e.code,
                ErrorCode::Serialization,
                "{:?}",
                std::str::from_utf8(body)
            );
        }
        let r: Req = parse_request(b"{\"KeyId\":\"k\",\"Unknown\":1,\"Limit\":3}").unwrap();
        assert_eq!(r.limit, Some(3));
    }

    #[test]
    fn invalid_utf8_anywhere_is_a_serialization_exception() {
        for body in [
            &b"{\"Unknown\":\"\xff\"}"[..],
            b"{\"KeyId\":\"k\",\"Nested\":{\"x\":[\"\xc3\"]}}",
            b"{\"KeyId\":\"\xed\xa0\x80\"}",
            b"{\"KeyId\":\"k\"}\xfe",
        ] {
            let e = parse_request::<Req>(body).unwrap_err();
            assert_eq!(e.code, ErrorCode::Serialization, "{body:?}");
            assert!(e.message.unwrap().contains("UTF-8"), "{body:?}");
        }
        let r: Req =
            parse_request("{\"KeyId\":\"k\",\"Unknown\":\"d\u{e9}j\u{e0}\"}".as_bytes()).unwrap();
        assert_eq!(r.key_id.as_deref(), Some("k"));
    }

    #[test]
    fn error_bodies() {
        let e = KmsError::not_found("gone");
        assert_eq!(
            encode_error(&e),
            br#"{"__type":"NotFoundException","message":"gone"}"#
        );
        assert_eq!(
            encode_error(&KmsError::invalid_ciphertext()),
            br#"{"__type":"InvalidCiphertextException"}"#
        );
    }
}
