//! Any Region on the gateway (issue 13, item 1): a valid Region name first used through the
//! gateway, by ReplicateKey, by a seed or by a data dir gets a node on the spot — its own
//! keys, listed by `/_kmsim/health` with the gateway's URL and `"openedOnFirstUse": true` —
//! while `strict_regions = true` keeps the old refusals, and a name that is not a Region is
//! always refused.

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_kms::types::{KeyState, MultiRegionKeyType, OriginType};
use serde_json::{json, Value};

use crate::auth::client_as;
use crate::common::mr::{mr_view, mrk, replicate, update_primary, A, B, C};
use crate::common::*;
use crate::wrap::{import_material, material_id, random_material, OAEP_256, RSA_2048};

const STRICT: &str = "strict_regions = true\n";

/// The strict gateway's refusal of a valid Region outside the configuration.
fn strict_refusal(region: &str) -> String {
    format!(
        "Credential should be scoped to a valid region, not '{region}'. This kmsim cluster serves only its configured Regions (strict_regions): ap-southeast-2, eu-west-1, us-east-1"
    )
}

/// The gateway's refusal of a name that is not a Region (strict or not).
fn not_a_region(name: &str) -> String {
    format!("Credential should be scoped to a valid region, not '{name}'.")
}

/// `/_kmsim/health`'s Regions as (region, endpoint, openedOnFirstUse), in the listed order.
async fn health_regions(base: &str) -> Vec<(String, String, bool)> {
    let (status, body) = get_json(&format!("{base}/_kmsim/health")).await;
    assert_eq!(status, 200, "{body}");
    body["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| {
            (
                r["region"].as_str().expect("region").to_string(),
                r["endpoint"].as_str().expect("endpoint").to_string(),
                r["openedOnFirstUse"].as_bool().expect("openedOnFirstUse"),
            )
        })
        .collect()
}

/// What health lists for the configured Regions followed by `opened` (sorted by the caller).
fn listed(tc: &TestCluster, opened: &[&str]) -> Vec<(String, String, bool)> {
    let mut want: Vec<_> = REGIONS
        .iter()
        .map(|r| (r.to_string(), tc.region_url(r), false))
        .collect();
    want.extend(
        opened
            .iter()
            .map(|r| (r.to_string(), tc.gateway_url(), true)),
    );
    want
}

#[tokio::test]
async fn a_region_first_used_through_the_gateway_gets_its_own_keys() {
    let tc = TestCluster::start().await;
    let west = tc.gateway_client("us-west-2");
    let out = west
        .create_key()
        .send()
        .await
        .expect("CreateKey in us-west-2");
    let md = out.key_metadata().expect("KeyMetadata");
    let id = md.key_id().to_string();
    assert_eq!(md.arn(), Some(arn("us-west-2", &id).as_str()));
    // The new Region lists only its key, and a fresh client finds the same node.
    assert_eq!(listed_ids(&west).await, [id.as_str()]);
    let again = tc.gateway_client("us-west-2");
    assert_eq!(listed_ids(&again).await, [id.as_str()]);
    let blob = encrypt(&west, &id, b"west").await;
    assert_eq!(decrypt(&again, &blob).await.0, b"west");
    // The configured Regions do not see it, on their ports or through the gateway.
    for r in REGIONS {
        assert!(listed_ids(&tc.client(r)).await.is_empty(), "{r}");
        let (code, msg) = err_code(tc.gateway_client(r).describe_key().key_id(&id).send().await);
        assert_eq!(code, "NotFoundException", "{r}");
        msg_is(msg, format!("Key '{}' does not exist", arn(r, &id)));
    }
    // And a key of a configured Region is not in the new one.
    let east = new_key(&tc.client(A)).await;
    let (code, msg) = err_code(west.describe_key().key_id(&east).send().await);
    assert_eq!(code, "NotFoundException");
    msg_is(
        msg,
        format!("Key '{}' does not exist", arn("us-west-2", &east)),
    );
    tc.stop().await;
}

