//! Grants (CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant): grant ids,
//! the grant rules AWS checks on CreateGrant (principals, operations that fit the
//! key, constraints), `Name` idempotency and the per-key quota (tokens: [`super::grant_token`]).
//! Pure: no store, no JSON.
//!
//! A grant belongs to one key in one Region: related multi-Region keys do not share grants
//! ("aliases, tags, key policies and grants … are independent properties that are not shared or
//! synchronized", developer guide, *How multi-Region keys work*). Enforcement (who may call what
//! because of a grant) is not modelled here.

use std::collections::{BTreeMap, HashMap};

use super::ciphertext::EncryptionContext;
use super::enums::{GrantOperation, KeySpec, KeyUsage};
use super::material::random_bytes;
use crate::clock::Millis;
use crate::error::{ErrorCode, KmsError, KmsResult};

/// AWS quota "Grants per KMS key": 50,000. Beyond it CreateGrant → `LimitExceededException`.
pub const GRANTS_PER_KEY: usize = 50_000;

/// `GrantConstraints` doc: "Each constraint value can include up to 8 encryption context pairs."
pub const MAX_CONTEXT_PAIRS: usize = 8;

/// `GrantConstraints` doc: "The encryption context value in each constraint cannot exceed 384
/// characters."
pub const MAX_CONTEXT_VALUE_CHARS: usize = 384;

/// Who a grant names: an AWS principal (ARN or account) or an AWS service principal
/// (`GranteePrincipal` / `GranteeServicePrincipal`, `RetiringPrincipal` /
/// `RetiringServicePrincipal`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Principal {
    /// An IAM principal ARN or an account (`GranteePrincipal`, `RetiringPrincipal`).
    Aws(String),
    /// A service principal such as `logs.us-east-1.amazonaws.com`.
    Service(String),
}

/// `GrantConstraints`, as given on CreateGrant and returned in `GrantListEntry`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Constraints {
    /// `EncryptionContextSubset`.
    pub subset: Option<EncryptionContext>,
    /// `EncryptionContextEquals`.
    pub equals: Option<EncryptionContext>,
    /// `SourceArn`.
    pub source_arn: Option<String>,
}

impl Constraints {
    /// Whether an encryption-context constraint is present.
    pub fn has_context(&self) -> bool {
        self.subset.is_some() || self.equals.is_some()
    }
}

/// Everything a CreateGrant request says about the grant. Two requests with the same `Name`
/// and equal specs are the same grant (`Name` doc: "you can retry a CreateGrant request with
/// identical parameters; if the grant already exists, the original GrantId is returned").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantSpec {
    /// `Name`.
    pub name: Option<String>,
    /// The grantee: exactly one of the two members.
    pub grantee: Principal,
    /// The retiring principal, if any.
    pub retiring: Option<Principal>,
    /// `Operations`, duplicates removed, in the order first given.
    pub operations: Vec<GrantOperation>,
    /// `Constraints`, if given.
    pub constraints: Option<Constraints>,
}

/// A stored grant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// `GrantId`: 64 lowercase hex characters.
    pub id: String,
    /// Creation sequence in this Region: the stable order of ListGrants and ListRetirableGrants
    /// (W-52).
    pub seq: u64,
    /// `CreationDate`.
    pub created: Millis,
    /// What the grant says.
    pub spec: GrantSpec,
}

/// [CHOICE] Removes repeated operations, keeping the first occurrence (AWS's order of
/// `Operations` in ListGrants is not documented; kmsim echoes the request's order).
pub fn dedup_operations(ops: Vec<GrantOperation>) -> Vec<GrantOperation> {
    let mut out: Vec<GrantOperation> = Vec::with_capacity(ops.len());
    for op in ops {
        if !out.contains(&op) {
            out.push(op);
        }
    }
    out
}

