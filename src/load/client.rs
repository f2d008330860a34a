//! A minimal SigV4-signing KMS client for the load tool and `kmsim import-material` (signing
//! with the maintained `aws-sigv4` crate, exactly as the SDKs sign).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::Value;

/// One endpoint, one Region, shared by every worker (reqwest pools connections).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    url: String,
    host: String,
    region: String,
    identity: Identity,
}

/// A request body encoded once, with its SHA-256 for the signature, so a worker that repeats
/// the same request spends its CPU on the request, not on re-encoding it: the load tool shares
/// the machine with the server it measures.
#[derive(Debug, Clone)]
pub struct Prepared {
    target: String,
    body: bytes::Bytes,
    sha256: String,
}

/// Why a call failed, for a caller that reports it; the load tool counts only
/// [`CallError::code`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The server answered with an AWS error body: its `__type` (any `namespace#` prefix and
    /// `:suffix` stripped, as the SDKs do) and its `message`, if any.
    Aws {
        /// The exception name, e.g. `NotFoundException`.
        code: String,
        /// The error message, when the body has one.
        message: Option<String>,
    },
    /// An HTTP error status without an AWS error body.
    Http(u16),
    /// No answer: connection refused or reset, a timeout, a body cut short.
    Transport(String),
    /// The request could not be signed (`signing: <cause>`).
    Signing(String),
}

impl CallError {
    /// The AWS error code, or `HTTP<status>`, or `TransportError`.
    pub fn code(&self) -> String {
        match self {
            CallError::Aws { code, .. } => code.clone(),
            CallError::Http(status) => format!("HTTP{status}"),
            CallError::Transport(_) => "TransportError".to_string(),
            CallError::Signing(cause) => format!("signing: {cause}"),
        }
    }
}

/// The fixed credentials kmsim's own clients sign with when none are given: any credentials
/// pass unless the server runs `[auth] mode = "sigv4"`.
pub fn test_credentials() -> Credentials {
    Credentials::new("AKIDKMSIMLOAD", "kmsim-load-secret", None, None, "load")
}

impl Client {
    /// A client for `endpoint`, signing for `region` with [`test_credentials`].
    pub fn new(endpoint: &str, region: &str) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Client::build(http, endpoint, region, test_credentials()))
    }

    /// A client for one-off calls (a command-line tool): signs with `credentials`, gives up
    /// connecting after 10 s and waiting for an answer after `timeout`.
    pub fn with_credentials(
        endpoint: &str,
        region: &str,
        credentials: Credentials,
        timeout: std::time::Duration,
    ) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(timeout)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Client::build(http, endpoint, region, credentials))
    }

    fn build(
        http: reqwest::Client,
        endpoint: &str,
        region: &str,
        credentials: Credentials,
    ) -> Client {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let host = host_of(&endpoint);
        Client {
            http,
            url: format!("{endpoint}/"),
            endpoint,
            host,
            region: region.to_string(),
            identity: credentials.into(),
        }
    }

    /// The same client (connections shared) for `region` at another endpoint (its own port).
    pub fn at(&self, endpoint: &str, region: &str) -> Client {
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let host = host_of(&endpoint);
        Client {
            http: self.http.clone(),
            url: format!("{endpoint}/"),
            endpoint,
            host,
            region: region.to_string(),
            identity: self.identity.clone(),
        }
    }

    /// The same client signing for another Region (the gateway routes by it).
    pub fn for_region(&self, region: &str) -> Client {
        let mut c = self.clone();
        c.region = region.to_string();
        c
    }

    /// `GET /_kmsim/health`: the HTTP stack alone.
    pub async fn health(&self) -> Result<(), String> {
        let r = self
            .http
            .get(format!("{}/_kmsim/health", self.endpoint))
            .send()
            .await
            .map_err(|_| "TransportError".to_string())?;
        if r.status().is_success() {
            r.bytes().await.map_err(|_| "TransportError".to_string())?;
            Ok(())
        } else {
            Err(format!("HTTP{}", r.status().as_u16()))
        }
    }

    /// Encodes a request once.
    pub fn prepare(&self, op: &str, body: &Value) -> Prepared {
        let body = serde_json::to_vec(body).unwrap_or_default();
        let sha256 = hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &body));
        Prepared {
            target: format!("TrentService.{op}"),
            body: body.into(),
            sha256,
        }
    }

    /// Calls `TrentService.<op>` with `body` and parses the response; `Err` carries the AWS
    /// error code.
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, String> {
        self.call_detailed(op, body).await.map_err(|e| e.code())
    }

    /// [`Client::call`], with the whole error (code and message, or the transport failure).
    pub async fn call_detailed(&self, op: &str, body: &Value) -> Result<Value, CallError> {
        let bytes = self.send_detailed(&self.prepare(op, body)).await?;
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Sends a prepared request; the raw response body on success, the AWS error code
    /// otherwise.
    pub async fn send(&self, p: &Prepared) -> Result<bytes::Bytes, String> {
        self.send_detailed(p).await.map_err(|e| e.code())
    }

    /// [`Client::send`], with the whole error.
    pub async fn send_detailed(&self, p: &Prepared) -> Result<bytes::Bytes, CallError> {
        let headers = [
            ("host", self.host.as_str()),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", p.target.as_str()),
        ];
        let params = SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("kms")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| CallError::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            self.url.as_str(),
            headers.iter().copied(),
            SignableBody::Precomputed(p.sha256.clone()),
        )
        .map_err(|e| CallError::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| CallError::Signing(e.to_string()))?
            .into_parts();
        let mut rb = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &p.target);
        for (k, v) in instructions.headers() {
            rb = rb.header(k, v);
        }
        let resp = rb
            .body(p.body.clone())
            .send()
            .await
            .map_err(|e| CallError::Transport(transport_cause(&e)))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CallError::Transport(transport_cause(&e)))?;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(aws_error(&bytes).unwrap_or(CallError::Http(status.as_u16())))
    }
}

/// An AWS JSON 1.1 error body: `__type` normalised as the SDKs normalise it (a
/// `namespace#Name` keeps `Name`, a `Name:http://…` keeps `Name`), `message` or `Message`.
fn aws_error(body: &[u8]) -> Option<CallError> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let raw = v.get("__type")?.as_str()?;
    let name = raw.rsplit('#').next().unwrap_or(raw);
    let code = name.split(':').next().unwrap_or(name).to_string();
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map(str::to_string);
    Some(CallError::Aws { code, message })
}

/// reqwest's error with its causes (the outermost alone says only "error sending request").
fn transport_cause(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The `host:port` of a base URL (what SigV4 signs as `Host`).
fn host_of(endpoint: &str) -> String {
    endpoint
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("")
        .to_string()
}
