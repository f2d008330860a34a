//! The `kmsim` binary: `kmsim [serve] [--config regions.toml]`, `kmsim load`, `kmsim scale`,
//! `kmsim import-material`, `kmsim wrap`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use kmsim::cluster::Cluster;
use kmsim::config::Config;

/// A local, multi-Region AWS KMS simulator.
#[derive(Debug, Parser)]
#[command(name = "kmsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Drive an endpoint with SigV4-signed requests and print one JSON line of figures on
    /// stdout (on a terminal, a live status line on stderr while it runs).
    Load {
        /// Endpoint URL (a Region port, or the gateway).
        #[arg(long)]
        endpoint: String,
        /// Region to sign for.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// floor | encrypt | decrypt | generate-data-key | get-parameters | import |
        /// import-cycle | mrk-cycle
        #[arg(long, value_parser = parse_op)]
        op: kmsim::load::Op,
        /// Concurrent workers (1..=4096).
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=4096))]
        concurrency: u16,
        /// Seconds to run (timed part only).
        #[arg(long, default_value_t = 10.0, value_parser = parse_duration)]
        duration: f64,
        /// Replica Regions for mrk-cycle (comma-separated; the endpoint must be the gateway).
        #[arg(
            long,
            default_value = "eu-west-1,ap-southeast-2",
            value_delimiter = ','
        )]
        replica_regions: Vec<String>,
        /// For mrk-cycle: a replica Region's own endpoint, as REGION=URL (repeatable or
        /// comma-separated); without it the gateway at --endpoint routes by Region.
        #[arg(long, value_delimiter = ',', value_parser = parse_region_endpoint)]
        region_endpoint: Vec<(String, String)>,
    },
    /// Create many keys through the API; at each checkpoint print the server's memory and
    /// DescribeKey/Encrypt latency as one JSON line.
    Scale {
        /// Endpoint URL (a Region port).
        #[arg(long)]
        endpoint: String,
        /// Region to sign for.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Key counts at which to measure (comma-separated, ascending).
        #[arg(long, default_value = "1000,100000,1000000", value_delimiter = ',')]
        checkpoints: Vec<u64>,
        /// Concurrent CreateKey workers.
        #[arg(long, default_value_t = 32)]
        concurrency: u16,
        /// The server's process id, to read its resident memory.
        #[arg(long)]
        server_pid: Option<u32>,
    },
    /// Import key material into an EXTERNAL key in one command: GetParametersForImport, a
    /// local wrap, ImportKeyMaterial.
    ImportMaterial(kmsim::byok::cli::ImportMaterialArgs),
    /// Wrap key material for ImportKeyMaterial locally, under the public key that
    /// GetParametersForImport returned.
    Wrap(kmsim::byok::cli::WrapArgs),
    /// Start the regional nodes and the gateway (the default command).
    Serve {
        /// Cluster configuration. Default: ./regions.toml, or the built-in default cluster
        /// when that file does not exist.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Seed file: keys with fixed ids created at start-up and after `POST /_kmsim/reset`
        /// (README "Seeding"). Wins over `[seed] file` in the configuration.
        #[arg(long)]
        seed: Option<PathBuf>,
        /// Data dir: every acknowledged change is durable there before it is answered, and a
        /// restart recovers it (README "Durable state"). Wins over `[storage] data_dir`.
        /// Without it kmsim keeps everything in memory.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Serve only these Regions of the configuration (comma-separated); the others run in
        /// other processes at their `listen` addresses (README "Regions on separate hosts").
        /// Needs a NATS bus.
        #[arg(long, value_delimiter = ',')]
        regions: Vec<String>,
        /// The gateway's address (wins over `gateway` in the configuration). With --regions,
        /// `--gateway` (an address optional) also serves the gateway in this process (it
        /// forwards requests for the other processes' Regions to them).
        #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
        gateway: Option<String>,
        /// The account id of every ARN (12 digits; wins over `account_id` in the
        /// configuration).
        #[arg(long, value_name = "ID")]
        account_id: Option<String>,
        /// The replication bus over NATS JetStream at this URL (nats://HOST:PORT). Wins over
        /// `[bus]` in the configuration; the default bus is in-process.
        #[arg(long)]
        bus: Option<String>,
        /// Log lines on stderr: `text` (one readable line per event, coloured only on a
        /// terminal) or `json` (one JSON object per event).
        #[arg(long, value_enum, env = "KMSIM_LOG_FORMAT", default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
}

