//! CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, UpdateKeyDescription
//! (contract §3.1 – §3.3, §3.14).

use serde::Serialize;

use super::paging;
use super::resolve::{resolve, Accept};
use super::shapes::KeyMetadata;
use super::tags::{pairs, TagRules};
use crate::domain::asymmetric;
use crate::domain::enums::{KeySpec, KeyUsage, Origin};
use crate::domain::ids;
use crate::domain::key::{Key, MultiRegion, RegionalKey};
use crate::domain::material::{random_bytes, Material};
use crate::domain::state::{KeyState, OpClass};
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::model::ResourceOwnerType;
use crate::node::Node;
use crate::protocol::requests::{
    CreateKeyRequest, DescribeKeyRequest, DisableKeyRequest, EnableKeyRequest, ListKeysRequest,
    UpdateKeyDescriptionRequest,
};

/// `CreateKeyResponse` / `DescribeKeyResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadataResponse {
    key_metadata: KeyMetadata,
}

/// C-1 … C-10: creates a key in this Region.
pub fn create_key(node: &Node, req: CreateKeyRequest) -> KmsResult<KeyMetadataResponse> {
    create_key_as(node, req, Fixed::default())
}

/// What a seed file (`crate::seed`) fixes about a key CreateKey would otherwise choose: its
/// id, and for an AWS_KMS key its material.
#[derive(Default)]
pub struct Fixed {
    /// The key id (`mrk-…` for a multi-Region key); `None`: a fresh one.
    pub id: Option<String>,
    /// AWS_KMS material in the form an import of that spec takes (32 bytes for
    /// SYMMETRIC_DEFAULT, PKCS#8 for asymmetric specs, the raw key for HMAC); `None`: fresh.
    pub material: Option<Vec<u8>>,
}

/// CreateKey with what [`Fixed`] fixes; every other rule as [`create_key`]. A fixed id that
/// already exists here → `AlreadyExistsException`; fixed material that does not fit the spec
/// → `IncorrectKeyMaterialException` (the import rules, P-11 … P-14).
pub fn create_key_as(
    node: &Node,
    req: CreateKeyRequest,
    fixed: Fixed,
) -> KmsResult<KeyMetadataResponse> {
    let (usage, cmk_spec, spec, origin) = (
        req.key_usage,
        req.customer_master_key_spec,
        req.key_spec,
        req.origin,
    );
    let tags = pairs(req.tags);

    // C-4: KeySpec and its deprecated alias together.
    if req.key_spec.is_some() && req.customer_master_key_spec.is_some() {
        return Err(KmsError::validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
        ));
    }
    let spec = spec
        .or_else(|| cmk_spec.and_then(|c| KeySpec::parse(c.as_str())))
        .unwrap_or(KeySpec::SymmetricDefault);
    // C-2: KeyUsage is required for every spec but SYMMETRIC_DEFAULT.
    let usage = match usage {
        Some(u) => u,
        None if spec == KeySpec::SymmetricDefault => KeyUsage::EncryptDecrypt,
        None => {
            return Err(KmsError::validation(
                "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
            ))
        }
    };
    // C-3: spec/usage compatibility.
    if !spec.allowed_usages().contains(&usage) {
        return Err(KmsError::validation(format!(
            "KeyUsage {} is not compatible with KeySpec {}",
            usage.as_str(),
            spec.as_str()
        )));
    }
    let origin = origin.unwrap_or(Origin::AwsKms);
    // C-8: custom key stores are out of scope.
    if matches!(origin, Origin::AwsCloudhsm | Origin::ExternalKeyStore) {
        return Err(match &req.custom_key_store_id {
            Some(id) => KmsError::new(
                ErrorCode::CustomKeyStoreNotFound,
                format!("Custom key store '{id}' does not exist"),
            ),
            None => KmsError::validation(format!(
                "A CustomKeyStoreId is required for keys with Origin {}",
                origin.as_str()
            )),
        });
    }
    if req.custom_key_store_id.is_some() {
        return Err(KmsError::new(
            ErrorCode::CustomKeyStoreNotFound,
            "Custom key stores are not supported by this simulator",
        ));
    }
    // C-6: EXTERNAL only for the specs AWS accepts it with. [CHOICE] ML-DSA, ML-KEM and
    // Ed25519 stay refused: AWS documents imported material only for symmetric, HMAC, RSA,
    // NIST/SECG ECC and (China) SM2 keys, and no source shows it taking these specs.
    if origin == Origin::External
        && matches!(
            spec,
            KeySpec::MlDsa44
                | KeySpec::MlDsa65
                | KeySpec::MlDsa87
                | KeySpec::MlKem512
                | KeySpec::MlKem768
                | KeySpec::MlKem1024
                | KeySpec::EccNistEdwards25519
                | KeySpec::Sm2
        )
    {
        return Err(KmsError::unsupported(format!(
            "KeySpec {} is not supported for Origin EXTERNAL.",
            spec.as_str()
        )));
    }
    // SM2 exists only in China Regions, which kmsim does not simulate. ML-DSA, ML-KEM and
    // Ed25519 keys are generated by `domain::pq`.
    if spec == KeySpec::Sm2 {
        return Err(KmsError::unsupported(format!(
            "KeySpec {} is not supported by kmsim.",
            spec.as_str()
        )));
    }
    // C-9: tag rules beyond the schema.
    TagRules::new(node.limits.tags_per_key).check_new(&tags, &[])?;
    if let Some(p) = &req.policy {
        check_policy(p)?;
    }

    let multi = req.multi_region.unwrap_or(false);
    let id = match fixed.id {
        Some(id) => {
            if node.peek_key(&id, |_| ()).is_some() {
                return Err(KmsError::new(
                    ErrorCode::AlreadyExists,
                    format!("Key {} already exists", node.key_arn(&id)),
                ));
            }
            id
        }
        None if multi => ids::new_multi_region_id(),
        None => ids::new_single_region_id(),
    };
    let arn = node.key_arn(&id);
    let now = node.now();
    // S-1/S-2: AWS_KMS keys get fresh material now (RSA generation runs on this blocking
    // CPU-pool thread, see ops::placement); EXTERNAL keys wait for an import.
    let (state, materials, public_key) = match origin {
        Origin::External => (KeyState::PendingImport, Vec::new(), None),
        _ if spec == KeySpec::SymmetricDefault => {
            let bytes = match fixed.material {
                Some(b) if b.len() == 32 => b,
                Some(_) => {
                    return Err(KmsError::new(
                        ErrorCode::IncorrectKeyMaterial,
                        "Key material for SYMMETRIC_DEFAULT must be 32 bytes long",
                    ))
                }
                None => random_bytes(32)?,
            };
            (KeyState::Enabled, vec![Material::initial(&id, bytes)], None)
        }
        _ => {
            let m = match fixed.material {
                Some(b) => asymmetric::check_material(spec, &b)?,
                None => asymmetric::generate(spec)?,
            };
            let mut record = Material::initial(&id, m.secret);
            record.id = crate::domain::material::KeyMaterialId::derive(&id, &m.identity);
            (
                KeyState::Enabled,
                vec![record],
                m.public_key.map(Into::into),
            )
        }
    };
    let key = Key {
        multi_region: multi.then(|| {
            Box::new(MultiRegion::primary(RegionalKey {
                region: node.region.clone(),
                arn: arn.clone(),
            }))
        }),
        id,
        arn,
        seq: node.store.next_seq(),
        creation_date: now,
        description: req.description.unwrap_or_default(),
        spec,
        usage,
        origin,
        state,
        policy: match req.policy {
            Some(p) => p.into(),
            None => node.request_default_policy(),
        },
        tags,
        materials,
        auto_rotation: None,
        on_demand_rotations: 0,
        ever_imported: false,
        public_key,
    };
    let resp = KeyMetadataResponse {
        key_metadata: KeyMetadata::of(&key),
    };
    node.store.insert(key);
    Ok(resp)
}

