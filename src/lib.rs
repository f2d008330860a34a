//! kmsim: a local, multi-Region AWS KMS simulator.
//!
//! Crate map (dependencies point one way: `server` → `ops` → {`protocol`, `domain`, `store`}):
//!
//! - [`config`]: `regions.toml` → [`config::Config`], validated on load.
//! - [`cluster`]: builds the nodes, binds listeners, sweeps time rules, shuts down.
//! - [`server`]: HTTP per endpoint; the gateway routes by the SigV4 scope's Region.
//! - [`admin`]: `/_kmsim/` routes (health, clock).
//! - [`node`]: one Region: its store, clock and limits. Nodes share no mutable state.
//! - [`ops`]: one file per operation family, one dispatch `match`; thin handlers.
//! - [`protocol`]: AWS JSON 1.1 only: targets, bodies, blobs, timestamps, validation
//!   messages, error bodies, SigV4 parsing. Decides no KMS rule.
//! - [`domain`]: pure, synchronous KMS rules: ids/ARNs, enums, the key-state table, materials,
//!   the ciphertext blob. Imports no axum, tokio or serde_json.
//! - [`store`]: a Region's keys and aliases; updates through closures, never across `.await`.
//! - [`replication`]: the bus between Regions, its events, and their idempotent apply.
//! - [`wrapping_pool`], [`tokens`]: import parameters (wrapping key pairs, import tokens).
//! - [`last_usage`]: each key's last cryptographic use in a Region (GetKeyLastUsage).
//! - [`load`]: `kmsim load`, the SigV4-signing load generator (a client; no server code).
//! - [`clock`]: simulated time; [`error`]: every AWS exception with its wire name.

pub mod admin;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod cpu_pool;
pub mod domain;
pub mod error;
pub mod last_usage;
pub mod load;
pub mod node;
pub mod ops;
pub mod protocol;
pub mod replication;
pub mod server;
pub mod store;
pub mod tokens;
pub mod wrapping_pool;