/// How `kmsim serve` writes its log events to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// One line per event for a person; ANSI colours only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line for a log collector: `timestamp`, `level`, `target`, the
    /// event's fields (`message` among them) and its innermost `span`.
    Json,
}

/// What `RUST_LOG` selects when it is unset or empty: kmsim's own events from `info` up
/// (start-up, recovery, one line per request), other crates' warnings and errors.
const DEFAULT_LOG_FILTER: &str = "warn,kmsim=info";

/// Shown after `kmsim serve --help`.
const LOGGING_HELP: &str = "Logging:
  Events go to stderr; stdout carries only the endpoint lines printed at start-up.
  RUST_LOG chooses what is logged (tracing-subscriber's EnvFilter syntax). Default:
  \"warn,kmsim=info\". Examples: RUST_LOG=debug, RUST_LOG=kmsim=debug,warn, RUST_LOG=off.";

/// How `kmsim serve` was asked to run, beyond the configuration file.
#[derive(Debug, Default)]
struct ServeFlags {
    config: Option<PathBuf>,
    seed: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    regions: Vec<String>,
    /// `--gateway`: `Some("")` without an address.
    gateway: Option<String>,
    account_id: Option<String>,
    bus: Option<String>,
    log_format: LogFormat,
}

/// mimalloc instead of glibc's allocator: a request allocates and frees many small buffers
/// across threads (hyper's, serde's, the response's), where glibc's malloc/free cost ~10 % of
/// a request's CPU under load (perf, issue 12 item 4).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The repository's `regions.toml`, built in so the binary runs from any directory.
const DEFAULT_CONFIG: &str = include_str!("../regions.toml");

fn main() -> ExitCode {
    // `kmsim serve --help` ends with the logging notes and every KMSIM_* variable.
    let serve_help = format!("{LOGGING_HELP}\n\n{}", kmsim::config::env::help());
    let matches = Cli::command()
        .mut_subcommand("serve", |c| c.after_help(serve_help))
        .get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let flags = match cli.command {
        // Bare `kmsim` is `kmsim serve` with its defaults (KMSIM_LOG_FORMAT included).
        None => ServeFlags {
            log_format: LogFormat::from_env(),
            ..ServeFlags::default()
        },
        Some(Command::Serve {
            config,
            seed,
            data_dir,
            regions,
            gateway,
            account_id,
            bus,
            log_format,
        }) => ServeFlags {
            config,
            seed,
            data_dir,
            regions,
            gateway,
            account_id,
            bus,
            log_format,
        },
        Some(Command::ImportMaterial(args)) => return kmsim::byok::cli::run_import(args),
        Some(Command::Wrap(args)) => return kmsim::byok::cli::run_wrap(args),
        Some(Command::Scale {
            endpoint,
            region,
            checkpoints,
            concurrency,
            server_pid,
        }) => {
            return scale(kmsim::load::scale::ScaleConfig {
                endpoint,
                region,
                checkpoints,
                concurrency: concurrency.max(1) as usize,
                server_pid,
            })
        }
        Some(Command::Load {
            endpoint,
            region,
            op,
            concurrency,
            duration,
            replica_regions,
            region_endpoint,
        }) => {
            return load(kmsim::load::LoadConfig {
                endpoint,
                region,
                op,
                concurrency: concurrency as usize,
                duration: std::time::Duration::from_secs_f64(duration),
                replica_regions,
                region_endpoints: region_endpoint.into_iter().collect(),
            })
        }
    };
    let config = match configure(&flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kmsim: bad configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let seed_flag = flags.seed;
    let seed = match seed_flag.or_else(|| config.seed.file.clone()) {
        None => None,
        Some(path) => match kmsim::seed::Seed::load(&path) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("kmsim: bad seed: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let _log_flush = match init_logging(flags.log_format) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("kmsim: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kmsim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(serve(config, seed))
}

impl LogFormat {
    /// `KMSIM_LOG_FORMAT` for a bare `kmsim` (clap reads it for `kmsim serve`); text when
    /// it is unset or not a format name.
    fn from_env() -> LogFormat {
        std::env::var("KMSIM_LOG_FORMAT")
            .ok()
            .and_then(|v| LogFormat::from_str(v.trim(), true).ok())
            .unwrap_or_default()
    }
}

/// The log filter: `RUST_LOG` when set and not empty, else [`DEFAULT_LOG_FILTER`]. A
/// `RUST_LOG` that does not parse is refused rather than silently replaced by the default.
fn log_filter(rust_log: Option<&str>) -> Result<tracing_subscriber::EnvFilter, String> {
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER)),
        Some(s) => tracing_subscriber::EnvFilter::try_new(s)
            .map_err(|e| format!("bad RUST_LOG '{s}': {e}")),
    }
}

/// Colours only for a person at a terminal: never into a file or pipe, never under
/// `NO_COLOR` (no-color.org).
fn use_ansi() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the global subscriber: events to stderr in `format`, filtered by `RUST_LOG`.
///
/// Issue 12, item 4: lines are written by a background thread (`tracing-appender`'s
/// non-blocking writer, in its blocking-when-full mode so no line is dropped), so the one
/// `info` line per request costs a request thread a formatted copy into a channel instead of
/// a locked write to stderr. The returned guard flushes what is queued when dropped: keep it
/// until the process ends.
fn init_logging(format: LogFormat) -> Result<tracing_appender::non_blocking::WorkerGuard, String> {
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref())?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("kmsim-log")
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let installed = match format {
        LogFormat::Text => builder.with_ansi(use_ansi()).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(guard)
}

fn parse_op(s: &str) -> Result<kmsim::load::Op, String> {
    kmsim::load::Op::parse(s).ok_or_else(|| {
        let names: Vec<&str> = kmsim::load::Op::ALL.iter().map(|o| o.name()).collect();
        format!("unknown op '{s}'; one of: {}", names.join(", "))
    })
}

fn parse_region_endpoint(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((r, url)) if kmsim::config::region_name_ok(r) && url.starts_with("http") => {
            Ok((r.to_string(), url.to_string()))
        }
        _ => Err(format!("'{s}' is not REGION=http://HOST:PORT")),
    }
}