/// A key policy must be a JSON document (in every mode; `sigv4` mode also checks its grammar
/// and the lockout rule, `ops::access::check_new_policy`).
pub fn check_policy(p: &str) -> KmsResult<()> {
    match serde_json::from_str::<serde_json::Value>(p) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(KmsError::new(
            ErrorCode::MalformedPolicyDocument,
            "The new key policy will not allow you to update the key policy in the future.",
        )),
    }
}

/// DescribeKey: works in every state (§3.2).
pub fn describe_key(node: &Node, req: DescribeKeyRequest) -> KmsResult<KeyMetadataResponse> {
    let id = resolve(node, &req.key_id, Accept::AnyIdentifier)?;
    node.read_key(&id, |k| KeyMetadataResponse {
        key_metadata: KeyMetadata::of(k),
    })
}

/// `ListKeysResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListKeysResponse {
    keys: Vec<KeyListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

/// `KeyListEntry`: bare id and ARN (W-45).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyListEntry {
    key_id: String,
    key_arn: String,
}

/// C-30/C-31: every key of this Region in creation order; nothing is shared via RAM.
pub fn list_keys(node: &Node, req: ListKeysRequest) -> KmsResult<ListKeysResponse> {
    let own = req
        .resource_owners
        .as_ref()
        .is_none_or(|o| o.contains(&ResourceOwnerType::SelfValue));
    let from = paging::numeric_position("keys", req.marker.as_deref())?;
    let limit = req.limit.unwrap_or(100) as usize;
    let (keys, next) = if own {
        let account = node.request_account();
        node.store.list(from, limit, |arn| {
            crate::domain::ids::arn_account(arn) == account
        })
    } else {
        (Vec::new(), None)
    };
    Ok(ListKeysResponse {
        keys: keys
            .into_iter()
            .map(|(key_id, key_arn)| KeyListEntry { key_id, key_arn })
            .collect(),
        truncated: next.is_some(),
        next_marker: next.map(|n| paging::marker("keys", &n.to_string())),
    })
}

/// An operation with no modelled output (W-5): `{}`.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// N-1: `Disabled → Enabled`; already Enabled is a no-op.
pub fn enable_key(node: &Node, req: EnableKeyRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::EnableKey)?;
        k.state = KeyState::Enabled;
        Ok(Empty {})
    })
}

/// N-2: `Enabled → Disabled`; already Disabled is a no-op.
pub fn disable_key(node: &Node, req: DisableKeyRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::DisableKey)?;
        k.state = KeyState::Disabled;
        Ok(Empty {})
    })
}

/// UpdateKeyDescription: any state but pending deletion (§4.3).
pub fn update_key_description(node: &Node, req: UpdateKeyDescriptionRequest) -> KmsResult<Empty> {
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        k.permits(OpClass::Manage)?;
        k.description = req.description;
        Ok(Empty {})
    })
}
