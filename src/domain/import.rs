//! The import association rules (I-20 … I-33, I-40 … I-42), DeleteImportedKeyMaterial
//! (D-3 … D-9) and expiry (I-50, I-51) as pure changes to one Region's [`Key`].
//!
//! Each function either succeeds or returns the AWS error having changed nothing it will keep:
//! callers run them inside [`crate::store::Store::update`], which discards the copy on error.

use std::sync::Arc;

use super::asymmetric::CheckedMaterial;
use super::enums::{ImportType, KeyMaterialState, KeySpec};
use super::key::Key;
use super::material::{Expiry, KeyMaterialId, Material};
use super::state::KeyState;
use crate::clock::Millis;
use crate::error::{ErrorCode, KmsError, KmsResult};

/// The request members of ImportKeyMaterial that the association rules read, already
/// validated against the schema (I-1) and the expiry rules (I-6).
#[derive(Debug, Clone)]
pub struct ImportParams {
    /// `ImportType` as given (the default is decided here, I-20/I-30).
    pub import_type: Option<ImportType>,
    /// `KeyMaterialId` as given.
    pub key_material_id: Option<KeyMaterialId>,
    /// Effective expiry (I-6).
    pub expiry: Expiry,
    /// `KeyMaterialDescription` as given.
    pub description: Option<String>,
}

fn incorrect(msg: impl Into<String>) -> KmsError {
    KmsError::new(ErrorCode::IncorrectKeyMaterial, msg)
}

/// I-11: associates checked material with `key`. Returns the KeyMaterialId for symmetric keys
/// (the response member) and `None` for asymmetric/HMAC keys (I-40).
pub fn import(
    key: &mut Key,
    material: &CheckedMaterial,
    params: &ImportParams,
) -> KmsResult<Option<KeyMaterialId>> {
    let id = KeyMaterialId::derive(&key.id, &material.identity);
    let bytes: Arc<[u8]> = material.secret.clone().into();
    if key.spec == KeySpec::SymmetricDefault {
        import_symmetric(key, id, bytes, params)?;
    } else {
        import_single(key, id, bytes, params)?;
        if key.public_key.is_none() {
            key.public_key = material.public_key.clone().map(Into::into);
        }
    }
    key.ever_imported = true;
    // I-29/S-4: PendingImport → Enabled once every permanently associated material is
    // imported. Disabled and Enabled keys keep their state (S-5).
    if key.state == KeyState::PendingImport && all_permanent_imported(key) {
        key.state = KeyState::Enabled;
    }
    Ok((key.spec == KeySpec::SymmetricDefault).then_some(id))
}

/// Whether the key has permanently associated material and all of it is imported (M-12).
pub fn all_permanent_imported(key: &Key) -> bool {
    let mut any = false;
    for m in key.materials.iter().filter(|m| m.permanently_associated()) {
        any = true;
        if m.bytes.is_none() {
            return false;
        }
    }
    any
}