#[tokio::test]
async fn health_lists_a_region_opened_on_first_use_with_the_gateway_url() {
    let tc = TestCluster::start().await;
    assert_eq!(health_regions(&tc.gateway_url()).await, listed(&tc, &[]));
    new_key(&tc.gateway_client("us-west-2")).await;
    listed_ids(&tc.gateway_client("ap-south-1")).await;
    // Configured Regions first (configuration order), then the opened ones, sorted.
    let want = listed(&tc, &["ap-south-1", "us-west-2"]);
    assert_eq!(health_regions(&tc.gateway_url()).await, want);
    // The same view on a Region port.
    assert_eq!(health_regions(&tc.region_url(B)).await, want);
    // An opened Region's whole entry: no prefill in tests, so its pools are empty.
    let (_, body) = get_json(&format!("{}/_kmsim/health", tc.gateway_url())).await;
    assert_eq!(
        body["regions"][4],
        json!({
            "region": "us-west-2",
            "endpoint": tc.gateway_url(),
            "wrappingKeysReady": {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0},
            "openedOnFirstUse": true,
        })
    );
    tc.stop().await;
}

#[tokio::test]
async fn replicate_key_to_an_unopened_region_opens_it() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    let shown = replicate(&a, &id, "ap-northeast-3").await;
    assert_eq!(shown.arn(), Some(arn("ap-northeast-3", &id).as_str()));
    // R-6: shown as it starts.
    assert_eq!(shown.key_state(), Some(&KeyState::Creating));
    let osaka = tc.gateway_client("ap-northeast-3");
    let md = describe(&osaka, &id).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    let primary = (A.to_string(), arn(A, &id));
    let replicas = vec![("ap-northeast-3".to_string(), arn("ap-northeast-3", &id))];
    assert_eq!(
        mr_view(&md),
        (
            MultiRegionKeyType::Replica,
            primary.clone(),
            replicas.clone()
        )
    );
    assert_eq!(
        mr_view(&describe(&a, &id).await),
        (MultiRegionKeyType::Primary, primary, replicas)
    );
    assert_eq!(listed_ids(&osaka).await, [id.as_str()]);
    // The same key material on both sides.
    let blob = encrypt(&a, &id, b"from us-east-1").await;
    assert_eq!(decrypt(&osaka, &blob).await.0, b"from us-east-1");
    let blob = encrypt(&osaka, &id, b"from ap-northeast-3").await;
    assert_eq!(decrypt(&a, &blob).await.0, b"from ap-northeast-3");
    // Replicating there again is R-2's AlreadyExists, not a second Region.
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&id)
            .replica_region("ap-northeast-3")
            .send()
            .await,
    );
    assert_eq!(code, "AlreadyExistsException");
    msg_is(
        msg,
        format!("Replica key {} already exists.", arn("ap-northeast-3", &id)),
    );
    assert_eq!(
        health_regions(&tc.gateway_url()).await,
        listed(&tc, &["ap-northeast-3"])
    );
    // The opened Region can become the primary, and replicate on to another new Region.
    update_primary(&a, &id, "ap-northeast-3").await;
    assert_eq!(
        mr_view(&describe(&osaka, &id).await).0,
        MultiRegionKeyType::Primary
    );
    assert_eq!(
        mr_view(&describe(&a, &id).await).0,
        MultiRegionKeyType::Replica
    );
    replicate(&osaka, &id, "eu-north-1").await;
    let stockholm = tc.gateway_client("eu-north-1");
    assert_eq!(key_state(&stockholm, &id).await, KeyState::Enabled);
    let blob = encrypt(&stockholm, &id, b"three Regions").await;
    assert_eq!(decrypt(&a, &blob).await.0, b"three Regions");
    tc.stop().await;
}

