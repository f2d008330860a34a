//! The SigV4 `Authorization` header (W-10, W-11): the credential scope's Region routes the
//! gateway and is checked on a Region's own port; [`crate::auth`] verifies the signature in
//! `[auth] mode = "sigv4"`.

/// A parsed `AWS4-HMAC-SHA256` authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Access key id.
    pub access_key_id: String,
    /// Scope date `yyyymmdd`.
    pub date: String,
    /// Scope Region: the 3rd `/`-separated field of `Credential` (W-10).
    pub region: String,
    /// Scope service (SHOULD be `kms`, W-11).
    pub service: String,
    /// `SignedHeaders`, split at `;`.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

impl Authorization {
    /// W-10: only the Region of the credential scope, borrowed from the header (the gateway's
    /// routing and a Region port's check need nothing else, on every request).
    pub fn region_of(header: &str) -> Option<&str> {
        let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
        let credential = rest
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(k, _)| k.trim() == "Credential")?
            .1
            .trim();
        let mut scope = credential.split('/');
        let region = scope.nth(2)?;
        (scope.nth(1)? == "aws4_request" && !region.is_empty()).then_some(region)
    }

    /// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
    /// SignedHeaders=a;b, Signature=hex`. `None` if it is not a parsable SigV4 header, in which
    /// case the request counts as unsigned (W-11).
    pub fn parse(header: &str) -> Option<Authorization> {
        let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            match k.trim() {
                "Credential" => credential = Some(v.trim()),
                "SignedHeaders" => signed = Some(v.trim()),
                "Signature" => signature = Some(v.trim()),
                _ => {}
            }
        }
        let mut scope = credential?.split('/');
        let access_key_id = scope.next()?.to_string();
        let date = scope.next()?.to_string();
        let region = scope.next()?.to_string();
        let service = scope.next()?.to_string();
        if scope.next()? != "aws4_request" || region.is_empty() {
            return None;
        }
        Some(Authorization {
            access_key_id,
            date,
            region,
            service,
            signed_headers: signed
                .unwrap_or("")
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            signature: signature.unwrap_or("").to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_sdk_header() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abcd";
        let a = Authorization::parse(h).unwrap();
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(Authorization::region_of(h), Some("eu-west-1"));
        assert_eq!(a.service, "kms");
        assert_eq!(a.access_key_id, "AKIDEXAMPLE");
        assert_eq!(a.signed_headers.len(), 4);
        assert_eq!(a.signature, "abcd");
    }

    #[test]
    fn rejects_other_schemes() {
        assert!(Authorization::parse("Basic Zm9vOmJhcg==").is_none());
        assert!(Authorization::parse("AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1").is_none());
        for h in [
            "Basic Zm9vOmJhcg==",
            "AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1",
            "AWS4-HMAC-SHA256 Credential=AKID/2024//kms/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/kms/aws4_other",
        ] {
            assert_eq!(Authorization::region_of(h), None, "{h}");
        }
    }
}
