//! `kmsim import-material`'s three steps: GetParametersForImport, the local wrap
//! ([`super::wrap`]), ImportKeyMaterial, over the load tool's SigV4 client.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_smithy_types::date_time::{DateTime, Format};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::input::Material;
use super::wrap::{check_fits, preferred_algorithm, WrappingPublicKey};
use super::Failure;
use crate::domain::enums::{ImportType, WrappingAlgorithm, WrappingKeySpec};
use crate::load::client::{test_credentials, CallError, Client};

/// [CHOICE] How long one request may take: GetParametersForImport can wait for an RSA-4096
/// key pair to be generated in a kmsim that has none ready.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// One import, as asked on the command line.
#[derive(Debug)]
pub struct ImportRequest {
    /// Base URL of a Region's endpoint or the gateway.
    pub endpoint: String,
    /// The Region to sign for.
    pub region: String,
    /// Key id or key ARN (GetParametersForImport takes no alias).
    pub key_id: String,
    /// The material to wrap.
    pub material: Material,
    /// `ImportType`; `None` leaves it out, so AWS's default applies (I-20, I-30).
    pub import_type: Option<ImportType>,
    /// `KeyMaterialId` (EXISTING_KEY_MATERIAL only, I-21/I-28).
    pub key_material_id: Option<String>,
    /// `None`: [`preferred_algorithm`].
    pub algorithm: Option<WrappingAlgorithm>,
    /// The wrapping key spec.
    pub spec: WrappingKeySpec,
    /// `Some`: KEY_MATERIAL_EXPIRES with this ValidTo; `None`: KEY_MATERIAL_DOES_NOT_EXPIRE.
    pub valid_to: Option<DateTime>,
    /// `KeyMaterialDescription`.
    pub description: Option<String>,
}

/// The credentials to sign with: the standard environment variables when both
/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are set (with `AWS_SESSION_TOKEN` if set),
/// else [`test_credentials`] (what any kmsim not in `[auth] mode = "sigv4"` accepts).
pub fn credentials_from_env() -> Credentials {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            Credentials::new(id, secret, var("AWS_SESSION_TOKEN"), None, "environment")
        }
        _ => test_credentials(),
    }
}

/// What was imported, printed as JSON (members in this order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImportOutcome {
    /// The response's `KeyId`: the key ARN.
    pub key_id: String,
    /// The `ImportType` sent; `None` (null) when AWS's default applied.
    pub import_type: Option<&'static str>,
    /// The response's `KeyMaterialId`; `None` (null) for asymmetric and HMAC keys (I-40).
    pub key_material_id: Option<String>,
    /// The wrapping algorithm used.
    pub wrapping_algorithm: &'static str,
    /// The wrapping key spec used.
    pub wrapping_key_spec: &'static str,
    /// The `ExpirationModel` sent.
    pub expiration_model: &'static str,
    /// The `ValidTo` sent, RFC 3339; `None` (null) when the material does not expire.
    pub valid_to: Option<String>,
}

/// Runs the import and returns what was imported.
pub async fn import(
    req: ImportRequest,
    credentials: Credentials,
) -> Result<ImportOutcome, Failure> {
    let algorithm = req.algorithm.unwrap_or_else(|| {
        preferred_algorithm(
            req.material.is_private_key(),
            req.material.bytes().len(),
            req.spec,
        )
    });
    // Refuse what cannot be wrapped before a token is issued for it. RSAES_PKCS1_V1_5 goes
    // to the server, which answers as AWS does (G-6); were it accepted, wrapping refuses it.
    if algorithm != WrappingAlgorithm::RsaesPkcs1V15 {
        check_fits(algorithm, req.spec, req.material.bytes().len())
            .map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let client = Client::with_credentials(&req.endpoint, &req.region, credentials, REQUEST_TIMEOUT)
        .map_err(Failure::Transport)?;

    let params = client
        .call_detailed(
            "GetParametersForImport",
            &json!({
                "KeyId": req.key_id,
                "WrappingAlgorithm": algorithm.as_str(),
                "WrappingKeySpec": req.spec.as_str(),
            }),
        )
        .await
        .map_err(|e| failure(&req.endpoint, e))?;
    let public_key = blob(&params, "PublicKey")?;
    let token = text(&params, "ImportToken")?;
    let wrapping_key = WrappingPublicKey::from_der(&public_key)
        .map_err(|e| Failure::Transport(format!("GetParametersForImport: {e}")))?;
    // Checked above for the spec asked; a failure here is the server's answer not fitting it.
    let wrapped = wrapping_key
        .wrap(algorithm, req.material.bytes())
        .map_err(|e| Failure::Transport(format!("GetParametersForImport: {e}")))?;

    let mut body = Map::new();
    body.insert("KeyId".into(), req.key_id.clone().into());
    body.insert("ImportToken".into(), token.into());
    body.insert(
        "EncryptedKeyMaterial".into(),
        STANDARD.encode(wrapped).into(),
    );
    let expiration = match req.valid_to {
        Some(t) => {
            body.insert("ValidTo".into(), json!(t.as_secs_f64()));
            "KEY_MATERIAL_EXPIRES"
        }
        None => "KEY_MATERIAL_DOES_NOT_EXPIRE",
    };
    body.insert("ExpirationModel".into(), expiration.into());
    if let Some(t) = req.import_type {
        body.insert("ImportType".into(), t.as_str().into());
    }
    if let Some(id) = &req.key_material_id {
        body.insert("KeyMaterialId".into(), id.clone().into());
    }
    if let Some(d) = &req.description {
        body.insert("KeyMaterialDescription".into(), d.clone().into());
    }
    let resp = client
        .call_detailed("ImportKeyMaterial", &Value::Object(body))
        .await
        .map_err(|e| failure(&req.endpoint, e))?;

    Ok(ImportOutcome {
        key_id: text(&resp, "KeyId").map_err(|_| {
            Failure::Transport("ImportKeyMaterial: no KeyId in the response".into())
        })?,
        import_type: req.import_type.map(|t| t.as_str()),
        key_material_id: resp
            .get("KeyMaterialId")
            .and_then(Value::as_str)
            .map(str::to_string),
        wrapping_algorithm: algorithm.as_str(),
        wrapping_key_spec: req.spec.as_str(),
        expiration_model: expiration,
        valid_to: req.valid_to.and_then(|t| t.fmt(Format::DateTime).ok()),
    })
}

/// A call's failure as the command reports it.
fn failure(endpoint: &str, e: CallError) -> Failure {
    match e {
        CallError::Aws { code, message } => Failure::Aws { code, message },
        CallError::Http(status) => Failure::Transport(format!(
            "{endpoint} answered HTTP {status} without an AWS error"
        )),
        CallError::Transport(cause) => Failure::Transport(format!("{endpoint}: {cause}")),
        CallError::Signing(cause) => Failure::Transport(format!("signing: {cause}")),
    }
}

/// A string member of GetParametersForImport's response.
fn text(v: &Value, member: &str) -> Result<String, Failure> {
    v.get(member)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            Failure::Transport(format!(
                "GetParametersForImport: no {member} in the response"
            ))
        })
}

fn blob(v: &Value, member: &str) -> Result<Vec<u8>, Failure> {
    STANDARD
        .decode(text(v, member)?)
        .map_err(|_| Failure::Transport(format!("GetParametersForImport: {member} is not base64")))
}
