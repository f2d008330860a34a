//! Issue 11, items 3–6, in `sigv4` mode: accounts, key and identity policies, grants and the
//! errors AWS answers, through SDK clients and requests signed by `aws-sigv4` with several
//! credentials in one cluster.

mod accounts;
mod conditions;
mod example;
mod grants;
mod policies;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{json, Value};

use crate::common::*;

/// A configured credential.
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub key: &'static str,
    pub secret: &'static str,
    pub token: Option<&'static str>,
    pub arn: &'static str,
}

/// 111122223333 (the cluster's account): allowed everything by its identity policy.
pub const ALICE: Who = Who {
    key: "AKIAALICE000000000001",
    secret: "alice-secret",
    token: None,
    arn: "arn:aws:iam::111122223333:user/alice",
};
/// 111122223333: identity policy allows `kms:*` (the default).
pub const CAROL: Who = Who {
    key: "AKIACAROL000000000003",
    secret: "carol-secret",
    token: None,
    arn: "arn:aws:iam::111122223333:user/carol",
};
/// 111122223333: identity policy allows only Encrypt, DescribeKey and CreateKey.
pub const DAVE: Who = Who {
    key: "AKIADAVE0000000000004",
    secret: "dave-secret",
    token: None,
    arn: "arn:aws:iam::111122223333:user/dave",
};
/// 111122223333: identity policy allows `kms:*` but denies Decrypt.
pub const ERIN: Who = Who {
    key: "AKIAERIN0000000000005",
    secret: "erin-secret",
    token: None,
    arn: "arn:aws:iam::111122223333:user/erin",
};
/// 444455556666, a role with a session token: allowed everything by its identity policy.
pub const BOB: Who = Who {
    key: "ASIABOB0000000000002",
    secret: "bob-secret",
    token: Some("bob-session-token"),
    arn: "arn:aws:iam::444455556666:role/app",
};
/// 444455556666: identity policy allows nothing in KMS.
pub const FRANK: Who = Who {
    key: "AKIAFRANK00000000006",
    secret: "frank-secret",
    token: None,
    arn: "arn:aws:iam::444455556666:user/frank",
};

pub const OTHER_ACCOUNT: &str = "444455556666";

pub const CONFIG: &str = r#"
[auth]
mode = "sigv4"
admin_token = "kmsim-admin-token-for-tests"

[[auth.credentials]]
access_key_id = "AKIAALICE000000000001"
secret_access_key = "alice-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/alice"

[[auth.credentials]]
access_key_id = "AKIACAROL000000000003"
secret_access_key = "carol-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/carol"

[[auth.credentials]]
access_key_id = "AKIADAVE0000000000004"
secret_access_key = "dave-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/dave"
policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:DescribeKey","kms:CreateKey"],"Resource":"*"}]}'

[[auth.credentials]]
access_key_id = "AKIAERIN0000000000005"
secret_access_key = "erin-secret"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/erin"
policy = '{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}'

[[auth.credentials]]
access_key_id = "ASIABOB0000000000002"
secret_access_key = "bob-secret"
session_token = "bob-session-token"
account_id = "444455556666"
principal = "arn:aws:iam::444455556666:role/app"

[[auth.credentials]]
access_key_id = "AKIAFRANK00000000006"
secret_access_key = "frank-secret"
account_id = "444455556666"
principal = "arn:aws:iam::444455556666:user/frank"
policy = '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
"#;

/// Starts a `sigv4` cluster with the credentials above.
pub async fn start() -> TestCluster {
    TestCluster::start_with(CONFIG).await
}

/// An SDK client signing as `who` for `region`'s own port.
pub fn client(tc: &TestCluster, who: Who, region: &str) -> aws_sdk_kms::Client {
    crate::auth::client_as(
        &tc.region_url(region),
        region,
        who.key,
        who.secret,
        who.token,
    )
}

/// A KMS request `op` with JSON `body`, signed as `who` by `aws-sigv4` for `REGION`'s port.
pub async fn call(tc: &TestCluster, who: Who, op: &str, body: &Value) -> (u16, Value) {
    let url = tc.region_url(REGION);
    let host = url.trim_start_matches("http://").to_string();
    let identity: Identity = Credentials::new(
        who.key,
        who.secret,
        who.token.map(str::to_string),
        None,
        "t",
    )
    .into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("kms")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let target = format!("TrentService.{op}");
    let text = body.to_string();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", target.as_str()),
    ];
    let uri = format!("{url}/");
    let signable = SignableRequest::new(
        "POST",
        uri.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(text.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut rb = reqwest::Client::new()
        .post(uri)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", target)
        .body(text);
    for (k, v) in instructions.headers() {
        rb = rb.header(k, v);
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// `call`, which must succeed.
pub async fn ok(tc: &TestCluster, who: Who, op: &str, body: Value) -> Value {
    let (status, out) = call(tc, who, op, &body).await;
    assert_eq!(status, 200, "{op} {body} as {}: {out}", who.arn);
    out
}

/// AWS's AccessDeniedException text.
pub fn denied_text(who: Who, action: &str, resource: &str, why: &str) -> String {
    let tail = match why {
        "resource" => format!(" because no resource-based policy allows the {action} action"),
        "identity" => format!(" because no identity-based policy allows the {action} action"),
        "resource-deny" => " with an explicit deny in a resource-based policy".to_string(),
        "identity-deny" => " with an explicit deny in an identity-based policy".to_string(),
        other => panic!("no such reason {other}"),
    };
    format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}{tail}",
        who.arn
    )
}

/// Asserts `AccessDeniedException` with exactly AWS's text.
pub fn assert_denied(got: (u16, Value), who: Who, action: &str, resource: &str, why: &str) {
    assert_eq!(got.0, 400, "{}", got.1);
    assert_eq!(got.1["__type"], "AccessDeniedException", "{}", got.1);
    assert_eq!(
        got.1["message"].as_str().or(got.1["Message"].as_str()),
        Some(denied_text(who, action, resource, why).as_str()),
        "{}",
        got.1
    );
}

/// A key policy: `alice` may do anything (so the lockout check passes), then `statements`.
pub fn policy_with(statements: &[Value]) -> String {
    let mut all = vec![json!({
        "Sid": "admin",
        "Effect": "Allow",
        "Principal": {"AWS": ALICE.arn},
        "Action": "kms:*",
        "Resource": "*"
    })];
    all.extend_from_slice(statements);
    json!({"Version": "2012-10-17", "Statement": all}).to_string()
}

/// Alice creates a key (`extra` members merged into the CreateKey body); its id and ARN.
pub async fn key_by(tc: &TestCluster, who: Who, extra: Value) -> (String, String) {
    let mut body = json!({});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let out = ok(tc, who, "CreateKey", body).await;
    (
        out["KeyMetadata"]["KeyId"].as_str().unwrap().to_string(),
        out["KeyMetadata"]["Arn"].as_str().unwrap().to_string(),
    )
}

/// The README's complete example (`examples/access.toml`) on ephemeral ports.
pub async fn start_example() -> TestCluster {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/access.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let readme = std::fs::read_to_string(path.with_file_name("../README.md")).unwrap();
    assert!(
        readme.contains(&text),
        "README.md shows examples/access.toml verbatim"
    );
    let text = text
        .replace("127.0.0.1:4600", "127.0.0.1:0")
        .replace("127.0.0.1:4601", "127.0.0.1:0")
        .replace("127.0.0.1:4602", "127.0.0.1:0");
    TestCluster::from_config(kmsim::config::Config::parse(&text).expect("the example parses")).await
}
