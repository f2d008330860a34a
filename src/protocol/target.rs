//! `X-Amz-Target: TrentService.<Op>` and the request content type (W-1, W-2, W-4).

use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::model::Operation;

/// The target prefix of every KMS operation (W-1).
pub const TARGET_PREFIX: &str = "TrentService.";

/// W-1/W-4: the operation named by the `X-Amz-Target` header: one of the model's
/// operations. A missing header, another service's prefix, or a name the model does not have
/// → `UnknownOperationException` [CHOICE].
pub fn operation(target: Option<&str>) -> KmsResult<Operation> {
    let target = target.ok_or_else(|| {
        KmsError::new(
            ErrorCode::UnknownOperation,
            "Missing X-Amz-Target header: expected TrentService.<Operation>",
        )
    })?;
    match target.strip_prefix(TARGET_PREFIX) {
        Some(op) => Operation::parse(op).ok_or_else(|| unknown_operation(target)),
        None => Err(unknown_operation(target)),
    }
}

/// `UnknownOperationException` naming the target.
pub fn unknown_operation(target: &str) -> KmsError {
    KmsError::new(
        ErrorCode::UnknownOperation,
        format!("Unknown operation {target}"),
    )
}

/// W-2: `application/x-amz-json-1.1` (what SDKs send) or `application/json` (curl, HTTPie),
/// with any parameters. A missing header is accepted too, as a hand-written request.
/// Anything else → `UnknownOperationException`, as AWS answers a body it cannot read as the
/// JSON protocol [CHOICE].
///
/// The header is taken as the raw bytes on the wire (issue 12, item 5): a value that is not
/// visible ASCII (`é`, obs-text, invalid UTF-8) names no content type AWS knows, so it is
/// refused like `text/plain` [CHOICE] — it is not mistaken for an absent header.
pub fn check_content_type(content_type: Option<&[u8]>) -> KmsResult<()> {
    let Some(raw) = content_type else {
        return Ok(());
    };
    let unsupported = || {
        KmsError::new(
            ErrorCode::UnknownOperation,
            format!(
                "Unsupported Content-Type '{}': use application/x-amz-json-1.1",
                raw.escape_ascii()
            ),
        )
    };
    if !raw.iter().all(|b| (0x20..0x7f).contains(b) || *b == b'\t') {
        return Err(unsupported());
    }
    let ct = std::str::from_utf8(raw).map_err(|_| unsupported())?;
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/x-amz-json-1.1" || mime == "application/json" {
        Ok(())
    } else {
        Err(unsupported())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            operation(Some("TrentService.Encrypt")).unwrap(),
            Operation::Encrypt
        );
        for bad in [
            None,
            Some("TrentService."),
            Some("TrentService.Bogus"),
            Some("DynamoDB_20120810.GetItem"),
        ] {
            assert_eq!(
                operation(bad).unwrap_err().code,
                ErrorCode::UnknownOperation
            );
        }
    }

    #[test]
    fn content_types() {
        assert!(check_content_type(Some(b"application/x-amz-json-1.1")).is_ok());
        assert!(check_content_type(Some(b"application/json; charset=utf-8")).is_ok());
        assert!(check_content_type(Some(b"Application/JSON\t;\tcharset=utf-8")).is_ok());
        assert!(check_content_type(None).is_ok());
        for bad in [
            &b"text/plain"[..],
            b"",
            "application/json; charset=\u{e9}".as_bytes(),
            "applic\u{e9}tion/json".as_bytes(),
            b"application/x-amz-json-1.1\xff",
            b"\x80",
            b"application/json\x7f",
        ] {
            let e = check_content_type(Some(bad)).unwrap_err();
            assert_eq!(e.code, ErrorCode::UnknownOperation, "{bad:?}");
            assert!(e.message.unwrap().is_ascii(), "{bad:?}");
        }
    }
}
