//! Builds the nodes from a [`Config`], binds every listener, serves, sweeps time rules in the
//! background, and shuts down cleanly.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::config::{BusKind, Config};
use crate::cpu_pool::CpuPool;
use crate::durable::data_dir::{self, Refused};
use crate::durable::{Change, Journal};
use crate::node::{Links, Node};
use crate::peers::Peers;
use crate::protocol::conn::Timeouts;
use crate::regions::Regions;
use crate::replication::bus::Bus;
use crate::replication::nats::Nats;
use crate::seed::{Seed, SeedError};
use crate::server::{router, Endpoint, Route};

/// Bound endpoint URLs, for start-up output and `/_kmsim/health`.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Gateway URL.
    pub gateway: String,
    /// Region name → URL, in configuration order.
    pub regions: Vec<(String, String)>,
}

/// What every endpoint shares: the nodes, the clock and the addresses.
#[derive(Debug)]
pub struct ClusterState {
    /// Region → node, for every Region this process serves (issue 13: Regions opened on
    /// first use join it).
    pub nodes: Arc<Regions>,
    /// W-11: the Region for unsigned gateway requests.
    pub default_region: String,
    /// The shared simulated clock.
    pub clock: Arc<Clock>,
    /// Bound addresses.
    pub endpoints: Endpoints,
    /// The replication bus.
    pub bus: Arc<Bus>,
    /// Threads for CPU-heavy request work, one per core.
    pub cpu: CpuPool,
    /// The seed applied at start-up and after every `/_kmsim/reset`.
    pub seed: Option<Seed>,
    /// Where committed changes are made durable (a no-op without a data dir).
    pub journal: Journal,
    /// The Regions served by other processes (empty when this process serves them all).
    pub peers: Peers,
    /// Who may call (issue 11).
    pub auth: crate::auth::Auth,
}

impl ClusterState {
    /// Every Region's URL: the configured Regions in configuration order, then the Regions
    /// opened on first use (issue 13, item 1), which the gateway serves.
    pub fn region_urls(&self) -> Vec<(String, String)> {
        let mut urls = self.endpoints.regions.clone();
        urls.extend(
            self.nodes
                .opened()
                .into_iter()
                .map(|r| (r, self.endpoints.gateway.clone())),
        );
        urls
    }

    /// `POST /_kmsim/reset`: every Region of this process forgets its state, the bus its
    /// queue, the clock its offset; then the seed (if any) is applied again.
    pub async fn reset(self: &Arc<Self>) -> Result<(), SeedError> {
        self.journal.record(|| Change::Wipe);
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            for node in me.nodes.nodes() {
                node.reset();
            }
        })
        .await
        .map_err(|e| SeedError(format!("reset failed: {e}")))?;
        self.bus.reset().await;
        self.clock.reset();
        if self.seed.is_some() {
            // Seeding unwraps RSA and drains the bus: off the executor.
            let me = self.clone();
            tokio::task::spawn_blocking(move || match &me.seed {
                Some(seed) => crate::seed::apply::apply(&me, seed),
                None => Ok(()),
            })
            .await
            .map_err(|e| SeedError(format!("applying the seed failed: {e}")))??;
        }
        self.journal
            .wait(self.journal.mark())
            .await
            .map_err(|e| SeedError(e.message.unwrap_or_default()))
    }

    /// Applies every time rule that is due, in every Region (X-6, I-50).
    pub fn sweep(&self) {
        let now = self.clock.now();
        for node in self.nodes.nodes() {
            node.sweep();
            node.tokens.sweep(now);
        }
    }
}

/// A running cluster (or, with `--regions`, this process's part of one).
#[derive(Debug)]
pub struct Cluster {
    /// Shared state (nodes, clock, endpoints).
    pub state: Arc<ClusterState>,
    /// The cluster's gateway address (bound here, or by the process that serves it).
    pub gateway_addr: SocketAddr,
    /// Region → address (bound here, or configured for another process's Region).
    pub region_addrs: BTreeMap<String, SocketAddr>,
    /// Whether this process serves the gateway.
    pub serves_gateway: bool,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// The data dir's lock, held until the cluster is dropped.
    _lock: Option<std::fs::File>,
}

