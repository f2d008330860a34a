//! The cluster under a shared multi-Region test: the in-process cluster, or three separate
//! `kmsim serve --regions R` processes replicating over NATS JetStream (issue 10). A test
//! written against [`Fixture`] runs unchanged on both: it reaches Regions by SDK client and
//! the bus and clock through the admin API, which acts on the whole cluster from any process.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_kms::Client;
use serde_json::Value;

use super::{admin_at, sdk_client, TestCluster, ACCOUNT, REGIONS};

/// What a shared test needs of a cluster.
#[allow(async_fn_in_trait)]
pub trait Clients {
    /// An SDK client for a Region's own endpoint.
    fn client(&self, region: &str) -> Client;
    /// Returns once every Region has applied every event published so far (a no-op for the
    /// in-process cluster at rest, which delivers before a request answers).
    async fn sync(&self);
}

impl Clients for TestCluster {
    fn client(&self, region: &str) -> Client {
        TestCluster::client(self, region)
    }

    async fn sync(&self) {}
}

/// A cluster for a shared test.
pub enum Fixture {
    /// Every Region in this test process, the in-process bus.
    InProcess(TestCluster),
    /// A process per Region over NATS.
    Processes(Processes),
}

impl Clients for Fixture {
    fn client(&self, region: &str) -> Client {
        sdk_client(&self.region_url(region), region)
    }

    async fn sync(&self) {
        if let Fixture::Processes(_) = self {
            self.drain().await;
        }
    }
}

impl Fixture {
    /// The in-process cluster.
    pub async fn in_process() -> Fixture {
        Fixture::InProcess(TestCluster::start().await)
    }

    /// Three Region processes over a NATS server of their own; with `durable`, each Region
    /// keeps a data dir (so it can be killed and restarted).
    pub async fn nats(durable: bool) -> Fixture {
        Fixture::Processes(Processes::start(durable).await)
    }

    /// A Region's own endpoint.
    pub fn region_url(&self, region: &str) -> String {
        match self {
            Fixture::InProcess(tc) => tc.region_url(region),
            Fixture::Processes(p) => format!("http://127.0.0.1:{}", p.ports[region]),
        }
    }

    /// The gateway.
    pub fn gateway_url(&self) -> String {
        match self {
            Fixture::InProcess(tc) => tc.gateway_url(),
            Fixture::Processes(p) => format!("http://127.0.0.1:{}", p.gateway),
        }
    }

    /// An SDK client that talks to the gateway, signing for `region`.
    pub fn gateway_client(&self, region: &str) -> Client {
        sdk_client(&self.gateway_url(), region)
    }

    /// An admin call on a Region's endpoint (any process acts for the whole cluster).
    pub async fn admin(&self, region: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        admin_at(&self.region_url(region), path, body).await
    }

    /// `POST /_kmsim/bus/drain` (from the last Region's process); the cluster's bus status.
    pub async fn drain(&self) -> Value {
        let (status, v) = self
            .admin(REGIONS[2], "/_kmsim/bus/drain", Some("{}"))
            .await;
        assert_eq!(status, 200, "drain: {v}");
        v
    }

    /// The cluster's bus status.
    pub async fn bus(&self) -> Value {
        let (status, v) = self.admin(REGIONS[1], "/_kmsim/bus", None).await;
        assert_eq!(status, 200, "bus: {v}");
        v
    }

    /// Sets the bus delay everywhere.
    pub async fn set_delay(&self, ms: u64) {
        let body = format!("{{\"milliseconds\":{ms}}}");
        let (status, v) = self
            .admin(REGIONS[0], "/_kmsim/bus/delay", Some(&body))
            .await;
        assert_eq!(status, 200, "delay: {v}");
    }

    /// Cuts (`cut`) or heals a Region, from another Region's process.
    pub async fn cut(&self, region: &str, cut: bool) {
        let path = if cut {
            "/_kmsim/bus/cut"
        } else {
            "/_kmsim/bus/heal"
        };
        let body = format!("{{\"region\":\"{region}\"}}");
        let other = REGIONS
            .iter()
            .find(|r| **r != region)
            .expect("another Region");
        let (status, v) = self.admin(other, path, Some(&body)).await;
        assert_eq!(status, 200, "{path}: {v}");
    }

    /// Moves the simulated clock forward in every Region.
    pub async fn advance(&self, seconds: f64) {
        let body = format!("{{\"seconds\":{seconds}}}");
        let (status, v) = self
            .admin(REGIONS[1], "/_kmsim/clock/advance", Some(&body))
            .await;
        assert_eq!(status, 200, "advance: {v}");
    }

    /// The processes (panics for the in-process cluster).
    pub fn processes(&mut self) -> &mut Processes {
        match self {
            Fixture::Processes(p) => p,
            Fixture::InProcess(_) => panic!("not a cluster of processes"),
        }
    }

    /// Stops the cluster.
    pub async fn stop(self) {
        match self {
            Fixture::InProcess(tc) => tc.stop().await,
            Fixture::Processes(p) => drop(p),
        }
    }
}

/// nats-server: `$KMSIM_NATS_SERVER`, or what `scripts/install-nats.sh` installed.
fn nats_server() -> PathBuf {
    let path = std::env::var_os("KMSIM_NATS_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv-nats/bin/nats-server")
        });
    assert!(
        path.exists(),
        "{} is missing: run scripts/install-nats.sh (scripts/test.sh does)",
        path.display()
    );
    path
}