/// CreateGrant rules beyond the model's member constraints, all `ValidationException`:
/// `Operations` may not be empty [CHOICE: a grant that permits nothing is refused]; a
/// `GranteeServicePrincipal` needs a `SourceArn` constraint and a retiring principal (member doc:
/// "When you specify a GranteeServicePrincipal, you must also specify a SourceArn grant
/// constraint. In addition, you must specify either a RetiringPrincipal or a
/// RetiringServicePrincipal"); each encryption-context constraint holds at most
/// [`MAX_CONTEXT_PAIRS`] pairs whose values have at most [`MAX_CONTEXT_VALUE_CHARS`] characters
/// (GrantConstraints doc). Messages are [CHOICE]: AWS's texts are not published.
pub fn check_spec(spec: &GrantSpec) -> KmsResult<()> {
    if spec.operations.is_empty() {
        return Err(KmsError::validation(
            "A grant must permit at least one operation.",
        ));
    }
    if matches!(spec.grantee, Principal::Service(_)) {
        let source_arn = spec
            .constraints
            .as_ref()
            .is_some_and(|c| c.source_arn.is_some());
        if !source_arn {
            return Err(KmsError::validation(
                "A grant for a GranteeServicePrincipal requires a SourceArn grant constraint.",
            ));
        }
        if spec.retiring.is_none() {
            return Err(KmsError::validation(
                "A grant for a GranteeServicePrincipal requires a RetiringPrincipal or a RetiringServicePrincipal.",
            ));
        }
    }
    if let Some(c) = &spec.constraints {
        for ctx in [&c.subset, &c.equals].into_iter().flatten() {
            if ctx.len() > MAX_CONTEXT_PAIRS {
                return Err(KmsError::validation(format!(
                    "An encryption context grant constraint can include at most {MAX_CONTEXT_PAIRS} pairs."
                )));
            }
            if ctx
                .values()
                .any(|v| v.chars().count() > MAX_CONTEXT_VALUE_CHARS)
            {
                return Err(KmsError::validation(format!(
                    "An encryption context value in a grant constraint cannot exceed {MAX_CONTEXT_VALUE_CHARS} characters."
                )));
            }
        }
    }
    Ok(())
}

/// The operations a grant may permit on a key of this spec and usage, besides the three every
/// grant may include (CreateGrant, RetireGrant, DescribeKey). CreateGrant `Operations` doc:
/// "the operation must be supported on the KMS key. For example, you cannot create a grant for
/// a symmetric encryption KMS key that allows the Sign operation, or a grant for an asymmetric
/// KMS key that allows the GenerateDataKey operation. If you try, KMS returns a ValidationError
/// exception." The sets follow the developer guide's *Grant operations* table.
pub fn key_operations(spec: KeySpec, usage: KeyUsage) -> &'static [GrantOperation] {
    use GrantOperation as G;
    match usage {
        KeyUsage::EncryptDecrypt if spec == KeySpec::SymmetricDefault => &[
            G::Decrypt,
            G::Encrypt,
            G::GenerateDataKey,
            G::GenerateDataKeyWithoutPlaintext,
            G::ReEncryptFrom,
            G::ReEncryptTo,
            G::GenerateDataKeyPair,
            G::GenerateDataKeyPairWithoutPlaintext,
        ],
        KeyUsage::EncryptDecrypt => &[
            G::Decrypt,
            G::Encrypt,
            G::ReEncryptFrom,
            G::ReEncryptTo,
            G::GetPublicKey,
        ],
        KeyUsage::SignVerify => &[G::Sign, G::Verify, G::GetPublicKey],
        KeyUsage::GenerateVerifyMac => &[G::GenerateMac, G::VerifyMac],
        KeyUsage::KeyAgreement => &[G::DeriveSharedSecret, G::GetPublicKey],
        KeyUsage::EncapsulateDecapsulate => &[G::Encapsulate, G::Decapsulate, G::GetPublicKey],
    }
}

/// The grant must fit the key: every operation in [`key_operations`] or one of CreateGrant,
/// RetireGrant, DescribeKey; and an encryption-context constraint only on a symmetric
/// encryption key (GrantConstraints doc: "You cannot use an encryption context grant
/// constraint for cryptographic operations with asymmetric KMS keys or HMAC KMS keys"), unless
/// the grant permits only the three operations the constraint does not apply to. Both →
/// `ValidationException` (message [CHOICE]).
pub fn check_fits_key(spec: &GrantSpec, key_spec: KeySpec, usage: KeyUsage) -> KmsResult<()> {
    let general = [
        GrantOperation::CreateGrant,
        GrantOperation::RetireGrant,
        GrantOperation::DescribeKey,
    ];
    let allowed = key_operations(key_spec, usage);
    let bad: Vec<&str> = spec
        .operations
        .iter()
        .filter(|op| !general.contains(op) && !allowed.contains(op))
        .map(|op| op.as_str())
        .collect();
    if !bad.is_empty() {
        return Err(KmsError::validation(format!(
            "Grant operations [{}] are not supported on a KMS key with KeySpec {} and KeyUsage {}.",
            bad.join(", "),
            key_spec.as_str(),
            usage.as_str()
        )));
    }
    let context = spec.constraints.as_ref().is_some_and(|c| c.has_context());
    let crypto = spec.operations.iter().any(|op| !general.contains(op));
    if context && crypto && key_spec != KeySpec::SymmetricDefault {
        return Err(KmsError::validation(format!(
            "Encryption context grant constraints are not supported on a KMS key with KeySpec {}.",
            key_spec.as_str()
        )));
    }
    Ok(())
}

