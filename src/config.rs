//! `regions.toml` → [`Config`]: the cluster's account, Regions, endpoints and limits.
//! Every field is documented here; a bad file is rejected at start-up with a one-line error
//! naming the field.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

pub mod env;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// W-12: the 12-digit account id used in every ARN and `AWSAccountId`.
    pub account_id: String,
    /// W-11: the Region that serves unsigned requests on the gateway. Must be one of `region`.
    pub default_region: String,
    /// Address of the gateway endpoint, which routes by the SigV4 scope's Region (W-10).
    /// Port 0 picks a free port.
    pub gateway: SocketAddr,
    /// Issue 13, item 1: `false` (default) serves any valid Region name through the gateway —
    /// a Region first used there (or by ReplicateKey, a seed or a data dir) gets a node on
    /// the spot with these defaults, as every Region exists in AWS; `true` serves only the
    /// `[[region]]` entries. Regions spread over processes (`--regions`, a NATS bus) are
    /// always strict.
    #[serde(default)]
    pub strict_regions: bool,
    /// Quotas and limits.
    #[serde(default)]
    pub limits: Limits,
    /// Import parameters: wrapping key pools and tokens.
    #[serde(default)]
    pub import: ImportConfig,
    /// The replication bus between Regions.
    #[serde(default)]
    pub replication: ReplicationConfig,
    /// `[seed]`: keys to create at start-up (`kmsim serve --seed` wins over it).
    #[serde(default)]
    pub seed: SeedConfig,
    /// `[storage]`: durability (`kmsim serve --data-dir` wins over it).
    #[serde(default)]
    pub storage: StorageConfig,
    /// `[bus]`: how replication events travel (`kmsim serve --bus` wins over it).
    #[serde(default)]
    pub bus: BusConfig,
    /// `[auth]`: who may call (issue 11); `open` by default.
    #[serde(default)]
    pub auth: AuthConfig,
    /// `[server]`: per-connection timeouts of every endpoint (issue 12, item 5).
    #[serde(default)]
    pub server: ServerConfig,
    /// `[quotas]`: AWS's request quotas (issue 12); `off` by default.
    #[serde(default)]
    pub quotas: QuotasConfig,
    /// The Regions this process serves (`kmsim serve --regions`); empty: all of them.
    #[serde(skip)]
    pub serve_regions: Vec<String>,
    /// Whether this process serves the gateway: always when it serves every Region, else
    /// only with `kmsim serve --gateway`.
    #[serde(skip)]
    pub serve_gateway: bool,
    /// One table per regional node.
    #[serde(rename = "region")]
    pub regions: Vec<RegionConfig>,
}

/// One regional node.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionConfig {
    /// Region name, e.g. `us-east-1` (pattern `^([a-z]+-){2,3}\d+$`).
    pub name: String,
    /// Address of the Region's own endpoint. Port 0 picks a free port.
    pub listen: SocketAddr,
}

/// Quotas.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// O-7: on-demand rotations per key over its lifetime (AWS: 25 since 2025, 10 before).
    #[serde(default = "default_on_demand_rotations")]
    pub on_demand_rotations: u32,
    /// C-9: tags per key (AWS: 50).
    #[serde(default = "default_tags_per_key")]
    pub tags_per_key: usize,
    /// CreateGrant: grants per key (AWS quota: 50,000, [`crate::domain::grant::GRANTS_PER_KEY`]).
    #[serde(default = "default_grants_per_key")]
    pub grants_per_key: usize,
}

fn default_grants_per_key() -> usize {
    crate::domain::grant::GRANTS_PER_KEY
}

fn default_on_demand_rotations() -> u32 {
    25
}

fn default_tags_per_key() -> usize {
    50
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            on_demand_rotations: default_on_demand_rotations(),
            tags_per_key: default_tags_per_key(),
            grants_per_key: default_grants_per_key(),
        }
    }
}

