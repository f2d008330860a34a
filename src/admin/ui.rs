//! The state page (issue 12, item 3): `GET /_kmsim/ui`, one self-contained HTML page compiled
//! into the binary, and `GET /_kmsim/state`, the JSON it renders — every Region's keys with
//! their state and materials, as DescribeKey and ListKeyRotations would show them.
//!
//! The page itself fetches `/_kmsim/state`, `/_kmsim/bus`, `/_kmsim/clock` and `/metrics`
//! from its own origin every 2 s, so it works on the gateway and on every Region port.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::cluster::ClusterState;
use crate::domain::enums::{ExpirationModel, Origin};
use crate::domain::key::Key;
use crate::domain::material::Material;
use crate::node::Node;
use crate::ops::shapes::KeyMetadata;

/// The page: HTML with its CSS and JavaScript inline, no external reference.
const PAGE: &str = include_str!("ui.html");

/// [CHOICE] At most this many keys per Region are listed (in creation order); `keyCount` says
/// how many there are. A state page is for looking at a simulation, not for dumping a
/// load test's million keys into a browser every 2 s.
pub const MAX_KEYS_PER_REGION: usize = 500;

/// `GET /_kmsim/ui`.
///
/// [CHOICE] The page is served **without** the admin token, even in `[auth] mode = "sigv4"`:
/// it is the same static text for everyone and holds no state. The state it shows comes from
/// the admin routes, which keep their guard: in `sigv4` mode open the page as
/// `/_kmsim/ui#token=<admin_token>`. The script reads the token from the URL fragment (which
/// a browser never sends to a server, so it reaches no log) and sends it as
/// `x-kmsim-admin-token` with each fetch; it is stored nowhere. A Content-Security-Policy
/// limits the page to its own inline code and its own origin.
pub fn page() -> Response {
    let mut resp = Response::new(Body::from(PAGE));
    *resp.status_mut() = StatusCode::OK;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// `GET /_kmsim/state` → `{"now":EPOCH_SECONDS,"regions":[{"region":R,"endpoint":URL,
/// "keyCount":N,"truncated":B,"keys":[KEY…]}],"unreachable":[R…]}` with every configured
/// Region in configuration order (a Region of a process that did not answer has
/// `"keys":null` and is listed in `unreachable`). Each KEY is
/// `{"keyMetadata":{…DescribeKey's KeyMetadata…},"materials":[MATERIAL…]}`, each MATERIAL
/// `{"keyMaterialId","keyMaterialState","importState","current","expirationModel",
/// "validTo","rotationDate","rotationType"}` in association order (`importState` and the
/// expiry only for EXTERNAL keys, as ListKeyRotations shows them).
///
/// With `wide`, the Regions of the other processes are asked (scoped to their process).
pub async fn state(cluster: &ClusterState, wide: bool) -> Value {
    let mut regions: Vec<(String, Value)> = cluster
        .nodes
        .all()
        .iter()
        .map(|(r, node)| (r.clone(), region_state(node)))
        .collect();
    let mut unreachable = Vec::new();
    if wide {
        for (region, answer) in cluster.peers.get_each("/_kmsim/state").await {
            let Ok(answer) = answer else {
                unreachable.push(region);
                continue;
            };
            // A process serving several remote Regions is asked once per Region; its
            // answer lists all of them, each taken once.
            for r in answer["regions"].as_array().into_iter().flatten() {
                let name = r["region"].as_str().unwrap_or_default();
                if !r["keys"].is_null() && !regions.iter().any(|(n, _)| n == name) {
                    regions.push((name.to_string(), r.clone()));
                }
            }
        }
    }
    let listed: Vec<Value> = cluster
        .region_urls()
        .iter()
        .map(|(name, endpoint)| {
            let mut r = regions
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| json!({"region": name, "keys": null}));
            r["endpoint"] = json!(endpoint);
            r
        })
        .collect();
    json!({
        "now": cluster.clock.now() as f64 / 1000.0,
        "regions": listed,
        "unreachable": unreachable,
    })
}

/// One local Region's keys, each read as a request would read it (time rules applied first).
fn region_state(node: &Node) -> Value {
    let ids = node.store.key_ids();
    let keys: Vec<Value> = ids
        .iter()
        .take(MAX_KEYS_PER_REGION)
        .filter_map(|id| node.peek_key(id, key_state))
        .collect();
    json!({
        "region": node.region,
        "keyCount": ids.len(),
        "truncated": ids.len() > MAX_KEYS_PER_REGION,
        "keys": keys,
    })
}

/// A key: DescribeKey's metadata (C-20: state, `CurrentKeyMaterialId`, the multi-Region
/// configuration) and its materials.
fn key_state(k: &Key) -> Value {
    let metadata = serde_json::to_value(KeyMetadata::of(k)).unwrap_or(Value::Null);
    let external = k.origin == Origin::External;
    json!({
        "keyMetadata": metadata,
        "materials": k.materials.iter().map(|m| material_state(m, external)).collect::<Vec<_>>(),
    })
}

/// One material with L-3's presence rules: `ImportState` and expiry only for EXTERNAL keys.
fn material_state(m: &Material, external: bool) -> Value {
    let expiry = m.expiry.filter(|_| external);
    json!({
        "keyMaterialId": m.id.to_hex(),
        "keyMaterialState": m.state.as_str(),
        "importState": external.then(|| m.import_state().as_str()),
        "current": m.state == crate::domain::enums::KeyMaterialState::Current,
        "expirationModel": expiry.map(|e| e.model.as_str()),
        "validTo": expiry
            .filter(|e| e.model == ExpirationModel::KeyMaterialExpires)
            .and_then(|e| e.valid_to)
            .map(|ms| ms as f64 / 1000.0),
        "rotationDate": m.rotated.map(|(ms, _)| ms as f64 / 1000.0),
        "rotationType": m.rotated.map(|(_, t)| t.as_str()),
    })
}