/// A new `GrantId`: 64 lowercase hex characters, as AWS's (RetireGrant `GrantId` doc example
/// "0123456789012345678901234567890123456789012345678901234567890123").
pub fn new_grant_id() -> KmsResult<String> {
    Ok(hex(&random_bytes(32)?))
}

/// [CHOICE] Whether `s` has the shape of a grant id (64 hex characters, either case). Any
/// other value is refused with `InvalidGrantIdException`; a well-formed id that names no grant
/// is `NotFoundException` (RetireGrant, RevokeGrant) or matches nothing (ListGrants).
pub fn is_grant_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `InvalidGrantIdException` for a `GrantId` that is not a grant id's shape (message [CHOICE]).
pub fn invalid_grant_id(v: &str) -> KmsError {
    KmsError::new(ErrorCode::InvalidGrantId, format!("Invalid grantId '{v}'"))
}

/// `NotFoundException` for a well-formed grant id that names no grant of the key (message
/// [CHOICE], the wording of the moto and other simulators; AWS's text is not published).
pub fn grant_not_found(id: &str) -> KmsError {
    KmsError::not_found(format!("Grant ID {id} not found"))
}

/// `InvalidGrantTokenException`: a grant token this Region did not issue, or one that is
/// malformed (message [CHOICE]; the model says only "the specified grant token is not valid").
pub fn invalid_grant_token() -> KmsError {
    KmsError::new(ErrorCode::InvalidGrantToken, "Invalid grant token.")
}

/// The grants of one key, in creation order, with an index by grant id. Stored in a data dir
/// as the plain list (the index is rebuilt).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Vec<Grant>", from = "Vec<Grant>")]
pub struct KeyGrants {
    by_seq: BTreeMap<u64, Grant>,
    by_id: HashMap<String, u64>,
}

impl From<Vec<Grant>> for KeyGrants {
    fn from(grants: Vec<Grant>) -> KeyGrants {
        KeyGrants {
            by_id: grants.iter().map(|g| (g.id.clone(), g.seq)).collect(),
            by_seq: grants.into_iter().map(|g| (g.seq, g)).collect(),
        }
    }
}

impl From<KeyGrants> for Vec<Grant> {
    fn from(g: KeyGrants) -> Vec<Grant> {
        g.by_seq.into_values().collect()
    }
}

impl KeyGrants {
    /// Number of grants on the key.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// Whether the key has no grant.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// The grant with this id.
    pub fn get(&self, id: &str) -> Option<&Grant> {
        self.by_id.get(id).and_then(|s| self.by_seq.get(s))
    }

    /// `Name` idempotency: the existing grant with the same name and the same parameters.
    /// [CHOICE] A grant without a name never matches, and the same name with different
    /// parameters is a new grant (names need not be unique; the `Name` doc promises the
    /// original GrantId only for "identical parameters").
    pub fn same_named(&self, spec: &GrantSpec) -> Option<&Grant> {
        spec.name.as_ref()?;
        self.by_seq.values().find(|g| g.spec == *spec)
    }

