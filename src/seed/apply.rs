//! Applies a [`Seed`] to a cluster through the real operations, so a seeded key obeys every
//! rule a key made by requests obeys: CreateKey (with the fixed id, and for AWS_KMS keys the
//! fixed material), GetParametersForImport + ImportKeyMaterial for EXTERNAL material (wrapped
//! here as a client would, RSA_AES_KEY_WRAP_SHA_256), ReplicateKey for each replica Region,
//! EnableKeyRotation, CreateAlias and DisableKey.
//!
//! Idempotent: a key that already exists with the declared spec, usage, origin and material,
//! and an alias that already names its key, are left alone; anything else that is already
//! there and differs is a conflict, reported as one line naming the entry.
//!
//! Blocking (RSA unwrap, bus drain): call it off the async executor.

use aws_lc_rs::rsa::{OaepPublicEncryptingKey, PublicEncryptingKey, OAEP_SHA256_MGF1SHA256};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::file::{Seed, SeedError, SeedKey};
use crate::cluster::ClusterState;
use crate::domain::asymmetric;
use crate::domain::enums::{KeySpec, Origin};
use crate::domain::material::{random_bytes, KeyMaterialId};
use crate::domain::wrapping::kwp_wrap;
use crate::model::Operation;
use crate::node::Node;
use crate::ops::keys::{create_key_as, Fixed};
use crate::protocol::requests::{decode, CreateKeyRequest};

/// Creates every key of `seed` that does not exist yet (see the module doc).
pub fn apply(cluster: &ClusterState, seed: &Seed) -> Result<(), SeedError> {
    for k in &seed.keys {
        apply_key(cluster, k)?;
    }
    Ok(())
}

fn apply_key(cluster: &ClusterState, k: &SeedKey) -> Result<(), SeedError> {
    let err = |m: String| SeedError(format!("{}: {m}", k.label));
    let region = k.region.as_deref().unwrap_or(&cluster.default_region);
    let node = cluster
        .nodes
        .open(region)
        .map_err(|_| err(not_here(cluster, region)))?;
    let node = node.as_ref();
    let replica_nodes: Vec<std::sync::Arc<Node>> = k
        .replicas
        .iter()
        .map(|r| {
            cluster
                .nodes
                .open(r)
                .map_err(|_| err(format!("replica {}", not_here(cluster, r))))
        })
        .collect::<Result<_, _>>()?;
    let replicas: Vec<&Node> = replica_nodes.iter().map(|n| n.as_ref()).collect();
    if exists(node, k).map_err(err)? {
        for r in &replicas {
            if !exists(r, k).map_err(err)? {
                return Err(err(format!(
                    "exists in {} but not in its replica Region {}",
                    node.region, r.region
                )));
            }
        }
        return aliases(node, k).map_err(err);
    }
    create(node, k).map_err(err)?;
    if k.origin == Origin::External {
        import(node, k).map_err(err)?;
    }
    for r in &replicas {
        call(
            node,
            Operation::ReplicateKey,
            json!({"KeyId": k.id, "ReplicaRegion": r.region, "Description": k.description,
                   "Policy": k.policy, "Tags": tags(k)}),
        )
        .map_err(err)?;
    }
    cluster.bus.drain_blocking().map_err(err)?;
    if k.origin == Origin::External {
        for r in &replicas {
            import(r, k).map_err(err)?;
        }
    }
    if let Some(days) = k.rotation_period_days {
        call(
            node,
            Operation::EnableKeyRotation,
            json!({"KeyId": k.id, "RotationPeriodInDays": days}),
        )
        .map_err(err)?;
    }
    if !k.enabled {
        for n in std::iter::once(node).chain(replicas.iter().copied()) {
            call(n, Operation::DisableKey, json!({"KeyId": k.id})).map_err(err)?;
        }
    }
    cluster.bus.drain_blocking().map_err(err)?;
    aliases(node, k).map_err(err)
}

/// Why a seed entry cannot use `region`. [CHOICE] A seeded key is created through the real
/// operations and its replicas imported synchronously, so with `--regions` a process seeds
/// only keys whose Regions (replicas included) it serves itself.
fn not_here(cluster: &ClusterState, region: &str) -> String {
    if cluster.bus.serves(region) {
        format!("Region {region} is served by another process (a process seeds only keys whose Regions it serves)")
    } else {
        format!("Region {region} is not in this cluster")
    }
}

/// Whether the key exists in `node` as declared; `Err` if it exists and differs (conflict).
fn exists(node: &Node, k: &SeedKey) -> Result<bool, String> {
    let expected = expected_material_id(k)?;
    let found = node.peek_key(&k.id, |key| {
        (
            key.spec,
            key.usage,
            key.origin,
            key.materials.iter().map(|m| m.id).collect::<Vec<_>>(),
        )
    });
    let Some((spec, usage, origin, materials)) = found else {
        return Ok(false);
    };
    let usage_ok = k.key_usage.is_none_or(|u| u == usage);
    let material_ok = expected.is_none_or(|id| materials.contains(&id));
    if spec != k.key_spec || !usage_ok || origin != k.origin || !material_ok {
        return Err(format!(
            "conflicts with the existing key in {} ({} {} {}{})",
            node.region,
            spec.as_str(),
            usage.as_str(),
            origin.as_str(),
            if material_ok {
                ""
            } else {
                ", other key material"
            }
        ));
    }
    Ok(true)
}