/// `[auth] mode = "sigv4"`: the signature is checked before the Region opens — a wrong
/// secret opens nothing — and a verified request opens it under the caller's account.
#[tokio::test]
async fn a_region_opens_only_for_a_verified_signature_in_sigv4_mode() {
    let tc = TestCluster::start_with(
        "[auth]\nmode = \"sigv4\"\nadmin_token = \"kmsim-admin-token-for-tests\"\n[[auth.credentials]]\naccess_key_id = \"AKIAALICE000000000001\"\nsecret_access_key = \"alice-secret\"\naccount_id = \"444455556666\"\nprincipal = \"arn:aws:iam::444455556666:user/alice\"\n",
    )
    .await;
    let url = tc.gateway_url();
    let wrong = client_as(&url, "us-west-2", "AKIAALICE000000000001", "not-it", None);
    let (code, _) = err_code(wrong.create_key().send().await);
    assert_eq!(code, "InvalidSignatureException");
    let nobody = client_as(&url, "us-west-2", "AKIANOBODY0000000009", "x", None);
    let (code, _) = err_code(nobody.create_key().send().await);
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(tc.cluster.state.nodes.opened(), Vec::<String>::new());
    let alice = client_as(
        &url,
        "us-west-2",
        "AKIAALICE000000000001",
        "alice-secret",
        None,
    );
    let md = alice
        .create_key()
        .send()
        .await
        .expect("CreateKey signed for us-west-2")
        .key_metadata
        .expect("KeyMetadata");
    assert_eq!(
        md.arn.as_deref(),
        Some(format!("arn:aws:kms:us-west-2:444455556666:key/{}", md.key_id).as_str())
    );
    assert_eq!(tc.cluster.state.nodes.opened(), ["us-west-2"]);
    tc.stop().await;
}

/// BYOK across a Region opened by ReplicateKey: the replica waits for its import (I-31),
/// takes the primary's material with the same KeyMaterialId (I-32), and then decrypts what
/// the primary encrypted.
#[tokio::test]
async fn an_external_multi_region_key_replicates_to_a_region_opened_on_first_use() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::External).await;
    let m1 = random_material(32);
    let id1 = material_id(import_material(&a, &id, &m1, OAEP_256, RSA_2048, None).await);
    replicate(&a, &id, "ca-central-1").await;
    let canada = tc.gateway_client("ca-central-1");
    assert_eq!(key_state(&canada, &id).await, KeyState::PendingImport);
    assert_encrypt_pending_import(&canada, &id, &arn("ca-central-1", &id)).await;
    let got = material_id(import_material(&canada, &id, &m1, OAEP_256, RSA_2048, None).await);
    assert_eq!(got, id1);
    assert_eq!(key_state(&canada, &id).await, KeyState::Enabled);
    assert_eq!(current_material(&canada, &id).await, id1);
    let blob = encrypt(&a, &id, b"bring your own").await;
    assert_eq!(
        decrypt(&canada, &blob).await,
        (b"bring your own".to_vec(), Some(id1.clone()))
    );
    let blob = encrypt(&canada, &id, b"and back").await;
    assert_eq!(decrypt(&a, &blob).await.0, b"and back");
    tc.stop().await;
}

#[tokio::test]
async fn strict_regions_refuses_an_unconfigured_region_on_the_gateway() {
    let tc = TestCluster::start_with(STRICT).await;
    for region in ["us-west-2", "sa-east-1", "us-gov-west-1"] {
        let c = tc.gateway_client(region);
        let (code, msg) = err_code(c.create_key().send().await);
        assert_eq!(code, "InvalidSignatureException", "{region}");
        msg_is(msg, strict_refusal(region));
        let (code, msg) = err_code(c.list_keys().send().await);
        assert_eq!(code, "InvalidSignatureException", "{region}");
        msg_is(msg, strict_refusal(region));
    }
    // Nothing was opened, nothing created.
    assert_eq!(health_regions(&tc.gateway_url()).await, listed(&tc, &[]));
    for r in REGIONS {
        assert!(listed_ids(&tc.client(r)).await.is_empty(), "{r}");
    }
    // The configured Regions still answer through the gateway.
    new_key(&tc.gateway_client(B)).await;
    tc.stop().await;
}

#[tokio::test]
async fn strict_regions_refuses_replicate_key_to_an_unconfigured_region() {
    let tc = TestCluster::start_with(STRICT).await;
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    let (code, msg) = err_code(
        a.replicate_key()
            .key_id(&id)
            .replica_region("ap-northeast-3")
            .send()
            .await,
    );
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        "Region ap-northeast-3 is not served by this kmsim cluster (configured: us-east-1, eu-west-1, ap-southeast-2).".into(),
    );
    assert!(mr_view(&describe(&a, &id).await).2.is_empty());
    assert_eq!(health_regions(&tc.gateway_url()).await, listed(&tc, &[]));
    // A configured Region still replicates.
    replicate(&a, &id, C).await;
    tc.stop().await;
}

