//! Bring your own key from the command line: `kmsim import-material` (GetParametersForImport,
//! a local wrap, ImportKeyMaterial in one command) and `kmsim wrap` (the local wrap alone, for
//! people who make the API calls themselves). A client of any KMS endpoint: it shares with the
//! server only the model's enums, the crypto crate and `domain::wrapping::kwp_wrap`.
//!
//! - [`cli`]: the two subcommands' flags, help text and exit statuses.
//! - [`input`]: files and flags parsed once: material (raw, PEM), public key, `--valid-to`.
//! - [`wrap`]: the client half of contract §5.1 with aws-lc-rs (pure).
//! - [`import`]: the three calls, signed like an SDK by [`crate::load::client`].

pub mod cli;
pub mod import;
pub mod input;
pub mod wrap;

use std::fmt;

/// Why a command failed, and so its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Input refused before anything reached a server (exit 2, as clap's own refusals).
    Usage(String),
    /// The server answered with an AWS error (exit 1): printed as `__type: message`.
    Aws {
        /// The exception name (`__type`).
        code: String,
        /// Its message, if the body had one.
        message: Option<String>,
    },
    /// No usable answer: the endpoint is unreachable, timed out, or answered something that
    /// cannot be used (exit 1).
    Transport(String),
}

impl Failure {
    /// 2 for [`Failure::Usage`], 1 otherwise.
    pub fn exit_status(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::Aws { .. } | Failure::Transport(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Transport(m) => f.write_str(m),
            Failure::Aws {
                code,
                message: Some(m),
            } => write!(f, "{code}: {m}"),
            Failure::Aws {
                code,
                message: None,
            } => f.write_str(code),
        }
    }
}
