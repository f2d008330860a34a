//! The admin surface under `/_kmsim/` (a path AWS never uses): health, and the simulated
//! clock that every time rule reads. Served on the gateway and on every Region port.
//!
//! - `GET /_kmsim/health` → `{"status":"ok","gateway":URL,"defaultRegion":R,"regions":[{"region":R,
//!   "endpoint":URL,"wrappingKeysReady":{"RSA_2048":N,…}}]}`
//! - `GET /_kmsim/clock` → `{"now":EPOCH_SECONDS,"offsetSeconds":N}`
//! - `POST /_kmsim/clock/advance` with `{"seconds":N}` (N ≥ 0) → the same shape, after every
//!   rule that fell due has been applied in every Region.
//! - `GET /_kmsim/bus` → `{"delayMs":N,"cut":[R…],"queued":{R:N},"delivered":N,
//!   "lagMs":{R:{"count":N,"p50":MS,"p99":MS,"max":MS}}}` (lag: publish → applied, per
//!   destination Region, since start or reset)
//! - `POST /_kmsim/bus/delay` with `{"milliseconds":N}` → the bus status
//! - `POST /_kmsim/bus/cut` / `POST /_kmsim/bus/heal` with `{"region":R}` → the bus status
//! - `POST /_kmsim/reset` → `{"reset":true}` once every Region has forgotten its state (keys,
//!   aliases, grants, import tokens, queued bus events, the clock's offset) and the seed, if
//!   the cluster was started with one, has been applied again.
//! - `POST /_kmsim/bus/drain` → the bus status, once every deliverable queued event (and
//!   everything they caused) has been applied; events to or from a cut Region stay queued.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde_json::{json, Value};

use std::sync::Arc;

use crate::cluster::ClusterState;
use crate::domain::enums::WrappingKeySpec;

/// Serves one admin request.
pub async fn handle(cluster: &Arc<ClusterState>, req: Request) -> Response {
    let resp = route(cluster, req).await;
    // Whatever the route changed (the clock offset, a reset, bus deliveries) is durable
    // before the answer, as for KMS requests.
    let journal = &cluster.journal;
    match journal.wait(journal.mark()).await {
        Ok(()) => resp,
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"__type": "KMSInternalException", "message": e.message}),
        ),
    }
}

async fn route(cluster: &Arc<ClusterState>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if path.starts_with("/_kmsim/bus") {
        return bus(cluster, method, &path, req).await;
    }
    match (method, path.as_str()) {
        (Method::GET, "/_kmsim/health") => reply(StatusCode::OK, health(cluster)),
        (Method::GET, "/_kmsim/clock") => reply(StatusCode::OK, clock(cluster)),
        (Method::POST, "/_kmsim/reset") => reset(cluster).await,
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

async fn reset(cluster: &Arc<ClusterState>) -> Response {
    // Seeding unwraps RSA and drains the bus: off the executor.
    let c = cluster.clone();
    match tokio::task::spawn_blocking(move || c.reset()).await {
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"__type": "KMSInternalException", "message": format!("reset failed: {e}")}),
        ),
        Ok(Ok(())) => reply(StatusCode::OK, json!({"reset": true})),
        Ok(Err(e)) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"__type": "KMSInternalException", "message": e.0}),
        ),
    }
}

async fn body_json(req: Request) -> Option<Value> {
    let body = Limited::new(req.into_body(), 64 * 1024)
        .collect()
        .await
        .ok()?;
    let bytes = body.to_bytes();
    if bytes.is_empty() {
        return Some(Value::Object(Default::default()));
    }
    serde_json::from_slice(&bytes).ok()
}

async fn bus(cluster: &ClusterState, method: Method, path: &str, req: Request) -> Response {
    let bus = &cluster.bus;
    match (method, path) {
        (Method::GET, "/_kmsim/bus") => {}
        (Method::POST, "/_kmsim/bus/drain") => {
            let b = bus.clone();
            let _ = tokio::task::spawn_blocking(move || b.drain()).await;
        }
        (Method::POST, "/_kmsim/bus/delay") => {
            let ms = body_json(req)
                .await
                .and_then(|v| v.get("milliseconds").and_then(Value::as_u64));
            match ms {
                Some(ms) if ms <= 3_600_000 => {
                    let b = bus.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        b.set_delay(std::time::Duration::from_millis(ms))
                    })
                    .await;
                }
                _ => return bad("body must be {\"milliseconds\": N} with 0 <= N <= 3600000"),
            }
        }
        (Method::POST, "/_kmsim/bus/cut") | (Method::POST, "/_kmsim/bus/heal") => {
            let region = body_json(req)
                .await
                .and_then(|v| v.get("region").and_then(Value::as_str).map(str::to_string));
            match region {
                Some(r) if cluster.nodes.contains_key(&r) => {
                    if path.ends_with("/cut") {
                        bus.cut(&r);
                    } else {
                        let b = bus.clone();
                        let _ = tokio::task::spawn_blocking(move || b.heal(&r)).await;
                    }
                }
                _ => return bad("body must be {\"region\": R} with R a configured Region"),
            }
        }
        _ => {
            return reply(
                StatusCode::NOT_FOUND,
                json!({"__type": "NotFoundException", "message": format!("no admin route {path}")}),
            )
        }
    }
    let st = bus.status();
    reply(
        StatusCode::OK,
        json!({
            "delayMs": st.delay.as_millis() as u64,
            "cut": st.cut,
            "queued": st.queued,
            "delivered": st.delivered,
            "lagMs": st.lag.iter().map(|(r, l)| {
                (r.clone(), json!({"count": l.count, "p50": l.p50_ms, "p99": l.p99_ms, "max": l.max_ms}))
            }).collect::<serde_json::Map<String, Value>>(),
        }),
    )
}

fn health(cluster: &ClusterState) -> Value {
    let regions: Vec<Value> = cluster
        .endpoints
        .regions
        .iter()
        .map(|(r, url)| {
            let ready = cluster.nodes.get(r).map(|n| {
                json!({
                    "RSA_2048": n.wrapping.ready(WrappingKeySpec::Rsa2048),
                    "RSA_3072": n.wrapping.ready(WrappingKeySpec::Rsa3072),
                    "RSA_4096": n.wrapping.ready(WrappingKeySpec::Rsa4096),
                })
            });
            json!({"region": r, "endpoint": url, "wrappingKeysReady": ready})
        })
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