fn parse_duration(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(d) if d > 0.0 && d <= 3600.0 => Ok(d),
        _ => Err(format!("'{s}' is not a number of seconds in (0, 3600]")),
    }
}

/// `kmsim load`: exit 0 if every request succeeded, 1 if any failed, 2 if setup failed.
fn load(cfg: kmsim::load::LoadConfig) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kmsim load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The live line only for a person watching: a script reading stderr gets no redraws.
    let status: Option<Box<dyn std::io::Write + Send>> = if std::io::stderr().is_terminal() {
        Some(Box::new(std::io::stderr()))
    } else {
        None
    };
    match rt.block_on(kmsim::load::run_with_status(cfg, status)) {
        Ok(report) => {
            println!("{}", report.json);
            if report.unexpected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("kmsim load: setup failed: {e}");
            ExitCode::from(2)
        }
    }
}

/// `kmsim scale`: exit 0, or 2 if any request failed.
fn scale(cfg: kmsim::load::scale::ScaleConfig) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kmsim scale: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(kmsim::load::scale::run(cfg, |line| println!("{line}"))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kmsim scale: {e}");
            ExitCode::from(2)
        }
    }
}

/// The configuration file with the command line's overrides applied, validated.
fn configure(flags: &ServeFlags) -> Result<Config, kmsim::config::ConfigError> {
    let mut config = load_config(flags.config.clone())?;
    if flags.data_dir.is_some() {
        config.storage.data_dir = flags.data_dir.clone();
    }
    if let Some(url) = &flags.bus {
        config.bus.kind = kmsim::config::BusKind::Nats;
        config.bus.url = Some(url.clone());
        config.validate_bus()?;
    }
    if let Some(id) = &flags.account_id {
        config.account_id = id.clone();
    }
    let gateway_addr = flags.gateway.as_deref().filter(|a| !a.is_empty());
    if let Some(addr) = gateway_addr {
        config.gateway = addr.parse().map_err(|_| {
            kmsim::config::ConfigError(format!(
                "--gateway: '{addr}' is not an address like 127.0.0.1:4600"
            ))
        })?;
    }
    config.revalidate()?;
    if !flags.regions.is_empty() {
        config.serve_only(&flags.regions, flags.gateway.is_some())?;
    } else if flags.gateway.as_deref() == Some("") {
        return Err(kmsim::config::ConfigError(
            "--gateway without an address: only with --regions (a process that serves every Region serves the gateway)".into(),
        ));
    }
    Ok(config)
}