/// Not a Region name (`us-east-1`-shaped): refused with AWS's message in either mode, and
/// nothing is opened.
#[tokio::test]
async fn a_name_that_is_not_a_region_is_refused_strict_or_not() {
    for extra in ["", STRICT] {
        let tc = TestCluster::start_with(extra).await;
        for name in [
            "not-a-region",
            "us-east",
            "us-east-1a",
            "US-EAST-1",
            "us-east-x",
            "a-b-c-d-1",
            "us--1",
        ] {
            let c = tc.gateway_client(name);
            let (code, msg) = err_code(c.create_key().send().await);
            assert_eq!(code, "InvalidSignatureException", "{name} ({extra:?})");
            msg_is(msg, not_a_region(name));
        }
        // ReplicateKey's ReplicaRegion is refused too (before anything is opened).
        let a = tc.client(A);
        let id = mrk(&a, OriginType::AwsKms).await;
        for name in ["not-a-region", "us-east-1a", "US-EAST-1"] {
            let (code, _) = err_code(
                a.replicate_key()
                    .key_id(&id)
                    .replica_region(name)
                    .send()
                    .await,
            );
            assert_eq!(code, "ValidationException", "{name} ({extra:?})");
        }
        assert!(mr_view(&describe(&a, &id).await).2.is_empty());
        assert_eq!(health_regions(&tc.gateway_url()).await, listed(&tc, &[]));
        for r in REGIONS {
            let want = if r == A { vec![id.clone()] } else { vec![] };
            assert_eq!(listed_ids(&tc.client(r)).await, want, "{r} ({extra:?})");
        }
        tc.stop().await;
    }
}

fn storage(dir: &Path) -> String {
    format!("[storage]\ndata_dir = \"{}\"\n", dir.display())
}

/// Every file of `dir` with its bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read the data dir")
        .map(|e| {
            let p = e.expect("dir entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read a file"))
        })
        .collect()
}

#[tokio::test]
async fn a_region_opened_on_first_use_reopens_from_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let tc = TestCluster::start_with(&storage(dir.path())).await;
    let west = tc.gateway_client("us-west-2");
    let k = new_key(&west).await;
    create_alias(&west, "alias/west", &k).await;
    let blob = encrypt(&west, &k, b"kept in us-west-2").await;
    // A Region opened by ReplicateKey, holding a replica.
    let a = tc.client(A);
    let mr = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &mr, "ap-northeast-3").await;
    let mr_blob = encrypt(&a, &mr, b"multi-Region").await;
    tc.stop().await;

    let tc = TestCluster::start_with(&storage(dir.path())).await;
    // Open again before any request names them.
    assert_eq!(
        health_regions(&tc.gateway_url()).await,
        listed(&tc, &["ap-northeast-3", "us-west-2"])
    );
    let west = tc.gateway_client("us-west-2");
    assert_eq!(listed_ids(&west).await, [k.as_str()]);
    assert_eq!(described_id(&west, "alias/west").await, k);
    assert_eq!(decrypt(&west, &blob).await.0, b"kept in us-west-2");
    let osaka = tc.gateway_client("ap-northeast-3");
    let md = describe(&osaka, &mr).await;
    assert_eq!(md.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        mr_view(&md).2,
        [("ap-northeast-3".to_string(), arn("ap-northeast-3", &mr))]
    );
    assert_eq!(decrypt(&osaka, &mr_blob).await.0, b"multi-Region");
    // The replica still follows its primary after the restart.
    rotate(&tc.client(A), &mr).await;
    assert_eq!(
        current_material(&osaka, &mr).await,
        current_material(&tc.client(A), &mr).await
    );
    tc.stop().await;
}

