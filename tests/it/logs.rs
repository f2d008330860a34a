//! `kmsim serve`'s logs (issue 12, item 6): events on stderr as text without colours off a
//! terminal or as one JSON object per line, kmsim's `info` events shown by default, a bad
//! `RUST_LOG` refused, and a busy address named in the start-up error (exit 2).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::common::kmsim;

/// One Region and the gateway, on free ports.
const ONE_REGION: &str = r#"account_id = "111122223333"
default_region = "us-east-1"
gateway = "127.0.0.1:0"
[[region]]
name = "us-east-1"
listen = "127.0.0.1:0"
"#;

/// Runs `kmsim serve` on [`ONE_REGION`] with a fresh data dir (start-up then logs
/// "recovered the data dir" at `info`), sends one KMS request and a health check, stops it
/// with SIGTERM, and returns its stderr. `RUST_LOG` is unset: the default filter applies.
fn serve_and_collect_stderr(extra: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("regions.toml");
    std::fs::write(&config, ONE_REGION).unwrap();
    let mut cmd = kmsim();
    cmd.args(["serve", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(extra)
        .env_remove("RUST_LOG")
        .env_remove("KMSIM_LOG_FORMAT")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let gateway = lines.next().unwrap().unwrap();
    assert!(gateway.starts_with("kmsim gateway"), "{gateway}");
    let addr = gateway.rsplit("http://").next().unwrap().to_string();
    let created = request(
        &addr,
        "POST / HTTP/1.1\r\nX-Amz-Target: TrentService.CreateKey\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n",
        "{}",
    );
    assert!(created.contains("KeyMetadata"), "{created}");
    let health = request(&addr, "GET /_kmsim/health HTTP/1.1\r\n", "");
    assert!(health.contains("\"status\":\"ok\""), "{health}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{stderr}");
    stderr
}

/// One HTTP/1.1 exchange on a fresh connection: `head` (request line and headers), `body`.
fn request(addr: &str, head: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{head}Host: {addr}\r\nConnection: close\r\n\r\n{body}").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn json_logs_are_one_object_per_line_with_info_by_default() {
    let by_flag = serve_and_collect_stderr(&["--log-format", "json"], &[]);
    let by_env = serve_and_collect_stderr(&[], &[("KMSIM_LOG_FORMAT", "json")]);
    for stderr in [by_flag, by_env] {
        assert!(!stderr.trim().is_empty(), "no events logged");
        let events: Vec<serde_json::Value> = stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
            .collect();
        for e in &events {
            for field in ["timestamp", "level", "target"] {
                assert!(e[field].is_string(), "{field} in {e}");
            }
        }
        let recovered = events
            .iter()
            .find(|e| e["message"] == "recovered the data dir")
            .unwrap_or_else(|| panic!("kmsim's info event is shown by default: {stderr}"));
        assert_eq!(recovered["level"], "INFO");
        assert_eq!(recovered["target"], "kmsim::cluster");
        assert!(
            recovered["keys"].is_u64(),
            "fields at the top level: {recovered}"
        );
        // One line per KMS request: Region, operation, status, outcome, latency, request id.
        let req = events
            .iter()
            .find(|e| e["target"] == "kmsim::request")
            .unwrap_or_else(|| panic!("a line for the CreateKey request: {stderr}"));
        assert_eq!(req["level"], "INFO");
        assert_eq!(req["region"], "us-east-1");
        assert_eq!(req["operation"], "CreateKey");
        assert_eq!(req["status"], 200);
        assert_eq!(req["outcome"], "ok");
        assert!(req["latency_ms"].is_f64(), "{req}");
        assert_eq!(req["request_id"].as_str().map(str::len), Some(36), "{req}");
    }
}

#[test]
fn text_logs_off_a_terminal_have_no_colours() {
    let stderr = serve_and_collect_stderr(&[], &[]);
    let line = stderr
        .lines()
        .find(|l| l.contains("recovered the data dir"))
        .unwrap_or_else(|| panic!("kmsim's info event is shown by default: {stderr}"));
    assert!(
        line.contains("INFO kmsim::cluster: recovered the data dir"),
        "{line}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no ANSI escapes into a pipe: {stderr:?}"
    );
}

#[test]
fn a_bad_rust_log_is_refused_with_exit_2() {
    let out = kmsim()
        .args(["serve", "--log-format", "json"])
        .env("RUST_LOG", "kmsim=loud")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("kmsim: bad RUST_LOG 'kmsim=loud'"), "{err}");
    let out = kmsim()
        .args(["serve", "--log-format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-format"));
}

#[test]
fn help_documents_rust_log_and_the_formats() {
    let out = kmsim().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "RUST_LOG",
        "warn,kmsim=info",
        "--log-format",
        "KMSIM_LOG_FORMAT",
        "json",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

/// A busy address: one line naming it, exit 2, whether it is a Region's or the gateway's.
#[test]
fn a_busy_address_is_named_and_exits_2() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    for config in [
        ONE_REGION.replace(
            "listen = \"127.0.0.1:0\"",
            &format!("listen = \"127.0.0.1:{port}\""),
        ),
        ONE_REGION.replace(
            "gateway = \"127.0.0.1:0\"",
            &format!("gateway = \"127.0.0.1:{port}\""),
        ),
    ] {
        let path = dir.path().join("regions.toml");
        std::fs::write(&path, &config).unwrap();
        let out = kmsim()
            .args(["serve", "--config"])
            .arg(&path)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("kmsim: cannot bind 127.0.0.1:{port}: address in use\n")
        );
        assert!(out.stdout.is_empty(), "no endpoint announced");
    }
}
