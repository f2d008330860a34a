//! Issue 11, items 1 and 2: `[auth] mode = "sigv4"` verifies every request's SigV4 signature
//! (header and presigned forms) against the configured credentials, with AWS's errors; a
//! Region's own port refuses a request signed for another Region in every mode.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Region};
use aws_sdk_kms::Client;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;

use crate::common::*;

const ALICE: (&str, &str) = ("AKIAALICE000000000001", "alice-secret-key-0123456789");
const BOB: (&str, &str) = ("ASIABOB0000000000002", "bob-secret-key-9876543210");
const BOB_TOKEN: &str = "bob-session-token";

const ADMIN_TOKEN: &str = "kmsim-admin-token-for-tests";

const AUTH: &str = r#"
[auth]
mode = "sigv4"
admin_token = "kmsim-admin-token-for-tests"

[[auth.credentials]]
access_key_id = "AKIAALICE000000000001"
secret_access_key = "alice-secret-key-0123456789"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/alice"

[[auth.credentials]]
access_key_id = "ASIABOB0000000000002"
secret_access_key = "bob-secret-key-9876543210"
session_token = "bob-session-token"
account_id = "444455556666"
principal = "arn:aws:iam::444455556666:role/app"
"#;

pub fn client_as(url: &str, region: &str, key: &str, secret: &str, token: Option<&str>) -> Client {
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(
            key,
            secret,
            token.map(str::to_string),
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// A DescribeKey request for `key_id` to `url`, signed by aws-sigv4 at `time` (in headers, or
/// presigned in the query string with `presign`), then sent with `body` (which may differ
/// from what was signed).
async fn signed_raw(
    url: &str,
    cred: (&str, &str),
    time: SystemTime,
    signed_body: &str,
    sent_body: &str,
    presign: Option<Duration>,
) -> (u16, serde_json::Value) {
    let host = url.trim_start_matches("http://").to_string();
    let identity: Identity = Credentials::new(cred.0, cred.1, None, None, "test").into();
    let mut settings = SigningSettings::default();
    if let Some(exp) = presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(exp);
    }
    let params = SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("kms")
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "TrentService.ListKeys"),
    ];
    let uri = format!("{url}/");
    let signable = SignableRequest::new(
        "POST",
        uri.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(signed_body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut target = uri.clone();
    let query: Vec<String> = instructions
        .params()
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    if !query.is_empty() {
        target = format!("{uri}?{}", query.join("&"));
    }
    let mut rb = reqwest::Client::new()
        .post(target)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "TrentService.ListKeys")
        .body(sent_body.to_string());
    for (k, v) in instructions.headers() {
        rb = rb.header(k, v);
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn sigv4_mode_accepts_configured_credentials_and_refuses_the_rest() {
    let tc = TestCluster::start_with(AUTH).await;
    let url = tc.region_url(REGION);
    // Configured credentials work (a session token where the credential has one).
    let alice = client_as(&url, REGION, ALICE.0, ALICE.1, None);
    alice
        .create_key()
        .send()
        .await
        .expect("alice signs correctly");
    let bob = client_as(&url, REGION, BOB.0, BOB.1, Some(BOB_TOKEN));
    bob.list_keys()
        .send()
        .await
        .expect("bob with his session token");
    // An unknown access key, or a wrong session token.
    for c in [
        client_as(&url, REGION, "AKIANOBODY0000000009", ALICE.1, None),
        client_as(&url, REGION, BOB.0, BOB.1, Some("stolen-token")),
        client_as(&url, REGION, BOB.0, BOB.1, None),
    ] {
        let (code, msg) = err_code(c.list_keys().send().await);
        assert_eq!(code, "UnrecognizedClientException");
        msg_is(
            msg,
            "The security token included in the request is invalid.".into(),
        );
    }
    // A wrong secret.
    let wrong = client_as(&url, REGION, ALICE.0, "not-the-secret", None);
    let (code, msg) = err_code(wrong.list_keys().send().await);
    assert_eq!(code, "InvalidSignatureException");
    msg_is(msg, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into());
    // No signature at all (the admin routes are not KMS requests).
    let (status, v) = raw_op(&tc, REGION, "ListKeys", serde_json::json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(v["__type"], "MissingAuthenticationTokenException");
    assert_eq!(v["message"], "Missing Authentication Token");
    tc.stop().await;
}

#[tokio::test]
async fn tampered_bodies_skewed_times_and_presigned_urls() {
    let tc = TestCluster::start_with(AUTH).await;
    let url = tc.region_url(REGION);
    let now = SystemTime::now();
    let (status, v) = signed_raw(&url, ALICE, now, "{}", "{}", None).await;
    assert_eq!(status, 200, "{v}");
    // The body changed after signing.
    let (status, v) = signed_raw(&url, ALICE, now, "{}", r#"{"Limit":1}"#, None).await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("InvalidSignatureException"))
    );
    // Ten minutes in the past, and in the future, of the real clock.
    let re_past = regex::Regex::new(
        r"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$",
    )
    .unwrap();
    let (status, v) = signed_raw(
        &url,
        ALICE,
        now - Duration::from_secs(600),
        "{}",
        "{}",
        None,
    )
    .await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("InvalidSignatureException"))
    );
    assert!(re_past.is_match(v["message"].as_str().unwrap()), "{v}");
    let re_future = regex::Regex::new(
        r"^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$",
    )
    .unwrap();
    let (status, v) = signed_raw(
        &url,
        ALICE,
        now + Duration::from_secs(600),
        "{}",
        "{}",
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(re_future.is_match(v["message"].as_str().unwrap()), "{v}");
    // Four minutes off is within AWS's five.
    let (status, v) = signed_raw(
        &url,
        ALICE,
        now - Duration::from_secs(240),
        "{}",
        "{}",
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    // The simulated clock is not the request clock.
    let resp = reqwest::Client::new()
        .post(format!("{}/_kmsim/clock/advance", tc.gateway_url()))
        .header("content-type", "application/json")
        .header("x-kmsim-admin-token", ADMIN_TOKEN)
        .body(r#"{"seconds":86400}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, v) = signed_raw(&url, ALICE, now, "{}", "{}", None).await;
    assert_eq!(status, 200, "{v}");
    // Presigned: valid, then tampered, then past its X-Amz-Expires.
    let presign = Some(Duration::from_secs(60));
    let (status, v) = signed_raw(&url, ALICE, now, "{}", "{}", presign).await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = signed_raw(&url, ALICE, now, "{}", r#"{"Limit":2}"#, presign).await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (400, Some("InvalidSignatureException")),
        "{v}"
    );
    let (status, v) = signed_raw(
        &url,
        ALICE,
        now - Duration::from_secs(120),
        "{}",
        "{}",
        presign,
    )
    .await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{v}"
    );
    tc.stop().await;
}

/// In every mode, a Region's own port refuses a request signed for another Region; the
/// gateway still routes by the signature.
#[tokio::test]
async fn a_region_port_refuses_a_signature_for_another_region() {
    let tc = TestCluster::start().await;
    let c = sdk_client(&tc.region_url("us-east-1"), "eu-west-1");
    let (code, msg) = err_code(c.list_keys().send().await);
    assert_eq!(code, "InvalidSignatureException");
    msg_is(
        msg,
        "Credential should be scoped to a valid region, not 'eu-west-1'. This endpoint serves us-east-1.".into(),
    );
    tc.gateway_client("eu-west-1")
        .list_keys()
        .send()
        .await
        .expect("the gateway routes by the signature");
    // Unsigned requests to a Region port stay accepted in open mode.
    let (status, _) = raw_op(&tc, "eu-west-1", "ListKeys", serde_json::json!({})).await;
    assert_eq!(status, 200);
    tc.stop().await;
}

/// Issue 11, item 7: admin POSTs need JSON and a loopback (or configured) Host in every mode;
/// in `sigv4` mode every admin call needs the admin token.
#[tokio::test]
async fn admin_routes_refuse_browsers_and_without_the_token() {
    let post = |url: String,
                ct: &'static str,
                host: Option<&'static str>,
                token: Option<&'static str>| async move {
        let mut rb = reqwest::Client::new()
            .post(url)
            .header("content-type", ct)
            .body(r#"{"seconds":1}"#);
        if let Some(h) = host {
            rb = rb.header("host", h);
        }
        if let Some(t) = token {
            rb = rb.header("x-kmsim-admin-token", t);
        }
        let resp = rb.send().await.unwrap();
        let status = resp.status().as_u16();
        (
            status,
            resp.json::<serde_json::Value>().await.unwrap_or_default(),
        )
    };
    let tc = TestCluster::start().await;
    let url = format!("{}/_kmsim/clock/advance", tc.gateway_url());
    let (status, v) = post(url.clone(), "text/plain", None, None).await;
    assert_eq!(status, 415, "{v}");
    let (status, v) = post(
        url.clone(),
        "application/json",
        Some("evil.example:4600"),
        None,
    )
    .await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (403, Some("AccessDeniedException")),
        "{v}"
    );
    let (status, _) = post(url.clone(), "application/json", Some("localhost:1"), None).await;
    assert_eq!(status, 200);
    let (status, _) = post(url.clone(), "application/json; charset=utf-8", None, None).await;
    assert_eq!(status, 200);
    tc.stop().await;

    let tc = TestCluster::start_with(AUTH).await;
    let url = format!("{}/_kmsim/clock/advance", tc.gateway_url());
    let (status, v) = post(url.clone(), "application/json", None, None).await;
    assert_eq!(
        (status, v["__type"].as_str()),
        (403, Some("AccessDeniedException")),
        "{v}"
    );
    let (status, _) = post(
        url.clone(),
        "application/json",
        None,
        Some("wrong-token-0000000"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(url, "application/json", None, Some(ADMIN_TOKEN)).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&format!("{}/_kmsim/health", tc.gateway_url())).await;
    assert_eq!(status, 403, "GETs need the token too in sigv4 mode");
    tc.stop().await;
}
