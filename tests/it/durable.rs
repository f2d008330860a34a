//! Durable state (issue 9): with a data dir, everything acknowledged survives a restart —
//! keys, materials, aliases, tags, policies, grants, rotations, deletion schedules, import
//! tokens, multi-Region records, undelivered bus events and the clock offset; `/_kmsim/reset`
//! wipes the dir; a seed re-applied over recovered state changes nothing; and a data dir that
//! cannot be read (locked, corrupt, another version, not a kmsim dir) is refused with exit
//! code 2 and left byte-identical. (The kill -9 test is `scripts/crash-test.sh`.)

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyState, OriginType};

use crate::common::mr::{byok_set, mrk, replicate, A, B, C};
use crate::common::*;
use crate::wrap::{get_params, random_material, wrap, OAEP_256, RSA_2048};

fn storage(dir: &Path) -> String {
    format!("[storage]\ndata_dir = \"{}\"\n", dir.display())
}

async fn start(dir: &Path) -> TestCluster {
    TestCluster::start_with(&storage(dir)).await
}

#[tokio::test]
async fn everything_acknowledged_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let tc = start(dir.path()).await;
    let a = tc.client(A);
    // A symmetric key with description, tags, policy and an alias; a ciphertext under it.
    let k = a
        .create_key()
        .description("kept")
        .tags(tag("team", "payments"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    create_alias(&a, "alias/kept", &k).await;
    let policy_before = a
        .get_key_policy()
        .key_id(&k)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap();
    let blob = encrypt(&a, &k, b"before the restart").await;
    // Rotation on demand and automatic rotation settings.
    rotate(&a, &k).await;
    enable_rotation(&a, &k, 180).await;
    let rotations_before = rotations(&a, &k).await.len();
    // A grant and its token.
    let grant = a
        .create_grant()
        .key_id(&k)
        .grantee_principal("arn:aws:iam::111122223333:role/app")
        .operations(aws_sdk_kms::types::GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    // An EXTERNAL multi-Region key imported in A and B (the BYOK set), a ciphertext in B.
    let set = byok_set(&tc, &[B]).await;
    let mr_blob = encrypt(&tc.client(B), &set.id, b"multi-Region").await;
    // A key scheduled for deletion.
    let doomed = new_key(&a).await;
    schedule_deletion(&a, &doomed, 7).await;
    // An AWS_KMS multi-Region key whose replica Region is cut off: the change stays queued.
    let mr = mrk(&a, OriginType::AwsKms).await;
    replicate(&a, &mr, C).await;
    admin(
        &tc,
        "/_kmsim/bus/cut",
        Some(r#"{"region":"ap-southeast-2"}"#),
    )
    .await;
    a.update_key_description()
        .key_id(&mr)
        .description("shared? no, regional")
        .send()
        .await
        .unwrap();
    rotate(&a, &mr).await;
    let (_, bus) = admin(&tc, "/_kmsim/bus", None).await;
    assert_eq!(bus["queued"]["ap-southeast-2"], 1, "{bus}");
    // The clock.
    tc.advance(DAY).await;
    // An import token issued before the restart, used after it.
    let (ext, _) = external_key(&a).await;
    let params = get_params(&a, &ext, OAEP_256, RSA_2048).await;
    let offset = admin(&tc, "/_kmsim/clock", None).await.1["offsetSeconds"].clone();
    let listed = listed_ids(&a).await;
    tc.stop().await;

    let tc = start(dir.path()).await;
    let a = tc.client(A);
    assert_eq!(
        listed_ids(&a).await,
        listed,
        "ListKeys: the same keys, same order"
    );
    let md = describe(&a, "alias/kept").await;
    assert_eq!(md.key_id, k);
    assert_eq!(md.description.as_deref(), Some("kept"));
    let tags = a.list_resource_tags().key_id(&k).send().await.unwrap();
    assert_eq!(tags.tags.unwrap()[0].tag_value, "payments");
    assert_eq!(
        a.get_key_policy()
            .key_id(&k)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap(),
        policy_before
    );
    assert_eq!(decrypt(&a, &blob).await.0, b"before the restart");
    assert_eq!(rotations(&a, &k).await.len(), rotations_before);
    let status = rotation_status(&a, &k).await;
    assert!(status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, Some(180));
    // The grant and its token.
    let grants = a
        .list_grants()
        .key_id(&k)
        .send()
        .await
        .unwrap()
        .grants
        .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].grant_id.as_deref(), grant.grant_id.as_deref());
    a.decrypt()
        .ciphertext_blob(blob.clone())
        .grant_tokens(grant.grant_token.unwrap())
        .send()
        .await
        .expect("a grant token issued before the restart is still valid");
    // The multi-Region BYOK set decrypts in both Regions.
    assert_eq!(decrypt(&tc.client(A), &mr_blob).await.0, b"multi-Region");
    assert_eq!(
        current_material_id(&tc.client(B), &set.id).await.unwrap(),
        set.id1
    );
    // The import token still unwraps.
    let material = random_material(32);
    let wrapped = wrap(params.public_key().unwrap().as_ref(), OAEP_256, &material);
    a.import_key_material()
        .key_id(&ext)
        .import_token(params.import_token().unwrap().clone())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(aws_sdk_kms::types::ExpirationModelType::KeyMaterialDoesNotExpire)
        .send()
        .await
        .expect("an import token issued before the restart imports after it");
    // The deletion schedule.
    assert_eq!(key_state(&a, &doomed).await, KeyState::PendingDeletion);
    // The queued event was delivered on recovery: C has the rotation.
    admin(&tc, "/_kmsim/bus/drain", Some("{}")).await;
    let c = tc.client(C);
    assert_eq!(
        current_material_id(&c, &mr).await,
        current_material_id(&a, &mr).await,
        "the event queued for the cut Region arrived after the restart"
    );
    assert_eq!(
        admin(&tc, "/_kmsim/clock", None).await.1["offsetSeconds"],
        offset
    );
    tc.stop().await;
}

#[tokio::test]
async fn reset_wipes_the_data_dir_too() {
    let dir = tempfile::tempdir().unwrap();
    let tc = start(dir.path()).await;
    let a = tc.client(A);
    new_key(&a).await;
    tc.advance(DAY).await;
    let (status, body) = admin(&tc, "/_kmsim/reset", Some("{}")).await;
    assert_eq!((status, body["reset"].as_bool()), (200, Some(true)));
    let after = new_key(&a).await;
    tc.stop().await;
    let tc = start(dir.path()).await;
    assert_eq!(listed_ids(&tc.client(A)).await, vec![after]);
    assert_eq!(
        admin(&tc, "/_kmsim/clock", None).await.1["offsetSeconds"],
        0.0
    );
    tc.stop().await;
}

/// The README's seed with a data dir: the second start recovers the keys and the seed finds
/// them as declared, so nothing changes (same creation dates, same materials, one alias).
#[tokio::test]
async fn a_seed_over_a_recovered_data_dir_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let seed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed.toml");
    let load = || Some(kmsim::seed::Seed::load(&seed_path).unwrap());
    let snapshot = |tc: &TestCluster| {
        let mut out = BTreeMap::new();
        for (region, node) in tc.cluster.state.nodes.all() {
            for id in node.store.key_ids() {
                let k = node.read_key(&id, |k| format!("{k:?}")).unwrap();
                out.insert(format!("{region}/{id}"), k);
            }
            for (name, a) in node.store.aliases(None) {
                out.insert(format!("{region}/{name}"), format!("{a:?}"));
            }
        }
        out
    };
    let tc = TestCluster::start_seeded(&storage(dir.path()), load())
        .await
        .unwrap();
    let first = snapshot(&tc);
    assert!(!first.is_empty());
    tc.stop().await;
    let tc = TestCluster::start_seeded(&storage(dir.path()), load())
        .await
        .unwrap();
    assert_eq!(snapshot(&tc), first);
    tc.stop().await;
}

