//! Pagination with `Limit`/`Marker` → `NextMarker`/`Truncated` (W-50 … W-52).
//!
//! Markers are opaque to clients: `base64url("<list>:<position>")`, so a marker from another
//! list, or one the simulator did not issue, is detected → `InvalidMarkerException`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{ErrorCode, KmsError, KmsResult};

/// Encodes a position in list `list`.
pub fn marker(list: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{position}"))
}

/// Decodes a marker issued for list `list`; anything else → `InvalidMarkerException`.
pub fn position(list: &str, marker: &str) -> KmsResult<String> {
    let bad = || {
        KmsError::new(
            ErrorCode::InvalidMarker,
            format!("Invalid marker: {marker}"),
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(marker).map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    s.strip_prefix(list)
        .and_then(|r| r.strip_prefix(':'))
        .map(str::to_string)
        .ok_or_else(bad)
}

/// Decodes a numeric position.
pub fn numeric_position(list: &str, marker: Option<&str>) -> KmsResult<u64> {
    match marker {
        None => Ok(0),
        Some(m) => position(list, m)?
            .parse()
            .map_err(|_| KmsError::new(ErrorCode::InvalidMarker, format!("Invalid marker: {m}"))),
    }
}

/// One page of `items`, starting at index `start` (for lists kept as vectors).
pub fn page<T>(items: Vec<T>, start: u64, limit: usize, list: &str) -> (Vec<T>, Option<String>) {
    let start = start as usize;
    let total = items.len();
    let out: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + out.len() < total).then(|| marker(list, &(start + out.len()).to_string()));
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_checked() {
        let m = marker("keys", "42");
        assert_eq!(numeric_position("keys", Some(&m)).unwrap(), 42);
        assert_eq!(
            numeric_position("aliases", Some(&m)).unwrap_err().code,
            ErrorCode::InvalidMarker
        );
        assert_eq!(
            numeric_position("keys", Some("garbage!")).unwrap_err().code,
            ErrorCode::InvalidMarker
        );
    }

    #[test]
    fn pages() {
        let (p, next) = page((0..5).collect(), 0, 2, "x");
        assert_eq!(p, [0, 1]);
        let n = numeric_position("x", next.as_deref()).unwrap();
        let (p, next) = page((0..5).collect(), n, 10, "x");
        assert_eq!(p, [2, 3, 4]);
        assert!(next.is_none());
    }
}
