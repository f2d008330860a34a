//! Calls that bring a key into the state a test starts from, and must succeed: scheduled
//! deletion, deleted material, rotations and the automatic rotation setting.

use aws_sdk_kms::operation::delete_imported_key_material::DeleteImportedKeyMaterialOutput;
use aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput;
use aws_sdk_kms::operation::rotate_key_on_demand::RotateKeyOnDemandOutput;
use aws_sdk_kms::operation::schedule_key_deletion::ScheduleKeyDeletionOutput;
use aws_sdk_kms::Client;

/// ScheduleKeyDeletion with a `days` window.
pub async fn schedule_deletion(c: &Client, id: &str, days: i32) -> ScheduleKeyDeletionOutput {
    c.schedule_key_deletion()
        .key_id(id)
        .pending_window_in_days(days)
        .send()
        .await
        .expect("ScheduleKeyDeletion")
}

/// DeleteImportedKeyMaterial of material `mid` (None: the member is left out, so the
/// current material).
pub async fn delete_material(
    c: &Client,
    id: &str,
    mid: Option<&str>,
) -> DeleteImportedKeyMaterialOutput {
    c.delete_imported_key_material()
        .key_id(id)
        .set_key_material_id(mid.map(str::to_string))
        .send()
        .await
        .expect("DeleteImportedKeyMaterial")
}

/// RotateKeyOnDemand.
pub async fn rotate(c: &Client, id: &str) -> RotateKeyOnDemandOutput {
    c.rotate_key_on_demand()
        .key_id(id)
        .send()
        .await
        .expect("RotateKeyOnDemand")
}

/// EnableKeyRotation with a `days` period.
pub async fn enable_rotation(c: &Client, id: &str, days: i32) {
    c.enable_key_rotation()
        .key_id(id)
        .rotation_period_in_days(days)
        .send()
        .await
        .expect("EnableKeyRotation");
}

/// GetKeyRotationStatus.
pub async fn rotation_status(c: &Client, id: &str) -> GetKeyRotationStatusOutput {
    c.get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .expect("GetKeyRotationStatus")
}
