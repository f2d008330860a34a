//! The `kmsim` binary: `kmsim [serve] [--config regions.toml]`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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
    /// Start the regional nodes and the gateway (the default command).
    Serve {
        /// Cluster configuration. Default: ./regions.toml, or the built-in default cluster
        /// when that file does not exist.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

/// The repository's `regions.toml`, built in so the binary runs from any directory.
const DEFAULT_CONFIG: &str = include_str!("../regions.toml");

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Serve { config } = cli.command.unwrap_or(Command::Serve { config: None });
    let config = match load(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kmsim: bad configuration: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "kmsim=info".into()),
        )
        .init();
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
    rt.block_on(serve(config))
}

fn load(path: Option<PathBuf>) -> Result<Config, kmsim::config::ConfigError> {
    match path {
        Some(p) => Config::load(&p),
        None => {
            let p = PathBuf::from("regions.toml");
            if p.exists() {
                Config::load(&p)
            } else {
                Config::parse(DEFAULT_CONFIG)
            }
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    let cluster = match Cluster::start(config).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("kmsim: cannot bind: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("kmsim gateway    {}", cluster.state.endpoints.gateway);
    for (region, url) in &cluster.state.endpoints.regions {
        println!("kmsim {region:<14} {url}");
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
