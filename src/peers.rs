//! The other processes of a cluster whose Regions run apart (`kmsim serve --regions`, issue
//! 10): where each remote Region listens (its `listen` address in the shared configuration),
//! forwarding the gateway's requests for a remote Region there, and the admin calls that one
//! process makes to all the others so that the clock, the bus controls and reset act on the
//! whole cluster.
//!
//! A call from one process to another carries [`SCOPE_HEADER`]` = process`, so it acts on that
//! process alone and is never passed on again. Every such call is idempotent (set the clock to
//! at least an offset, cut, heal, settle, flush, reset), so a process that serves several
//! remote Regions and is reached once per Region does no harm.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// Marks an admin call that acts on the receiving process only.
pub const SCOPE_HEADER: &str = "x-kmsim-scope";

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-connection",
    "content-length",
];

/// The remote Regions of this process's cluster.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    client: reqwest::Client,
    /// Region → base URL of its own endpoint.
    remote: BTreeMap<String, String>,
    /// `[auth] admin_token`, sent on every admin call to another process.
    admin_token: Option<String>,
}

impl Peers {
    /// Peers at `remote` (Region → base URL), called with `admin_token` if set.
    pub fn new(remote: BTreeMap<String, String>, admin_token: Option<String>) -> Peers {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap_or_default();
        Peers {
            client,
            remote,
            admin_token,
        }
    }

    /// Whether every Region runs in this process.
    pub fn is_empty(&self) -> bool {
        self.remote.is_empty()
    }

    /// The base URL of a remote Region.
    pub fn url(&self, region: &str) -> Option<&str> {
        self.remote.get(region).map(String::as_str)
    }

    /// The distinct base URLs to reach every other process (one per remote Region; two
    /// Regions of one process are simply asked twice).
    fn targets(&self) -> Vec<(String, String)> {
        self.remote
            .iter()
            .map(|(r, u)| (r.clone(), u.clone()))
            .collect()
    }

    /// Sends a KMS request unchanged to a remote Region's endpoint and returns its answer
    /// unchanged. [CHOICE] A Region that cannot be reached answers HTTP 500
    /// `KMSInternalException` naming it (SDKs retry a 500, as they would a real outage).
    pub async fn forward(
        &self,
        region: &str,
        method: axum::http::Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: bytes::Bytes,
    ) -> Response {
        let Some(base) = self.url(region) else {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Region {region} has no known endpoint"),
            );
        };
        let mut rb = self
            .client
            .request(method, format!("{base}{path_and_query}"))
            .body(body);
        for (name, value) in headers {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                rb = rb.header(name, value);
            }
        }
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) => {
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Region {region} ({base}) cannot be reached from the gateway: {e}"),
                )
            }
        };
        let status = resp.status();
        let mut out_headers = HeaderMap::new();
        for (name, value) in resp.headers() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                out_headers.append(name, value.clone());
            }
        }
        match resp.bytes().await {
            Ok(b) => {
                let mut r = Response::new(Body::from(b));
                *r.status_mut() = status;
                *r.headers_mut() = out_headers;
                r
            }
            Err(e) => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Region {region} ({base}) broke off its answer: {e}"),
            ),
        }
    }

    /// POSTs `body` to `path` on every other process (scoped to it) concurrently; their JSON
    /// answers, or the first failure naming the Region.
    pub async fn post_all(&self, path: &str, body: &Value) -> Result<Vec<Value>, String> {
        self.call_all(path, Some(body), None).await
    }

    /// GETs `path` from every other process (scoped to it).
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, String> {
        self.call_all(path, None, None).await
    }

    /// GETs `path` from every other process: each Region's answer or why there is none.
    pub async fn get_each(&self, path: &str) -> Vec<(String, Result<Value, String>)> {
        let calls = self.targets().into_iter().map(|(region, base)| {
            let one = Peers {
                client: self.client.clone(),
                remote: [(region.clone(), base)].into(),
                admin_token: self.admin_token.clone(),
            };
            async move {
                let r = one
                    .call_all(path, None, Some(Duration::from_secs(10)))
                    .await
                    .map(|mut v| v.pop().unwrap_or(Value::Null));
                (region, r)
            }
        });
        futures_util::future::join_all(calls).await
    }

    /// GETs `path` from every other process that answers within `within`; the answers.
    pub async fn get_reachable(&self, path: &str, within: Duration) -> Vec<Value> {
        let calls = self.targets().into_iter().map(|(region, base)| {
            let one = Peers {
                client: self.client.clone(),
                remote: [(region, base)].into(),
                admin_token: self.admin_token.clone(),
            };
            async move { one.call_all(path, None, Some(within)).await }
        });
        futures_util::future::join_all(calls)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .flatten()
            .collect()
    }

    async fn call_all(
        &self,
        path: &str,
        body: Option<&Value>,
        within: Option<Duration>,
    ) -> Result<Vec<Value>, String> {
        let calls = self.targets().into_iter().map(|(region, base)| {
            let url = format!("{base}{path}");
            let mut rb = match body {
                Some(b) => self.client.post(&url).json(b),
                None => self.client.get(&url),
            };
            if let Some(t) = within {
                rb = rb.timeout(t);
            }
            let mut rb = rb.header(SCOPE_HEADER, HeaderValue::from_static("process"));
            if let Some(t) = &self.admin_token {
                rb = rb.header(crate::auth::ADMIN_TOKEN_HEADER, t);
            }
            async move {
                let resp = rb
                    .send()
                    .await
                    .map_err(|e| format!("Region {region} ({base}) cannot be reached: {e}"))?;
                let status = resp.status();
                let v: Value = resp.json().await.unwrap_or(Value::Null);
                if !status.is_success() {
                    return Err(format!("Region {region} ({base}) answered {status}: {v}"));
                }
                Ok(v)
            }
        });
        futures_util::future::join_all(calls)
            .await
            .into_iter()
            .collect()
    }
}

fn error(status: StatusCode, message: String) -> Response {
    let mut r = Response::new(Body::from(
        json!({"__type": "KMSInternalException", "message": message}).to_string(),
    ));
    *r.status_mut() = status;
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(crate::protocol::wire::CONTENT_TYPE),
    );
    r
}
