//! JSON value encodings (W-20 … W-24): base64 blobs and epoch-second timestamps.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::{self, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// W-20: a blob member, standard base64 with padding inside a JSON string, both ways.
/// Non-base64 input fails deserialization, which the body parser turns into
/// `SerializationException` [CHOICE].
///
/// A blob serialises as bytes: the response encoder ([`crate::protocol::wire::encode_response`])
/// writes bytes as a base64 JSON string straight into the response (no intermediate string,
/// no escaping scan: base64 never needs escaping). Issue 12, item 4.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(BlobVisitor)
    }
}

/// Decodes the base64 text where the body holds it (no copy of the text first).
struct BlobVisitor;

impl de::Visitor<'_> for BlobVisitor {
    type Value = Blob;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a base64 string")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Blob, E> {
        STANDARD
            .decode(s.as_bytes())
            .map(Blob)
            .map_err(|e| E::custom(format!("Invalid base64 in a blob member: {e}")))
    }
}

/// W-21: a response timestamp, a JSON number of epoch seconds with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(pub Millis);

impl Serialize for Epoch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 1000.0)
    }
}

/// W-22: a request timestamp. Any JSON number of epoch seconds (integer, fraction or exponent)
/// or an ISO-8601/RFC 3339 string, for hand-written requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTime(pub Millis);

impl<'de> Deserialize<'de> for RequestTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match v {
            serde_json::Value::Number(n) => {
                let secs = n
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| de::Error::custom("timestamp out of range"))?;
                Ok(RequestTime((secs * 1000.0).round() as Millis))
            }
            serde_json::Value::String(s) => parse_rfc3339(&s)
                .map(RequestTime)
                .ok_or_else(|| de::Error::custom(format!("Invalid timestamp '{s}'"))),
            _ => Err(de::Error::custom(
                "a timestamp must be a number of epoch seconds",
            )),
        }
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` into epoch milliseconds.
fn parse_rfc3339(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(start..i)?;
        let padded = format!("{:0<3}", &frac[..frac.len().min(3)]);
        ms = padded.parse().ok()?;
    }
    let offset_min = match s.get(i..)? {
        "Z" | "z" => 0,
        tz if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) => {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            sign * (tz.get(1..3)?.parse::<i64>().ok()? * 60 + tz.get(4..6)?.parse::<i64>().ok()?)
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_round_trip_and_rejection() {
        let b: Blob = serde_json::from_str("\"aGVsbG8=\"").unwrap();
        assert_eq!(b.0, b"hello");
        assert_eq!(
            crate::protocol::wire::encode_response(&b).unwrap(),
            b"\"aGVsbG8=\""
        );
        let escaped: Blob = serde_json::from_str("\"aGVs\\u0062G8=\"").unwrap();
        assert_eq!(escaped.0, b"hello");
        assert!(serde_json::from_str::<Blob>("\"not base64!\"").is_err());
        assert!(serde_json::from_str::<Blob>("12").is_err());
    }

    #[test]
    fn epoch_has_millisecond_precision() {
        assert_eq!(
            serde_json::to_string(&Epoch(1_607_472_987_918)).unwrap(),
            "1607472987.918"
        );
    }

    #[test]
    fn request_times_in_every_form() {
        let t = |s: &str| serde_json::from_str::<RequestTime>(s).map(|t| t.0).ok();
        assert_eq!(t("1700000000"), Some(1_700_000_000_000));
        assert_eq!(t("1700000000.5"), Some(1_700_000_000_500));
        assert_eq!(t("1.7E9"), Some(1_700_000_000_000));
        assert_eq!(t("\"2023-11-14T22:13:20Z\""), Some(1_700_000_000_000));
        assert_eq!(
            t("\"2023-11-14T23:13:20.250+01:00\""),
            Some(1_700_000_000_250)
        );
        assert_eq!(t("\"yesterday\""), None);
        assert_eq!(t("true"), None);
    }
}
