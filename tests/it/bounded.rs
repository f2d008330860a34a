//! Issue 12, item 5 "Bounded resources", through real sockets: unused import tokens are capped
//! per key and per Region (the oldest forgotten, for good: a restart of a durable server does
//! not bring an evicted token back); every endpoint closes connections that stall in a request
//! head (`[server] header_read_timeout_seconds`) or sit idle (`idle_timeout_seconds`), and
//! still shuts down gracefully; a non-ASCII `Content-Type` and invalid UTF-8 anywhere in the
//! body are refused with AWS-shaped 400s that change nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use aws_sdk_kms::operation::get_parameters_for_import::GetParametersForImportOutput;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{ExpirationModelType, KeyState, OriginType};
use aws_sdk_kms::Client;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;
use crate::wrap::{get_params, random_material, wrap, OAEP_256, RSA_2048};

const US: &str = "us-east-1";
const EU: &str = "eu-west-1";

async fn external_key(c: &Client) -> String {
    c.create_key()
        .origin(OriginType::External)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

async fn params(c: &Client, key: &str) -> GetParametersForImportOutput {
    get_params(c, key, OAEP_256, RSA_2048).await
}

/// ImportKeyMaterial of `material` with the token and public key of `p`: `Ok` or the error
/// code.
async fn import_using(
    c: &Client,
    key: &str,
    p: &GetParametersForImportOutput,
    material: &[u8],
) -> Result<(), String> {
    let wrapped = wrap(p.public_key().unwrap().as_ref(), OAEP_256, material);
    let r = c
        .import_key_material()
        .key_id(key)
        .import_token(Blob::new(p.import_token().unwrap().as_ref()))
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await;
    match r {
        Ok(_) => Ok(()),
        Err(e) => Err(err_code::<_, ()>(Err(e)).0),
    }
}

async fn key_state(c: &Client, key: &str) -> KeyState {
    c.describe_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_state
        .unwrap()
}

#[tokio::test]
async fn a_key_keeps_only_its_newest_import_tokens() {
    let tc = TestCluster::start_with("[import]\nmax_tokens_per_key = 2\n").await;
    let c = tc.client(US);
    let key = external_key(&c).await;
    let other = external_key(&c).await;
    let other_params = params(&c, &other).await;
    let (p1, p2, p3) = (
        params(&c, &key).await,
        params(&c, &key).await,
        params(&c, &key).await,
    );
    let material = random_material(32);
    // The third token pushed out the first: it is as unknown as a token never issued, and the
    // failed attempt changes nothing.
    assert_eq!(
        import_using(&c, &key, &p1, &material).await,
        Err("InvalidImportTokenException".to_string())
    );
    assert_eq!(key_state(&c, &key).await, KeyState::PendingImport);
    // The two newest are both still valid (the older of them first), and another key's token
    // was not touched by this key's cap.
    import_using(&c, &key, &p2, &material).await.unwrap();
    import_using(&c, &key, &p3, &material).await.unwrap();
    import_using(&c, &other, &other_params, &random_material(32))
        .await
        .unwrap();
    assert_eq!(key_state(&c, &key).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn a_region_keeps_only_its_newest_import_tokens() {
    let tc = TestCluster::start_with("[import]\nmax_tokens_per_region = 3\n").await;
    let (us, eu) = (tc.client(US), tc.client(EU));
    let (a, b) = (external_key(&us).await, external_key(&us).await);
    let a1 = params(&us, &a).await;
    let a2 = params(&us, &a).await;
    let b1 = params(&us, &b).await;
    // Tokens of another Region count against that Region's cap only.
    let e = external_key(&eu).await;
    for _ in 0..3 {
        params(&eu, &e).await;
    }
    let b2 = params(&us, &b).await;
    let material = random_material(32);
    assert_eq!(
        import_using(&us, &a, &a1, &material).await,
        Err("InvalidImportTokenException".to_string())
    );
    import_using(&us, &a, &a2, &material).await.unwrap();
    import_using(&us, &b, &b1, &material).await.unwrap();
    import_using(&us, &b, &b2, &material).await.unwrap();
    tc.stop().await;
}

fn durable(dir: &Path) -> String {
    format!(
        "[storage]\ndata_dir = \"{}\"\n[import]\nmax_tokens_per_key = 1\n",
        dir.display()
    )
}

#[tokio::test]
async fn an_evicted_token_stays_forgotten_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let tc = TestCluster::start_with(&durable(dir.path())).await;
    let c = tc.client(US);
    let key = external_key(&c).await;
    let old = params(&c, &key).await;
    let new = params(&c, &key).await;
    tc.stop().await;

    let tc = TestCluster::start_with(&durable(dir.path())).await;
    let c = tc.client(US);
    let material = random_material(32);
    assert_eq!(
        import_using(&c, &key, &old, &material).await,
        Err("InvalidImportTokenException".to_string())
    );
    import_using(&c, &key, &new, &material).await.unwrap();
    tc.stop().await;
}

/// Reads until the server closes the connection; how long that took (None: still open after
/// `limit`). Whatever the server sent before closing is ignored.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

fn addr(tc: &TestCluster, region: &str) -> std::net::SocketAddr {
    tc.cluster.region_addrs[region]
}

const LIST_KEYS: &[u8] = b"POST / HTTP/1.1\r\nHost: kms\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}";

#[tokio::test]
async fn a_stalled_request_head_is_closed_after_the_header_read_timeout() {
    let tc = TestCluster::start_with(
        "[server]\nheader_read_timeout_seconds = 0.5\nidle_timeout_seconds = 30\n",
    )
    .await;
    for target in [addr(&tc, US), tc.gateway, addr(&tc, US), tc.gateway] {
        let mut s = TcpStream::connect(target).await.unwrap();
        // Silent first, so that the server is surely waiting on the idle deadline when the
        // head starts.
        tokio::time::sleep(Duration::from_millis(200)).await;
        s.write_all(b"POST / HT").await.unwrap();
        let took = closed_within(&mut s, Duration::from_secs(10))
            .await
            .expect("the server closes a connection stalled in its request line");
        assert!(took >= Duration::from_millis(400), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    // Trickling the head byte by byte does not reset the clock.
    let mut s = TcpStream::connect(addr(&tc, US)).await.unwrap();
    let started = Instant::now();
    for b in b"POST / HTTP/1.1\r\nHost: kms\r\n".iter() {
        if s.write_all(&[*b]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    assert!(closed_within(&mut s, Duration::from_secs(5))
        .await
        .is_some());
    assert!(started.elapsed() < Duration::from_secs(5));
    // A complete head and then a stalled body: answered (400, not 500) and closed.
    let mut s = TcpStream::connect(addr(&tc, US)).await.unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: kms\r\nX-Amz-Target: TrentService.CreateKey\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{\"Descr").await.unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("a stalled body is cut off")
        .ok();
    assert!(started.elapsed() >= Duration::from_millis(400));
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("SerializationException"), "{text}");
    assert_eq!(
        send_bytes(
            addr(&tc, US),
            &request("ListKeys", b"application/x-amz-json-1.1", b"{}")
        )
        .await
        .1["Keys"],
        serde_json::json!([])
    );
    // A complete request on a new connection is served as before.
    let mut s = TcpStream::connect(addr(&tc, US)).await.unwrap();
    s.write_all(LIST_KEYS).await.unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    tc.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let tc = TestCluster::start_with(
        "[server]\nheader_read_timeout_seconds = 0.3\nidle_timeout_seconds = 1.5\n",
    )
    .await;
    // Accepted and silent: the idle timeout applies, not the (shorter) header timeout.
    let mut s = TcpStream::connect(addr(&tc, US)).await.unwrap();
    let took = closed_within(&mut s, Duration::from_secs(10))
        .await
        .expect("an idle connection is closed");
    assert!(took >= Duration::from_millis(1300), "{took:?}");
    assert!(took < Duration::from_secs(6), "{took:?}");
    // Kept alive after a response: closed once idle for the idle timeout.
    let mut s = TcpStream::connect(addr(&tc, US)).await.unwrap();
    s.write_all(LIST_KEYS).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let took = closed_within(&mut s, Duration::from_secs(10))
        .await
        .expect("a kept-alive connection is closed once idle");
    assert!(took >= Duration::from_millis(1300), "{took:?}");
    tc.stop().await;
}

#[tokio::test]
async fn shutdown_is_graceful_with_idle_and_stalled_connections_open() {
    let tc = TestCluster::start_with(
        "[server]\nheader_read_timeout_seconds = 2\nidle_timeout_seconds = 30\n",
    )
    .await;
    let mut idle = TcpStream::connect(addr(&tc, US)).await.unwrap();
    let mut used = TcpStream::connect(tc.gateway).await.unwrap();
    used.write_all(LIST_KEYS).await.unwrap();
    let mut buf = [0u8; 4096];
    assert!(used.read(&mut buf).await.unwrap() > 0);
    let mut stalled = TcpStream::connect(addr(&tc, EU)).await.unwrap();
    stalled.write_all(b"POST / HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), tc.stop())
        .await
        .expect("shutdown finishes");
    // Idle ones close at once; the stalled one at the latest at its header deadline.
    assert!(started.elapsed() < Duration::from_secs(5));
    for s in [&mut idle, &mut used, &mut stalled] {
        assert!(closed_within(s, Duration::from_secs(1)).await.is_some());
    }
}

/// Sends `request` as is on a fresh connection (`Connection: close`); (status, JSON body).
async fn send_bytes(to: std::net::SocketAddr, request: &[u8]) -> (u16, Value) {
    let mut s = TcpStream::connect(to).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn request(target: &str, content_type: &[u8], body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST / HTTP/1.1\r\nHost: kms\r\nConnection: close\r\nX-Amz-Target: TrentService.{target}\r\nContent-Length: {}\r\nContent-Type: ",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(content_type);
    r.extend_from_slice(b"\r\n\r\n");
    r.extend_from_slice(body);
    r
}

async fn key_count(tc: &TestCluster, region: &str) -> usize {
    let (status, v) = send_bytes(
        addr(tc, region),
        &request("ListKeys", b"application/x-amz-json-1.1", b"{}"),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["Keys"].as_array().expect("Keys").len()
}

#[tokio::test]
async fn a_non_ascii_content_type_is_refused() {
    let tc = TestCluster::start().await;
    for ct in [
        &b"application/x-amz-json-1.1; charset=\xe9"[..],
        "application/x-amz-json-1.1; charset=é".as_bytes(),
        b"application/x-amz-json-1.\xff",
    ] {
        for to in [addr(&tc, US), tc.gateway] {
            let (status, v) = send_bytes(to, &request("CreateKey", ct, b"{}")).await;
            assert_eq!(status, 400, "{ct:?}: {v}");
            assert_eq!(v["__type"], "UnknownOperationException", "{ct:?}: {v}");
            assert!(
                v["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("Unsupported Content-Type"),
                "{v}"
            );
        }
    }
    assert_eq!(key_count(&tc, US).await, 0);
    // The same request with an ASCII content type is served.
    let (status, _) = send_bytes(
        addr(&tc, US),
        &request(
            "CreateKey",
            b"application/x-amz-json-1.1; charset=utf-8",
            b"{}",
        ),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(key_count(&tc, US).await, 1);
    tc.stop().await;
}

#[tokio::test]
async fn invalid_utf8_in_an_unknown_member_is_refused() {
    let tc = TestCluster::start().await;
    for body in [
        &b"{\"Description\":\"x\",\"Unknown\":\"\xff\"}"[..],
        b"{\"Unknown\":{\"deep\":[\"\xc3\"]},\"Description\":\"x\"}",
        b"{\"Description\":\"x\"}\xfe",
    ] {
        for to in [addr(&tc, US), tc.gateway] {
            let (status, v) = send_bytes(
                to,
                &request("CreateKey", b"application/x-amz-json-1.1", body),
            )
            .await;
            assert_eq!(status, 400, "{body:?}: {v}");
            assert_eq!(v["__type"], "SerializationException", "{body:?}: {v}");
        }
    }
    assert_eq!(key_count(&tc, US).await, 0);
    // Valid UTF-8 in an unknown member is still ignored (W-6).
    let (status, v) = send_bytes(
        addr(&tc, US),
        &request(
            "CreateKey",
            b"application/x-amz-json-1.1",
            "{\"Description\":\"x\",\"Unknown\":\"d\u{e9}j\u{e0}\"}".as_bytes(),
        ),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(key_count(&tc, US).await, 1);
    tc.stop().await;
}
