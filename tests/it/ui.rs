//! Issue 12, item 3: the state page. `GET /_kmsim/state` lists every Region's keys with their
//! materials exactly as DescribeKey and ListKeyRotations show them (in-process and with a
//! process per Region, where any process answers for the whole cluster); `GET /_kmsim/ui` is
//! one self-contained HTML page, served without the admin token while the state keeps it.

use aws_sdk_kms::types::{ImportState, IncludeKeyMaterial, KeyMaterialState, OriginType};
use serde_json::Value;

use crate::common::mr::{listing, mrk, replicate, A, B, C};
use crate::common::*;
use crate::wrap::{import_material, import_new, material_id, random_material, OAEP_256, RSA_2048};

const ADMIN_TOKEN: &str = "kmsim-ui-admin-token";

#[tokio::test]
async fn state_page_is_self_contained_html_on_every_port() {
    let tc = TestCluster::start().await;
    for base in [tc.gateway_url(), tc.region_url(B)] {
        let resp = reqwest::get(format!("{base}/_kmsim/ui")).await.unwrap();
        assert_eq!(resp.status(), 200);
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(header("content-type"), "text/html; charset=utf-8");
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        let page = resp.text().await.unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        for external in ["http://", "https://", "<link", " src=", "@import", "url("] {
            assert!(!page.contains(external), "the page references {external:?}");
        }
        // It fetches what it shows from its own origin.
        for path in ["/_kmsim/state", "/_kmsim/bus", "/_kmsim/clock", "/metrics"] {
            assert!(
                page.contains(&format!("\"{path}\"")),
                "the page never fetches {path}"
            );
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn state_shows_each_region_as_describe_key_and_list_key_rotations_do() {
    let fx = Fixture::in_process().await;
    check_state(&fx).await;
    fx.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_from_any_process_covers_every_region() {
    let fx = Fixture::nats(false).await;
    check_state(&fx).await;
    fx.stop().await;
}

/// An EXTERNAL set (A primary with m1 CURRENT, replica in B holding nothing, NEW m2 in A only:
/// I-26) and a single-Region AWS_KMS key in C; the state, read from C's endpoint, agrees with
/// DescribeKey and ListKeyRotations(ALL_KEY_MATERIAL) in every Region.
async fn check_state(fx: &Fixture) {
    let (a, b, c) = (fx.client(A), fx.client(B), fx.client(C));
    let id = mrk(&a, OriginType::External).await;
    let id1 =
        material_id(import_material(&a, &id, &random_material(32), OAEP_256, RSA_2048, None).await);
    replicate(&a, &id, B).await;
    fx.sync().await;
    let id2 = import_new(&a, &id, &random_material(32)).await;
    let single = new_key(&c).await;
    fx.sync().await;

    let (status, state) = fx.admin(C, "/_kmsim/state", None).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["unreachable"], serde_json::json!([]));
    let names: Vec<&str> = state["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["region"].as_str().unwrap())
        .collect();
    assert_eq!(names, REGIONS);
    assert!(state["now"].as_f64().unwrap() > 1.7e9);

    let key = |region: &str, key_id: &str| -> Value {
        let r = region_of(&state, region);
        assert_eq!(r["endpoint"], fx.region_url(region), "{r}");
        r["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["keyMetadata"]["KeyId"] == key_id)
            .unwrap_or_else(|| panic!("{key_id} is not listed in {region}: {r}"))
            .clone()
    };

    // The set: both Regions show m2 pending for the set, imported only in the primary.
    let (pa, rb) = (key(A, &id), key(B, &id));
    assert_eq!(pa["keyMetadata"]["KeyState"], "Enabled");
    assert_eq!(rb["keyMetadata"]["KeyState"], "PendingImport");
    assert_eq!(
        pa["keyMetadata"]["MultiRegionConfiguration"]["MultiRegionKeyType"],
        "PRIMARY"
    );
    assert_eq!(
        rb["keyMetadata"]["MultiRegionConfiguration"]["ReplicaKeys"][0]["Region"],
        B
    );
    assert_eq!(
        materials(&pa),
        vec![
            (id1.clone(), "CURRENT", Some("IMPORTED"), true),
            (
                id2.clone(),
                "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
                Some("IMPORTED"),
                false
            ),
        ]
    );
    assert_eq!(
        materials(&rb),
        vec![
            (id1.clone(), "CURRENT", Some("PENDING_IMPORT"), true),
            (
                id2.clone(),
                "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
                Some("PENDING_IMPORT"),
                false
            ),
        ]
    );
    assert!(region_of(&state, C)["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["keyMetadata"]["KeyId"] != id.as_str()));

    // Exactly what the KMS API says, Region by Region.
    for (client, region) in [(&a, A), (&b, B)] {
        let shown = key(region, &id);
        assert_eq!(
            shown["keyMetadata"]["CurrentKeyMaterialId"],
            current_material(client, &id).await
        );
        let api: Vec<(String, String, Option<String>)> = listing(client, &id)
            .await
            .into_iter()
            .map(|(m, s, i)| (m, s.as_str().to_string(), i.map(|i| i.as_str().to_string())))
            .collect();
        let page: Vec<(String, String, Option<String>)> = materials(&shown)
            .into_iter()
            .map(|(m, s, i, _)| (m, s.to_string(), i.map(str::to_string)))
            .collect();
        assert_eq!(page, api, "{region}");
    }
    assert_eq!(
        listing(&b, &id).await[1].1,
        KeyMaterialState::PendingMultiRegionImportAndRotation
    );
    assert_eq!(
        listing(&b, &id).await[1].2,
        Some(ImportState::PendingImport)
    );

    // A single-Region AWS_KMS key: no ImportState (L-3), its one material current.
    let k = key(C, &single);
    assert_eq!(k["keyMetadata"]["Origin"], "AWS_KMS");
    assert_eq!(k["keyMetadata"]["MultiRegion"], false);
    let api = c
        .list_key_rotations()
        .key_id(&single)
        .include_key_material(IncludeKeyMaterial::AllKeyMaterial)
        .send()
        .await
        .unwrap();
    let only = api.rotations()[0].key_material_id().unwrap().to_string();
    assert_eq!(materials(&k), vec![(only, "CURRENT", None, true)]);
}

#[tokio::test]
async fn sigv4_mode_serves_the_page_but_the_state_needs_the_admin_token() {
    let tc = TestCluster::start_with(&format!(
        "[auth]\nmode = \"sigv4\"\nadmin_token = \"{ADMIN_TOKEN}\"\n\n[[auth.credentials]]\n\
         access_key_id = \"AKIAUIPAGE0000000001\"\nsecret_access_key = \"ui-page-secret\"\n\
         account_id = \"{ACCOUNT}\"\nprincipal = \"arn:aws:iam::{ACCOUNT}:user/ui\"\n"
    ))
    .await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", tc.gateway_url());

    let page = http.get(url("/_kmsim/ui")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("x-kmsim-admin-token"),
        "the page sends the token"
    );

    let refused = http.get(url("/_kmsim/state")).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["__type"], "AccessDeniedException");

    let wrong = http
        .get(url("/_kmsim/state"))
        .header("x-kmsim-admin-token", "not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);

    let ok = http
        .get(url("/_kmsim/state"))
        .header("x-kmsim-admin-token", ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let state: Value = ok.json().await.unwrap();
    assert_eq!(state["regions"].as_array().unwrap().len(), REGIONS.len());
    tc.stop().await;
}

fn region_of<'a>(state: &'a Value, region: &str) -> &'a Value {
    state["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == region)
        .unwrap_or_else(|| panic!("{region} is not listed: {state}"))
}

/// (KeyMaterialId, KeyMaterialState, ImportState, current) of a listed key's materials.
fn materials(key: &Value) -> Vec<(String, &str, Option<&str>, bool)> {
    key["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["keyMaterialId"].as_str().unwrap().to_string(),
                m["keyMaterialState"].as_str().unwrap(),
                m["importState"].as_str(),
                m["current"].as_bool().unwrap(),
            )
        })
        .collect()
}
