//! The HTTP layer: one axum service per endpoint. A regional endpoint serves its own Region;
//! the gateway picks the Region from the SigV4 credential scope (W-10, W-11). Admin routes
//! under `/_kmsim/` go to [`crate::admin`].

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::{BodyExt, Limited};
use tracing::Instrument;

use crate::cluster::ClusterState;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::ops::Placement;
use crate::protocol::sigv4::Authorization;
use crate::protocol::target;
use crate::protocol::wire::{encode_error, CONTENT_TYPE, MAX_BODY_BYTES};
use crate::regions::Unserved;

/// Which Region(s) an endpoint serves.
#[derive(Debug, Clone)]
pub enum Route {
    /// A regional endpoint: always this Region.
    Region(Arc<Node>),
    /// The gateway: the Region in the request's SigV4 scope, else the default Region.
    Gateway,
}

/// What every request handler of one endpoint shares.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The whole cluster (for the gateway and admin routes).
    pub cluster: Arc<ClusterState>,
    /// What this endpoint serves.
    pub route: Route,
}

/// The axum router of one endpoint: every path goes to one handler.
pub fn router(endpoint: Endpoint) -> Router {
    Router::new().fallback(handle).with_state(endpoint)
}

async fn handle(State(ep): State<Endpoint>, req: Request) -> Response {
    let id = request_id();
    let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let request_id: &str = id.hyphenated().encode_lower(&mut id_text);
    if req.uri().path().starts_with("/_kmsim/") {
        return crate::admin::handle(&ep.cluster, req).await;
    }
    if req.uri().path() == "/metrics" && req.method() == Method::GET {
        return metrics_page(&ep);
    }
    if req.uri().path() == "/" && matches!(*req.method(), Method::GET | Method::HEAD) {
        return pointer(&ep, request_id);
    }
    let started = std::time::Instant::now();
    if let Some(region) = remote_region(&ep, req.headers()) {
        return forward(&ep, &region, req, request_id).await;
    }
    // The span's fields are evaluated only when debug logging is on.
    let span = tracing::debug_span!(
        "kms",
        %request_id,
        op = header_str(req.headers(), "x-amz-target").unwrap_or(""),
        region = tracing::field::Empty
    );
    let mut served = Served::default();
    let result = kms_request(&ep, req, &span, *id.as_bytes(), &mut served)
        .instrument(span.clone())
        .await;
    log_request(&ep, &served, &result, started.elapsed(), request_id);
    match result {
        Ok(body) => respond(StatusCode::OK, body, request_id),
        Err(e) => {
            span.in_scope(|| tracing::debug!(error = %e, "rejected"));
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            respond(status, encode_error(&e), request_id)
        }
    }
}

/// What a request turned out to be, for its log line and metrics.
#[derive(Debug, Default)]
struct Served {
    node: Option<Arc<Node>>,
    operation: Option<&'static str>,
}

/// Issue 12, items 2 and 6: one `info` line per KMS request (Region, operation, HTTP status,
/// outcome, latency, request id) and its metrics ([`crate::telemetry`]).
fn log_request(
    ep: &Endpoint,
    served: &Served,
    result: &KmsResult<Vec<u8>>,
    elapsed: std::time::Duration,
    request_id: &str,
) {
    let operation = served.operation.unwrap_or("Unknown");
    let (status, outcome) = match result {
        Ok(_) => (200, "ok"),
        Err(e) => (e.code.status(), e.code.code()),
    };
    let region = match &served.node {
        Some(node) => {
            node.metrics.request(operation, outcome, elapsed);
            node.region.as_str()
        }
        None => {
            let region = ep.cluster.default_region.as_str();
            crate::telemetry::request(region, operation, outcome, elapsed);
            region
        }
    };
    tracing::info!(
        target: "kmsim::request",
        region,
        operation,
        status,
        outcome,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        request_id,
        "request"
    );
}

