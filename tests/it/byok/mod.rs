//! `kmsim import-material` and `kmsim wrap` (issue 13 item 2), run as the built binary against
//! an in-process cluster: imports of every wrapping algorithm × wrapping key spec, private and
//! HMAC keys, the multi-Region flow and expiry (`import_material.rs`); AWS errors, argument
//! errors and SigV4 credentials (`import_errors.rs`); `kmsim wrap`'s output unwrapped
//! independently with RustCrypto and imported through the SDK (`wrap_cmd.rs`).

mod import_errors;
mod import_material;
mod wrap_cmd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::common::kmsim;

/// The credentials variables a run starts without, so the developer's own never leak in.
const AWS_ENV: [&str; 3] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit status (None: killed by a signal).
    pub status: Option<i32>,
    /// Stdout, as text.
    pub stdout: String,
    /// Stderr, as text.
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 with nothing on stderr and parses stdout as the JSON outcome.
    pub fn outcome(&self) -> Value {
        assert_eq!(self.status, Some(0), "{self:?}");
        assert_eq!(self.stderr, "", "{self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// Asserts exit `status` with nothing on stdout; returns stderr.
    pub fn failed(&self, status: i32) -> &str {
        assert_eq!(self.status, Some(status), "{self:?}");
        assert_eq!(self.stdout, "", "{self:?}");
        &self.stderr
    }
}

/// Runs `kmsim <args>` off the runtime (the cluster keeps serving meanwhile), with `env` as its
/// only AWS credentials and `stdin` piped in.
pub async fn run_with(args: &[String], env: &[(&str, &str)], stdin: Option<Vec<u8>>) -> Run {
    let mut cmd = kmsim();
    cmd.args(args);
    for k in AWS_ENV {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("kmsim runs");
        if let Some(bytes) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(&bytes).expect("write stdin");
        }
        child.wait_with_output().expect("kmsim output")
    })
    .await
    .expect("join");
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`run_with`] without credentials or stdin.
pub async fn run(args: &[String]) -> Run {
    run_with(args, &[], None).await
}

/// `args` as owned strings.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Writes `bytes` to `name` in `dir`.
pub fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

/// `kmsim import-material --endpoint URL --region R --key-id ID --material FILE <extra>`,
/// with the material written to a fresh temporary file.
pub async fn import_material(
    url: &str,
    region: &str,
    key_id: &str,
    material: &[u8],
    extra: &[&str],
) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = file(dir.path(), "material.bin", material);
    let mut args = strings(&[
        "import-material",
        "--endpoint",
        url,
        "--region",
        region,
        "--key-id",
        key_id,
        "--material",
    ]);
    args.push(m.display().to_string());
    args.extend(strings(extra));
    run(&args).await
}