/// How often the background sweep applies due time rules. Tests never wait for it: advancing
/// the clock sweeps at once.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Why a cluster did not start.
#[derive(Debug)]
pub enum StartError {
    /// An address could not be bound: `cannot bind 127.0.0.1:4601: address in use`.
    Bind {
        /// The address asked for (from the configuration).
        addr: SocketAddr,
        /// What the operating system answered.
        source: std::io::Error,
    },
    /// The CPU pool's threads could not be started.
    Threads(std::io::Error),
    /// The seed could not be applied (one line naming the entry).
    Seed(SeedError),
    /// The data dir was refused (one line naming the path); nothing in it was changed.
    DataDir(Refused),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind { addr, source } => {
                write!(f, "cannot bind {addr}: {}", bind_reason(source))
            }
            StartError::Threads(e) => write!(f, "cannot start the CPU pool: {e}"),
            StartError::Seed(e) => write!(f, "{e}"),
            StartError::DataDir(e) => write!(f, "{e}"),
        }
    }
}

/// The operating system's answer to a failed bind, in words a person reads at start-up
/// (`address in use` rather than `Address already in use (os error 98)`).
fn bind_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::AddrInUse => "address in use".into(),
        ErrorKind::AddrNotAvailable => "address not available on this host".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl Cluster {
    /// Binds every endpoint of `config` and starts serving.
    pub async fn start(config: Config) -> std::io::Result<Cluster> {
        Cluster::start_seeded(config, None)
            .await
            .map_err(|e| match e {
                StartError::Bind { ref source, .. } => {
                    std::io::Error::new(source.kind(), e.to_string())
                }
                StartError::Threads(e) => e,
                StartError::Seed(e) => std::io::Error::other(e.0),
                StartError::DataDir(e) => std::io::Error::other(e.0),
            })
    }

    /// Binds every endpoint, applies `seed` (before any request is served), and starts
    /// serving.
    pub async fn start_seeded(config: Config, seed: Option<Seed>) -> Result<Cluster, StartError> {
        crate::telemetry::install();
        let bind = |addr: SocketAddr| move |source| StartError::Bind { addr, source };
        // The data dir first: a refused one stops start-up before anything is bound.
        let started = std::time::Instant::now();
        let opened = match &config.storage.data_dir {
            Some(dir) => {
                let regions: Vec<String> = config
                    .regions
                    .iter()
                    .filter(|r| config.serves(&r.name))
                    .map(|r| r.name.clone())
                    .collect();
                let allowed = data_dir::RegionsAllowed {
                    configured: &regions,
                    any: config.opens_regions(),
                };
                Some(data_dir::open(dir, allowed).map_err(StartError::DataDir)?)
            }
            None => None,
        };
        let (journal, records, lock) = match opened {
            Some(o) => (
                Journal::start(o.db, o.loaded.next_log, o.loaded.log_changes),
                o.loaded.records,
                Some(o.lock),
            ),
            None => (Journal::memory(), Vec::new(), None),
        };
        let offset = records
            .iter()
            .find_map(|c| match c {
                Change::Clock { offset } => Some(*offset),
                _ => None,
            })
            .unwrap_or(0);
        let clock = Arc::new(Clock::durable(offset, journal.clone()));
        let delay = Duration::from_millis(config.replication.delay_ms);
        let bus = match (config.bus.kind, &config.bus.url) {
            (BusKind::Nats, Some(url)) => Bus::over(
                Arc::new(Nats::new(url, &config.bus.stream, delay)),
                journal.clone(),
            ),
            _ => Bus::new(delay, journal.clone()),
        };
        let serves_gateway = config.gateway_here();
        let (gateway, gateway_addr) = if serves_gateway {
            let l = TcpListener::bind(config.gateway)
                .await
                .map_err(bind(config.gateway))?;
            let addr = l.local_addr().map_err(bind(config.gateway))?;
            (Some(l), addr)
        } else {
            (None, config.gateway)
        };
        let quotas = Arc::new(crate::quotas::Quotas::new(&config.quotas));
        let make_node = {
            let account = config.account_id.clone();
            let limits = config.limits.clone();
            let import = config.import.clone();
            let replication = config.replication.clone();
            let links = Links {
                clock: clock.clone(),
                bus: bus.clone(),
                journal: journal.clone(),
                quotas: quotas.clone(),
            };
            Arc::new(move |region: &str| {
                let node = Arc::new(Node::new(
                    region,
                    &account,
                    limits.clone(),
                    &import,
                    &replication,
                    links.clone(),
                ));
                // Issue 12, item 5: the import token caps, before recovery installs any token.
                node.tokens.set_limits(import.token_limits());
                node
            })
        };
        let mut listeners = Vec::new();
        let mut nodes = BTreeMap::new();
        let mut region_addrs = BTreeMap::new();
        let mut urls = Vec::new();
        let mut remote = BTreeMap::new();
        for r in &config.regions {
            if !config.serves(&r.name) {
                let url = format!("http://{}", r.listen);
                urls.push((r.name.clone(), url.clone()));
                region_addrs.insert(r.name.clone(), r.listen);
                remote.insert(r.name.clone(), url);
                continue;
            }
            let l = TcpListener::bind(r.listen).await.map_err(bind(r.listen))?;
            let addr = l.local_addr().map_err(bind(r.listen))?;
            let node = make_node(&r.name);
            urls.push((r.name.clone(), format!("http://{addr}")));
            region_addrs.insert(r.name.clone(), addr);
            nodes.insert(r.name.clone(), node.clone());
            listeners.push((l, node));
        }
        // Issue 13, item 1: any other valid Region gets a node on first use (and joins the
        // bus's Regions), unless the cluster is strict or spread over processes.
        let factory: Option<crate::regions::Factory> = config.opens_regions().then(|| {
            let bus = bus.clone();
            Box::new(move |region: &str| {
                let node = make_node(region);
                bus.add_region(region);
                node
            }) as crate::regions::Factory
        });
        let regions = Arc::new(Regions::new(
            nodes,
            config.regions.iter().map(|r| r.name.clone()).collect(),
            factory,
        ));
        if regions.opens_on_first_use() {
            let weak = Arc::downgrade(&regions);
            bus.set_opener(Box::new(move |region| {
                weak.upgrade().is_some_and(|r| r.open(region).is_ok())
            }));
        }
        let read_ms = started.elapsed().as_millis() as u64;
        let restored = crate::recovery::restore(&regions, &bus, records).map_err(|e| {
            let dir = config
                .storage
                .data_dir
                .as_deref()
                .unwrap_or(std::path::Path::new(""));
            StartError::DataDir(Refused(format!("data dir {}: {e}", dir.display())))
        })?;
        let weak = Arc::downgrade(&regions);
        let mut all_regions: Vec<String> = config.regions.iter().map(|r| r.name.clone()).collect();
        all_regions.extend(regions.opened());
        bus.connect(
            all_regions,
            regions.names(),
            Box::new(move |env| {
                if let Some(node) = weak.upgrade().and_then(|r| r.get(&env.to)) {
                    crate::node::apply::apply(&node, env);
                }
            }),
        );
        if journal.is_durable() {
            journal.record_all(|| {
                restored
                    .unused_wrapping_keys
                    .iter()
                    .map(|f| Change::WrappingKey {
                        fingerprint: *f,
                        pkcs8: None,
                    })
                    .collect()
            });
            // Undelivered events first, then every multi-Region key's announcement.
            bus.resume();
            for node in regions.nodes() {
                crate::recovery::reannounce(&node);
            }
            tracing::info!(
                keys = restored.keys,
                events = restored.events,
                read_ms = read_ms,
                total_ms = started.elapsed().as_millis() as u64,
                "recovered the data dir"
            );
        }
        let state = Arc::new(ClusterState {
            journal: journal.clone(),
            cpu: CpuPool::per_core().map_err(StartError::Threads)?,
            peers: Peers::new(
                remote,
                config
                    .auth
                    .admin_token
                    .clone()
                    .filter(|_| config.auth.mode == crate::config::AuthMode::Sigv4),
            ),
            auth: crate::auth::Auth::new(&config.auth),
            seed,
            bus: bus.clone(),
            nodes: regions,
            default_region: config.default_region.clone(),
            clock,
            endpoints: Endpoints {
                gateway: format!("http://{gateway_addr}"),
                regions: urls,
            },
        });
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = Vec::new();
        // The bus runs before the seed is applied: the seed drains it.
        tasks.push(tokio::spawn(bus.clone().run(stop_rx.clone())));
        if state.seed.is_some() {
            let s = state.clone();
            tokio::task::spawn_blocking(move || match &s.seed {
                Some(seed) => crate::seed::apply::apply(&s, seed),
                None => Ok(()),
            })
            .await
            .map_err(|e| StartError::Seed(SeedError(format!("applying the seed failed: {e}"))))?
            .map_err(StartError::Seed)?;
        }
        // Whatever recovery and the seed changed is durable before the first request.
        journal
            .wait(journal.mark())
            .await
            .map_err(|e| StartError::DataDir(Refused(e.message.unwrap_or_default())))?;
        let timeouts = Timeouts::from_config(&config.server);
        if let Some(gateway) = gateway {
            tasks.push(serve(
                gateway,
                Route::Gateway,
                &state,
                timeouts,
                stop_rx.clone(),
            ));
        }
        for (l, node) in listeners {
            tasks.push(serve(
                l,
                Route::Region(node),
                &state,
                timeouts,
                stop_rx.clone(),
            ));
        }
        tasks.push(sweeper(state.clone(), stop_rx));
        // After serving starts: processes that start together would otherwise wait on each
        // other.
        let s = state.clone();
        tokio::spawn(async move { catch_up_clock(&s).await });
        Ok(Cluster {
            state,
            gateway_addr,
            region_addrs,
            serves_gateway,
            stop,
            tasks,
            _lock: lock,
        })
    }

    /// Stops accepting, lets in-flight requests finish, and waits for every task.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        // Everything recorded is durable and the database closed before the lock goes.
        let journal = self.state.journal.clone();
        let _ = tokio::task::spawn_blocking(move || journal.close()).await;
    }
}

/// The simulated clock is cluster-wide: a process that starts while others run takes their
/// offset, once it serves (best effort: other processes that are down or slow to answer are
/// skipped; they catch up with this one when they start).
async fn catch_up_clock(state: &ClusterState) {
    if state.peers.is_empty() {
        return;
    }
    let answers = state
        .peers
        .get_reachable("/_kmsim/clock", Duration::from_secs(2))
        .await;
    let most = answers
        .iter()
        .filter_map(|v| v.get("offsetSeconds").and_then(serde_json::Value::as_f64))
        .fold(0.0_f64, f64::max);
    if most > 0.0 && state.clock.catch_up((most * 1000.0).round() as i64) {
        state.sweep();
    }
}

/// Serves one endpoint until `stop`, every connection bounded by `timeouts` (issue 12,
/// item 5; see [`crate::protocol::conn`]).
fn serve(
    listener: TcpListener,
    route: Route,
    state: &Arc<ClusterState>,
    timeouts: Timeouts,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let app = router(Endpoint {
        cluster: state.clone(),
        route,
    });
    tokio::spawn(crate::protocol::conn::serve(listener, app, timeouts, stop))
}

fn sweeper(state: Arc<ClusterState>, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => state.sweep(),
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    })
}