/// Runs `kmsim serve` on `dir` (all ports 0) and returns its exit code and stderr, killing it
/// if it is still running after a moment (then the code is `None`).
fn serve_on(dir: &Path) -> (Option<i32>, String) {
    let cfg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        cfg.path(),
        // Strict: a data dir holding another Region is refused, not opened (issue 13).
        "account_id = \"111122223333\"\ndefault_region = \"us-east-1\"\ngateway = \"127.0.0.1:0\"\nstrict_regions = true\n[[region]]\nname = \"us-east-1\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let mut child = kmsim()
        .args(["serve", "--config"])
        .arg(cfg.path())
        .arg("--data-dir")
        .arg(dir)
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    (None, String::new())
}

/// Every file of `dir` with the SHA-256 of its bytes.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                hex::encode(aws_lc_rs::digest::digest(
                    &aws_lc_rs::digest::SHA256,
                    &std::fs::read(&p).unwrap(),
                )),
            )
        })
        .collect()
}

fn assert_refused(dir: &Path, why: &str) {
    let before = contents(dir);
    let (code, err) = serve_on(dir);
    assert_eq!(code, Some(2), "{why}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{why}: one line: {err}");
    assert!(
        err.contains(&dir.display().to_string()),
        "{why}: names the path: {err}"
    );
    let after = contents(dir);
    // Only a LOCK file may have appeared (empty, never written).
    let mut expected = before.clone();
    if !before.contains_key("LOCK") && after.contains_key("LOCK") {
        expected.insert("LOCK".into(), contents_of_empty());
    }
    assert_eq!(
        after, expected,
        "{why}: the data dir is left byte-identical"
    );
}

