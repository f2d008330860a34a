//! Multi-Region sets as the `mr_*` and `multi_region` tests build and read them: the three
//! Regions by role, a primary, its replicas, and what every Region of a set shares (§4.5).

use aws_sdk_kms::types::{
    ImportState, KeyMaterialState, KeyMetadata, MultiRegionKeyType, OriginType, RotationsListEntry,
};
use aws_sdk_kms::Client;

use super::{rotations, Clients};
use crate::wrap::{import_material, material_id, random_material, OAEP_256, RSA_2048};

/// The primary's Region in these tests.
pub const A: &str = "us-east-1";
/// The first replica Region.
pub const B: &str = "eu-west-1";
/// The second replica Region.
pub const C: &str = "ap-southeast-2";

/// A multi-Region key of `origin` (SYMMETRIC_DEFAULT) in the client's Region; its bare id.
pub async fn mrk(c: &Client, origin: OriginType) -> String {
    c.create_key()
        .origin(origin)
        .multi_region(true)
        .send()
        .await
        .expect("CreateKey MultiRegion")
        .key_metadata()
        .expect("KeyMetadata")
        .key_id()
        .to_string()
}

/// ReplicateKey from `primary` to `region`, expecting success.
pub async fn replicate(primary: &Client, id: &str, region: &str) -> KeyMetadata {
    primary
        .replicate_key()
        .key_id(id)
        .replica_region(region)
        .send()
        .await
        .expect("ReplicateKey")
        .replica_key_metadata()
        .expect("ReplicaKeyMetadata")
        .clone()
}

/// UpdatePrimaryRegion of `id` to `region`, expecting success.
pub async fn update_primary(c: &Client, id: &str, region: &str) {
    c.update_primary_region()
        .key_id(id)
        .primary_region(region)
        .send()
        .await
        .expect("UpdatePrimaryRegion");
}

/// What a multi-Region set shares of a material list (L-4): id, state, rotation history.
pub type SharedEntry = (String, KeyMaterialState, Option<i64>, Option<String>);

/// The shared part of ListKeyRotations (ALL_KEY_MATERIAL), in listing order.
pub fn shared(list: &[RotationsListEntry]) -> Vec<SharedEntry> {
    list.iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.rotation_date().map(|d| d.secs()),
                e.rotation_type().map(|t| t.as_str().to_string()),
            )
        })
        .collect()
}

/// (KeyMaterialId, KeyMaterialState, ImportState) per material, in listing order.
pub async fn listing(c: &Client, id: &str) -> Vec<(String, KeyMaterialState, Option<ImportState>)> {
    rotations(c, id)
        .await
        .iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.import_state().cloned(),
            )
        })
        .collect()
}

/// `MultiRegionConfiguration` as (key type, primary (Region, ARN), replicas (Region, ARN)).
pub type MrView = (MultiRegionKeyType, (String, String), Vec<(String, String)>);

/// The multi-Region configuration of a KeyMetadata.
pub fn mr_view(md: &KeyMetadata) -> MrView {
    let cfg = md
        .multi_region_configuration()
        .expect("MultiRegionConfiguration");
    let pair = |k: &aws_sdk_kms::types::MultiRegionKey| {
        (
            k.region().expect("Region").to_string(),
            k.arn().expect("Arn").to_string(),
        )
    };
    (
        cfg.multi_region_key_type()
            .expect("MultiRegionKeyType")
            .clone(),
        pair(cfg.primary_key().expect("PrimaryKey")),
        cfg.replica_keys().iter().map(pair).collect(),
    )
}

/// An EXTERNAL multi-Region key whose primary in A holds `m1` (id `id1`), replicated to each
/// of `replicas`, every replica holding `m1` too (imported without ImportType, I-30).
pub struct ByokSet {
    /// The shared `mrk-` key id.
    pub id: String,
    /// The first (CURRENT) material.
    pub m1: Vec<u8>,
    /// Its KeyMaterialId.
    pub id1: String,
}

/// Builds a [`ByokSet`].
pub async fn byok_set(tc: &impl Clients, replicas: &[&str]) -> ByokSet {
    let a = tc.client(A);
    let id = mrk(&a, OriginType::External).await;
    let m1 = random_material(32);
    let id1 = material_id(import_material(&a, &id, &m1, OAEP_256, RSA_2048, None).await);
    for r in replicas {
        replicate(&a, &id, r).await;
        tc.sync().await;
        let got =
            material_id(import_material(&tc.client(r), &id, &m1, OAEP_256, RSA_2048, None).await);
        assert_eq!(got, id1, "I-32: the same KeyMaterialId in {r}");
    }
    ByokSet { id, m1, id1 }
}
