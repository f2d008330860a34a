//! Verifying a request's SigV4 signature (issue 11, item 1): the `Authorization` header form
//! and the presigned query-string form. The expected signature is computed by `aws-sigv4` (the
//! SDK's own signer) over exactly the headers the client says it signed, with the client's
//! timestamp and the configured secret, and compared in constant time.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_types::date_time::{DateTime, Format};

/// What a request presents: its SigV4 fields, wherever they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// Access key id of the credential scope.
    pub access_key_id: String,
    /// Scope date (`yyyymmdd`).
    pub scope_date: String,
    /// Scope Region.
    pub region: String,
    /// Scope service.
    pub service: String,
    /// Signed header names, lower case.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
    /// `X-Amz-Date` (`yyyymmddThhmmssZ`).
    pub date: String,
    /// The session token sent, if any.
    pub session_token: Option<String>,
    /// Presigned: the query's `X-Amz-Expires`, in seconds.
    pub expires: Option<u64>,
}

/// The query parameters a presigned request's signature covers or carries.
const PRESIGN_PARAMS: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// Parses `yyyymmddThhmmssZ` (through `aws-smithy-types`'s RFC 3339 parser).
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !s.is_ascii() {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    let t = DateTime::from_str(&rfc3339, Format::DateTime).ok()?;
    SystemTime::try_from(t).ok()
}

/// Formats a time, to the second, as `yyyymmddThhmmssZ` (AWS's skew messages).
pub fn format_amz_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    DateTime::from_secs(secs as i64)
        .fmt(Format::DateTime)
        .unwrap_or_default()
        .replace(['-', ':'], "")
}

/// The request as the verifier needs it.
pub struct Request<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path and query, as received.
    pub path_and_query: &'a str,
    /// Every header, names lower case.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// Whether `presented` is a valid signature of `req` with `secret` (and the configured
/// session token, if any).
pub fn matches(
    req: &Request<'_>,
    presented: &Presented,
    secret: &str,
    session_token: Option<&str>,
) -> bool {
    let Some(time) = parse_amz_date(&presented.date) else {
        return false;
    };
    let host = req
        .headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.as_str())
        .unwrap_or("localhost");
    let presigned = presented.expires.is_some();
    let uri = format!("http://{host}{}", strip_presign_params(req.path_and_query));
    // Exactly the headers the client signed; the signer adds x-amz-date and the token itself.
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .filter(|(n, _)| {
            presented.signed_headers.iter().any(|s| s == n)
                && n != "x-amz-date"
                && n != "x-amz-security-token"
        })
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let unsigned_payload = req
        .headers
        .iter()
        .any(|(n, v)| n == "x-amz-content-sha256" && v == "UNSIGNED-PAYLOAD");
    let bodies: Vec<SignableBody<'_>> = if presigned {
        vec![SignableBody::UnsignedPayload, SignableBody::Bytes(req.body)]
    } else if unsigned_payload {
        vec![SignableBody::UnsignedPayload]
    } else {
        vec![SignableBody::Bytes(req.body)]
    };
    let identity: Identity = Credentials::new(
        presented.access_key_id.clone(),
        secret.to_string(),
        session_token.map(str::to_string),
        None,
        "kmsim-auth",
    )
    .into();
    for body in bodies {
        let mut settings = SigningSettings::default();
        settings.excluded_headers = Some(vec![Cow::Borrowed("authorization")]);
        if presigned {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = presented.expires.map(Duration::from_secs);
        }
        let Ok(params) = SigningParams::builder()
            .identity(&identity)
            .region(&presented.region)
            .name(&presented.service)
            .time(time)
            .settings(settings)
            .build()
        else {
            return false;
        };
        let Ok(signable) =
            SignableRequest::new(req.method, uri.as_str(), headers.iter().copied(), body)
        else {
            return false;
        };
        let Ok(out) = sign(signable, &params.into()) else {
            return false;
        };
        let expected = out.signature();
        if aws_lc_rs::constant_time::verify_slices_are_equal(
            expected.as_bytes(),
            presented.signature.as_bytes(),
        )
        .is_ok()
        {
            return true;
        }
    }
    false
}

