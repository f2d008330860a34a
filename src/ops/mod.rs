//! KMS operations: one file per family, one dispatch `match`. Handlers are thin and
//! synchronous: decode → resolve key → domain rule → store update → encode.

pub mod access;
pub mod agreement;
pub mod aliases;
pub mod asym;
pub mod crypto;
pub mod deletion;
pub mod grants;
pub mod import;
pub mod kem;
pub mod key_pairs;
pub mod keys;
pub mod last_usage;
pub mod multi_region;
pub mod paging;
pub mod policy;
pub mod quota;
pub mod re_encrypt;
pub mod recipient;
pub mod resolve;
pub mod rotation;
pub mod shapes;
pub mod tags;

pub mod unsupported;

use serde::Serialize;

use crate::error::KmsResult;
use crate::model::Operation;
use crate::node::Node;
use crate::protocol::requests::{self, Decode};
use crate::protocol::wire::encode_response;

/// Counts the request against its quota (`[quotas] mode = "aws"`, `quota`), decodes the body
/// into operation `op`'s typed request (every constraint of the model
/// checked, W-35), checks its grant tokens (`grants::check_tokens`), judges the caller in
/// `sigv4` mode (`access`), runs the handler, encodes the response.
fn run<Req: Decode, Resp: Serialize>(
    node: &Node,
    op: Operation,
    body: &[u8],
    handler: fn(&Node, Req) -> KmsResult<Resp>,
) -> KmsResult<Vec<u8>> {
    let caller = crate::auth::current::caller();
    // The request as JSON, read once for the quota and access checks (neither runs by default).
    let json = (node.quotas.enabled() || caller.is_some())
        .then(|| serde_json::from_slice(body).unwrap_or(serde_json::Value::Null));
    if let (true, Some(json)) = (node.quotas.enabled(), &json) {
        quota::admit(node, op, json)?;
    }
    let req = requests::decode::<Req>(op, body)?;
    grants::check_tokens(node, req.grant_tokens())?;
    if let (Some(caller), Some(json)) = (caller, &json) {
        access::authorize(node, op, json, &caller)?;
        access::check_new_policy(node, op, json, &caller)?;
    }
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
pub fn placement(op: Operation) -> Placement {
    match op {
        Operation::ImportKeyMaterial
        | Operation::CreateKey
        | Operation::Sign
        | Operation::Verify
        // Key generation (RSA_4096 ~0.5 s) and elliptic-curve scalar multiplication.
        | Operation::GenerateDataKeyPair
        | Operation::GenerateDataKeyPairWithoutPlaintext
        | Operation::DeriveSharedSecret
        // ML-KEM costs about what an ECDSA signature does (see `ops::kem`).
        | Operation::Encapsulate
        | Operation::Decapsulate => Placement::Cpu,
        _ => Placement::Inline,
    }
}

/// Runs operation `op` on `node`: one arm per operation of the model (W-4), so the compiler
/// refuses a model update that adds an operation nobody serves.
pub fn dispatch(node: &Node, op: Operation, body: &[u8]) -> KmsResult<Vec<u8>> {
    use Operation as O;
    match op {
        O::CreateKey => run(node, op, body, keys::create_key),
        O::DescribeKey => run(node, op, body, keys::describe_key),
        O::ListKeys => run(node, op, body, keys::list_keys),
        O::EnableKey => run(node, op, body, keys::enable_key),
        O::DisableKey => run(node, op, body, keys::disable_key),
        O::UpdateKeyDescription => run(node, op, body, keys::update_key_description),
        O::CreateAlias => run(node, op, body, aliases::create_alias),
        O::UpdateAlias => run(node, op, body, aliases::update_alias),
        O::DeleteAlias => run(node, op, body, aliases::delete_alias),
        O::ListAliases => run(node, op, body, aliases::list_aliases),
        O::TagResource => run(node, op, body, tags::tag_resource),
        O::UntagResource => run(node, op, body, tags::untag_resource),
        O::ListResourceTags => run(node, op, body, tags::list_resource_tags),
        O::GetKeyPolicy => run(node, op, body, policy::get_key_policy),
        O::PutKeyPolicy => run(node, op, body, policy::put_key_policy),
        O::ListKeyPolicies => run(node, op, body, policy::list_key_policies),
        O::ScheduleKeyDeletion => run(node, op, body, deletion::schedule_key_deletion),
        O::CancelKeyDeletion => run(node, op, body, deletion::cancel_key_deletion),
        O::Encrypt => run(node, op, body, crypto::encrypt),
        O::Decrypt => run(node, op, body, crypto::decrypt),
        O::ReEncrypt => run(node, op, body, re_encrypt::re_encrypt),
        O::GenerateDataKey => run(node, op, body, crypto::generate_data_key),
        O::GenerateDataKeyWithoutPlaintext => {
            run(node, op, body, crypto::generate_data_key_without_plaintext)
        }
        O::GenerateRandom => run(node, op, body, crypto::generate_random),
        O::EnableKeyRotation => run(node, op, body, rotation::enable_key_rotation),
        O::DisableKeyRotation => run(node, op, body, rotation::disable_key_rotation),
        O::GetKeyRotationStatus => run(node, op, body, rotation::get_key_rotation_status),
        O::RotateKeyOnDemand => run(node, op, body, rotation::rotate_key_on_demand),
        O::ListKeyRotations => run(node, op, body, rotation::list_key_rotations),
        O::Sign => run(node, op, body, asym::sign),
        O::Verify => run(node, op, body, asym::verify),
        O::GetPublicKey => run(node, op, body, asym::get_public_key),
        O::GenerateMac => run(node, op, body, asym::generate_mac),
        O::VerifyMac => run(node, op, body, asym::verify_mac),
        O::ReplicateKey => run(node, op, body, multi_region::replicate_key),
        O::UpdatePrimaryRegion => run(node, op, body, multi_region::update_primary_region),
        O::GetParametersForImport => run(node, op, body, import::get_parameters_for_import),
        O::ImportKeyMaterial => run(node, op, body, import::import_key_material),
        O::DeleteImportedKeyMaterial => run(node, op, body, import::delete_imported_key_material),
        O::CreateCustomKeyStore => run(node, op, body, unsupported::create_custom_key_store),
        O::ConnectCustomKeyStore => run(node, op, body, unsupported::connect_custom_key_store),
        O::DeleteCustomKeyStore => run(node, op, body, unsupported::delete_custom_key_store),
        O::DescribeCustomKeyStores => run(node, op, body, unsupported::describe_custom_key_stores),
        O::DisconnectCustomKeyStore => {
            run(node, op, body, unsupported::disconnect_custom_key_store)
        }
        O::UpdateCustomKeyStore => run(node, op, body, unsupported::update_custom_key_store),
        O::CreateGrant => run(node, op, body, grants::create_grant),
        O::ListGrants => run(node, op, body, grants::list_grants),
        O::ListRetirableGrants => run(node, op, body, grants::list_retirable_grants),
        O::RetireGrant => run(node, op, body, grants::retire_grant),
        O::RevokeGrant => run(node, op, body, grants::revoke_grant),
        O::GenerateDataKeyPair => run(node, op, body, key_pairs::generate_data_key_pair),
        O::GenerateDataKeyPairWithoutPlaintext => run(
            node,
            op,
            body,
            key_pairs::generate_data_key_pair_without_plaintext,
        ),
        O::DeriveSharedSecret => run(node, op, body, agreement::derive_shared_secret),
        O::GetKeyLastUsage => run(node, op, body, last_usage::get_key_last_usage),
        O::Encapsulate => run(node, op, body, kem::encapsulate),
        O::Decapsulate => run(node, op, body, kem::decapsulate),
    }
}