#[tokio::test]
async fn strict_regions_refuses_a_data_dir_holding_a_region_opened_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let tc = TestCluster::start_with(&storage(dir.path())).await;
    let k = new_key(&tc.gateway_client("us-west-2")).await;
    tc.stop().await;
    let before = contents(dir.path());
    let e = TestCluster::start_seeded(&format!("{STRICT}{}", storage(dir.path())), None)
        .await
        .err()
        .expect("refused");
    assert_eq!(
        e.to_string(),
        format!(
            "data dir {}: it holds state of Region us-west-2, which the configuration does not have (configured: us-east-1, eu-west-1, ap-southeast-2)",
            dir.path().display()
        )
    );
    assert_eq!(
        contents(dir.path()),
        before,
        "the data dir is left byte-identical"
    );
    // Not strict, it opens again with the key.
    let tc = TestCluster::start_with(&storage(dir.path())).await;
    assert_eq!(listed_ids(&tc.gateway_client("us-west-2")).await, [k]);
    tc.stop().await;
}

const WEST_KEY: &str = "11111111-2222-3333-4444-555555555555";
const MRK: &str = "mrk-0123456789abcdef0123456789abcdef";

fn seed(text: &str) -> kmsim::seed::Seed {
    kmsim::seed::Seed::parse(text, Path::new("regions-seed.toml")).expect("the seed reads")
}

#[tokio::test]
async fn a_seed_naming_an_unconfigured_region_opens_it() {
    let text = format!(
        "version = 1\n[[key]]\nid = \"{WEST_KEY}\"\nregion = \"us-west-2\"\naliases = [\"alias/west\"]\n[[key]]\nid = \"{MRK}\"\nreplicas = [\"ap-northeast-3\"]\n"
    );
    let tc = TestCluster::start_seeded("", Some(seed(&text)))
        .await
        .expect("the seed applies");
    assert_eq!(
        health_regions(&tc.gateway_url()).await,
        listed(&tc, &["ap-northeast-3", "us-west-2"])
    );
    let west = tc.gateway_client("us-west-2");
    assert_eq!(described_id(&west, "alias/west").await, WEST_KEY);
    assert_eq!(
        describe(&west, WEST_KEY).await.arn(),
        Some(arn("us-west-2", WEST_KEY).as_str())
    );
    let osaka = tc.gateway_client("ap-northeast-3");
    assert_eq!(key_state(&osaka, MRK).await, KeyState::Enabled);
    let blob = encrypt(&tc.client(A), MRK, b"seeded").await;
    assert_eq!(decrypt(&osaka, &blob).await.0, b"seeded");
    // `/_kmsim/reset` re-applies the seed: the opened Regions stay, with the seeded keys.
    let (status, _) = admin(&tc, "/_kmsim/reset", Some("{}")).await;
    assert_eq!(status, 200);
    assert_eq!(listed_ids(&west).await, [WEST_KEY]);
    assert_eq!(listed_ids(&osaka).await, [MRK]);
    tc.stop().await;
}

#[tokio::test]
async fn a_seed_naming_an_unconfigured_or_invalid_region_does_not_start() {
    let cases = [
        (
            STRICT,
            format!("version = 1\n[[key]]\nid = \"{WEST_KEY}\"\nregion = \"us-west-2\"\n"),
            format!("key[0] (id {WEST_KEY}): Region us-west-2 is not in this cluster"),
        ),
        (
            STRICT,
            format!("version = 1\n[[key]]\nid = \"{MRK}\"\nreplicas = [\"ap-northeast-3\"]\n"),
            format!("key[0] (id {MRK}): replica Region ap-northeast-3 is not in this cluster"),
        ),
        (
            "",
            format!("version = 1\n[[key]]\nid = \"{WEST_KEY}\"\nregion = \"not-a-region\"\n"),
            format!("key[0] (id {WEST_KEY}): Region not-a-region is not in this cluster"),
        ),
    ];
    for (extra, text, why) in cases {
        let e = TestCluster::start_seeded(extra, Some(seed(&text)))
            .await
            .err()
            .expect("refused");
        assert_eq!(e.to_string(), format!("seed file regions-seed.toml: {why}"));
    }
}