fn contents_of_empty() -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b""))
}

/// A data dir made by a real kmsim, with one key in it.
async fn real_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let tc = start(dir.path()).await;
    new_key(&tc.client(A)).await;
    tc.stop().await;
    dir
}

#[tokio::test]
async fn a_locked_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tc = start(dir.path()).await;
    new_key(&tc.client(A)).await;
    let dir_path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || assert_refused(&dir_path, "locked"))
        .await
        .unwrap();
    tc.stop().await;
    // Once the first one is gone, the dir opens.
    let tc = start(dir.path()).await;
    assert_eq!(listed_ids(&tc.client(A)).await.len(), 1);
    tc.stop().await;
}

#[tokio::test]
async fn a_future_or_unknown_format_is_refused() {
    let dir = real_data_dir().await;
    std::fs::write(dir.path().join("FORMAT"), "kmsim-data-dir 2\n").unwrap();
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        assert_refused(&path, "future version");
        std::fs::write(path.join("FORMAT"), "something else\n").unwrap();
        assert_refused(&path, "unknown format");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_corrupt_database_is_refused() {
    let dir = real_data_dir().await;
    let db = dir.path().join("state.redb");
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().take(64) {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || assert_refused(&path, "corrupt header"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unreadable_record_is_refused() {
    let dir = real_data_dir().await;
    {
        let db = redb::Database::open(dir.path().join("state.redb")).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("keys");
            let mut t = tx.open_table(def).unwrap();
            t.insert(
                "us-east-1/1234abcd-12ab-34cd-56ef-1234567890ab",
                [0xffu8; 7].as_slice(),
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || assert_refused(&path, "bad record"))
        .await
        .unwrap();
}

#[test]
fn a_dir_that_is_not_a_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    assert_refused(dir.path(), "foreign dir");
}

#[test]
fn state_of_an_unconfigured_region_is_refused() {
    // A data dir written by a three-Region cluster, opened by a one-Region one.
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tc = start(dir.path()).await;
        new_key(&tc.client(B)).await;
        tc.stop().await;
    });
    assert_refused(dir.path(), "unconfigured Region");
}
