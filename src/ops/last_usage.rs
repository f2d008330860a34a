//! GetKeyLastUsage (LU-1 … LU-4): a key's last successful cryptographic use in this Region.

use serde::Serialize;

use super::resolve::{resolve, Accept};
use crate::domain::last_usage;
use crate::error::KmsResult;
use crate::node::Node;
use crate::protocol::requests::GetKeyLastUsageRequest;
use crate::protocol::types::Epoch;

/// `KeyLastUsageData`: every member absent when the key has not been used since tracking
/// began, which serialises as `{}` (LU-3).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyLastUsageData {
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<Epoch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_trail_event_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_request_id: Option<String>,
}

/// `GetKeyLastUsageResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetKeyLastUsageResponse {
    key_id: String,
    key_last_usage: KeyLastUsageData,
    tracking_start_date: Epoch,
    key_creation_date: Epoch,
}

/// GetKeyLastUsage. The model's `KeyId` doc: "use its key ID or key ARN. Alias names are not
/// supported" (an alias → `NotFoundException`, W-43). Its error list has no state errors, so
/// every key state is answered. LU-4: usage is per Region, so a multi-Region key's primary
/// and replicas each report their own.
///
/// [CHOICE] The response `KeyId` is the bare key id: the model calls it "the globally unique
/// identifier for the KMS key", the words it uses for `KeyMetadata.KeyId`.
/// [CHOICE] kmsim has no CloudTrail; `CloudTrailEventId` is a UUID derived from the request
/// id (stable for one use, distinct from `KmsRequestId`), made only when reported.
pub fn get_key_last_usage(
    node: &Node,
    req: GetKeyLastUsageRequest,
) -> KmsResult<GetKeyLastUsageResponse> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let (key_id, created) = node.read_key(&id, |k| (k.id.clone(), k.creation_date))?;
    let last = last_usage::report(node.last_usage.get(&key_id), created);
    Ok(GetKeyLastUsageResponse {
        key_last_usage: last.map(usage_data).unwrap_or_default(),
        tracking_start_date: Epoch(last_usage::tracking_start(
            node.last_usage.started(),
            created,
        )),
        key_creation_date: Epoch(created),
        key_id,
    })
}

fn usage_data(u: last_usage::Use) -> KeyLastUsageData {
    KeyLastUsageData {
        operation: Some(u.operation.as_str()),
        timestamp: Some(Epoch(u.at)),
        cloud_trail_event_id: Some(cloud_trail_event_id(&u.request_id)),
        kms_request_id: Some(uuid::Uuid::from_bytes(u.request_id).to_string()),
    }
}

/// A v4-shaped UUID from `SHA-256("kmsim-cloudtrail-event" ‖ request id)`.
fn cloud_trail_event_id(request_id: &[u8; 16]) -> String {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(b"kmsim-cloudtrail-event");
    ctx.update(request_id);
    let d = ctx.finish();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_ref()[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}