/// `[import]`: the wrapping key pools behind GetParametersForImport (G-5).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    /// RSA_2048 wrapping pairs kept ready per Region.
    #[serde(default = "default_pool_2048")]
    pub pool_rsa_2048: usize,
    /// RSA_3072 wrapping pairs kept ready per Region.
    #[serde(default = "default_pool_other")]
    pub pool_rsa_3072: usize,
    /// RSA_4096 wrapping pairs kept ready per Region.
    #[serde(default = "default_pool_other")]
    pub pool_rsa_4096: usize,
    /// Import tokens one wrapping pair serves before it is retired and replaced.
    #[serde(default = "default_tokens_per_key")]
    pub tokens_per_wrapping_key: u32,
    /// Fill the pools at start-up (in the background) instead of on first use.
    #[serde(default)]
    pub prefill: bool,
    /// Issue 12, item 5: unused import tokens kept per key; past it the oldest is forgotten
    /// (see [`crate::tokens::TokenLimits`]). At least 1.
    #[serde(default = "default_max_tokens_per_key")]
    pub max_tokens_per_key: usize,
    /// Issue 12, item 5: unused import tokens kept per Region (each ~180 bytes plus its
    /// indexes); past it the oldest is forgotten. At least 1.
    #[serde(default = "default_max_tokens_per_region")]
    pub max_tokens_per_region: usize,
}

/// Default of `[import] max_tokens_per_key`. [CHOICE] Large: AWS keeps every token valid for
/// 24 hours, and a load test may ask for hundreds on one key before importing with each (as
/// `kmsim load --op import` used to); the per-Region cap is what bounds memory.
pub const DEFAULT_MAX_TOKENS_PER_KEY: usize = 1000;

/// Default of `[import] max_tokens_per_region`: a few tens of MB at most.
pub const DEFAULT_MAX_TOKENS_PER_REGION: usize = 100_000;

fn default_max_tokens_per_key() -> usize {
    DEFAULT_MAX_TOKENS_PER_KEY
}

fn default_max_tokens_per_region() -> usize {
    DEFAULT_MAX_TOKENS_PER_REGION
}

impl ImportConfig {
    /// The caps of every Region's import token table.
    pub fn token_limits(&self) -> crate::tokens::TokenLimits {
        crate::tokens::TokenLimits {
            per_key: self.max_tokens_per_key,
            per_region: self.max_tokens_per_region,
        }
    }
}

/// `[server]`: how long a connection may hold a socket without making progress (issue 12,
/// item 5: stalled or idle clients must not pile up until the descriptor limit). Seconds,
/// fractions allowed, each between 0 (exclusive) and 3600.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// From a request's first byte to the end of its head (request line and headers): past
    /// it the connection is closed without an answer. The body, too, must arrive within this
    /// time of the head's end: past it the request is answered `SerializationException` and
    /// the connection closed.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_seconds: f64,
    /// How long a connection may stay open with no request in progress (after it is accepted
    /// or after its last response); past it the connection is closed.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: f64,
}

fn default_header_read_timeout() -> f64 {
    10.0
}

fn default_idle_timeout() -> f64 {
    // A minute: SDK connection pools then rarely reuse a connection just as the server
    // closes it, and a forgotten connection still frees its descriptor soon.
    60.0
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_read_timeout_seconds: default_header_read_timeout(),
            idle_timeout_seconds: default_idle_timeout(),
        }
    }
}

fn default_pool_2048() -> usize {
    2
}

fn default_pool_other() -> usize {
    1
}

fn default_tokens_per_key() -> u32 {
    // Generating a pair costs ~0.1 s (RSA_2048) to ~0.6 s (RSA_4096) of CPU: at thousands of
    // GetParametersForImport calls per second, a small number here would spend a core on
    // replacing pairs. AWS itself keeps wrapping keys per account and Region (G-5).
    100_000
}

impl Default for ImportConfig {
    fn default() -> Self {
        ImportConfig {
            pool_rsa_2048: default_pool_2048(),
            pool_rsa_3072: default_pool_other(),
            pool_rsa_4096: default_pool_other(),
            tokens_per_wrapping_key: default_tokens_per_key(),
            prefill: false,
            max_tokens_per_key: default_max_tokens_per_key(),
            max_tokens_per_region: default_max_tokens_per_region(),
        }
    }
}

/// `[seed]`: a seed file (`crate::seed`) applied at start-up and after `/_kmsim/reset`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedConfig {
    /// Path of the seed file; relative paths are relative to the configuration file's folder.
    pub file: Option<std::path::PathBuf>,
}

/// `[storage]`: where durable state lives (issue 9). Without a data dir kmsim is memory-only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// The data dir; relative paths are relative to the configuration file's folder. Every
    /// acknowledged change is durable in it, and a restart recovers it.
    pub data_dir: Option<std::path::PathBuf>,
}

