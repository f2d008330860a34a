//! Who is calling (issue 11): `[auth] mode = "open"` (the default: every request is accepted,
//! as before) or `"sigv4"`, in which every KMS request must carry a valid SigV4 signature
//! (header or presigned query string) by one of the configured credentials, made within five
//! minutes of the real clock (SDKs sign with wall time, so the simulated clock is never read
//! here). The caller's account and principal come from the credential.
//!
//! Errors, as AWS words them:
//! - no signature → `MissingAuthenticationTokenException` "Missing Authentication Token";
//! - an access key (or session token) not configured → `UnrecognizedClientException` "The
//!   security token included in the request is invalid.";
//! - a wrong signature → `InvalidSignatureException` "The request signature we calculated does
//!   not match the signature you provided. Check your AWS Secret Access Key and signing method.
//!   Consult the service documentation for details.";
//! - a request time more than 5 minutes off → `InvalidSignatureException` "Signature expired:
//!   T is now earlier than E (N - 5 min.)" / "Signature not yet current: T is still later than
//!   E (N + 5 min.)"; a presigned URL past its `X-Amz-Expires` → "Signature expired: …".

pub mod current;
pub mod policy;
pub mod sigv4;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use policy::{Policy, PolicyKind};

use crate::config::{AuthConfig, AuthMode};
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::protocol::sigv4::Authorization;

/// The header that carries `[auth] admin_token` on `/_kmsim/` calls.
pub const ADMIN_TOKEN_HEADER: &str = "x-kmsim-admin-token";

/// How far a request's time may be from the real clock (AWS: 5 minutes).
pub const MAX_SKEW: Duration = Duration::from_secs(300);

/// A configured credential and whose it is.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token the requests must carry, if any.
    pub session_token: Option<String>,
    /// The caller's account.
    pub account_id: String,
    /// The caller's ARN (`arn:aws:iam::ACCOUNT:user/NAME` or `…:role/NAME`).
    pub principal: String,
    /// The caller's identity policy.
    pub policy: Arc<Policy>,
}

/// The identity policy of a credential configured without one: allow `kms:*` on `*`.
pub static ALLOW_ALL: LazyLock<Arc<Policy>> = LazyLock::new(|| {
    Arc::new(
        Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
            PolicyKind::Identity,
        )
        .expect("the default identity policy parses"),
    )
});

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// Access key id used.
    pub access_key_id: String,
    /// Account of the credential.
    pub account_id: String,
    /// Principal ARN.
    pub principal: String,
    /// Identity policy (issue 11, item 4).
    pub policy: Arc<Policy>,
    /// The address the request came from (`aws:SourceIp`), when known.
    pub source_ip: Option<IpAddr>,
}

/// The authentication settings of a cluster.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    sigv4: bool,
    by_key: HashMap<String, Credential>,
    admin_token: Option<String>,
}

impl Auth {
    /// From `[auth]`.
    pub fn new(cfg: &AuthConfig) -> Auth {
        Auth {
            sigv4: cfg.mode == AuthMode::Sigv4,
            admin_token: cfg
                .admin_token
                .clone()
                .filter(|_| cfg.mode == AuthMode::Sigv4),
            by_key: cfg
                .credentials
                .iter()
                .map(|c| {
                    (
                        c.access_key_id.clone(),
                        Credential {
                            secret_access_key: c.secret_access_key.clone(),
                            session_token: c.session_token.clone(),
                            account_id: c.account_id.clone(),
                            principal: c.principal.clone(),
                            // Validated with the config (`Config::validate_auth`).
                            policy: c
                                .policy
                                .as_deref()
                                .and_then(|p| Policy::parse(p, PolicyKind::Identity).ok())
                                .map(Arc::new)
                                .unwrap_or_else(|| ALLOW_ALL.clone()),
                        },
                    )
                })
                .collect(),
        }
    }

