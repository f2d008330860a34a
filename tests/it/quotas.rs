//! Issue 12, item 1: `[quotas] mode = "aws"` throttles as AWS does, per account and Region,
//! by key type for the cryptographic operations, and a throttled request changes nothing.
//! Rates are overridden to 0.01/s (a bucket of one request that takes 100 s to refill) so
//! the counts are exact whatever the machine's speed.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyUsageType as KeyUsage, MacAlgorithmSpec, SigningAlgorithmSpec,
};

use crate::common::*;

const THROTTLED: &str =
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.";

fn assert_throttled<E, R>(r: Result<R, aws_sdk_kms::error::SdkError<E>>)
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let (code, msg) = err_code(r);
    assert_eq!(code, "ThrottlingException");
    msg_is(msg, THROTTLED.to_string());
}

#[tokio::test]
async fn a_management_quota_admits_its_rate_and_throttles_without_changing_state() {
    let tc =
        TestCluster::start_with("[quotas]\nmode = \"aws\"\n[quotas.overrides]\nCreateKey = 0.01\n")
            .await;
    let kms = tc.client(REGION);
    kms.create_key().send().await.unwrap();
    for _ in 0..5 {
        assert_throttled(kms.create_key().description("never made").send().await);
    }
    // Only the admitted request changed anything.
    let keys = kms.list_keys().send().await.unwrap();
    assert_eq!(keys.keys().len(), 1);
    // Another Region has its own quota.
    tc.client("eu-west-1").create_key().send().await.unwrap();
    // The raw answer: HTTP 400 and AWS's body.
    let (status, _, body) = tc
        .raw(
            &tc.region_url(REGION),
            Some("TrentService.CreateKey"),
            Some("application/x-amz-json-1.1"),
            "{}",
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "ThrottlingException");
    tc.stop().await;
}

#[tokio::test]
async fn cryptographic_operations_share_the_quota_of_their_key_type() {
    let tc = TestCluster::start_with(
        "[quotas]\nmode = \"aws\"\nscale = 0.000001\n[quotas.overrides]\nCreateKey = 100\n",
    )
    .await;
    let kms = tc.client(REGION);
    let sym = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let hmac = kms
        .create_key()
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsage::GenerateVerifyMac)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let ecc = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsage::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // One symmetric request in the bucket: Encrypt takes it; an HMAC operation (symmetric
    // too, per AWS's table) is then throttled.
    kms.encrypt()
        .key_id(&sym)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap();
    assert_throttled(
        kms.generate_mac()
            .key_id(&hmac)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new(b"m".to_vec()))
            .send()
            .await,
    );
    assert_throttled(kms.generate_random().number_of_bytes(8).send().await);
    // ECC keys have their own quota.
    let sign = || {
        kms.sign()
            .key_id(&ecc)
            .message(Blob::new(b"m".to_vec()))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
    };
    sign().await.unwrap();
    assert_throttled(sign().await);
    tc.stop().await;
}

#[tokio::test]
async fn replicate_key_counts_two_create_keys_in_the_replica_region() {
    let tc =
        TestCluster::start_with("[quotas]\nmode = \"aws\"\n[quotas.overrides]\nCreateKey = 0.01\n")
            .await;
    let kms = tc.client(REGION);
    let id = kms
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // The replica's Region has one CreateKey left: ReplicateKey needs two.
    assert_throttled(
        kms.replicate_key()
            .key_id(&id)
            .replica_region("eu-west-1")
            .send()
            .await,
    );
    let d = kms.describe_key().key_id(&id).send().await.unwrap();
    let replicas = d.key_metadata.unwrap().multi_region_configuration.unwrap();
    assert!(replicas.replica_keys().is_empty());
    assert_throttled(tc.client("eu-west-1").create_key().send().await);
    tc.stop().await;
}

#[tokio::test]
async fn rapid_state_changes_of_one_key_are_throttled_as_a_hot_key() {
    let tc = TestCluster::start_with(
        "[quotas]\nmode = \"aws\"\nscale = 0.000001\n[quotas.overrides]\nCreateKey = 100\nDisableKey = 100\nEnableKey = 100\n",
    )
    .await;
    let kms = tc.client(REGION);
    let a = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let b = kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // A burst of five state changes of one key, then throttled.
    for i in 0..5 {
        if i % 2 == 0 {
            kms.disable_key().key_id(&a).send().await.unwrap();
        } else {
            kms.enable_key().key_id(&a).send().await.unwrap();
        }
    }
    assert_throttled(kms.enable_key().key_id(&a).send().await);
    let state = kms
        .describe_key()
        .key_id(&a)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_state;
    assert_eq!(state, Some(aws_sdk_kms::types::KeyState::Disabled));
    // Another key is not hot.
    kms.disable_key().key_id(&b).send().await.unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn quotas_are_per_account() {
    let tc = TestCluster::start_with(&format!(
        "{}\n[quotas]\nmode = \"aws\"\n[quotas.overrides]\nCreateKey = 0.01\n",
        crate::access::CONFIG
    ))
    .await;
    use crate::access::{call, ALICE, BOB};
    let (s, _) = call(&tc, ALICE, "CreateKey", &serde_json::json!({})).await;
    assert_eq!(s, 200);
    let (s, out) = call(&tc, ALICE, "CreateKey", &serde_json::json!({})).await;
    assert_eq!(
        (s, out["__type"].as_str()),
        (400, Some("ThrottlingException"))
    );
    let (s, _) = call(&tc, BOB, "CreateKey", &serde_json::json!({})).await;
    assert_eq!(s, 200);
    tc.stop().await;
}

#[test]
fn bad_quota_settings_are_refused_naming_the_field() {
    let base = "account_id = \"111122223333\"\ndefault_region = \"us-east-1\"\ngateway = \"127.0.0.1:0\"\n[[region]]\nname = \"us-east-1\"\nlisten = \"127.0.0.1:0\"\n";
    for (extra, field) in [
        (
            "[quotas]\nmode = \"strict\"\n",
            "unknown variant `strict`, expected `off` or `aws`",
        ),
        ("[quotas]\nscale = 0\n", "quotas.scale"),
        ("[quotas.overrides]\nNoSuchThing = 5\n", "quotas.overrides"),
        (
            "[quotas.overrides]\nCreateKey = -1\n",
            "quotas.overrides.CreateKey",
        ),
    ] {
        let err = kmsim::config::Config::parse(&format!("{base}{extra}")).unwrap_err();
        assert!(err.0.contains(field), "{extra}: {}", err.0);
    }
}
