//! Test harness: a cluster on ephemeral loopback ports, driven by the official Rust SDK
//! (`aws-sdk-kms`) and by raw HTTP for protocol tests, plus the small helpers every module
//! shares: keys (`keys.rs`), ciphertext and material lists (`material.rs`), set-up calls that
//! must succeed (`setup.rs`), raw requests and the `/_kmsim/` admin surface (`wire.rs`), and
//! multi-Region sets (`mr.rs`).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::Client;
use kmsim::cluster::Cluster;
use kmsim::config::Config;

mod fixture;
mod keys;
mod material;
pub mod mr;
mod setup;
mod wire;

pub use fixture::*;
pub use keys::*;
pub use material::*;
pub use setup::*;
pub use wire::*;

/// Regions of the test cluster (the same as the default `regions.toml`).
pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// The configured account.
pub const ACCOUNT: &str = "111122223333";
/// The Region single-Region tests run in (the cluster's default Region).
pub const REGION: &str = "us-east-1";
/// One day of the simulated clock, in seconds.
pub const DAY: f64 = 86_400.0;

/// A running cluster and its addresses.
pub struct TestCluster {
    pub cluster: Cluster,
    pub gateway: SocketAddr,
}

impl TestCluster {
    /// Starts the three-Region cluster on ephemeral ports.
    pub async fn start() -> TestCluster {
        Self::start_with("").await
    }

    /// Starts it with extra top-level TOML (e.g. a `[limits]` table).
    pub async fn start_with(extra: &str) -> TestCluster {
        Self::start_seeded(extra, None)
            .await
            .expect("cluster starts")
    }

    /// Starts it with extra TOML and a seed; a seed that cannot be applied is an `Err`.
    pub async fn start_seeded(
        extra: &str,
        seed: Option<kmsim::seed::Seed>,
    ) -> Result<TestCluster, kmsim::cluster::StartError> {
        let mut text = format!(
            "account_id = \"{ACCOUNT}\"\ndefault_region = \"us-east-1\"\ngateway = \"127.0.0.1:0\"\n{extra}\n"
        );
        for r in REGIONS {
            text.push_str(&format!(
                "[[region]]\nname = \"{r}\"\nlisten = \"127.0.0.1:0\"\n"
            ));
        }
        let config = Config::parse(&text).expect("test config");
        let cluster = Cluster::start_seeded(config, seed).await?;
        let gateway = cluster.gateway_addr;
        Ok(TestCluster { cluster, gateway })
    }

    /// Starts a cluster from a whole configuration (ports should be `:0`).
    pub async fn from_config(config: Config) -> TestCluster {
        let cluster = Cluster::start_seeded(config, None)
            .await
            .expect("cluster starts");
        let gateway = cluster.gateway_addr;
        TestCluster { cluster, gateway }
    }

    /// The URL of a Region's own endpoint.
    pub fn region_url(&self, region: &str) -> String {
        format!("http://{}", self.cluster.region_addrs[region])
    }

    /// The gateway URL.
    pub fn gateway_url(&self) -> String {
        format!("http://{}", self.gateway)
    }

    /// An SDK client for a Region's own port.
    pub fn client(&self, region: &str) -> Client {
        sdk_client(&self.region_url(region), region)
    }

    /// An SDK client that talks to the gateway, signing for `region`.
    pub fn gateway_client(&self, region: &str) -> Client {
        sdk_client(&self.gateway_url(), region)
    }

    /// Moves the simulated clock forward (and applies every rule that fell due).
    pub async fn advance(&self, seconds: f64) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_kmsim/clock/advance", self.gateway_url()))
            .json(&serde_json::json!({ "seconds": seconds }))
            .send()
            .await
            .expect("advance");
        assert_eq!(resp.status(), 200);
    }

    /// Sends a raw KMS request to `url` and returns (status, headers, JSON body).
    pub async fn raw(
        &self,
        url: &str,
        target: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
        let mut rb = reqwest::Client::new().post(url).body(body);
        if let Some(t) = target {
            rb = rb.header("X-Amz-Target", t);
        }
        if let Some(ct) = content_type {
            rb = rb.header("Content-Type", ct);
        }
        let resp = rb.send().await.expect("raw request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, headers, json)
    }

    /// Stops the cluster.
    pub async fn stop(self) {
        self.cluster.shutdown().await;
    }
}

/// An SDK client with static test credentials and no retries (so an error is seen once).
pub fn sdk_client(url: &str, region: &str) -> Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(
            "AKIDKMSIMTEST",
            "kmsim-secret",
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// The AWS error code (`__type`) and message of an SDK error. Panics on a success or a
/// transport failure, so a test asserting an error fails loudly.
pub fn err_code<E, R>(r: Result<R, aws_sdk_kms::error::SdkError<E>>) -> (String, Option<String>)
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            let code = e.code().map(str::to_string);
            let msg = e.message().map(str::to_string);
            match code {
                Some(c) => (c, msg),
                None => panic!("error without an AWS code: {e:?}"),
            }
        }
    }
}

/// Asserts that an error message (the second half of [`err_code`]) is exactly `want`.
pub fn msg_is(msg: Option<String>, want: String) {
    assert_eq!(msg.as_deref(), Some(want.as_str()));
}

/// The key ARN of `id` in `region`.
pub fn arn(region: &str, id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{id}")
}

/// The alias ARN of `name` (with its `alias/` prefix) in `region` (W-41).
pub fn alias_arn(region: &str, name: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:{name}")
}

/// Wall-clock epoch seconds with a fraction; the simulated clock equals it until a test
/// advances it.
pub fn wall_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

/// The `kmsim` binary of this build, as a command to run.
pub fn kmsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kmsim"))
}
