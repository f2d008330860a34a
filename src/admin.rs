//! The admin surface under `/_kmsim/` (a path AWS never uses): health, and the simulated
//! clock that every time rule reads. Served on the gateway and on every Region port.
//!
//! When Regions run in separate processes (issue 10), every route acts on the **whole
//! cluster** whichever process receives it: the receiving process acts, then makes the same
//! (idempotent) call on every other process with [`crate::peers::SCOPE_HEADER`]` = process`,
//! which acts on that process alone.
//!
//! - `GET /_kmsim/health` → `{"status":"ok","gateway":URL,"defaultRegion":R,"regions":[{"region":R,
//!   "endpoint":URL,"wrappingKeysReady":{"RSA_2048":N,…}}]}` (`null` for a Region of another
//!   process)
//! - `GET /_kmsim/clock` → `{"now":EPOCH_SECONDS,"offsetSeconds":N}`
//! - `POST /_kmsim/clock/advance` with `{"seconds":N}` (N ≥ 0) → the same shape, after every
//!   rule that fell due has been applied in every Region (of every process).
//! - `POST /_kmsim/clock/catch-up` with `{"offsetSeconds":N,"sweep":B}`: the clock moves
//!   forward to at least N, then (unless `sweep` is false) applies the rules that fell due
//!   (how one process's advance reaches the others: every clock first, then every sweep).
//! - `GET /_kmsim/bus` → `{"transport":"in-process"|"nats","connected":B,"delayMs":N,
//!   "cut":[R…],"queued":{R:N},"pending":{R:N},"delivered":N,"rejected":N,
//!   "lagMs":{R:{"count":N,"p50":MS,"p99":MS,"max":MS}}}` — `queued`: events in the outboxes
//!   (not yet delivered, or not yet stored by NATS) per destination; `pending`: stored by NATS,
//!   not yet applied; lag: publish → applied, per destination Region, since start or reset;
//!   summed over every process; `unreachable`: Regions whose process did not answer.
//! - `POST /_kmsim/bus/delay` with `{"milliseconds":N}` → the bus status
//! - `POST /_kmsim/bus/cut` / `POST /_kmsim/bus/heal` with `{"region":R}` → the bus status
//! - `POST /_kmsim/reset` → `{"reset":true}` once every Region has forgotten its state (keys,
//!   aliases, grants, import tokens, queued bus events, the clock's offset) and the seed, if
//!   the cluster was started with one, has been applied again.
//! - `POST /_kmsim/bus/drain` → the bus status, once every Region has applied every event
//!   published before the call (and everything they caused); events to or from a cut Region
//!   stay queued. Answers 503 if the broker cannot be reached.
//! - `POST /_kmsim/bus/flush`, `POST /_kmsim/bus/settle` (process-scoped steps of a drain):
//!   hand over the outbox (`{"flushed":N}`); wait until this process's Regions applied what
//!   the broker holds for them.
//! - `GET /_kmsim/state` → every Region's keys with their state and materials ([`ui::state`]).
//! - `GET /_kmsim/ui` → the state page, HTML (served without the admin token, [`ui::page`]).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, Limited};
use serde_json::{json, Value};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cluster::ClusterState;
use crate::domain::enums::WrappingKeySpec;
use crate::peers::SCOPE_HEADER;
use crate::replication::bus::BusStatus;

pub mod ui;