/// `[replication]`: the bus that keeps multi-Region keys in step (§4.5).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationConfig {
    /// Delivery delay of the bus in (real) milliseconds. 0 delivers before the sending
    /// request answers, like AWS at rest. Changeable at run time (`/_kmsim/bus/delay`).
    #[serde(default)]
    pub delay_ms: u64,
    /// R-7: how long a new replica stays `Creating`, in seconds of simulated time.
    #[serde(default)]
    pub creating_seconds: f64,
}

/// `[quotas]`: request-quota emulation (issue 12, item 1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotasConfig {
    /// `off` (default: no throttling) or `aws` (AWS's published request quotas).
    #[serde(default)]
    pub mode: QuotasMode,
    /// Every quota is multiplied by this (default 1.0): `0.01` makes a laptop-sized AWS.
    #[serde(default = "one")]
    pub scale: f64,
    /// Requests per second for a quota, by its name in `data/kms-quotas.toml` (a shared
    /// quota such as `symmetric`, `rsa`, `ecc`, `hmac`, or an operation such as `CreateKey`);
    /// wins over the table and is not scaled.
    #[serde(default)]
    pub overrides: std::collections::BTreeMap<String, f64>,
}

fn one() -> f64 {
    1.0
}

impl Default for QuotasConfig {
    fn default() -> Self {
        QuotasConfig {
            mode: QuotasMode::Off,
            scale: 1.0,
            overrides: Default::default(),
        }
    }
}

/// `[quotas] mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuotasMode {
    /// No throttling.
    #[default]
    Off,
    /// AWS's request quotas per account and Region.
    Aws,
}

/// `[auth]`: request authentication (issue 11).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// `open` (default: every request accepted, unsigned ones too) or `sigv4` (every KMS
    /// request must be signed by one of `credentials`).
    #[serde(default)]
    pub mode: AuthMode,
    /// `[[auth.credentials]]`: the access keys kmsim knows.
    #[serde(default)]
    pub credentials: Vec<CredentialConfig>,
    /// With `mode = "sigv4"` (where it is required): every `/_kmsim/` call must carry it in an
    /// `x-kmsim-admin-token` header.
    pub admin_token: Option<String>,
}

/// Whether requests are authenticated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Every request is accepted.
    #[default]
    Open,
    /// SigV4 signatures are verified.
    Sigv4,
}

/// One `[[auth.credentials]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialConfig {
    /// The access key id (16 to 128 characters, as AWS's).
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: String,
    /// A session token requests must carry (temporary credentials).
    pub session_token: Option<String>,
    /// The caller's 12-digit account.
    pub account_id: String,
    /// The caller's ARN: `arn:aws:iam::ACCOUNT:user/NAME`, `…:role/NAME` or `…:root`.
    pub principal: String,
    /// The caller's identity policy (IAM JSON, no `Principal`); default: allow `kms:*` on `*`.
    pub policy: Option<String>,
}

/// `[bus]`: the transport of the replication bus (issue 10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusConfig {
    /// `in-process` (the default: every Region in this process, events in memory) or `nats`
    /// (NATS JetStream: Regions in separate processes or hosts).
    #[serde(default)]
    pub kind: BusKind,
    /// The NATS server, e.g. `nats://127.0.0.1:4222` (`kind = "nats"` only).
    pub url: Option<String>,
    /// The JetStream stream of this cluster (one per cluster); subjects are
    /// `<stream>.to.<region>`.
    #[serde(default = "default_stream")]
    pub stream: String,
}

fn default_stream() -> String {
    "kmsim".to_string()
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            kind: BusKind::InProcess,
            url: None,
            stream: default_stream(),
        }
    }
}

/// Which transport carries the bus's events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BusKind {
    /// In memory, within one process.
    #[default]
    InProcess,
    /// NATS JetStream.
    Nats,
}

/// toml's message spans several lines with a source excerpt; keep it to one, with the line.
fn one_line(text: &str, e: &toml::de::Error) -> ConfigError {
    let msg = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].lines().count().max(1);
            ConfigError(format!("line {line}: {msg}"))
        }
        None => ConfigError(msg),
    }
}