    /// The token `/_kmsim/` calls must carry (`sigv4` mode), see [`ADMIN_TOKEN_HEADER`].
    pub fn admin_token(&self) -> Option<&str> {
        self.admin_token.as_deref()
    }

    /// Whether requests must be signed.
    pub fn verifies(&self) -> bool {
        self.sigv4
    }

    /// Authenticates a request (issue 11, item 1). `Ok(None)` in `open` mode.
    pub fn check(&self, req: &sigv4::Request<'_>, now: SystemTime) -> KmsResult<Option<Caller>> {
        if !self.sigv4 {
            return Ok(None);
        }
        let header = req
            .headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(_, v)| v.as_str());
        let presented = match header {
            Some(h) => {
                let a = Authorization::parse(h).ok_or_else(|| {
                    KmsError::new(
                        ErrorCode::IncompleteSignature,
                        format!("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={h}"),
                    )
                })?;
                let find = |name: &str| {
                    req.headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                sigv4::Presented {
                    access_key_id: a.access_key_id,
                    scope_date: a.date,
                    region: a.region,
                    service: a.service,
                    signed_headers: a.signed_headers,
                    signature: a.signature,
                    date: find("x-amz-date").unwrap_or_default(),
                    session_token: find("x-amz-security-token"),
                    expires: None,
                }
            }
            None => sigv4::from_query(req.path_and_query).ok_or_else(|| {
                KmsError::new(
                    ErrorCode::MissingAuthenticationToken,
                    "Missing Authentication Token",
                )
            })?,
        };
        let cred = self
            .by_key
            .get(&presented.access_key_id)
            .filter(|c| c.session_token.is_none() || c.session_token == presented.session_token)
            .ok_or_else(unrecognized)?;
        let signed_at = sigv4::parse_amz_date(&presented.date).ok_or_else(|| {
            KmsError::new(
                ErrorCode::IncompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '' . See http://en.wikipedia.org/wiki/ISO_8601"
                    .replace("''", &format!("'{}'", presented.date)),
            )
        })?;
        check_time(&presented, signed_at, now)?;
        if !sigv4::matches(
            req,
            &presented,
            &cred.secret_access_key,
            cred.session_token.as_deref(),
        ) {
            return Err(KmsError::new(
                ErrorCode::InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ));
        }
        Ok(Some(Caller {
            access_key_id: presented.access_key_id,
            account_id: cred.account_id.clone(),
            principal: cred.principal.clone(),
            policy: cred.policy.clone(),
            source_ip: None,
        }))
    }
}

fn unrecognized() -> KmsError {
    KmsError::new(
        ErrorCode::UnrecognizedClient,
        "The security token included in the request is invalid.",
    )
}

/// The request's time against the real clock: AWS's two skew messages, and a presigned
/// URL's own expiry.
fn check_time(p: &sigv4::Presented, signed_at: SystemTime, now: SystemTime) -> KmsResult<()> {
    let fmt = sigv4::format_amz_date;
    let expired = |earliest: SystemTime, what: String| {
        KmsError::new(
            ErrorCode::InvalidSignature,
            format!(
                "Signature expired: {} is now earlier than {} ({what})",
                p.date,
                fmt(earliest)
            ),
        )
    };
    if let Some(secs) = p.expires {
        let until = signed_at + Duration::from_secs(secs);
        if now > until {
            return Err(expired(
                now - Duration::from_secs(secs),
                format!("{} - {secs} sec.", fmt(now)),
            ));
        }
    }
    if signed_at + MAX_SKEW < now {
        return Err(expired(now - MAX_SKEW, format!("{} - 5 min.", fmt(now))));
    }
    if signed_at > now + MAX_SKEW {
        return Err(KmsError::new(
            ErrorCode::InvalidSignature,
            format!(
                "Signature not yet current: {} is still later than {} ({} + 5 min.)",
                p.date,
                fmt(now + MAX_SKEW),
                fmt(now)
            ),
        ));
    }
    Ok(())
}