/// Serves one admin request.
pub async fn handle(cluster: &Arc<ClusterState>, req: Request) -> Response {
    if req.method() == Method::GET && req.uri().path() == "/_kmsim/ui" {
        return ui::page();
    }
    if let Some(refused) = guard(cluster, &req) {
        return refused;
    }
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

/// Issue 11, item 7 (`Some`: the refusal): in `sigv4` mode every admin call carries the admin token; in every mode
/// an admin `POST` is `application/json` (which a browser cannot send across origins without
/// a preflight kmsim never grants) and is addressed to a loopback host or one of the cluster's
/// configured endpoint addresses (so a DNS-rebound page cannot reach it either). [CHOICE] The
/// configured addresses are accepted so that processes on separate hosts can call each other.
fn guard(cluster: &ClusterState, req: &Request) -> Option<Response> {
    let header = |name: &str| req.headers().get(name).map(|v| v.as_bytes());
    if let Some(token) = cluster.auth.admin_token() {
        let presented = header(crate::auth::ADMIN_TOKEN_HEADER).unwrap_or(b"");
        if aws_lc_rs::constant_time::verify_slices_are_equal(presented, token.as_bytes()).is_err() {
            return Some(reply(
                StatusCode::FORBIDDEN,
                json!({"__type": "AccessDeniedException", "message": "/_kmsim/ routes need the x-kmsim-admin-token header ([auth] admin_token)"}),
            ));
        }
    }
    if req.method() != Method::POST {
        return None;
    }
    let json_body = header(header::CONTENT_TYPE.as_str())
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return Some(reply(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"__type": "ValidationException", "message": "admin POSTs need Content-Type: application/json"}),
        ));
    }
    let host = header(header::HOST.as_str())
        .and_then(|v| std::str::from_utf8(v).ok())
        .unwrap_or("");
    if !host_allowed(cluster, host) {
        return Some(reply(
            StatusCode::FORBIDDEN,
            json!({"__type": "AccessDeniedException", "message": format!("admin POSTs must be addressed to a loopback host or a configured endpoint, not '{host}'")}),
        ));
    }
    None
}

/// A loopback name or address (any port), or exactly one of the cluster's endpoint addresses.
fn host_allowed(cluster: &ClusterState, host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback
        || std::iter::once(&cluster.endpoints.gateway)
            .chain(cluster.endpoints.regions.iter().map(|(_, u)| u))
            .any(|u| u.trim_start_matches("http://") == host)
}

/// Whether the call acts on the whole cluster (not a call from another process).
fn cluster_wide(cluster: &ClusterState, req: &Request) -> bool {
    !cluster.peers.is_empty()
        && req
            .headers()
            .get(SCOPE_HEADER)
            .is_none_or(|v| v.as_bytes() != b"process")
}

async fn route(cluster: &Arc<ClusterState>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let wide = cluster_wide(cluster, &req);
    if path.starts_with("/_kmsim/bus") {
        return bus(cluster, method, &path, req, wide).await;
    }
    match (method, path.as_str()) {
        (Method::GET, "/_kmsim/health") => reply(StatusCode::OK, health(cluster)),
        (Method::GET, "/_kmsim/clock") => reply(StatusCode::OK, clock(cluster)),
        (Method::GET, "/_kmsim/state") => reply(StatusCode::OK, ui::state(cluster, wide).await),
        (Method::POST, "/_kmsim/reset") => reset(cluster, wide).await,
        (Method::POST, "/_kmsim/clock/advance") => {
            let seconds = body_json(req)
                .await
                .and_then(|v| v.get("seconds").and_then(Value::as_f64));
            match seconds {
                Some(s) if s.is_finite() && s >= 0.0 && s * 1000.0 < i64::MAX as f64 => {
                    if !cluster.clock.advance((s * 1000.0).round() as i64) {
                        return bad("the simulated clock may run at most 1000 years ahead");
                    }
                    if wide {
                        // Every process's clock moves before any applies a time rule: an
                        // event a rule sends (a replica deleted, X-4) must find its
                        // destination already at the new time.
                        let offset = cluster.clock.offset() as f64 / 1000.0;
                        for sweep in [false, true] {
                            let body = json!({ "offsetSeconds": offset, "sweep": sweep });
                            if let Err(e) = cluster
                                .peers
                                .post_all("/_kmsim/clock/catch-up", &body)
                                .await
                            {
                                return unavailable(e);
                            }
                            if !sweep {
                                cluster.sweep();
                            }
                        }
                    } else {
                        cluster.sweep();
                    }
                    reply(StatusCode::OK, clock(cluster))
                }
                _ => bad("body must be {\"seconds\": N} with N a number >= 0"),
            }
        }
        (Method::POST, "/_kmsim/clock/catch-up") => {
            let body = body_json(req).await.unwrap_or(Value::Null);
            let offset = body.get("offsetSeconds").and_then(Value::as_f64);
            let sweep = body.get("sweep").and_then(Value::as_bool).unwrap_or(true);
            match offset {
                Some(s) if s.is_finite() && s >= 0.0 && s * 1000.0 < i64::MAX as f64 => {
                    if !cluster.clock.catch_up((s * 1000.0).round() as i64) {
                        return bad("the simulated clock may run at most 1000 years ahead");
                    }
                    if sweep {
                        cluster.sweep();
                    }
                    reply(StatusCode::OK, clock(cluster))
                }
                _ => bad("body must be {\"offsetSeconds\": N} with N a number >= 0"),
            }
        }
        _ => not_found(&path),
    }
}