/// The KeyMaterialId the declared material gets (Q-1: symmetric material by its bytes, other
/// specs by their public identity).
fn expected_material_id(k: &SeedKey) -> Result<Option<KeyMaterialId>, String> {
    let Some(m) = &k.material else {
        return Ok(None);
    };
    if k.key_spec == KeySpec::SymmetricDefault {
        return Ok(Some(KeyMaterialId::derive(&k.id, m)));
    }
    let checked = asymmetric::check_material(k.key_spec, m).map_err(kms)?;
    Ok(Some(KeyMaterialId::derive(&k.id, &checked.identity)))
}

/// The declared tags as a `Tags` member; absent (null) when there are none.
fn tags(k: &SeedKey) -> Value {
    if k.tags.is_empty() {
        return Value::Null;
    }
    k.tags
        .iter()
        .map(|(key, value)| json!({"TagKey": key, "TagValue": value}))
        .collect()
}

/// CreateKey with the fixed id (and, for AWS_KMS keys, the fixed material).
fn create(node: &Node, k: &SeedKey) -> Result<(), String> {
    let mut body = json!({
        "KeySpec": k.key_spec.as_str(),
        "Origin": k.origin.as_str(),
        "MultiRegion": k.id.starts_with("mrk-"),
        "Tags": tags(k),
    });
    if let Some(u) = k.key_usage {
        body["KeyUsage"] = u.as_str().into();
    }
    if let Some(d) = &k.description {
        body["Description"] = d.as_str().into();
    }
    if let Some(p) = &k.policy {
        body["Policy"] = p.as_str().into();
    }
    let req: CreateKeyRequest =
        decode(Operation::CreateKey, body.to_string().as_bytes()).map_err(kms)?;
    let fixed = Fixed {
        id: Some(k.id.clone()),
        material: match k.origin {
            Origin::AwsKms => k.material.clone(),
            _ => None,
        },
    };
    create_key_as(node, req, fixed).map_err(kms)?;
    Ok(())
}

/// GetParametersForImport, wrap as a client does, ImportKeyMaterial (I-1 … I-12 apply).
fn import(node: &Node, k: &SeedKey) -> Result<(), String> {
    let material = k.material.as_deref().unwrap_or_default();
    let params = call(
        node,
        Operation::GetParametersForImport,
        json!({"KeyId": k.id, "WrappingAlgorithm": "RSA_AES_KEY_WRAP_SHA_256",
               "WrappingKeySpec": "RSA_2048"}),
    )?;
    let b64 = |name: &str| {
        params[name]
            .as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or_else(|| format!("GetParametersForImport returned no {name}"))
    };
    let wrapped = wrap(&b64("PublicKey")?, material)?;
    let mut body = json!({
        "KeyId": k.id,
        "ImportToken": params["ImportToken"],
        "EncryptedKeyMaterial": STANDARD.encode(wrapped),
    });
    match &k.valid_to {
        Some(t) => {
            body["ExpirationModel"] = "KEY_MATERIAL_EXPIRES".into();
            body["ValidTo"] = t.as_str().into();
        }
        None => body["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE".into(),
    }
    call(node, Operation::ImportKeyMaterial, body)?;
    Ok(())
}

/// RSA_AES_KEY_WRAP_SHA_256 (§5.1): a fresh AES-256 key under RSA-OAEP-SHA256, then the
/// material under that key with RFC 5649 key wrap with padding.
fn wrap(public_key: &[u8], material: &[u8]) -> Result<Vec<u8>, String> {
    let aes: [u8; 32] = random_bytes(32)
        .map_err(kms)?
        .try_into()
        .map_err(|_| "random key".to_string())?;
    let pk = PublicEncryptingKey::from_der(public_key).map_err(|_| "bad wrapping key")?;
    let oaep = OaepPublicEncryptingKey::new(pk).map_err(|_| "bad wrapping key")?;
    let mut out = vec![0u8; oaep.ciphertext_size()];
    let n = oaep
        .encrypt(&OAEP_SHA256_MGF1SHA256, &aes, &mut out, None)
        .map_err(|_| "RSA-OAEP wrap failed")?
        .len();
    out.truncate(n);
    out.extend(kwp_wrap(&aes, material).map_err(kms)?);
    Ok(out)
}

/// CreateAlias for each declared alias that does not name the key yet.
fn aliases(node: &Node, k: &SeedKey) -> Result<(), String> {
    for a in &k.aliases {
        match node.store.alias(a) {
            Some(existing) if existing.target == k.id => {}
            Some(existing) => {
                return Err(format!(
                    "alias {a} already names key {} in {}",
                    existing.target, node.region
                ))
            }
            None => {
                call(
                    node,
                    Operation::CreateAlias,
                    json!({"AliasName": a, "TargetKeyId": k.id}),
                )?;
            }
        }
    }
    Ok(())
}

/// Runs operation `op` on `node` exactly as a request would, returning the response JSON.
fn call(node: &Node, op: Operation, body: Value) -> Result<Value, String> {
    let out = crate::ops::dispatch(node, op, body.to_string().as_bytes())
        .map_err(|e| format!("{}: {}", op.name(), kms(e)))?;
    serde_json::from_slice(&out).map_err(|e| format!("{}: {e}", op.name()))
}

fn kms(e: crate::error::KmsError) -> String {
    match e.message {
        Some(m) => format!("{}: {m}", e.code.code()),
        None => e.code.code().to_string(),
    }
}
