//! GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial (contract §3.5 –
//! §3.7). ImportKeyMaterial runs on the per-core CPU pool (its cost is one RSA private-key
//! operation, see [`super::placement`]); GetParametersForImport runs inline and waits, off the
//! executor, only when its wrapping-key pool is empty.

use serde::Serialize;

use super::resolve::{resolve, Accept};
use crate::clock::DAY_MS;
use crate::domain::asymmetric::{check_material, CheckedMaterial};
use crate::domain::enums::{ExpirationModel, KeySpec, Origin, WrappingAlgorithm, WrappingKeySpec};
use crate::domain::import::{self, ImportParams};
use crate::domain::key::Key;
use crate::domain::material::{Expiry, KeyMaterialId};
use crate::domain::state::OpClass;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::node::Node;
use crate::protocol::requests::{
    DeleteImportedKeyMaterialRequest, GetParametersForImportRequest, ImportKeyMaterialRequest,
};
use crate::protocol::types::{Blob, Epoch};
use crate::tokens::TokenRecord;

/// G-1/I-3/D-1: the import family needs an EXTERNAL key (checked before the state, §4.3).
fn require_external(k: &Key) -> KmsResult<()> {
    if k.origin != Origin::External {
        return Err(KmsError::wrong_origin(&k.arn, k.origin.as_str()));
    }
    Ok(())
}

/// `GetParametersForImportResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetParametersForImportResponse {
    key_id: String,
    import_token: Blob,
    public_key: Blob,
    parameters_valid_to: Epoch,
}

/// G-1 … G-8.
pub fn get_parameters_for_import(
    node: &Node,
    req: GetParametersForImportRequest,
) -> KmsResult<GetParametersForImportResponse> {
    let (alg, spec) = (req.wrapping_algorithm, req.wrapping_key_spec);
    check_wrapping_pair(node, alg, spec)?;
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let arn = node.read_key(&id, |k| {
        require_external(k)?;
        k.permits(OpClass::GetParametersForImport)?;
        Ok(k.arn.clone())
    })??;
    // A ready pair is taken at once; only an empty pool makes the request wait for the
    // background generator, on a thread the executor can spare.
    let wrapping_key = match node.wrapping.try_take(spec) {
        Some(k) => k,
        None => wait_off_executor(|| node.wrapping.take(spec))?,
    };
    let public_key = wrapping_key.public_key_der.clone();
    // G-4: valid for 24 hours of simulated time from now.
    let valid_to = node.now() + DAY_MS;
    let token = node.tokens.issue(TokenRecord {
        key_id: id,
        algorithm: alg,
        spec,
        wrapping_key,
        valid_to,
    })?;
    Ok(GetParametersForImportResponse {
        key_id: arn,
        import_token: Blob(token),
        public_key: Blob(public_key),
        parameters_valid_to: Epoch(valid_to),
    })
}

/// Runs a blocking wait: through `block_in_place` on a multi-threaded runtime's worker (other
/// tasks move to other workers), directly anywhere else.
fn wait_off_executor<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// G-6: RSAES_PKCS1_V1_5 was withdrawn (Oct 2023); SM2/SM2PKE exist only in China Regions and
/// kmsim does not implement them; the algorithm and spec families must match. All
/// `ValidationException` [CHOICE, Q-9].
fn check_wrapping_pair(
    node: &Node,
    alg: WrappingAlgorithm,
    spec: WrappingKeySpec,
) -> KmsResult<()> {
    if alg == WrappingAlgorithm::RsaesPkcs1V15 {
        return Err(KmsError::validation(
            "The RSAES_PKCS1_V1_5 wrapping algorithm is not supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.",
        ));
    }
    let sm2_alg = alg == WrappingAlgorithm::Sm2pke;
    let sm2_spec = spec == WrappingKeySpec::Sm2;
    if sm2_alg || sm2_spec {
        if sm2_alg != sm2_spec {
            return Err(KmsError::validation(format!(
                "Wrapping algorithm {} cannot be used with wrapping key spec {}.",
                alg.as_str(),
                spec.as_str()
            )));
        }
        return Err(KmsError::validation(format!(
            "SM2 wrapping is available only in China Regions, not in {}.",
            node.region
        )));
    }
    Ok(())
}

/// `ImportKeyMaterialResponse` (Q-18: KeyId is the ARN; KeyMaterialId only for symmetric
/// keys, I-40).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportKeyMaterialResponse {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_id: Option<String>,
}

