//! `kmsim load`: argument errors, the JSON line's shape, and short runs against an in-process
//! cluster (no timing is asserted).

use std::time::Duration;

use kmsim::load::{run, LoadConfig, Op};

use crate::common::*;

const KEYS: [&str; 11] = [
    "concurrency",
    "errors",
    "max_ms",
    "ok",
    "op",
    "ops_per_sec",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "seconds",
    "throttled",
];

fn assert_shape(v: &serde_json::Value, op: &str) {
    let obj = v.as_object().expect("one JSON object");
    assert_eq!(members(v), KEYS, "exactly the documented keys");
    assert_eq!(obj["op"], op);
    assert!(obj["errors"].is_object());
    for k in ["ok", "concurrency", "throttled"] {
        assert!(obj[k].is_u64(), "{k} is an integer");
    }
    for k in [
        "ops_per_sec",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "max_ms",
        "seconds",
    ] {
        assert!(obj[k].is_number(), "{k} is a number");
    }
    let (p50, p99, max) = (
        obj["p50_ms"].as_f64().unwrap(),
        obj["p99_ms"].as_f64().unwrap(),
        obj["max_ms"].as_f64().unwrap(),
    );
    assert!(p50 <= p99 && p99 <= max, "percentiles are ordered");
}

#[tokio::test]
async fn short_runs_of_every_op_succeed_with_the_documented_shape() {
    let tc = TestCluster::start().await;
    for op in Op::ALL {
        let cfg = LoadConfig {
            endpoint: tc.gateway_url(),
            region: "us-east-1".into(),
            op,
            concurrency: 2,
            duration: Duration::from_millis(300),
            replica_regions: vec!["eu-west-1".into(), "ap-southeast-2".into()],
            region_endpoints: Default::default(),
        };
        let report = run(cfg)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.name()));
        assert_shape(&report.json, op.name());
        assert_eq!(report.unexpected, 0, "{}: {}", op.name(), report.json);
        assert!(report.json["ok"].as_u64().unwrap() > 0, "{}", report.json);
    }
    tc.stop().await;
}

#[tokio::test]
async fn failures_are_counted_by_error_code_and_fail_the_run() {
    // A Region the cluster does not serve (strict: otherwise it opens on first use, issue
    // 13): every signed request is refused.
    let tc = TestCluster::start_with("strict_regions = true\n").await;
    let cfg = LoadConfig {
        endpoint: tc.gateway_url(),
        region: "sa-east-1".into(),
        op: Op::Encrypt,
        concurrency: 1,
        duration: Duration::from_millis(100),
        replica_regions: vec![],
        region_endpoints: Default::default(),
    };
    let e = run(cfg).await.unwrap_err();
    assert!(e.contains("InvalidSignatureException"), "{e}");
    tc.stop().await;
}

/// Runs `kmsim` with `args` to completion.
fn run_kmsim(args: &[&str]) -> std::process::Output {
    kmsim().args(args).output().expect("run kmsim")
}

#[test]
fn argument_errors_exit_2_with_a_message() {
    for (args, needle) in [
        (&["load", "--op", "encrypt"][..], "--endpoint"),
        (
            &["load", "--endpoint", "http://127.0.0.1:1", "--op", "nope"][..],
            "unknown op 'nope'",
        ),
        (
            &[
                "load",
                "--endpoint",
                "http://127.0.0.1:1",
                "--op",
                "floor",
                "--concurrency",
                "0",
            ][..],
            "concurrency",
        ),
        (
            &[
                "load",
                "--endpoint",
                "http://127.0.0.1:1",
                "--op",
                "floor",
                "--duration",
                "0",
            ][..],
            "is not a number of seconds",
        ),
    ] {
        let out = run_kmsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn an_unreachable_endpoint_is_a_setup_failure() {
    let out = run_kmsim(&[
        "load",
        "--endpoint",
        "http://127.0.0.1:9",
        "--op",
        "encrypt",
        "--duration",
        "0.1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("setup failed"));
}

#[tokio::test]
async fn the_binary_prints_one_json_line() {
    let tc = TestCluster::start().await;
    let url = tc.region_url("eu-west-1");
    let out = tokio::task::spawn_blocking(move || {
        run_kmsim(&[
            "load",
            "--endpoint",
            &url,
            "--region",
            "eu-west-1",
            "--op",
            "floor",
            "--concurrency",
            "2",
            "--duration",
            "0.2",
        ])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_shape(&v, "floor");
    tc.stop().await;
}

/// A stand-in KMS that creates keys, then answers every other request in turn: success,
/// `ThrottlingException`, and (for GenerateDataKey only) `KMSInternalException`.
async fn throttling_endpoint() -> String {
    use axum::http::{HeaderMap, StatusCode};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let calls = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |headers: HeaderMap| {
            let calls = calls.clone();
            async move {
                let target = headers
                    .get("x-amz-target")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let ok = |body: serde_json::Value| (StatusCode::OK, body.to_string());
                let refused = |t: &str| {
                    let body = serde_json::json!({"__type": t, "message": "Rate exceeded"});
                    (StatusCode::BAD_REQUEST, body.to_string())
                };
                if target == "TrentService.CreateKey" {
                    return ok(serde_json::json!({"KeyMetadata": {"KeyId": "k-1"}}));
                }
                let turns = if target == "TrentService.GenerateDataKey" {
                    3
                } else {
                    2
                };
                match calls.fetch_add(1, Ordering::Relaxed) % turns {
                    0 => ok(serde_json::json!({"CiphertextBlob": "AAAA"})),
                    1 => refused("ThrottlingException"),
                    _ => refused("KMSInternalException"),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Issue 12, item 7: `ThrottlingException` is counted in `throttled`, not in `errors`, and
/// alone does not fail the run; other errors still do. Off a terminal stderr stays empty (no
/// status line).
#[tokio::test]
async fn throttled_requests_are_counted_apart_from_errors() {
    let url = throttling_endpoint().await;
    for (op, exit, internal) in [("encrypt", 0, false), ("generate-data-key", 1, true)] {
        let url = url.clone();
        let out = tokio::task::spawn_blocking(move || {
            run_kmsim(&[
                "load",
                "--endpoint",
                &url,
                "--op",
                op,
                "--concurrency",
                "1",
                "--duration",
                "0.3",
            ])
        })
        .await
        .unwrap();
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(exit), "{op}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_shape(&v, op);
        assert!(v["ok"].as_u64().unwrap() > 0, "{v}");
        assert!(v["throttled"].as_u64().unwrap() > 0, "{v}");
        let errors = v["errors"].as_object().unwrap();
        assert!(!errors.contains_key("ThrottlingException"), "{v}");
        assert_eq!(errors.contains_key("KMSInternalException"), internal, "{v}");
    }
}