/// 16 first requests for the same new Region at once — CreateKey through the gateway and
/// ReplicateKey from us-east-1 — open one node: every key lands in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_requests_open_the_region_once() {
    let tc = TestCluster::start().await;
    let a = tc.client(A);
    let mut primaries = Vec::new();
    for _ in 0..8 {
        primaries.push(mrk(&a, OriginType::AwsKms).await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
    let mut tasks = Vec::new();
    for i in 0..16 {
        let barrier = barrier.clone();
        let gateway = tc.gateway_client("sa-east-1");
        let a = a.clone();
        let primary = primaries.get(i / 2).cloned().filter(|_| i % 2 == 1);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            match primary {
                Some(id) => {
                    replicate(&a, &id, "sa-east-1").await;
                    id
                }
                None => new_key(&gateway).await,
            }
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.expect("task"));
    }
    let (status, _) = admin(&tc, "/_kmsim/bus/drain", Some("{}")).await;
    assert_eq!(status, 200);
    ids.sort();
    let mut got = listed_ids(&tc.gateway_client("sa-east-1")).await;
    got.sort();
    assert_eq!(got, ids);
    assert_eq!(
        health_regions(&tc.gateway_url()).await,
        listed(&tc, &["sa-east-1"])
    );
    for id in &primaries {
        assert_eq!(
            mr_view(&describe(&a, id).await).2,
            [("sa-east-1".to_string(), arn("sa-east-1", id))]
        );
    }
    tc.stop().await;
}

/// `/_kmsim/bus/cut` names a Region the cluster serves now; it does not open one.
#[tokio::test]
async fn a_bus_cut_does_not_open_a_region() {
    let tc = TestCluster::start().await;
    let (status, body) = admin(&tc, "/_kmsim/bus/cut", Some(r#"{"region":"sa-east-1"}"#)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], json!("ValidationException"));
    assert_eq!(health_regions(&tc.gateway_url()).await, listed(&tc, &[]));
    // Once opened, it can be cut: replication to it waits, and arrives on heal.
    new_key(&tc.gateway_client("sa-east-1")).await;
    let (status, body) = admin(&tc, "/_kmsim/bus/cut", Some(r#"{"region":"sa-east-1"}"#)).await;
    assert_eq!(status, 200, "{body}");
    let a = tc.client(A);
    let id = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &id, "sa-east-1").await;
    let sao_paulo = tc.gateway_client("sa-east-1");
    let (code, _) = err_code(sao_paulo.describe_key().key_id(&id).send().await);
    assert_eq!(code, "NotFoundException");
    let (_, bus): (u16, Value) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(bus["queued"]["sa-east-1"], json!(1), "{bus}");
    let (status, _) = admin(&tc, "/_kmsim/bus/heal", Some(r#"{"region":"sa-east-1"}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(key_state(&sao_paulo, &id).await, KeyState::Enabled);
    tc.stop().await;
}

/// At most `MAX_OPENED` Regions are opened on first use: a client signing for made-up names
/// cannot make a node for each. Past the cap a new name gets InvalidSignatureException saying
/// so; the Regions already opened, and the configured ones, keep working.
#[tokio::test]
async fn regions_opened_on_first_use_are_capped() {
    let tc = TestCluster::start().await;
    let max = kmsim::regions::MAX_OPENED;
    for i in 0..max {
        let c = tc.gateway_client(&format!("xx-test-{i}"));
        c.list_keys().send().await.expect("ListKeys below the cap");
    }
    let over = tc.gateway_client("xx-test-9999");
    let (code, msg) = err_code(over.create_key().send().await);
    assert_eq!(code, "InvalidSignatureException");
    msg_is(
        msg,
        format!(
            "Credential should be scoped to a valid region, not 'xx-test-9999'. This kmsim cluster has opened {max} Regions on first use, its limit; list the Region in regions.toml."
        ),
    );
    let opened = health_regions(&tc.gateway_url()).await;
    assert_eq!(opened.iter().filter(|r| r.2).count(), max);
    assert!(!opened.iter().any(|r| r.0 == "xx-test-9999"));
    for region in ["xx-test-0", "us-east-1"] {
        let c = tc.gateway_client(region);
        c.create_key()
            .send()
            .await
            .expect("CreateKey in a served Region");
    }
    tc.stop().await;
}
