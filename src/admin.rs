//! The admin surface under `/_kmsim/` (a path AWS never uses): health, and the simulated
//! clock that every time rule reads. Served on the gateway and on every Region port.
//!
//! - `GET /_kmsim/health` → `{"status":"ok","gateway":URL,"defaultRegion":R,"regions":[{"region":R,"endpoint":URL}]}`
//! - `GET /_kmsim/clock` → `{"now":EPOCH_SECONDS,"offsetSeconds":N}`
//! - `POST /_kmsim/clock/advance` with `{"seconds":N}` (N ≥ 0) → the same shape, after every
//!   rule that fell due has been applied in every Region.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde_json::{json, Value};

use crate::cluster::ClusterState;

/// Serves one admin request.
pub async fn handle(cluster: &ClusterState, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    match (method, path.as_str()) {
        (Method::GET, "/_kmsim/health") => reply(StatusCode::OK, health(cluster)),
        (Method::GET, "/_kmsim/clock") => reply(StatusCode::OK, clock(cluster)),
        (Method::POST, "/_kmsim/clock/advance") => {
            let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => return bad("could not read the request body"),
            };
            let seconds = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("seconds").and_then(Value::as_f64));
            match seconds {
                Some(s) if s.is_finite() && s >= 0.0 && s * 1000.0 < i64::MAX as f64 => {
                    if !cluster.clock.advance((s * 1000.0).round() as i64) {
                        return bad("the simulated clock may run at most 1000 years ahead");
                    }
                    cluster.sweep();
                    reply(StatusCode::OK, clock(cluster))
                }
                _ => bad("body must be {\"seconds\": N} with N a number >= 0"),
            }
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"__type": "NotFoundException", "message": format!("no admin route {path}")}),
        ),
    }
}

fn health(cluster: &ClusterState) -> Value {
    let regions: Vec<Value> = cluster
        .endpoints
        .regions
        .iter()
        .map(|(r, url)| json!({"region": r, "endpoint": url}))
        .collect();
    json!({
        "status": "ok",
        "gateway": cluster.endpoints.gateway,
        "defaultRegion": cluster.default_region,
        "regions": regions,
    })
}

fn clock(cluster: &ClusterState) -> Value {
    json!({
        "now": cluster.clock.now() as f64 / 1000.0,
        "offsetSeconds": cluster.clock.offset() as f64 / 1000.0,
    })
}

fn bad(msg: &str) -> Response {
    reply(
        StatusCode::BAD_REQUEST,
        json!({"__type": "ValidationException", "message": msg}),
    )
}

fn reply(status: StatusCode, v: Value) -> Response {
    let mut resp = Response::new(Body::from(v.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