async fn reset(cluster: &Arc<ClusterState>, wide: bool) -> Response {
    if let Err(e) = cluster.reset().await {
        return reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"__type": "KMSInternalException", "message": e.0}),
        );
    }
    if wide {
        if let Err(e) = cluster.peers.post_all("/_kmsim/reset", &json!({})).await {
            return unavailable(e);
        }
    }
    reply(StatusCode::OK, json!({"reset": true}))
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

/// The cluster-wide drain: every process settles (applies what the broker holds for it),
/// then hands over its outbox; repeated until a round hands over nothing, so what applying
/// caused is drained too.
async fn drain_cluster(cluster: &ClusterState, wide: bool) -> Result<(), String> {
    if !wide {
        return cluster.bus.drain().await.map(|_| ());
    }
    loop {
        cluster.bus.settle().await?;
        cluster
            .peers
            .post_all("/_kmsim/bus/settle", &json!({}))
            .await?;
        let mut flushed = cluster.bus.flush().await?;
        for v in cluster
            .peers
            .post_all("/_kmsim/bus/flush", &json!({}))
            .await?
        {
            flushed += v.get("flushed").and_then(Value::as_u64).unwrap_or(0) as usize;
        }
        if flushed == 0 {
            return Ok(());
        }
    }
}

async fn bus(
    cluster: &ClusterState,
    method: Method,
    path: &str,
    req: Request,
    wide: bool,
) -> Response {
    let bus = &cluster.bus;
    match (method, path) {
        (Method::GET, "/_kmsim/bus") => {}
        (Method::POST, "/_kmsim/bus/drain") => {
            if let Err(e) = drain_cluster(cluster, wide).await {
                return unavailable(e);
            }
        }
        (Method::POST, "/_kmsim/bus/settle") => {
            if let Err(e) = bus.settle().await {
                return unavailable(e);
            }
        }
        (Method::POST, "/_kmsim/bus/flush") => {
            return match bus.flush().await {
                Ok(n) => reply(StatusCode::OK, json!({ "flushed": n })),
                Err(e) => unavailable(e),
            };
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
                    if wide {
                        let body = json!({ "milliseconds": ms });
                        if let Err(e) = cluster.peers.post_all(path, &body).await {
                            return unavailable(e);
                        }
                    }
                }
                _ => return bad("body must be {\"milliseconds\": N} with 0 <= N <= 3600000"),
            }
        }
        (Method::POST, "/_kmsim/bus/cut") | (Method::POST, "/_kmsim/bus/heal") => {
            let region = body_json(req)
                .await
                .and_then(|v| v.get("region").and_then(Value::as_str).map(str::to_string));
            match region {
                // Issue 13, item 1: a Region the cluster serves now; cutting one does not
                // open it (`serves` would).
                Some(r) if bus.regions().contains(&r) => {
                    if path.ends_with("/cut") {
                        bus.cut(&r);
                    } else {
                        let b = bus.clone();
                        let r = r.clone();
                        let _ = tokio::task::spawn_blocking(move || b.heal(&r)).await;
                    }
                    if wide {
                        if let Err(e) = cluster.peers.post_all(path, &json!({ "region": r })).await
                        {
                            return unavailable(e);
                        }
                    }
                }
                _ => return bad("body must be {\"region\": R} with R a configured Region"),
            }
        }
        _ => return not_found(path),
    }
    let mut st = status_json(&bus.status());
    if wide {
        // [CHOICE] A process that does not answer is listed, not fatal: the status is what
        // one looks at when a Region is down.
        let mut unreachable = Vec::new();
        for (region, answer) in cluster.peers.get_each("/_kmsim/bus").await {
            match answer {
                Ok(o) => merge_status(&mut st, &o),
                Err(_) => unreachable.push(region),
            }
        }
        st["unreachable"] = json!(unreachable);
    }
    reply(StatusCode::OK, st)
}

