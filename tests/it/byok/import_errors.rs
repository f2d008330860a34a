//! `kmsim import-material` failures: a server's refusal is AWS's `__type: message` on stderr
//! with exit 1 (the same text the SDK reports), an unreachable endpoint exit 1, bad arguments
//! and unusable input exit 2 before anything is sent; in `[auth] mode = "sigv4"` it signs with
//! the environment's credentials.

use aws_sdk_kms::types::{ImportType, KeySpec, KeyState, KeyUsageType, OriginType};

use super::{import_material, run, run_with, strings};
use crate::common::*;
use crate::wrap::{get_params, import_as, random_material, rsa_pkcs8, OAEP_256, RSA_2048};

/// An address nothing listens on.
fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn server_refusals_print_aws_type_and_message_and_exit_1() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let url = tc.region_url(REGION);

    // An unknown key: the same error GetParametersForImport gives the SDK.
    let missing = uuid::Uuid::new_v4().to_string();
    let r = import_material(&url, REGION, &missing, &random_material(32), &[]).await;
    let (code, msg) = err_code(
        c.get_parameters_for_import()
            .key_id(&missing)
            .wrapping_algorithm(aws_sdk_kms::types::AlgorithmSpec::RsaesOaepSha256)
            .wrapping_key_spec(aws_sdk_kms::types::WrappingKeySpec::Rsa4096)
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    assert_eq!(r.failed(1), format!("{code}: {}\n", msg.unwrap()));

    // G-1: a key with AWS_KMS origin.
    let (id, key_arn) = aws_kms_key(&c).await;
    let r = import_material(&url, REGION, &id, &random_material(32), &[]).await;
    assert_eq!(
        r.failed(1),
        format!(
            "UnsupportedOperationException: {key_arn} origin is AWS_KMS which is not valid for this operation.\n"
        )
    );

    // I-28: EXISTING_KEY_MATERIAL with material the key does not have; the key keeps its own.
    let (id, _) = external_key(&c).await;
    let m1 = random_material(32);
    import_material(&url, REGION, &id, &m1, &[]).await.outcome();
    let m2 = random_material(32);
    let r = import_material(
        &url,
        REGION,
        &id,
        &m2,
        &["--import-type", "EXISTING_KEY_MATERIAL"],
    )
    .await;
    let (code, msg) =
        err_code(import_as(&c, &id, &m2, Some(ImportType::ExistingKeyMaterial)).await);
    assert_eq!(code, "IncorrectKeyMaterialException");
    assert_eq!(r.failed(1), format!("{code}: {}\n", msg.unwrap()));
    assert_eq!(key_state(&c, &id).await, KeyState::Enabled);

    // I-23: NEW_KEY_MATERIAL with the material the key already has.
    let r = import_material(
        &url,
        REGION,
        &id,
        &m1,
        &["--import-type", "NEW_KEY_MATERIAL"],
    )
    .await;
    assert!(
        r.failed(1).starts_with("IncorrectKeyMaterialException: "),
        "{r:?}"
    );

    // G-6: RSAES_PKCS1_V1_5 is sent, and refused as AWS refuses it.
    let (id, _) = external_key(&c).await;
    let r = import_material(
        &url,
        REGION,
        &id,
        &random_material(32),
        &["--wrapping-algorithm", "RSAES_PKCS1_V1_5"],
    )
    .await;
    assert!(
        r.failed(1).starts_with(
            "ValidationException: The RSAES_PKCS1_V1_5 wrapping algorithm is not supported."
        ),
        "{r:?}"
    );
    assert_eq!(key_state(&c, &id).await, KeyState::PendingImport);
    tc.stop().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_exits_1_naming_it() {
    let url = dead_endpoint();
    let r = import_material(&url, REGION, "any-key", &random_material(32), &[]).await;
    let err = r.failed(1);
    assert!(
        err.starts_with(&format!("kmsim import-material: {url}")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[tokio::test]
async fn bad_arguments_and_unusable_input_exit_2_before_anything_is_sent() {
    // Nothing listens at the endpoint: a request would make it exit 1, so 2 proves none left.
    let url = dead_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let m = super::file(dir.path(), "m.bin", &random_material(32));
    let m = m.to_str().unwrap();
    let base = [
        "import-material",
        "--endpoint",
        &url,
        "--region",
        REGION,
        "--key-id",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
    ];
    let with = |extra: &[&str]| {
        let mut a = strings(&base);
        a.extend(strings(extra));
        a
    };
    // Refused by clap, naming the flag.
    for (extra, names) in [
        (vec![], "--material"),
        (
            vec!["--material", m, "--wrapping-algorithm", "RSAES_BOGUS"],
            "--wrapping-algorithm",
        ),
        (
            vec!["--material", m, "--wrapping-key-spec", "RSA_1024"],
            "--wrapping-key-spec",
        ),
        (
            vec!["--material", m, "--import-type", "NEW"],
            "--import-type",
        ),
        (vec!["--material", m, "--valid-to", "tomorrow"], "RFC 3339"),
    ] {
        let r = run(&with(&extra)).await;
        assert!(r.failed(2).contains(names), "{extra:?}: {r:?}");
    }
    let r = run(&strings(&["import-material", "--material", m])).await;
    assert!(r.failed(2).contains("--endpoint"), "{r:?}");

    // Refused by the tool, before any request.
    let empty = super::file(dir.path(), "empty.bin", b"");
    let rsa = super::file(dir.path(), "rsa.der", &rsa_pkcs8(2048));
    let ec_pem = super::file(
        dir.path(),
        "ec.pem",
        b"-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n",
    );
    for (extra, says) in [
        (
            vec!["--material", m, "--wrapping-algorithm", "SM2PKE"],
            "China Regions",
        ),
        (
            vec!["--material", m, "--wrapping-key-spec", "SM2"],
            "China Regions",
        ),
        (vec!["--material", "/nonexistent/m.bin"], "cannot read"),
        (vec!["--material", empty.to_str().unwrap()], "empty"),
        (
            vec![
                "--material",
                rsa.to_str().unwrap(),
                "--wrapping-algorithm",
                "RSAES_OAEP_SHA_256",
            ],
            "do not fit RSAES_OAEP_SHA_256 under a 4096-bit wrapping key (at most 446 bytes)",
        ),
        (
            vec!["--material", ec_pem.to_str().unwrap()],
            "PEM \"EC PRIVATE KEY\" is not accepted",
        ),
    ] {
        let r = run(&with(&extra)).await;
        let err = r.failed(2);
        assert!(err.starts_with("kmsim import-material: "), "{err}");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}

const AUTH: &str = r#"
[auth]
mode = "sigv4"
admin_token = "kmsim-admin-token-for-tests"

[[auth.credentials]]
access_key_id = "AKIAALICE000000000001"
secret_access_key = "alice-secret-key-0123456789"
session_token = "alice-session-token"
account_id = "111122223333"
principal = "arn:aws:iam::111122223333:user/alice"
"#;

#[tokio::test]
async fn in_sigv4_mode_it_signs_with_the_environments_credentials() {
    let tc = TestCluster::start_with(AUTH).await;
    let url = tc.region_url(REGION);
    let alice = crate::auth::client_as(
        &url,
        REGION,
        "AKIAALICE000000000001",
        "alice-secret-key-0123456789",
        Some("alice-session-token"),
    );
    let (id, _) = external_key(&alice).await;
    let dir = tempfile::tempdir().unwrap();
    let m = super::file(dir.path(), "m.bin", &random_material(32));
    let args = strings(&[
        "import-material",
        "--endpoint-url",
        &url,
        "--region",
        REGION,
        "--key-id",
        &id,
        "--material",
        m.to_str().unwrap(),
        "--wrapping-key-spec",
        RSA_2048,
    ]);

    // Without credentials in the environment: the fixed test credentials, unknown here.
    let run_without = run(&args).await;
    assert_eq!(
        run_without.failed(1),
        "UnrecognizedClientException: The security token included in the request is invalid.\n"
    );
    // A wrong secret.
    let wrong = [
        ("AWS_ACCESS_KEY_ID", "AKIAALICE000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "not-alices-secret"),
        ("AWS_SESSION_TOKEN", "alice-session-token"),
    ];
    let run_wrong = run_with(&args, &wrong, None).await;
    assert!(
        run_wrong
            .failed(1)
            .starts_with("InvalidSignatureException: The request signature we calculated"),
        "{run_wrong:?}"
    );
    assert_eq!(key_state(&alice, &id).await, KeyState::PendingImport);

    // Alice's, session token included.
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAALICE000000000001"),
        ("AWS_SECRET_ACCESS_KEY", "alice-secret-key-0123456789"),
        ("AWS_SESSION_TOKEN", "alice-session-token"),
    ];
    let out = run_with(&args, &env, None).await.outcome();
    assert_eq!(out["WrappingKeySpec"], RSA_2048);
    assert_eq!(key_state(&alice, &id).await, KeyState::Enabled);
    tc.stop().await;
}

#[tokio::test]
async fn an_asymmetric_key_refuses_import_type_as_the_server_says() {
    // I-5: ImportType is for symmetric keys; the tool sends it when asked and reports the
    // server's ValidationException.
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let (id, _) = new_key_of(
        &c,
        KeySpec::Hmac256,
        KeyUsageType::GenerateVerifyMac,
        OriginType::External,
    )
    .await;
    let r = import_material(
        &tc.region_url(REGION),
        REGION,
        &id,
        &random_material(32),
        &["--import-type", "NEW_KEY_MATERIAL"],
    )
    .await;
    assert!(r.failed(1).starts_with("ValidationException: "), "{r:?}");
    // The parameters the SDK gets are still usable: nothing was left half-done.
    let p = get_params(&c, &id, OAEP_256, RSA_2048).await;
    assert!(p.import_token().is_some());
    tc.stop().await;
}