/// A configuration error: one line, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, &[])
    }

    /// Reads a file, sets the fields `KMSIM_*` variables of `vars` name ([`env`]), and
    /// validates the result. Relative paths from the file are relative to its folder; from a
    /// variable, to the working directory.
    pub fn load_with_env(path: &Path, vars: &[(String, String)]) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        let (mut cfg, from_env) = Self::parse_env(&text, vars)
            .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))?;
        if let (Some(f), Some(dir), false) = (
            &cfg.seed.file,
            path.parent(),
            from_env.contains(&"seed.file"),
        ) {
            cfg.seed.file = Some(dir.join(f));
        }
        if let (Some(f), Some(dir), false) = (
            &cfg.storage.data_dir,
            path.parent(),
            from_env.contains(&"storage.data_dir"),
        ) {
            cfg.storage.data_dir = Some(dir.join(f));
        }
        Ok(cfg)
    }

    /// Parses TOML text, sets the fields `KMSIM_*` variables of `vars` name ([`env`]), and
    /// validates the result.
    pub fn parse_with_env(text: &str, vars: &[(String, String)]) -> Result<Config, ConfigError> {
        Self::parse_env(text, vars).map(|(cfg, _)| cfg)
    }

    fn parse_env(
        text: &str,
        vars: &[(String, String)],
    ) -> Result<(Config, Vec<&'static str>), ConfigError> {
        if !vars.iter().any(|(k, _)| k.starts_with("KMSIM_")) {
            return Self::parse(text).map(|cfg| (cfg, Vec::new()));
        }
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| one_line(text, &e))?;
        let set = env::apply(&mut table, vars)?;
        let cfg: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| {
                ConfigError(format!(
                    "{} (after the KMSIM_* variables: {})",
                    e.message().replace('\n', " "),
                    set.join(", ")
                ))
            })?;
        cfg.validate()?;
        Ok((cfg, set))
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| one_line(text, &e))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Validates again after a field was changed in code (`kmsim serve` flags).
    pub fn revalidate(&self) -> Result<(), ConfigError> {
        self.validate()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return bad(format!(
                "account_id: '{}' must be 12 digits",
                self.account_id
            ));
        }
        if self.regions.is_empty() {
            return bad("region: at least one [[region]] is required".into());
        }
        let mut seen = HashSet::new();
        for r in &self.regions {
            if !region_name_ok(&r.name) {
                return bad(format!(
                    "region.name: '{}' is not a Region name like us-east-1",
                    r.name
                ));
            }
            if !seen.insert(r.name.as_str()) {
                return bad(format!("region.name: '{}' is listed twice", r.name));
            }
        }
        if !seen.contains(self.default_region.as_str()) {
            return bad(format!(
                "default_region: '{}' is not one of the configured regions",
                self.default_region
            ));
        }
        if !(self.replication.creating_seconds >= 0.0
            && self.replication.creating_seconds <= 86_400.0)
        {
            return bad("replication.creating_seconds: must be between 0 and 86400".into());
        }
        if self.limits.on_demand_rotations == 0 {
            return bad("limits.on_demand_rotations: must be at least 1".into());
        }
        if self.limits.grants_per_key == 0 {
            return bad("limits.grants_per_key: must be at least 1".into());
        }
        if self.import.max_tokens_per_key == 0 {
            return bad("import.max_tokens_per_key: must be at least 1".into());
        }
        if self.import.max_tokens_per_region == 0 {
            return bad("import.max_tokens_per_region: must be at least 1".into());
        }
        for (name, secs) in [
            (
                "server.header_read_timeout_seconds",
                self.server.header_read_timeout_seconds,
            ),
            (
                "server.idle_timeout_seconds",
                self.server.idle_timeout_seconds,
            ),
        ] {
            if !(secs > 0.0 && secs <= 3600.0) {
                return bad(format!("{name}: must be more than 0 and at most 3600"));
            }
        }
        if !(self.quotas.scale > 0.0 && self.quotas.scale.is_finite()) {
            return bad("quotas.scale: must be a positive number".into());
        }
        for (name, rate) in &self.quotas.overrides {
            if !crate::quotas::Table::aws().knows(name) {
                return bad(format!(
                    "quotas.overrides: '{name}' is not a quota of data/kms-quotas.toml"
                ));
            }
            if !(*rate > 0.0 && rate.is_finite()) {
                return bad(format!(
                    "quotas.overrides.{name}: must be a positive number"
                ));
            }
        }
        self.validate_auth()?;
        self.validate_bus()
    }

    fn validate_auth(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        let a = &self.auth;
        if a.mode == AuthMode::Sigv4 && a.admin_token.as_deref().is_none_or(|t| t.len() < 16) {
            return bad(
                "auth.admin_token: mode = \"sigv4\" needs an admin token of at least 16 characters"
                    .into(),
            );
        }
        if a.mode == AuthMode::Sigv4 && a.credentials.is_empty() {
            return bad(
                "auth.credentials: mode = \"sigv4\" needs at least one [[auth.credentials]]".into(),
            );
        }
        let mut seen = HashSet::new();
        for c in &a.credentials {
            if !(16..=128).contains(&c.access_key_id.len())
                || !c.access_key_id.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return bad(format!(
                    "auth.credentials.access_key_id: '{}' must be 16 to 128 letters or digits",
                    c.access_key_id
                ));
            }
            if !seen.insert(c.access_key_id.as_str()) {
                return bad(format!(
                    "auth.credentials.access_key_id: '{}' is listed twice",
                    c.access_key_id
                ));
            }
            if c.secret_access_key.is_empty() {
                return bad("auth.credentials.secret_access_key: must not be empty".into());
            }
            if c.account_id.len() != 12 || !c.account_id.bytes().all(|b| b.is_ascii_digit()) {
                return bad(format!(
                    "auth.credentials.account_id: '{}' must be 12 digits",
                    c.account_id
                ));
            }
            let prefix = format!("arn:aws:iam::{}:", c.account_id);
            let rest = c.principal.strip_prefix(&prefix).unwrap_or("");
            if !(rest == "root" || rest.starts_with("user/") || rest.starts_with("role/")) {
                return bad(format!(
                    "auth.credentials.principal: '{}' must be {prefix}root, {prefix}user/NAME or {prefix}role/NAME",
                    c.principal
                ));
            }
            if let Some(p) = &c.policy {
                use crate::auth::policy::{Policy, PolicyKind};
                if let Err(why) = Policy::parse(p, PolicyKind::Identity) {
                    return bad(format!(
                        "auth.credentials.policy of '{}': {why}",
                        c.access_key_id
                    ));
                }
            }
        }
        Ok(())
    }

    /// `[bus]`: a known kind, a `nats://` URL exactly with `kind = "nats"`, a stream name
    /// NATS accepts.
    pub fn validate_bus(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        let b = &self.bus;
        let name_ok = !b.stream.is_empty()
            && b.stream.len() <= 64
            && b.stream
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !name_ok {
            return bad(format!(
                "bus.stream: '{}' must be 1 to 64 letters, digits, '-' or '_'",
                b.stream
            ));
        }
        match (b.kind, &b.url) {
            (BusKind::Nats, None) => bad("bus.url: required with kind = \"nats\"".into()),
            (BusKind::Nats, Some(u)) if !u.starts_with("nats://") => {
                bad(format!("bus.url: '{u}' must be a nats://HOST:PORT URL"))
            }
            (BusKind::InProcess, Some(_)) => bad("bus.url: only with kind = \"nats\"".into()),
            _ => Ok(()),
        }
    }

    /// Serves only `regions` of this cluster (`kmsim serve --regions`), with the gateway if
    /// `gateway`. The other Regions live in other processes, found at their `listen`
    /// addresses, so every address must name a real port; the bus must be able to cross
    /// processes.
    pub fn serve_only(&mut self, regions: &[String], gateway: bool) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError(m));
        for r in regions {
            if !self.regions.iter().any(|c| &c.name == r) {
                return bad(format!(
                    "--regions: '{r}' is not a Region of the configuration"
                ));
            }
        }
        if regions.is_empty() {
            return bad("--regions: name at least one Region".into());
        }
        if self.bus.kind != BusKind::Nats {
            return bad(
                "--regions: Regions in separate processes need a bus that crosses processes ([bus] kind = \"nats\" or --bus nats://HOST:PORT)"
                    .into(),
            );
        }
        if let Some(r) = self.regions.iter().find(|r| r.listen.port() == 0) {
            return bad(format!(
                "region.listen: '{}' has port 0; with --regions every Region needs a fixed address the other processes can reach",
                r.name
            ));
        }
        if gateway && self.gateway.port() == 0 {
            return bad("gateway: port 0; with --regions the gateway needs a fixed address".into());
        }
        self.serve_regions = regions.to_vec();
        self.serve_gateway = gateway;
        Ok(())
    }

    /// Whether this process serves `region`.
    pub fn serves(&self, region: &str) -> bool {
        self.serve_regions.is_empty() || self.serve_regions.iter().any(|r| r == region)
    }

    /// Issue 13, item 1: whether Regions outside the configuration are opened on first use
    /// (not `strict_regions`, and every Region in this one process on the in-process bus).
    pub fn opens_regions(&self) -> bool {
        !self.strict_regions && self.serve_regions.is_empty() && self.bus.kind == BusKind::InProcess
    }

    /// Whether this process serves the gateway.
    pub fn gateway_here(&self) -> bool {
        self.serve_regions.is_empty() || self.serve_gateway
    }
}

