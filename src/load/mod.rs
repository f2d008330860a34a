//! `kmsim load`: a load generator that drives a kmsim endpoint the way an SDK does (SigV4
//! signed AWS JSON 1.1 requests over HTTP/1.1 keep-alive) and prints one JSON line:
//! `{"op","concurrency","seconds","ok","errors","throttled","ops_per_sec","p50_ms","p90_ms",
//! "p99_ms","max_ms"}`; on a terminal a status line on stderr shows the run as it goes.
//!
//! Setup (keys, import parameters, client-side wrapping) happens before the clock starts,
//! except for the `*-cycle` operations, which time the whole workflow.

pub mod client;
pub mod ops;
pub mod progress;
pub mod scale;
pub mod stats;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

pub use ops::Op;
use stats::Stats;

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Base URL of the endpoint (a Region port or the gateway).
    pub endpoint: String,
    /// Region to sign for.
    pub region: String,
    /// The operation.
    pub op: Op,
    /// Concurrent workers.
    pub concurrency: usize,
    /// How long to run.
    pub duration: Duration,
    /// Replica Regions for `mrk-cycle`.
    pub replica_regions: Vec<String>,
    /// For `mrk-cycle`: each replica Region's own endpoint (otherwise the gateway at
    /// `endpoint` routes by the signature's Region).
    pub region_endpoints: std::collections::BTreeMap<String, String>,
}

/// The result line.
#[derive(Debug, Clone)]
pub struct Report {
    /// The JSON object printed.
    pub json: serde_json::Value,
    /// Requests that failed unexpectedly (throttled requests are not: a request quota
    /// answering `ThrottlingException` is the server doing its job).
    pub unexpected: u64,
}

/// Runs the load and returns its report. Setup failures are errors; failures while timing are
/// counted in `errors`, `ThrottlingException`s in `throttled`.
pub async fn run(cfg: LoadConfig) -> Result<Report, String> {
    run_with_status(cfg, None).await
}

/// [`run`], redrawing a status line ([`progress`]) on `status` while the clock runs and
/// erasing it before returning.
pub async fn run_with_status(
    cfg: LoadConfig,
    status: Option<Box<dyn std::io::Write + Send>>,
) -> Result<Report, String> {
    let client = client::Client::new(&cfg.endpoint, &cfg.region)?;
    let mut setups = Vec::new();
    for w in 0..cfg.concurrency {
        let (client, cfg) = (client.clone(), cfg.clone());
        setups.push(tokio::spawn(async move {
            ops::Worker::setup(&client, &cfg, w).await
        }));
    }
    let mut workers = Vec::new();
    for s in setups {
        workers.push(s.await.map_err(|e| format!("setup failed: {e}"))??);
    }
    let start = Instant::now();
    let deadline = start + cfg.duration;
    let counters = Arc::new(progress::Counters::default());
    let status =
        status.map(|out| progress::Status::start(counters.clone(), start, cfg.duration, out));
    let mut handles = Vec::new();
    for mut worker in workers {
        let (client, counters) = (client.clone(), counters.clone());
        handles.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            while Instant::now() < deadline {
                let t = Instant::now();
                match worker.step(&client).await {
                    Ok(true) => {
                        stats.ok(t.elapsed());
                        counters.ok();
                    }
                    Ok(false) => break, // the worker ran out of prepared work
                    Err(code) => {
                        counters.error(&code);
                        stats.error(code, t.elapsed());
                    }
                }
            }
            stats
        }));
    }
    let mut total = Stats::default();
    let mut failed = None;
    for h in handles {
        match h.await {
            Ok(stats) => total.merge(stats),
            Err(e) => failed = Some(format!("worker failed: {e}")),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    // Erased before anything else is printed, on the error path too.
    if let Some(status) = status {
        status.finish().await;
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let unexpected = total.error_count();
    Ok(Report {
        json: json!({
            "op": cfg.op.name(),
            "concurrency": cfg.concurrency,
            "seconds": round3(seconds),
            "ok": total.ok_count(),
            "errors": total.errors_json(),
            "throttled": total.throttled_count(),
            "ops_per_sec": round3(total.ok_count() as f64 / seconds.max(1e-9)),
            "p50_ms": round3(total.percentile_ms(0.50)),
            "p90_ms": round3(total.percentile_ms(0.90)),
            "p99_ms": round3(total.percentile_ms(0.99)),
            "max_ms": round3(total.percentile_ms(1.0)),
        }),
        unexpected,
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
