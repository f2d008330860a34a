//! KMS operations: one file per family, one dispatch `match`. Handlers are thin and
//! synchronous: decode → resolve key → domain rule → store update → encode.

pub mod aliases;
pub mod asym;
pub mod crypto;
pub mod deletion;
pub mod import;
pub mod kem;
pub mod keys;
pub mod multi_region;
pub mod paging;
pub mod policy;
pub mod resolve;
pub mod rotation;
pub mod shapes;
pub mod tags;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::KmsResult;
use crate::node::Node;
use crate::protocol::target::unknown_operation;
use crate::protocol::wire::{encode_response, parse_request};

/// Decodes the body into `Req`, runs the handler, encodes the response.
fn run<Req: DeserializeOwned, Resp: Serialize>(
    node: &Node,
    body: &[u8],
    handler: fn(&Node, Req) -> KmsResult<Resp>,
) -> KmsResult<Vec<u8>> {
    let req = parse_request::<Req>(body)?;
    encode_response(&handler(node, req)?)
}

/// Where an operation runs (DESIGN.md: no CPU-heavy RSA work on the async executor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Cheap: run on the executor thread that read the request.
    Inline,
    /// CPU-heavy (RSA unwrap, signing, asymmetric key generation): the per-core CPU pool.
    Cpu,
}

/// Where `op` runs.
pub fn placement(op: &str) -> Placement {
    match op {
        "ImportKeyMaterial" | "CreateKey" | "Sign" | "Verify" => Placement::Cpu,
        // ML-KEM costs about what an ECDSA signature does (see `ops::kem`).
        "Encapsulate" | "Decapsulate" => Placement::Cpu,
        _ => Placement::Inline,
    }
}

/// Runs operation `op` (the part after `TrentService.`) on `node`. An operation KMS does not
/// have, or that the simulator does not serve, → `UnknownOperationException` (W-4).
pub fn dispatch(node: &Node, op: &str, body: &[u8]) -> KmsResult<Vec<u8>> {
    match op {
        "CreateKey" => run(node, body, keys::create_key),
        "DescribeKey" => run(node, body, keys::describe_key),
        "ListKeys" => run(node, body, keys::list_keys),
        "EnableKey" => run(node, body, keys::enable_key),
        "DisableKey" => run(node, body, keys::disable_key),
        "UpdateKeyDescription" => run(node, body, keys::update_key_description),
        "CreateAlias" => run(node, body, aliases::create_alias),
        "UpdateAlias" => run(node, body, aliases::update_alias),
        "DeleteAlias" => run(node, body, aliases::delete_alias),
        "ListAliases" => run(node, body, aliases::list_aliases),
        "TagResource" => run(node, body, tags::tag_resource),
        "UntagResource" => run(node, body, tags::untag_resource),
        "ListResourceTags" => run(node, body, tags::list_resource_tags),
        "GetKeyPolicy" => run(node, body, policy::get_key_policy),
        "PutKeyPolicy" => run(node, body, policy::put_key_policy),
        "ListKeyPolicies" => run(node, body, policy::list_key_policies),
        "ScheduleKeyDeletion" => run(node, body, deletion::schedule_key_deletion),
        "CancelKeyDeletion" => run(node, body, deletion::cancel_key_deletion),
        "Encrypt" => run(node, body, crypto::encrypt),
        "Decrypt" => run(node, body, crypto::decrypt),
        "ReEncrypt" => run(node, body, crypto::re_encrypt),
        "GenerateDataKey" => run(node, body, crypto::generate_data_key),
        "GenerateDataKeyWithoutPlaintext" => {
            run(node, body, crypto::generate_data_key_without_plaintext)
        }
        "GenerateRandom" => run(node, body, crypto::generate_random),
        "EnableKeyRotation" => run(node, body, rotation::enable_key_rotation),
        "DisableKeyRotation" => run(node, body, rotation::disable_key_rotation),
        "GetKeyRotationStatus" => run(node, body, rotation::get_key_rotation_status),
        "RotateKeyOnDemand" => run(node, body, rotation::rotate_key_on_demand),
        "ListKeyRotations" => run(node, body, rotation::list_key_rotations),
        "Sign" => run(node, body, asym::sign),
        "Verify" => run(node, body, asym::verify),
        "GetPublicKey" => run(node, body, asym::get_public_key),
        "Encapsulate" => run(node, body, kem::encapsulate),
        "Decapsulate" => run(node, body, kem::decapsulate),
        "GenerateMac" => run(node, body, asym::generate_mac),
        "VerifyMac" => run(node, body, asym::verify_mac),
        "ReplicateKey" => run(node, body, multi_region::replicate_key),
        "UpdatePrimaryRegion" => run(node, body, multi_region::update_primary_region),
        "GetParametersForImport" => run(node, body, import::get_parameters_for_import),
        "ImportKeyMaterial" => run(node, body, import::import_key_material),
        "DeleteImportedKeyMaterial" => run(node, body, import::delete_imported_key_material),
        other => Err(unknown_operation(&format!("TrentService.{other}"))),
    }
}