    /// CreateGrant on this key: returns the id of the grant `spec` names, creating it unless
    /// [`KeyGrants::same_named`] finds it. A new grant beyond `limit` grants →
    /// `LimitExceededException` [message CHOICE]; a retry of an existing named grant succeeds
    /// even at the limit, since it creates nothing. Nothing changes on error.
    pub fn create(
        &mut self,
        spec: GrantSpec,
        limit: usize,
        now: Millis,
        seq: u64,
        key_arn: &str,
    ) -> KmsResult<String> {
        if let Some(g) = self.same_named(&spec) {
            return Ok(g.id.clone());
        }
        if self.len() >= limit {
            return Err(KmsError::new(
                ErrorCode::LimitExceeded,
                format!(
                    "The number of grants on KMS key {key_arn} has reached the limit of {limit}."
                ),
            ));
        }
        let id = new_grant_id()?;
        self.by_id.insert(id.clone(), seq);
        self.by_seq.insert(
            seq,
            Grant {
                id: id.clone(),
                seq,
                created: now,
                spec,
            },
        );
        Ok(id)
    }

    /// Retires or revokes grant `id`; `None` if the key has no such grant.
    pub fn remove(&mut self, id: &str) -> Option<Grant> {
        let seq = self.by_id.remove(id)?;
        self.by_seq.remove(&seq)
    }

    /// Grants from sequence number `from` on that satisfy `keep`: at most `limit`, plus the
    /// sequence number to continue from when more remain (W-50).
    pub fn page(
        &self,
        from: u64,
        limit: usize,
        keep: impl Fn(&Grant) -> bool,
    ) -> (Vec<Grant>, Option<u64>) {
        let mut out = Vec::new();
        for (seq, g) in self.by_seq.range(from..) {
            if !keep(g) {
                continue;
            }
            if out.len() == limit {
                return (out, Some(*seq));
            }
            out.push(g.clone());
        }
        (out, None)
    }

    /// Every grant, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &Grant> {
        self.by_seq.values()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    fn spec(name: Option<&str>, ops: &[GrantOperation]) -> GrantSpec {
        GrantSpec {
            name: name.map(str::to_string),
            grantee: Principal::Aws("arn:aws:iam::111122223333:role/r".into()),
            retiring: None,
            operations: ops.to_vec(),
            constraints: None,
        }
    }

    #[test]
    fn grant_ids_are_64_lowercase_hex() {
        let id = new_grant_id().unwrap();
        assert_eq!(id.len(), 64);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert!(is_grant_id(&id));
        assert!(!is_grant_id("abc"));
        assert!(!is_grant_id(&"g".repeat(64)));
    }

    #[test]
    fn named_retry_with_same_parameters_returns_the_same_grant() {
        let mut g = KeyGrants::default();
        let s = spec(Some("n"), &[GrantOperation::Encrypt]);
        let a = g.create(s.clone(), 10, 1, 1, ARN).unwrap();
        let b = g.create(s, 10, 2, 2, ARN).unwrap();
        assert_eq!(a, b);
        assert_eq!(g.len(), 1);
        // Same name, other parameters: a new grant.
        let c = g
            .create(spec(Some("n"), &[GrantOperation::Decrypt]), 10, 3, 3, ARN)
            .unwrap();
        assert_ne!(a, c);
        // No name: always a new grant.
        let u = spec(None, &[GrantOperation::Encrypt]);
        let d = g.create(u.clone(), 10, 4, 4, ARN).unwrap();
        let e = g.create(u, 10, 5, 5, ARN).unwrap();
        assert_ne!(d, e);
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn the_limit_refuses_a_new_grant_but_not_a_named_retry() {
        let mut g = KeyGrants::default();
        let named = spec(Some("n"), &[GrantOperation::Encrypt]);
        g.create(named.clone(), 2, 1, 1, ARN).unwrap();
        g.create(spec(None, &[GrantOperation::Encrypt]), 2, 1, 2, ARN)
            .unwrap();
        let e = g
            .create(spec(None, &[GrantOperation::Encrypt]), 2, 1, 3, ARN)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::LimitExceeded);
        assert!(e.message.unwrap().contains(ARN));
        assert_eq!(g.len(), 2);
        assert!(g.create(named, 2, 1, 4, ARN).is_ok());
        assert_eq!(GRANTS_PER_KEY, 50_000);
    }