fn status_json(st: &BusStatus) -> Value {
    json!({
        "transport": st.transport,
        "connected": st.connected,
        "delayMs": st.delay.as_millis() as u64,
        "cut": st.cut,
        "queued": st.queued,
        "pending": st.pending,
        "delivered": st.delivered,
        "rejected": st.rejected,
        "lagMs": st.lag.iter().map(|(r, l)| {
            (r.clone(), json!({"count": l.count, "p50": l.p50_ms, "p99": l.p99_ms, "max": l.max_ms}))
        }).collect::<serde_json::Map<String, Value>>(),
    })
}

/// Adds another process's status to `into`: counts summed per Region, lag taken from the
/// process that applies a Region's events (each Region's lag is measured in one process).
fn merge_status(into: &mut Value, other: &Value) {
    let sum = |into: &mut Value, key: &str| {
        let mut m: BTreeMap<String, u64> =
            serde_json::from_value(into[key].clone()).unwrap_or_default();
        let o: BTreeMap<String, u64> =
            serde_json::from_value(other[key].clone()).unwrap_or_default();
        for (r, n) in o {
            *m.entry(r).or_insert(0) += n;
        }
        into[key] = json!(m);
    };
    sum(into, "queued");
    sum(into, "pending");
    for key in ["delivered", "rejected"] {
        let n = into[key].as_u64().unwrap_or(0) + other[key].as_u64().unwrap_or(0);
        into[key] = json!(n);
    }
    let connected = into["connected"].as_bool().unwrap_or(false)
        && other["connected"].as_bool().unwrap_or(false);
    into["connected"] = json!(connected);
    if let (Some(lag), Some(o)) = (into["lagMs"].as_object_mut(), other["lagMs"].as_object()) {
        for (r, l) in o {
            lag.entry(r.clone()).or_insert_with(|| l.clone());
        }
    }
}

fn health(cluster: &ClusterState) -> Value {
    // Issue 13, item 1: Regions opened on first use are served by the gateway.
    let regions: Vec<Value> = cluster
        .region_urls()
        .into_iter()
        .map(|(r, url)| {
            let ready = cluster.nodes.get(&r).map(|n| {
                json!({
                    "RSA_2048": n.wrapping.ready(WrappingKeySpec::Rsa2048),
                    "RSA_3072": n.wrapping.ready(WrappingKeySpec::Rsa3072),
                    "RSA_4096": n.wrapping.ready(WrappingKeySpec::Rsa4096),
                })
            });
            let opened_on_first_use = !cluster.endpoints.regions.iter().any(|(c, _)| *c == r);
            json!({
                "region": r,
                "endpoint": url,
                "wrappingKeysReady": ready,
                "openedOnFirstUse": opened_on_first_use,
            })
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

fn not_found(path: &str) -> Response {
    reply(
        StatusCode::NOT_FOUND,
        json!({"__type": "NotFoundException", "message": format!("no admin route {path}")}),
    )
}

/// Another process or the broker could not be reached: the call did not complete.
fn unavailable(message: String) -> Response {
    reply(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"__type": "KMSInternalException", "message": message}),
    )
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