/// R-5/`ReplicaRegion` pattern `^([a-z]+-){2,3}\d+$`.
pub fn region_name_ok(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
account_id = "111122223333"
default_region = "us-east-1"
gateway = "127.0.0.1:0"
[[region]]
name = "us-east-1"
listen = "127.0.0.1:0"
"#;

    #[test]
    fn parses_the_default_shape() {
        let c = Config::parse(GOOD).unwrap();
        assert_eq!(c.regions.len(), 1);
        assert_eq!(c.limits.on_demand_rotations, 25);
    }

    #[test]
    fn the_repository_file_is_valid() {
        let c = Config::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/regions.toml"
        )))
        .unwrap();
        let names: Vec<&str> = c.regions.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["us-east-1", "eu-west-1", "ap-southeast-2"]);
        assert_eq!(c.gateway.port(), 4600);
    }

    #[test]
    fn errors_name_the_field_on_one_line() {
        let cases = [
            (GOOD.replace("111122223333", "12"), "account_id"),
            (
                GOOD.replace(
                    "default_region = \"us-east-1\"",
                    "default_region = \"eu-west-9\"",
                ),
                "default_region",
            ),
            (
                GOOD.replace("name = \"us-east-1\"", "name = \"US_EAST\""),
                "region.name",
            ),
            (GOOD.replace("gateway", "gatewy"), "gatewy"),
            (GOOD.replace("127.0.0.1:0\"\n[[", "nope\"\n[["), "line"),
        ];
        for (text, field) in cases {
            let e = Config::parse(&text).unwrap_err().0;
            assert!(e.contains(field), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn the_bus_section() {
        let nats = format!("{GOOD}[bus]\nkind = \"nats\"\nurl = \"nats://127.0.0.1:4222\"\n");
        let c = Config::parse(&nats).unwrap();
        assert_eq!(c.bus.kind, BusKind::Nats);
        assert_eq!(c.bus.stream, "kmsim");
        assert_eq!(Config::parse(GOOD).unwrap().bus.kind, BusKind::InProcess);
        for (text, field) in [
            (format!("{GOOD}[bus]\nkind = \"nats\"\n"), "bus.url"),
            (format!("{GOOD}[bus]\nurl = \"nats://h:1\"\n"), "bus.url"),
            (format!("{GOOD}[bus]\nkind = \"kafka\"\n"), "kafka"),
            (nats.replace("nats://", "tcp://"), "bus.url"),
            (format!("{nats}stream = \"a.b\"\n"), "bus.stream"),
        ] {
            let e = Config::parse(&text).unwrap_err().0;
            assert!(e.contains(field), "{e}");
        }
    }

    #[test]
    fn serving_some_regions_needs_nats_and_fixed_addresses() {
        let fixed = GOOD
            .replace("127.0.0.1:0\"\n[[region]]", "127.0.0.1:4600\"\n[[region]]")
            .replace("listen = \"127.0.0.1:0\"", "listen = \"127.0.0.1:4601\"");
        let mut c = Config::parse(&fixed).unwrap();
        let us = vec!["us-east-1".to_string()];
        assert!(c
            .clone()
            .serve_only(&us, true)
            .unwrap_err()
            .0
            .contains("nats"));
        c.bus.kind = BusKind::Nats;
        c.bus.url = Some("nats://127.0.0.1:4222".into());
        c.serve_only(&us, true).unwrap();
        assert!(c.serves("us-east-1") && !c.serves("eu-west-1") && c.gateway_here());
        let mut d = Config::parse(GOOD).unwrap();
        d.bus = c.bus.clone();
        assert!(d.serve_only(&us, false).unwrap_err().0.contains("port 0"));
        assert!(c.clone().serve_only(&["xx-east-1".into()], false).is_err());
    }

    #[test]
    fn the_auth_section() {
        let cred = "[[auth.credentials]]\naccess_key_id = \"AKIAALICE000000000001\"\nsecret_access_key = \"s\"\naccount_id = \"111122223333\"\nprincipal = \"arn:aws:iam::111122223333:user/alice\"\n";
        let ok =
            format!("{GOOD}[auth]\nmode = \"sigv4\"\nadmin_token = \"0123456789abcdef\"\n{cred}");
        let c = Config::parse(&ok).unwrap();
        assert_eq!(c.auth.mode, AuthMode::Sigv4);
        assert_eq!(Config::parse(GOOD).unwrap().auth.mode, AuthMode::Open);
        for (text, field) in [
            (
                format!("{GOOD}[auth]\nmode = \"sigv4\"\nadmin_token = \"0123456789abcdef\"\n"),
                "auth.credentials",
            ),
            (
                ok.replace("admin_token = \"0123456789abcdef\"\n", ""),
                "auth.admin_token",
            ),
            (format!("{GOOD}[auth]\nmode = \"iam\"\n"), "iam"),
            (
                ok.replace("AKIAALICE000000000001", "short"),
                "access_key_id",
            ),
            (ok.replace("user/alice", "group/x"), "principal"),
            (
                ok.replace(":111122223333:user", ":444455556666:user"),
                "principal",
            ),
            (
                format!(
                    "{GOOD}[auth]\nmode = \"sigv4\"\nadmin_token = \"0123456789abcdef\"\n{}",
                    cred.replace("account_id = \"111122223333\"", "account_id = \"1\"")
                ),
                "auth.credentials.account_id",
            ),
            (format!("{ok}{cred}"), "listed twice"),
        ] {
            let e = Config::parse(&text).unwrap_err().0;
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn token_caps_and_server_timeouts() {
        let c = Config::parse(GOOD).unwrap();
        assert_eq!(
            c.import.token_limits(),
            crate::tokens::TokenLimits::default()
        );
        assert_eq!(c.import.max_tokens_per_key, 1000);
        assert_eq!(c.import.max_tokens_per_region, 100_000);
        assert_eq!(c.server.header_read_timeout_seconds, 10.0);
        assert_eq!(c.server.idle_timeout_seconds, 60.0);
        let set = format!(
            "{GOOD}[import]\nmax_tokens_per_key = 2\nmax_tokens_per_region = 5\n[server]\nheader_read_timeout_seconds = 0.5\nidle_timeout_seconds = 2\n"
        );
        let c = Config::parse(&set).unwrap();
        assert_eq!(
            (c.import.max_tokens_per_key, c.import.max_tokens_per_region),
            (2, 5)
        );
        assert_eq!(c.server.header_read_timeout_seconds, 0.5);
        assert_eq!(c.server.idle_timeout_seconds, 2.0);
        for (text, field) in [
            (
                set.replace("key = 2", "key = 0"),
                "import.max_tokens_per_key",
            ),
            (
                set.replace("region = 5", "region = 0"),
                "import.max_tokens_per_region",
            ),
            (
                set.replace("= 0.5", "= 0"),
                "server.header_read_timeout_seconds",
            ),
            (
                set.replace("= 0.5", "= -1"),
                "server.header_read_timeout_seconds",
            ),
            (
                set.replace("= 0.5", "= nan"),
                "server.header_read_timeout_seconds",
            ),
            (
                set.replace("= 2\n", "= 3601\n"),
                "server.idle_timeout_seconds",
            ),
            (format!("{GOOD}[server]\nidle = 1\n"), "idle"),
        ] {
            let e = Config::parse(&text).unwrap_err().0;
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn region_names() {
        assert!(region_name_ok("us-east-1"));
        assert!(region_name_ok("us-gov-west-1"));
        assert!(!region_name_ok("useast1"));
        assert!(!region_name_ok("us-east-"));
    }
}