/// The path and query without the presigned-URL parameters (the signer adds them back).
fn strip_presign_params(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            !PRESIGN_PARAMS.contains(&name)
        })
        .collect();
    if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

/// Reads the SigV4 fields of a presigned query string, if it has them.
pub fn from_query(path_and_query: &str) -> Option<Presented> {
    let (_, query) = path_and_query.split_once('?')?;
    let get = |name: &str| -> Option<String> {
        query.split('&').find_map(|p| {
            let (k, v) = p.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    };
    let signature = get("X-Amz-Signature")?;
    let credential = get("X-Amz-Credential")?;
    let mut scope = credential.split('/');
    let presented = Presented {
        access_key_id: scope.next()?.to_string(),
        scope_date: scope.next()?.to_string(),
        region: scope.next()?.to_string(),
        service: scope.next()?.to_string(),
        signed_headers: get("X-Amz-SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature,
        date: get("X-Amz-Date")?,
        session_token: get("X-Amz-Security-Token"),
        expires: get("X-Amz-Expires").and_then(|e| e.parse().ok()),
    };
    presented.expires?;
    Some(presented)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates_round_trip() {
        for s in ["20240229T235959Z", "19700101T000000Z", "20261129T081500Z"] {
            assert_eq!(format_amz_date(parse_amz_date(s).unwrap()), s);
        }
        for bad in [
            "2024-02-29T00:00:00Z",
            "20241301T000000Z",
            "20240101T000000",
            "",
        ] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    /// A request signed by aws-sigv4 as an SDK would verifies; any change to the body, a
    /// header it signed, the secret or the time does not.
    #[test]
    fn an_sdk_signature_verifies_and_tampering_does_not() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let time = parse_amz_date("20261129T081500Z").unwrap();
        let identity: Identity = Credentials::new("AKIDEXAMPLE", secret, None, None, "test").into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region("eu-west-1")
            .name("kms")
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let body = br#"{"KeyId":"alias/x"}"#;
        let base = [
            ("host", "127.0.0.1:4602"),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.DescribeKey"),
        ];
        let signable = SignableRequest::new(
            "POST",
            "http://127.0.0.1:4602/",
            base.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, signature) = sign(signable, &params).unwrap().into_parts();
        let mut headers: Vec<(String, String)> = base
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        for (n, v) in instructions.headers() {
            headers.push((n.to_lowercase(), v.to_string()));
        }
        let auth = headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.clone())
            .unwrap();
        let parsed = crate::protocol::sigv4::Authorization::parse(&auth).unwrap();
        let presented = Presented {
            access_key_id: parsed.access_key_id,
            scope_date: parsed.date,
            region: parsed.region,
            service: parsed.service,
            signed_headers: parsed.signed_headers,
            signature: signature.clone(),
            date: "20261129T081500Z".into(),
            session_token: None,
            expires: None,
        };
        let req = |body: &'static [u8], headers: &[(String, String)]| {
            let headers = headers.to_vec();
            move |f: &dyn Fn(&Request<'_>) -> bool| {
                f(&Request {
                    method: "POST",
                    path_and_query: "/",
                    headers: &headers,
                    body,
                })
            }
        };
        assert!(req(body, &headers)(&|r| matches(
            r, &presented, secret, None
        )));
        assert!(!req(br#"{"KeyId":"alias/y"}"#, &headers)(&|r| matches(
            r, &presented, secret, None
        )));
        assert!(!req(body, &headers)(&|r| matches(
            r, &presented, "other", None
        )));
        let mut tampered = headers.clone();
        for (n, v) in tampered.iter_mut() {
            if n == "x-amz-target" {
                *v = "TrentService.ScheduleKeyDeletion".into();
            }
        }
        assert!(!req(body, &tampered)(&|r| matches(
            r, &presented, secret, None
        )));
        let later = Presented {
            date: "20261129T081501Z".into(),
            ..presented.clone()
        };
        assert!(!req(body, &headers)(&|r| matches(r, &later, secret, None)));
    }
}