    #[test]
    fn pages_follow_creation_order_and_filters() {
        let mut g = KeyGrants::default();
        let mut ids = Vec::new();
        for i in 0..5u64 {
            let op = if i % 2 == 0 {
                GrantOperation::Encrypt
            } else {
                GrantOperation::Decrypt
            };
            ids.push(g.create(spec(None, &[op]), 10, 0, 10 + i, ARN).unwrap());
        }
        let (p, next) = g.page(0, 2, |_| true);
        assert_eq!(
            p.iter().map(|x| &x.id).collect::<Vec<_>>(),
            [&ids[0], &ids[1]]
        );
        let (p, next) = g.page(next.unwrap(), 2, |_| true);
        assert_eq!(
            p.iter().map(|x| &x.id).collect::<Vec<_>>(),
            [&ids[2], &ids[3]]
        );
        let (p, next) = g.page(next.unwrap(), 2, |_| true);
        assert_eq!(p.len(), 1);
        assert!(next.is_none());
        let (p, _) = g.page(0, 10, |x| x.spec.operations == [GrantOperation::Decrypt]);
        assert_eq!(p.len(), 2);
        assert!(g.remove(&ids[1]).is_some());
        assert!(g.remove(&ids[1]).is_none());
        assert!(g.get(&ids[1]).is_none());
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn operations_must_fit_the_key() {
        use GrantOperation as G;
        let sym = (KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt);
        assert!(check_fits_key(&spec(None, &[G::Encrypt, G::DescribeKey]), sym.0, sym.1).is_ok());
        let e = check_fits_key(&spec(None, &[G::Sign, G::Encrypt]), sym.0, sym.1).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        assert!(e.message.unwrap().contains("[Sign]"));
        let rsa_sign = (KeySpec::Rsa2048, KeyUsage::SignVerify);
        assert!(
            check_fits_key(&spec(None, &[G::GenerateDataKey]), rsa_sign.0, rsa_sign.1).is_err()
        );
        assert!(check_fits_key(
            &spec(None, &[G::Sign, G::GetPublicKey]),
            rsa_sign.0,
            rsa_sign.1
        )
        .is_ok());
        let hmac = (KeySpec::Hmac256, KeyUsage::GenerateVerifyMac);
        assert!(check_fits_key(&spec(None, &[G::GenerateMac]), hmac.0, hmac.1).is_ok());
        assert!(check_fits_key(&spec(None, &[G::GetPublicKey]), hmac.0, hmac.1).is_err());
    }

    #[test]
    fn context_constraints_only_on_symmetric_crypto() {
        use GrantOperation as G;
        let mut s = spec(None, &[G::Sign]);
        s.constraints = Some(Constraints {
            equals: Some([("a".to_string(), "b".to_string())].into()),
            ..Default::default()
        });
        let e = check_fits_key(&s, KeySpec::EccNistP256, KeyUsage::SignVerify).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation);
        s.operations = vec![G::DescribeKey, G::RetireGrant];
        assert!(check_fits_key(&s, KeySpec::EccNistP256, KeyUsage::SignVerify).is_ok());
        s.operations = vec![G::Decrypt];
        assert!(check_fits_key(&s, KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt).is_ok());
    }

    #[test]
    fn spec_rules() {
        use GrantOperation as G;
        assert_eq!(
            check_spec(&spec(None, &[])).unwrap_err().code,
            ErrorCode::Validation
        );
        let mut s = spec(None, &[G::Decrypt]);
        s.grantee = Principal::Service("logs.us-east-1.amazonaws.com".into());
        assert!(check_spec(&s).is_err(), "needs SourceArn");
        s.constraints = Some(Constraints {
            source_arn: Some("arn:aws:logs:us-east-1:111122223333:log-group:x".into()),
            ..Default::default()
        });
        assert!(check_spec(&s).is_err(), "needs a retiring principal");
        s.retiring = Some(Principal::Service("logs.us-east-1.amazonaws.com".into()));
        assert!(check_spec(&s).is_ok());
        let nine: EncryptionContext = (0..9).map(|i| (i.to_string(), "v".to_string())).collect();
        let mut s = spec(None, &[G::Decrypt]);
        s.constraints = Some(Constraints {
            subset: Some(nine),
            ..Default::default()
        });
        assert!(check_spec(&s).is_err());
        s.constraints = Some(Constraints {
            subset: Some([("k".to_string(), "v".repeat(385))].into()),
            ..Default::default()
        });
        assert!(check_spec(&s).is_err());
        assert_eq!(
            dedup_operations(vec![G::Encrypt, G::Decrypt, G::Encrypt]),
            [G::Encrypt, G::Decrypt]
        );
    }
}