fn import_symmetric(
    key: &mut Key,
    id: KeyMaterialId,
    bytes: Arc<[u8]>,
    p: &ImportParams,
) -> KmsResult<()> {
    let replica = key.is_replica();
    // I-20/I-30: the default ImportType.
    let effective = p.import_type.unwrap_or(if replica || key.ever_imported {
        ImportType::ExistingKeyMaterial
    } else {
        ImportType::NewKeyMaterial
    });
    match effective {
        ImportType::NewKeyMaterial => {
            // I-21: an id cannot be named for material KMS has not seen.
            if p.key_material_id.is_some() {
                return Err(KmsError::validation(
                    "You cannot specify a KeyMaterialId when ImportType is NEW_KEY_MATERIAL.",
                ));
            }
            // I-27: new material enters a multi-Region set through its primary only.
            if replica {
                return Err(KmsError::unsupported(format!(
                    "{} is a multi-Region replica key: import new key material into its primary key, then import the same material here with ImportType EXISTING_KEY_MATERIAL.",
                    key.arn
                )));
            }
            // I-23 before I-24.
            if key.material(&id).is_some() {
                return Err(incorrect(format!(
                    "The key material (id: {id}) is already associated with KMS key {}; import it with ImportType EXISTING_KEY_MATERIAL.",
                    key.arn
                )));
            }
            if let Some(pending) = key.materials.iter().find(|m| is_pending(m.state)) {
                return Err(KmsError::invalid_state(format!(
                    "New key material (id: {id}) cannot be imported into KMS key {}, because another key material (id: {}) is pending rotation.",
                    key.arn, pending.id
                )));
            }
            // I-22 (first material: CURRENT) or I-25 (PENDING_ROTATION). I-26's multi-Region
            // state is set by the replication layer.
            let state = if key.materials.is_empty() {
                KeyMaterialState::Current
            } else if key
                .multi_region
                .as_ref()
                .is_some_and(|m| !m.replicas.is_empty())
            {
                KeyMaterialState::PendingMultiRegionImportAndRotation
            } else {
                KeyMaterialState::PendingRotation
            };
            key.materials.push(Material {
                id,
                bytes: Some(bytes),
                state,
                expiry: Some(p.expiry),
                description: p.description.clone(),
                rotated: None,
            });
            Ok(())
        }
        ImportType::ExistingKeyMaterial => {
            // I-28: the named id must be the material's own, and it must be associated.
            if p.key_material_id.is_some_and(|given| given != id) {
                return Err(incorrect(format!(
                    "The key material does not match the KeyMaterialId {} given in the request.",
                    p.key_material_id.map(|k| k.to_hex()).unwrap_or_default()
                )));
            }
            let arn = key.arn.clone();
            let m = key.materials.iter_mut().find(|m| m.id == id).ok_or_else(|| {
                incorrect(format!(
                    "The key material is not associated with KMS key {arn}; import new key material with ImportType NEW_KEY_MATERIAL."
                ))
            })?;
            m.bytes = Some(bytes);
            m.expiry = Some(p.expiry);
            if p.description.is_some() {
                m.description = p.description.clone();
            }
            Ok(())
        }
    }
}

/// I-40/I-41: asymmetric and HMAC keys hold one material for life.
fn import_single(
    key: &mut Key,
    id: KeyMaterialId,
    bytes: Arc<[u8]>,
    p: &ImportParams,
) -> KmsResult<()> {
    match key.materials.first_mut() {
        None => {
            key.materials.push(Material {
                id,
                bytes: Some(bytes),
                state: KeyMaterialState::Current,
                expiry: Some(p.expiry),
                description: None,
                rotated: None,
            });
            Ok(())
        }
        Some(m) if m.id == id => {
            m.bytes = Some(bytes);
            m.expiry = Some(p.expiry);
            Ok(())
        }
        Some(_) => Err(incorrect(format!(
            "The key material is different from the key material previously imported into KMS key {}.",
            key.arn
        ))),
    }
}

/// Whether a KeyMaterialState is one of the two pending states.
pub fn is_pending(s: KeyMaterialState) -> bool {
    matches!(
        s,
        KeyMaterialState::PendingRotation | KeyMaterialState::PendingMultiRegionImportAndRotation
    )
}

/// DeleteImportedKeyMaterial (D-3 … D-9). Returns the id of the material it targeted, if any.
pub fn delete(key: &mut Key, id: Option<KeyMaterialId>) -> KmsResult<Option<KeyMaterialId>> {
    if key.spec != KeySpec::SymmetricDefault {
        // D-3: no ids on asymmetric/HMAC keys.
        if id.is_some() {
            return Err(KmsError::validation(
                "KeyMaterialId is only valid for symmetric encryption KMS keys.",
            ));
        }
        // D-8/D-9: wipe the single material, if imported.
        if key.materials.first().is_some_and(|m| m.bytes.is_some()) {
            wipe(key, 0);
        }
        return Ok(None);
    }
    let index = match id {
        Some(id) => Some(
            key.materials
                .iter()
                .position(|m| m.id == id)
                .ok_or_else(|| {
                    KmsError::not_found(format!(
                        "Key material (id: {id}) is not associated with KMS key {}.",
                        key.arn
                    ))
                })?,
        ),
        None => key
            .materials
            .iter()
            .position(|m| m.state == KeyMaterialState::Current),
    };
    let Some(i) = index else {
        return Ok(None); // D-8: nothing was ever imported.
    };
    let target = key.materials[i].id;
    if key.materials[i].bytes.is_some() || is_pending(key.materials[i].state) {
        wipe(key, i);
    }
    Ok(Some(target))
}

