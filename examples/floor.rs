//! The HTTP floor for `scripts/bench.sh`: a plain axum 0.8 JSON handler, as lean as an axum
//! app gets (multi-thread tokio runtime with the default worker count, no logging, no
//! middleware). `POST /` parses the JSON body with serde_json and answers a small JSON object
//! with `Content-Type: application/x-amz-json-1.1`, so that the ratio of a kmsim operation to
//! it is the cost of kmsim's own request path above HTTP + JSON.
//!
//! `cargo build --release --example floor && target/release/examples/floor 127.0.0.1:8099`
//! (`… 127.0.0.1:8099 conn`: the handler behind kmsim's connection layer instead of
//! `axum::serve`).

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

async fn handle(body: Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => {
            let key_id = v.get("KeyId").cloned().unwrap_or(serde_json::Value::Null);
            let out = serde_json::json!({ "KeyId": key_id, "Floor": true });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, CONTENT_TYPE)],
                serde_json::to_vec(&out).unwrap_or_default(),
            )
        }
        Err(_) => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, CONTENT_TYPE)],
            br#"{"__type":"SerializationException"}"#.to_vec(),
        ),
    }
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_string());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("floor: cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    let app = Router::new().route("/", post(handle));
    // `floor ADDR conn`: the same handler behind kmsim's own connection layer (timeouts,
    // watchdog), to measure what that layer costs per request.
    if std::env::args().nth(2).as_deref() == Some("conn") {
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let timeouts = kmsim::protocol::conn::Timeouts::default();
        kmsim::protocol::conn::serve(listener, app, timeouts, stopped).await;
        return;
    }
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("floor: {e}");
        std::process::exit(1);
    }
}
