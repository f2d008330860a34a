//! On-demand rotation of imported symmetric material (single-Region): scenario T2, the
//! NEW/EXISTING association rules (I-23 … I-28), deleting pending material (D-5), expiry, and
//! the rotation operations on EXTERNAL keys (O-*, K-*, L-*, M-*); a file per family.

use aws_sdk_kms::primitives::DateTime;
use aws_sdk_kms::types::{ImportState, IncludeKeyMaterial, KeyMaterialState, RotationsListEntry};
use aws_sdk_kms::Client;

use crate::common::list_rotations;
use crate::wrap::now_secs;

mod association;
mod expiry;
mod listing;
mod operations;
mod scenario_t2;

/// ListKeyRotations with ALL_KEY_MATERIAL, which must fit one page.
async fn all_materials(client: &Client, id: &str) -> Vec<RotationsListEntry> {
    list_rotations(client, id, Some(IncludeKeyMaterial::AllKeyMaterial)).await
}

/// (KeyMaterialId, KeyMaterialState, ImportState) of each entry, in list order.
fn summary(entries: &[RotationsListEntry]) -> Vec<(String, KeyMaterialState, ImportState)> {
    entries
        .iter()
        .map(|e| {
            (
                e.key_material_id().expect("KeyMaterialId").to_string(),
                e.key_material_state().expect("KeyMaterialState").clone(),
                e.import_state().expect("ImportState").clone(),
            )
        })
        .collect()
}

/// A timestamp within 10 s of the wall clock (the simulated clock is not advanced here).
fn assert_recent(t: Option<&DateTime>) {
    let t = t.expect("a timestamp").secs();
    let now = now_secs();
    assert!((t - now).abs() <= 10, "{t} is not now ({now})");
}
