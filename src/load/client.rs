//! A minimal SigV4-signing KMS client for the load tool (signing with the maintained
//! `aws-sigv4` crate, exactly as the SDKs sign).

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

impl Client {
    /// A client for `endpoint`, signing for `region` with fixed test credentials.
    pub fn new(endpoint: &str, region: &str) -> Result<Client, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let host = host_of(&endpoint);
        Ok(Client {
            http,
            url: format!("{endpoint}/"),
            endpoint,
            host,
            region: region.to_string(),
            identity: Credentials::new("AKIDKMSIMLOAD", "kmsim-load-secret", None, None, "load")
                .into(),
        })
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
        let bytes = self.send(&self.prepare(op, body)).await?;
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Sends a prepared request; the raw response body on success, the AWS error code
    /// otherwise.
    pub async fn send(&self, p: &Prepared) -> Result<bytes::Bytes, String> {
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
            .map_err(|e| format!("signing: {e}"))?
            .into();
        let signable = SignableRequest::new(
            "POST",
            self.url.as_str(),
            headers.iter().copied(),
            SignableBody::Precomputed(p.sha256.clone()),
        )
        .map_err(|e| format!("signing: {e}"))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| format!("signing: {e}"))?
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
            .map_err(|_| "TransportError".to_string())?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|_| "TransportError".to_string())?;
        if status.is_success() {
            return Ok(bytes);
        }
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Err(v
            .get("__type")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP{}", status.as_u16())))
    }
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