/// Removes material `i` from this Region as D-4 … D-7 describe: a pending material loses its
/// association entirely (on a replica, only its copy); a permanently associated one stays as PENDING_IMPORT and the key
/// goes to PendingImport unless deletion is scheduled (S-6, S-7, N-4).
fn wipe(key: &mut Key, i: usize) {
    if is_pending(key.materials[i].state) {
        if key.is_replica() {
            // D-7: a replica's copy of a pending material goes back to PENDING_IMPORT; the
            // association belongs to the set, and only the primary can end it (D-6).
            key.materials[i].bytes = None;
            key.materials[i].expiry = None;
        } else {
            key.materials.remove(i);
        }
        return;
    }
    let m = &mut key.materials[i];
    m.bytes = None;
    m.expiry = None;
    if !key.state.pending_deletion() {
        key.state = KeyState::PendingImport;
    }
}

/// I-50/I-51: deletes every imported material whose `ValidTo` has passed. Returns whether
/// anything changed.
pub fn expire(key: &mut Key, now: Millis) -> bool {
    let mut changed = false;
    while let Some(i) = key.materials.iter().position(|m| expired(m, now)) {
        wipe(key, i);
        changed = true;
    }
    changed
}

/// Whether `m` is imported and past its `ValidTo`.
pub fn expired(m: &Material, now: Millis) -> bool {
    m.bytes.is_some() && m.expiry.and_then(|e| e.valid_to).is_some_and(|v| v <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ciphertext;
    use crate::domain::enums::{ExpirationModel, KeyUsage, Origin};
    use crate::domain::ids;
    use crate::domain::rotation::rotate_on_demand;
    use proptest::prelude::*;

    const LIMIT: u32 = 4;

    fn external_key() -> Key {
        let id = ids::new_single_region_id();
        Key {
            arn: ids::key_arn("us-east-1", "111122223333", &id),
            id,
            seq: 0,
            creation_date: 0,
            description: String::new(),
            spec: KeySpec::SymmetricDefault,
            usage: KeyUsage::EncryptDecrypt,
            origin: Origin::External,
            state: KeyState::PendingImport,
            policy: "".into(),
            tags: Vec::new(),
            multi_region: None,
            materials: Vec::new(),
            auto_rotation: None,
            on_demand_rotations: 0,
            ever_imported: false,
            public_key: None,
        }
    }

    fn material(i: u8) -> CheckedMaterial {
        CheckedMaterial {
            secret: vec![i; 32],
            identity: vec![i; 32],
            public_key: None,
        }
    }

    #[derive(Debug, Clone)]
    enum Step {
        Import {
            m: u8,
            kind: Option<ImportType>,
            expires_in: Option<i64>,
        },
        Delete {
            m: Option<u8>,
        },
        Rotate,
        Advance(i64),
        Encrypt,
    }

    fn step() -> impl Strategy<Value = Step> {
        let kind = prop::option::of(prop::sample::select(vec![
            ImportType::NewKeyMaterial,
            ImportType::ExistingKeyMaterial,
        ]));
        prop_oneof![
            4 => (0u8..5, kind, prop::option::of(1i64..100))
                .prop_map(|(m, kind, expires_in)| Step::Import { m, kind, expires_in }),
            2 => prop::option::of(0u8..5).prop_map(|m| Step::Delete { m }),
            2 => Just(Step::Rotate),
            1 => (1i64..60).prop_map(Step::Advance),
            3 => Just(Step::Encrypt),
        ]
    }

    /// M-10 … M-14 on one key.
    fn check_invariants(k: &Key, retired: &[KeyMaterialId], order: &[KeyMaterialId]) {
        let current = k
            .materials
            .iter()
            .filter(|m| m.state == KeyMaterialState::Current)
            .count();
        if k.ever_imported {
            assert_eq!(current, 1, "M-10: exactly one CURRENT: {:?}", k.materials);
        }
        let pending = k.materials.iter().filter(|m| is_pending(m.state)).count();
        assert!(pending <= 1, "M-11");
        if k.state == KeyState::Enabled {
            assert!(all_permanent_imported(k), "M-12");
        }
        for m in &k.materials {
            if retired.contains(&m.id) {
                assert_ne!(
                    m.state,
                    KeyMaterialState::Current,
                    "M-13: NON_CURRENT came back"
                );
            }
        }
        // M-13: materials keep their relative order of association.
        let positions: Vec<usize> = k
            .materials
            .iter()
            .filter_map(|m| order.iter().position(|o| *o == m.id))
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "M-13: re-ordered"
        );
        assert!(k.on_demand_rotations <= LIMIT, "M-14");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any sequence of import / delete / new-material / rotate / clock-advance keeps
        /// M-10 … M-14, and every ciphertext made while its material was imported decrypts
        /// whenever that material is imported again and the key is Enabled.
        #[test]
        fn material_invariants_hold(steps in prop::collection::vec(step(), 1..40)) {
            let mut k = external_key();
            let mut now: Millis = 1_000_000;
            let mut retired: Vec<KeyMaterialId> = Vec::new();
            let mut order: Vec<KeyMaterialId> = Vec::new();
            let mut blobs: Vec<(Vec<u8>, u8)> = Vec::new();
            for s in steps {
                // Every change is applied to a copy that is kept only on success (I-12).
                let mut copy = k.clone();
                let ok = match s {
                    Step::Import { m, kind, expires_in } => {
                        let expiry = match expires_in {
                            Some(secs) => Expiry { model: ExpirationModel::KeyMaterialExpires, valid_to: Some(now + secs * 1000) },
                            None => Expiry { model: ExpirationModel::KeyMaterialDoesNotExpire, valid_to: None },
                        };
                        let p = ImportParams { import_type: kind, key_material_id: None, expiry, description: None };
                        import(&mut copy, &material(m), &p).is_ok()
                    }
                    Step::Delete { m } => {
                        let id = m.map(|m| KeyMaterialId::derive(&k.id, &[m; 32]));
                        delete(&mut copy, id).is_ok()
                    }
                    Step::Rotate => rotate_on_demand(&mut copy, now, LIMIT).is_ok(),
                    Step::Advance(secs) => {
                        now += secs * 1000;
                        expire(&mut copy, now);
                        true
                    }
                    Step::Encrypt => {
                        if copy.state == KeyState::Enabled {
                            let cur = copy.current_material().unwrap();
                            let bytes = cur.bytes.clone().unwrap();
                            let blob = ciphertext::seal(&copy.id, &cur.id, &bytes, b"p", &Default::default()).unwrap();
                            blobs.push((blob, bytes[0]));
                        }
                        true
                    }
                };
                if ok {
                    k = copy;
                }
                // A pending material deleted before rotation loses its association (D-5); if it
                // comes back it is a new association, placed last.
                order.retain(|id| k.materials.iter().any(|m| m.id == *id));
                for m in &k.materials {
                    if !order.contains(&m.id) {
                        order.push(m.id);
                    }
                    if m.state == KeyMaterialState::NonCurrent && !retired.contains(&m.id) {
                        retired.push(m.id);
                    }
                }
                check_invariants(&k, &retired, &order);
                if k.state == KeyState::Enabled {
                    for (blob, m) in &blobs {
                        let h = ciphertext::parse_header(blob).unwrap();
                        let rec = k.material(&h.material_id);
                        if let Some(bytes) = rec.and_then(|r| r.bytes.clone()) {
                            prop_assert_eq!(bytes[0], *m);
                            prop_assert_eq!(ciphertext::open(blob, &bytes, &Default::default()).unwrap(), b"p".to_vec());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn second_new_material_while_one_is_pending_is_refused_i24() {
        let mut k = external_key();
        let p = |t| ImportParams {
            import_type: t,
            key_material_id: None,
            expiry: Expiry {
                model: ExpirationModel::KeyMaterialDoesNotExpire,
                valid_to: None,
            },
            description: None,
        };
        let id1 = import(&mut k, &material(1), &p(None)).unwrap().unwrap();
        assert_eq!(k.state, KeyState::Enabled);
        let id2 = import(&mut k, &material(2), &p(Some(ImportType::NewKeyMaterial)))
            .unwrap()
            .unwrap();
        let e = import(&mut k, &material(3), &p(Some(ImportType::NewKeyMaterial))).unwrap_err();
        let id3 = KeyMaterialId::derive(&k.id, &[3; 32]);
        assert_eq!(
            e.message.unwrap(),
            format!("New key material (id: {id3}) cannot be imported into KMS key {}, because another key material (id: {id2}) is pending rotation.", k.arn)
        );
        // I-23 comes first when the material is already associated.
        let e = import(&mut k, &material(1), &p(Some(ImportType::NewKeyMaterial))).unwrap_err();
        assert_eq!(e.code, ErrorCode::IncorrectKeyMaterial);
        assert_eq!(k.current_material().unwrap().id, id1);
    }
}
