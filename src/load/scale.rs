//! `kmsim scale`: creates many symmetric keys in one Region through the API and, at each
//! checkpoint, reports the server's resident memory and DescribeKey/Encrypt latency, so the
//! cost per key can be seen to stay flat as the store grows.

use std::time::Instant;

use serde_json::{json, Value};

use super::client::Client;
use super::stats::Stats;

/// What to run.
#[derive(Debug, Clone)]
pub struct ScaleConfig {
    /// Endpoint URL.
    pub endpoint: String,
    /// Region to sign for.
    pub region: String,
    /// Key counts at which to measure, ascending; the last is the total.
    pub checkpoints: Vec<u64>,
    /// Concurrent CreateKey workers.
    pub concurrency: usize,
    /// Server process id, for its resident memory (Linux `/proc`).
    pub server_pid: Option<u32>,
}

/// Resident memory of `pid` in MiB (Linux), if readable.
pub fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs the scale bench, printing one JSON line per checkpoint through `emit`.
pub async fn run(cfg: ScaleConfig, mut emit: impl FnMut(Value)) -> Result<(), String> {
    let client = Client::new(&cfg.endpoint, &cfg.region)?;
    let probe = client.call("CreateKey", &json!({})).await.and_then(|v| {
        v["KeyMetadata"]["KeyId"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "no KeyId".to_string())
    })?;
    let mut created: u64 = 1;
    let started = Instant::now();
    for &target in &cfg.checkpoints {
        if target > created {
            let remaining = target - created;
            let per = remaining / cfg.concurrency as u64;
            let extra = remaining % cfg.concurrency as u64;
            let mut tasks = Vec::new();
            for w in 0..cfg.concurrency as u64 {
                let n = per + u64::from(w < extra);
                let c = client.clone();
                tasks.push(tokio::spawn(async move {
                    for _ in 0..n {
                        c.call("CreateKey", &json!({})).await?;
                    }
                    Ok::<(), String>(())
                }));
            }
            for t in tasks {
                t.await.map_err(|e| e.to_string())??;
            }
            created = target;
        }
        let describe = sample(&client, "DescribeKey", &json!({"KeyId": probe})).await?;
        let encrypt = sample(
            &client,
            "Encrypt",
            &json!({"KeyId": probe, "Plaintext": "aGVsbG8gd29ybGQ="}),
        )
        .await?;
        emit(json!({
            "keys": created,
            "rss_mib": cfg.server_pid.and_then(rss_mib).map(|m| (m * 10.0).round() / 10.0),
            "describe_p50_ms": describe.0,
            "describe_p99_ms": describe.1,
            "encrypt_p50_ms": encrypt.0,
            "encrypt_p99_ms": encrypt.1,
            "elapsed_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        }));
    }
    Ok(())
}

/// p50/p99 of 2,000 sequential calls, in milliseconds.
async fn sample(c: &Client, op: &str, body: &Value) -> Result<(f64, f64), String> {
    let mut s = Stats::default();
    for _ in 0..2000 {
        let t = Instant::now();
        c.call(op, body).await?;
        s.ok(t.elapsed());
    }
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok((r(s.percentile_ms(0.5)), r(s.percentile_ms(0.99))))
}