/// Issue 13, item 5: `GET /` (a browser, `curl`) answers what this port is and where to read
/// on, instead of the KMS protocol's error for a request that is not `POST /`.
fn pointer(ep: &Endpoint, request_id: &str) -> Response {
    let serves = match &ep.route {
        Route::Region(node) => format!("the Region {}", node.region),
        Route::Gateway => "every Region, by the Region in the SigV4 signature (the gateway)".into(),
    };
    let body = serde_json::json!({
        "service": "kmsim",
        "version": env!("CARGO_PKG_VERSION"),
        "message": format!(
            "kmsim, a local AWS KMS simulator. This port serves {serves}. Point an AWS SDK or the AWS CLI here (e.g. AWS_ENDPOINT_URL_KMS=http://this-host:port); KMS operations are POST / with X-Amz-Target: TrentService.<Operation>."
        ),
        "links": {
            "health": "/_kmsim/health",
            "statePage": "/_kmsim/ui",
            "metrics": "/metrics",
        },
        "readme": {
            "quickStart": "README.md#kmsim--a-local-multi-region-aws-kms-simulator",
            "walkthrough": "README.md#multi-region-walkthrough-aws-cli",
            "recipes": "README.md#recipes-sdks-the-cli-and-the-encryption-sdk",
            "configuration": "README.md#configuration-regionstoml",
        },
    });
    let mut resp = respond(
        StatusCode::OK,
        serde_json::to_vec_pretty(&body).unwrap_or_default(),
        request_id,
    );
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `GET /metrics` (Prometheus text format 0.0.4).
fn metrics_page(ep: &Endpoint) -> Response {
    let mut resp = Response::new(Body::from(crate::telemetry::render(&ep.cluster)));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    resp
}

/// W-1 … W-4 and Region routing, then the operation, run with `request_id` as the current
/// request id (GetKeyLastUsage's `KmsRequestId`, see [`crate::last_usage`]).
async fn kms_request(
    ep: &Endpoint,
    req: Request,
    span: &tracing::Span,
    request_id: [u8; 16],
    served: &mut Served,
) -> KmsResult<Vec<u8>> {
    let (parts, body) = req.into_parts();
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Err(KmsError::new(
            ErrorCode::UnknownOperation,
            format!(
                "KMS operations are POST / with X-Amz-Target; got {} {}",
                parts.method,
                parts.uri.path()
            ),
        ));
    }
    let body = read_body(body).await?;
    let caller = authenticate(ep, &parts, &body)?;
    let target_header = header_str(&parts.headers, "x-amz-target");
    let op = target::operation(target_header)?;
    served.operation = Some(op.name());
    target::check_content_type(
        parts
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.as_bytes()),
    )?;
    let node = pick_node(ep, &parts.headers)?;
    span.record("region", node.region.as_str());
    served.node = Some(node.clone());
    let placement = crate::ops::placement(op);
    let dispatch = move || {
        crate::auth::current::with_caller(caller, || {
            crate::last_usage::with_request_id(request_id, || {
                crate::ops::dispatch(&node, op, &body)
            })
        })
    };
    let out = match placement {
        Placement::Inline => dispatch(),
        Placement::Cpu => ep
            .cluster
            .cpu
            .run(dispatch)
            .await
            .ok_or_else(|| KmsError::internal("the CPU pool has shut down"))?,
    };
    // Issue 9: answer only once every change recorded before now is durable (free when
    // memory-only, and two atomic loads when nothing is pending).
    let journal = &ep.cluster.journal;
    journal.wait(journal.mark()).await?;
    out
}

/// The gateway's Region for a request when another process serves it (issue 10).
fn remote_region(ep: &Endpoint, headers: &HeaderMap) -> Option<String> {
    if !matches!(ep.route, Route::Gateway) || ep.cluster.peers.is_empty() {
        return None;
    }
    let region = gateway_region(ep, headers);
    ep.cluster
        .peers
        .url(region)
        .is_some()
        .then(|| region.to_string())
}

/// Forwards a gateway request for a Region of another process, unchanged (the body within
/// the same size limit as here).
async fn forward(ep: &Endpoint, region: &str, req: Request, request_id: &str) -> Response {
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(e) => {
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return respond(status, encode_error(&e), request_id);
        }
    };
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    ep.cluster
        .peers
        .forward(region, parts.method, pq, &parts.headers, body)
        .await
}