/// ImportKeyMaterial in the I-1 … I-12 order. Atomic: the token is restored and the key left
/// untouched by any failure.
pub fn import_key_material(
    node: &Node,
    req: ImportKeyMaterialRequest,
) -> KmsResult<ImportKeyMaterialResponse> {
    // I-1: the schema was checked against the model when the request was decoded.
    let (model, import_type) = (req.expiration_model, req.import_type);
    let desc = req.key_material_description.as_deref();
    let mid = req.key_material_id.as_deref();
    let key_material_id = mid.and_then(KeyMaterialId::parse_hex);

    // I-2 … I-5.
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    let spec = node.read_key(&id, |k| {
        require_external(k)?;
        k.permits(OpClass::ImportKeyMaterial)?;
        Ok(k.spec)
    })??;
    if spec != KeySpec::SymmetricDefault
        && (req.import_type.is_some() || mid.is_some() || desc.is_some())
    {
        return Err(KmsError::validation(
            "ImportType, KeyMaterialId and KeyMaterialDescription are only valid for symmetric encryption KMS keys.",
        ));
    }
    // I-6: expiry, on the simulated clock.
    let now = node.now();
    let model = model.unwrap_or(ExpirationModel::KeyMaterialExpires);
    let valid_to = req.valid_to.map(|t| t.0);
    let expiry = match (model, valid_to) {
        (ExpirationModel::KeyMaterialExpires, None) => {
            return Err(KmsError::validation(
                "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
            ))
        }
        (ExpirationModel::KeyMaterialDoesNotExpire, Some(_)) => return Err(KmsError::validation(
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        )),
        (ExpirationModel::KeyMaterialExpires, Some(t)) => {
            if t <= now {
                return Err(KmsError::validation(
                    "The validTo date must be in the future.",
                ));
            }
            if t > now + 365 * DAY_MS {
                return Err(KmsError::validation(
                    "The validTo date must be no more than 365 days in the future.",
                ));
            }
            Expiry {
                model,
                valid_to: Some(t),
            }
        }
        (ExpirationModel::KeyMaterialDoesNotExpire, None) => Expiry {
            model,
            valid_to: None,
        },
    };

    // I-7/I-8: the token, taken out for this attempt.
    let token = req.import_token;
    let (token_key, record) = node.tokens.take(&token.0, &id, now)?;
    let result = unwrap_and_apply(
        node,
        &id,
        spec,
        &record,
        &req.encrypted_key_material.0,
        &ImportParams {
            import_type,
            key_material_id,
            expiry,
            description: req.key_material_description,
        },
    );
    if result.is_err() {
        node.tokens.restore(token_key, record);
    }
    result
}

/// I-9 … I-12.
fn unwrap_and_apply(
    node: &Node,
    id: &str,
    spec: KeySpec,
    record: &TokenRecord,
    wrapped: &[u8],
    params: &ImportParams,
) -> KmsResult<ImportKeyMaterialResponse> {
    let material = record.wrapping_key.unwrap(record.algorithm, wrapped)?;
    let checked = if spec == KeySpec::SymmetricDefault {
        // P-10: exactly 32 bytes.
        if material.len() != 32 {
            return Err(KmsError::new(
                ErrorCode::IncorrectKeyMaterial,
                "Key material for SYMMETRIC_DEFAULT keys must be 32 bytes long",
            ));
        }
        CheckedMaterial {
            identity: material.clone(),
            secret: material,
            public_key: None,
        }
    } else {
        check_material(spec, &material)?
    };
    node.update_key(id, |k| {
        // The key may have changed while we unwrapped: check again under the update.
        require_external(k)?;
        k.permits(OpClass::ImportKeyMaterial)?;
        let mid = import::import(k, &checked, params)?;
        Ok(ImportKeyMaterialResponse {
            key_id: k.arn.clone(),
            key_material_id: mid.map(|m| m.to_hex()),
        })
    })
}

/// `DeleteImportedKeyMaterialResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteImportedKeyMaterialResponse {
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_material_id: Option<String>,
}

/// D-1 … D-9.
pub fn delete_imported_key_material(
    node: &Node,
    req: DeleteImportedKeyMaterialRequest,
) -> KmsResult<DeleteImportedKeyMaterialResponse> {
    let target = req
        .key_material_id
        .as_deref()
        .and_then(KeyMaterialId::parse_hex);
    let id = resolve(node, &req.key_id, Accept::KeyIdOrArn)?;
    node.update_key(&id, |k| {
        require_external(k)?;
        k.permits(OpClass::DeleteImportedKeyMaterial)?;
        let deleted = import::delete(k, target)?;
        Ok(DeleteImportedKeyMaterialResponse {
            key_id: k.arn.clone(),
            key_material_id: deleted.map(|m| m.to_hex()),
        })
    })
}