/// The configuration file (or the built-in default cluster) with the `KMSIM_*` variables of
/// this process's environment applied (README "Configuration").
fn load_config(path: Option<PathBuf>) -> Result<Config, kmsim::config::ConfigError> {
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("KMSIM_"))
        .collect();
    match path {
        Some(p) => Config::load_with_env(&p, &vars),
        None => {
            let p = PathBuf::from("regions.toml");
            if p.exists() {
                Config::load_with_env(&p, &vars)
            } else {
                Config::parse_with_env(DEFAULT_CONFIG, &vars)
            }
        }
    }
}

async fn serve(config: Config, seed: Option<kmsim::seed::Seed>) -> ExitCode {
    let bus_url = format!(
        "{} stream {}",
        config.bus.url.as_deref().unwrap_or(""),
        config.bus.stream
    );
    let cluster = match Cluster::start_seeded(config, seed).await {
        Ok(c) => c,
        Err(e @ kmsim::cluster::StartError::Seed(_)) => {
            eprintln!("kmsim: bad seed: {e}");
            return ExitCode::from(2);
        }
        Err(e @ kmsim::cluster::StartError::DataDir(_)) => {
            eprintln!("kmsim: refused: {e}");
            return ExitCode::from(2);
        }
        // A busy or foreign address is a start-up mistake like a bad configuration.
        Err(e @ kmsim::cluster::StartError::Bind { .. }) => {
            eprintln!("kmsim: {e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("kmsim: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cluster.serves_gateway {
        println!("kmsim gateway    {}", cluster.state.endpoints.gateway);
    }
    let durable = cluster.state.journal.is_durable();
    for (region, url) in &cluster.state.endpoints.regions {
        if cluster.state.nodes.contains(region) {
            // Issue 10: a Region without a data dir says it starts empty.
            let apart = !cluster.state.peers.is_empty();
            let how = if apart && !durable {
                "  (memory only: starts empty)"
            } else {
                ""
            };
            println!("kmsim {region:<14} {url}{how}");
        } else if !cluster.state.peers.is_empty() {
            println!("kmsim {region:<14} {url}  (served by another process)");
        }
    }
    let bus = cluster.state.bus.status();
    if bus.transport != "in-process" {
        println!("kmsim bus        {} {}", bus.transport, bus_url);
    }
    shutdown_signal().await;
    println!("kmsim: shutting down");
    cluster.shutdown().await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