fn free_ports(n: usize) -> Vec<u16> {
    let socks: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    socks
        .iter()
        .map(|s| s.local_addr().expect("addr").port())
        .collect()
}

/// nats-server and one kmsim process per Region, in a temporary directory.
pub struct Processes {
    dir: tempfile::TempDir,
    config: PathBuf,
    nats: Option<Child>,
    nats_port: u16,
    kmsim: BTreeMap<String, Child>,
    /// Region → its endpoint's port.
    pub ports: BTreeMap<String, u16>,
    /// The gateway's port (served by the first Region's process).
    pub gateway: u16,
    durable: bool,
}

impl Processes {
    /// Starts the cluster; a start that fails (a port taken meanwhile by another test's
    /// server) is torn down and tried again on other ports, three times at most.
    async fn start(durable: bool) -> Processes {
        use futures_util::FutureExt;
        let mut attempt = 1;
        loop {
            match std::panic::AssertUnwindSafe(Self::start_once(durable))
                .catch_unwind()
                .await
            {
                Ok(p) => return p,
                Err(e) if attempt >= 3 => std::panic::resume_unwind(e),
                Err(_) => {
                    eprintln!("cluster of processes: start {attempt} failed, trying other ports");
                    attempt += 1;
                }
            }
        }
    }

    async fn start_once(durable: bool) -> Processes {
        let dir = tempfile::tempdir().expect("tempdir");
        let ports = free_ports(REGIONS.len() + 2);
        let (gateway, nats_port) = (ports[0], ports[1]);
        let region_ports: BTreeMap<String, u16> = REGIONS
            .iter()
            .zip(&ports[2..])
            .map(|(r, p)| (r.to_string(), *p))
            .collect();
        let mut text = format!(
            "account_id = \"{ACCOUNT}\"\ndefault_region = \"{}\"\ngateway = \"127.0.0.1:{gateway}\"\n\n[bus]\nkind = \"nats\"\nurl = \"nats://127.0.0.1:{nats_port}\"\n\n",
            REGIONS[0]
        );
        for r in REGIONS {
            text.push_str(&format!(
                "[[region]]\nname = \"{r}\"\nlisten = \"127.0.0.1:{}\"\n",
                region_ports[r]
            ));
        }
        let config = dir.path().join("cluster.toml");
        std::fs::write(&config, text).expect("write config");
        let mut p = Processes {
            dir,
            config,
            nats: None,
            nats_port,
            kmsim: BTreeMap::new(),
            ports: region_ports,
            gateway,
            durable,
        };
        p.start_nats().await;
        for r in REGIONS {
            p.spawn(r);
        }
        for r in REGIONS {
            p.wait_healthy(r).await;
        }
        p.wait_connected().await;
        p
    }

    fn log(&self, name: &str) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{name}.log")))
            .expect("log file")
    }

    /// Starts nats-server (JetStream, file storage in the temporary directory) and waits
    /// until it accepts connections.
    pub async fn start_nats(&mut self) {
        let child = Command::new(nats_server())
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.nats_port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.dir.path().join("jetstream"))
            .stdout(self.log("nats"))
            .stderr(self.log("nats"))
            .spawn()
            .expect("nats-server starts");
        self.nats = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.nats_port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            let exited = self.nats.as_mut().and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none(),
                "nats-server exited: {}",
                self.tail("nats")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The NATS server's URL.
    pub fn nats_url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.nats_port)
    }

    /// Kills nats-server (SIGKILL).
    pub fn kill_nats(&mut self) {
        if let Some(mut c) = self.nats.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn spawn(&mut self, region: &str) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kmsim"));
        cmd.arg("serve")
            .arg("--config")
            .arg(&self.config)
            .args(["--regions", region]);
        if region == REGIONS[0] {
            cmd.arg("--gateway");
        }
        if self.durable {
            cmd.arg("--data-dir").arg(self.dir.path().join(region));
        }
        let child = cmd
            .env("RUST_LOG", "kmsim=info")
            .stdin(Stdio::null())
            .stdout(self.log(region))
            .stderr(self.log(region))
            .spawn()
            .expect("kmsim starts");
        self.kmsim.insert(region.to_string(), child);
    }

    async fn wait_healthy(&mut self, region: &str) {
        let url = format!("http://127.0.0.1:{}/_kmsim/health", self.ports[region]);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = reqwest::get(&url).await {
                if r.status() == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{region} did not start: {}",
                self.tail(region)
            );
            let exited = self
                .kmsim
                .get_mut(region)
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none(),
                "{region} exited at start-up: {}",
                self.tail(region)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until every process reaches NATS.
    pub async fn wait_connected(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let url = format!("http://127.0.0.1:{}/_kmsim/bus", self.ports[REGIONS[0]]);
            if let Ok(r) = reqwest::get(&url).await {
                if let Ok(v) = r.json::<Value>().await {
                    if v["connected"] == Value::Bool(true) {
                        return;
                    }
                }
            }
            assert!(Instant::now() < deadline, "the bus did not connect");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills a Region's process (SIGKILL).
    pub fn kill(&mut self, region: &str) {
        if let Some(mut c) = self.kmsim.remove(region) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts a Region's process again (with its data dir, if the cluster is durable).
    pub async fn restart(&mut self, region: &str) {
        self.spawn(region);
        self.wait_healthy(region).await;
    }

    /// The last lines of a process's log.
    pub fn tail(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        let regions: Vec<String> = self.kmsim.keys().cloned().collect();
        for r in regions {
            self.kill(&r);
        }
        self.kill_nats();
    }
}