/// W-10/W-11: the Region the gateway serves a request for.
fn gateway_region<'a>(ep: &'a Endpoint, headers: &'a HeaderMap) -> &'a str {
    header_str(headers, header::AUTHORIZATION.as_str())
        .and_then(Authorization::region_of)
        .unwrap_or(&ep.cluster.default_region)
}

/// Issue 11: the caller (`[auth] mode = "sigv4"`: a valid signature by a configured
/// credential, see [`crate::auth`]), and in every mode the Region check of a Region's own port:
/// a request signed for another Region is refused, as AWS's regional endpoints do.
fn authenticate(
    ep: &Endpoint,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> KmsResult<Option<Arc<crate::auth::Caller>>> {
    if let Route::Region(node) = &ep.route {
        let signed_for = header_str(&parts.headers, header::AUTHORIZATION.as_str())
            .and_then(Authorization::region_of)
            .map(str::to_string)
            .or_else(|| {
                parts
                    .uri
                    .path_and_query()
                    .and_then(|pq| crate::auth::sigv4::from_query(pq.as_str()))
                    .map(|p| p.region)
            });
        if let Some(region) = signed_for.filter(|r| *r != node.region) {
            return Err(KmsError::new(
                ErrorCode::InvalidSignature,
                format!(
                    "Credential should be scoped to a valid region, not '{region}'. This endpoint serves {}.",
                    node.region
                ),
            ));
        }
    }
    let auth = &ep.cluster.auth;
    if !auth.verifies() {
        return Ok(None);
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let req = crate::auth::sigv4::Request {
        method: parts.method.as_str(),
        path_and_query: pq,
        headers: &headers,
        body,
    };
    let caller = auth.check(&req, std::time::SystemTime::now())?;
    Ok(caller.map(|mut c| {
        c.source_ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|ci| ci.0.ip());
        Arc::new(c)
    }))
}

/// W-10/W-11: the node for this request. Issue 13, item 1: on the gateway, a valid Region
/// name the cluster does not serve yet is opened now (unless `strict_regions`).
fn pick_node(ep: &Endpoint, headers: &HeaderMap) -> KmsResult<Arc<Node>> {
    match &ep.route {
        Route::Region(node) => Ok(node.clone()),
        Route::Gateway => {
            let region = gateway_region(ep, headers);
            ep.cluster.nodes.open(region).map_err(|why| {
                let serves = match why {
                    Unserved::NotARegion => String::new(),
                    Unserved::TooMany => format!(
                        " This kmsim cluster has opened {} Regions on first use, its limit; list the Region in regions.toml.",
                        crate::regions::MAX_OPENED
                    ),
                    Unserved::NotConfigured => {
                        let mut known: Vec<String> = ep
                            .cluster
                            .region_urls()
                            .into_iter()
                            .map(|(r, _)| r)
                            .collect();
                        known.sort_unstable();
                        format!(
                            " This kmsim cluster serves only its configured Regions (strict_regions): {}",
                            known.join(", ")
                        )
                    }
                };
                KmsError::new(
                    ErrorCode::InvalidSignature,
                    format!("Credential should be scoped to a valid region, not '{region}'.{serves}"),
                )
            })
        }
    }
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`] with a KMS-shaped 400
/// (`ValidationException` [CHOICE]) rather than axum's plain-text 413.
async fn read_body(body: Body) -> KmsResult<Bytes> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(KmsError::validation(format!(
            "Request body is larger than the {MAX_BODY_BYTES}-byte limit"
        ))),
        Err(e) => Err(KmsError::serialization(format!(
            "Could not read the request body: {e}"
        ))),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A v4 UUID for `x-amzn-RequestId` from aws-lc's user-space generator (no system call per
/// request, unlike the `uuid` crate's default source).
fn request_id() -> uuid::Uuid {
    let mut b = [0u8; 16];
    if aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut b).is_err() {
        return uuid::Uuid::new_v4();
    }
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// W-2: JSON 1.1 content type and an `x-amzn-RequestId` on every response; never the
/// `x-amzn-query-error` header (W-31).
fn respond(status: StatusCode, body: Vec<u8>, request_id: &str) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}
