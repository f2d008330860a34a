//! Who may call an operation (issue 11, items 3–6), in `[auth] mode = "sigv4"` only: after
//! the request is decoded (the model's constraints answer first, as AWS's front end does) and
//! before its handler runs, every key the operation acts on is found — for Decrypt and
//! ReEncrypt from the ciphertext — and the caller is judged against the key policy, its own
//! identity policy and the key's grants, with the request's condition keys.
//!
//! The decision, as AWS KMS makes it:
//! 1. an explicit `Deny` in the key policy or the identity policy refuses, even with a grant;
//! 2. a grant to the caller for the operation, whose constraints the request meets, allows;
//! 3. in the key's own account: a key-policy statement naming the caller allows; one naming the
//!    account (the default policy's root statement) allows if the identity policy does too;
//! 4. from another account (a key ARN, for the operations AWS allows across accounts): the
//!    key policy must name the caller or its account *and* the identity policy must allow;
//! 5. operations on no key (`CreateKey`, `ListKeys`, …) need the identity policy alone.
//!
//! A key that cannot be found is not judged: the handler then answers `NotFoundException` as
//! in `open` mode. The refusal is `AccessDeniedException` in AWS's words, naming the policy
//! type that refused (resource-based or identity-based).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::Value;

use super::resolve::{resolve, Accept};
use crate::auth::policy::{Policy, PolicyKind, Request, Values, Verdict};
use crate::auth::Caller;
use crate::domain::ciphertext;
use crate::domain::grant::Principal;
use crate::error::{ErrorCode, KmsError, KmsResult};
use crate::model::Operation;
use crate::node::Node;

/// What one check is about.
enum Target<'a> {
    /// No key: `Resource` `*`, identity policy only.
    Nothing,
    /// The key a member names (key id, key ARN, alias name or alias ARN).
    Key(&'a str),
    /// The key a ciphertext was made under (or the `KeyId` given beside it).
    Ciphertext {
        blob: Option<&'a str>,
        key_id: Option<&'a str>,
    },
}

/// One action on one target, with the request members that feed its condition keys.
struct Check<'a> {
    action: &'static str,
    target: Target<'a>,
    /// The encryption context member this action sees.
    context: Option<&'a str>,
    /// The encryption algorithm member this action sees.
    algorithm: Option<&'a str>,
}

/// The facts of a found key that policies and grants look at.
struct KeyFacts {
    id: String,
    arn: String,
    account: String,
    policy: std::sync::Arc<str>,
}

/// Judges `caller` for operation `op` with the decoded-and-valid request `req` (see the
/// module doc). `Ok` means the handler may run.
pub fn authorize(node: &Node, op: Operation, req: &Value, caller: &Caller) -> KmsResult<()> {
    if op == Operation::RetireGrant {
        return retire(node, req, caller);
    }
    for check in checks(op, req) {
        let key = match &check.target {
            Target::Nothing => None,
            Target::Key(ident) => match find(node, ident) {
                Some(k) => Some(k),
                None => continue,
            },
            Target::Ciphertext { blob, key_id } => match from_ciphertext(node, *blob, *key_id) {
                Some(k) => Some(k),
                None => continue,
            },
        };
        let mut values = common_values(node, caller);
        request_values(&mut values, op, req, &check);
        if let Some(k) = &key {
            if k.account != caller.account_id && !cross_account(op) {
                return Err(KmsError::not_found(format!(
                    "Key '{}' does not exist",
                    k.arn
                )));
            }
            key_values(node, &mut values, k);
        }
        let request = Request {
            action: check.action,
            resource: key.as_ref().map_or("*", |k| k.arn.as_str()),
            principal: &caller.principal,
            account: &caller.account_id,
            values: &values,
        };
        match &key {
            None => identity_only(caller, &request)?,
            Some(k) => {
                let context = check.context.and_then(|m| context_of(req, m));
                let granted = grant_allows(node, k, caller, check.action, context.as_ref());
                on_key(caller, k, &request, granted)?;
            }
        }
    }
    Ok(())
}

/// The policy checks that follow authorisation: in `sigv4` mode a key policy given to
/// `CreateKey`, `PutKeyPolicy` or `ReplicateKey` must be a valid document and, unless
/// `BypassPolicyLockoutSafetyCheck`, must still let the caller call `PutKeyPolicy`
/// (`MalformedPolicyDocumentException`).
pub fn check_new_policy(node: &Node, op: Operation, req: &Value, caller: &Caller) -> KmsResult<()> {
    if !matches!(
        op,
        Operation::CreateKey | Operation::PutKeyPolicy | Operation::ReplicateKey
    ) {
        return Ok(());
    }
    let Some(text) = req.get("Policy").and_then(Value::as_str) else {
        return Ok(());
    };
    let malformed = |m: String| KmsError::new(ErrorCode::MalformedPolicyDocument, m);
    let policy = Policy::parse(text, PolicyKind::Key).map_err(malformed)?;
    if req
        .get("BypassPolicyLockoutSafetyCheck")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Ok(());
    }
    let resource = match op {
        Operation::PutKeyPolicy => req
            .get("KeyId")
            .and_then(Value::as_str)
            .and_then(|k| find(node, k))
            .map(|k| k.arn),
        _ => None,
    }
    .unwrap_or_else(|| crate::domain::ids::key_arn(&node.region, &caller.account_id, "*"));
    let values = common_values(node, caller);
    let request = Request {
        action: "kms:PutKeyPolicy",
        resource: &resource,
        principal: &caller.principal,
        account: &caller.account_id,
        values: &values,
    };
    let v = policy.key_verdict(&request);
    let identity = caller.policy.identity_verdict(&request);
    let keeps_access = !v.deny
        && identity != Verdict::Deny
        && (v.allows_principal || (v.allows_account && identity == Verdict::Allow));
    if keeps_access {
        Ok(())
    } else {
        Err(malformed(
            "The new key policy will not allow you to update the key policy in the future.".into(),
        ))
    }
}

/// The checks of operation `op`: its action(s) and what each acts on.
fn checks(op: Operation, req: &Value) -> Vec<Check<'_>> {
    use Operation as O;
    let s = |m: &str| req.get(m).and_then(Value::as_str);
    let check = |action, target| Check {
        action,
        target,
        context: Some("EncryptionContext"),
        algorithm: Some("EncryptionAlgorithm"),
    };
    let key = || Target::Key(s("KeyId").unwrap_or(""));
    match op {
        O::CreateKey
        | O::ListKeys
        | O::ListAliases
        | O::GenerateRandom
        | O::ListRetirableGrants
        | O::CreateCustomKeyStore
        | O::ConnectCustomKeyStore
        | O::DeleteCustomKeyStore
        | O::DescribeCustomKeyStores
        | O::DisconnectCustomKeyStore
        | O::UpdateCustomKeyStore => vec![check(op.action(), Target::Nothing)],
        O::Decrypt => vec![check(
            "kms:Decrypt",
            Target::Ciphertext {
                blob: s("CiphertextBlob"),
                key_id: s("KeyId"),
            },
        )],
        O::ReEncrypt => vec![
            Check {
                action: "kms:ReEncryptFrom",
                target: Target::Ciphertext {
                    blob: s("CiphertextBlob"),
                    key_id: s("SourceKeyId"),
                },
                context: Some("SourceEncryptionContext"),
                algorithm: Some("SourceEncryptionAlgorithm"),
            },
            Check {
                action: "kms:ReEncryptTo",
                target: Target::Key(s("DestinationKeyId").unwrap_or("")),
                context: Some("DestinationEncryptionContext"),
                algorithm: Some("DestinationEncryptionAlgorithm"),
            },
        ],
        O::CreateAlias => vec![check(
            "kms:CreateAlias",
            Target::Key(s("TargetKeyId").unwrap_or("")),
        )],
        // The alias's current key and its new one.
        O::UpdateAlias => vec![
            check("kms:UpdateAlias", Target::Key(s("AliasName").unwrap_or(""))),
            check(
                "kms:UpdateAlias",
                Target::Key(s("TargetKeyId").unwrap_or("")),
            ),
        ],
        O::DeleteAlias => vec![check(
            "kms:DeleteAlias",
            Target::Key(s("AliasName").unwrap_or("")),
        )],
        _ => vec![check(op.action(), key())],
    }
}

/// The operations AWS allows on another account's key, given its key ARN ("Allowing users
/// in other accounts to use a KMS key"). [CHOICE] Encapsulate and Decapsulate, newer than
/// that list, are cryptographic operations like Decrypt and are allowed too.
fn cross_account(op: Operation) -> bool {
    use Operation as O;
    matches!(
        op,
        O::CreateGrant
            | O::Decrypt
            | O::DescribeKey
            | O::DeriveSharedSecret
            | O::Encrypt
            | O::GenerateDataKey
            | O::GenerateDataKeyPair
            | O::GenerateDataKeyPairWithoutPlaintext
            | O::GenerateDataKeyWithoutPlaintext
            | O::GenerateMac
            | O::GetKeyRotationStatus
            | O::GetPublicKey
            | O::ListGrants
            | O::ReEncrypt
            | O::RetireGrant
            | O::RevokeGrant
            | O::Sign
            | O::Verify
            | O::VerifyMac
            | O::Encapsulate
            | O::Decapsulate
    )
}

/// The spec of the key a request acts on (as [`authorize`] finds it), for the request quota
/// of its key type (`ops::quota`).
pub fn key_spec_of(node: &Node, op: Operation, req: &Value) -> Option<String> {
    let id = key_id_of(node, op, req)?;
    node.peek_key(&id, |k| k.spec.as_str().to_string())
}

/// The bare id of the (first) key a request acts on, if it exists.
pub fn key_id_of(node: &Node, op: Operation, req: &Value) -> Option<String> {
    let check = checks(op, req).into_iter().next()?;
    Some(match check.target {
        Target::Nothing => return None,
        Target::Key(ident) => find(node, ident)?.id,
        Target::Ciphertext { blob, key_id } => from_ciphertext(node, blob, key_id)?.id,
    })
}

/// The key `ident` names for this caller, if it exists.
fn find(node: &Node, ident: &str) -> Option<KeyFacts> {
    let id = resolve(node, ident, Accept::AnyIdentifier).ok()?;
    facts(node, &id)
}

fn facts(node: &Node, id: &str) -> Option<KeyFacts> {
    node.peek_key(id, |k| KeyFacts {
        id: k.id.clone(),
        arn: k.arn.clone(),
        account: k.account().to_string(),
        policy: k.policy.clone(),
    })
}

/// Decrypt/ReEncrypt: the key named in a symmetric ciphertext's header (any account: the
/// ciphertext names the key), else the `KeyId` given.
fn from_ciphertext(node: &Node, blob: Option<&str>, key_id: Option<&str>) -> Option<KeyFacts> {
    let header = blob
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| ciphertext::parse_header(&b).ok());
    match header {
        Some(h) => facts(node, &h.key_id),
        None => find(node, key_id?),
    }
}

/// Parsed key policies by document text: most keys share a few documents (every key created
/// without a policy has its account's default one), so each is parsed once, not per request.
/// Bounded: emptied when it reaches [`POLICY_CACHE_MAX`] documents.
type PolicyCache = dashmap::DashMap<std::sync::Arc<str>, Result<std::sync::Arc<Policy>, String>>;
static POLICIES: std::sync::LazyLock<PolicyCache> = std::sync::LazyLock::new(PolicyCache::new);

/// How many parsed key policies [`POLICIES`] keeps at most.
const POLICY_CACHE_MAX: usize = 10_000;

/// Key policy `text`, parsed (cached).
fn key_policy(text: &std::sync::Arc<str>) -> Result<std::sync::Arc<Policy>, String> {
    if let Some(p) = POLICIES.get(text) {
        return p.clone();
    }
    let parsed = Policy::parse(text, PolicyKind::Key).map(std::sync::Arc::new);
    if POLICIES.len() >= POLICY_CACHE_MAX {
        POLICIES.clear();
    }
    POLICIES.insert(text.clone(), parsed.clone());
    parsed
}

/// Operations on no key: the identity policy alone.
fn identity_only(caller: &Caller, req: &Request<'_>) -> KmsResult<()> {
    match caller.policy.identity_verdict(req) {
        Verdict::Allow => Ok(()),
        Verdict::Deny => Err(denied(req, Why::IdentityDeny)),
        Verdict::NotApplicable => Err(denied(req, Why::NoIdentityAllow)),
    }
}

/// Steps 1–4 of the module doc for one key.
fn on_key(caller: &Caller, k: &KeyFacts, req: &Request<'_>, granted: bool) -> KmsResult<()> {
    // [CHOICE] A stored key policy that does not parse (one written in `open` mode, where
    // documents are only checked to be JSON objects) allows nothing.
    let verdict = key_policy(&k.policy)
        .map(|p| p.key_verdict(req))
        .unwrap_or_default();
    let identity = caller.policy.identity_verdict(req);
    if verdict.deny {
        return Err(denied(req, Why::ResourceDeny));
    }
    if identity == Verdict::Deny {
        return Err(denied(req, Why::IdentityDeny));
    }
    if granted {
        return Ok(());
    }
    let same_account = k.account == caller.account_id;
    let named = verdict.allows_principal || verdict.allows_account;
    if !named {
        return Err(denied(req, Why::NoResourceAllow));
    }
    if same_account && verdict.allows_principal {
        return Ok(());
    }
    if identity == Verdict::Allow {
        Ok(())
    } else {
        Err(denied(req, Why::NoIdentityAllow))
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy)]
enum Why {
    ResourceDeny,
    IdentityDeny,
    NoResourceAllow,
    NoIdentityAllow,
}

/// `AccessDeniedException` in AWS's words.
fn denied(req: &Request<'_>, why: Why) -> KmsError {
    let head = format!(
        "User: {} is not authorized to perform: {} on resource: {}",
        req.principal, req.action, req.resource
    );
    let tail = match why {
        Why::ResourceDeny => " with an explicit deny in a resource-based policy".to_string(),
        Why::IdentityDeny => " with an explicit deny in an identity-based policy".to_string(),
        Why::NoResourceAllow => format!(
            " because no resource-based policy allows the {} action",
            req.action
        ),
        Why::NoIdentityAllow => format!(
            " because no identity-based policy allows the {} action",
            req.action
        ),
    };
    KmsError::new(ErrorCode::AccessDenied, head + &tail)
}

/// Step 2: a grant of key `k` to the caller for `action` whose encryption-context constraint
/// the request's `context` meets. Grants take effect at once in kmsim (AWS: within seconds;
/// a grant token bridges the gap), so a grant token adds nothing here beyond being valid.
/// Constraint keys compare ignoring case, values exactly (GrantConstraints doc).
fn grant_allows(
    node: &Node,
    k: &KeyFacts,
    caller: &Caller,
    action: &str,
    context: Option<&BTreeMap<String, String>>,
) -> bool {
    let op = action.trim_start_matches("kms:");
    let empty = BTreeMap::new();
    let context = context.unwrap_or(&empty);
    let lower = |c: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        c.iter()
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect()
    };
    let request = lower(context);
    node.store.grants.read(&k.id, |grants| {
        grants.iter().any(|g| {
            g.spec.grantee == Principal::Aws(caller.principal.clone())
                && g.spec.operations.iter().any(|o| o.as_str() == op)
                && g.spec.constraints.as_ref().is_none_or(|c| {
                    c.equals.as_ref().is_none_or(|e| lower(e) == request)
                        && c.subset
                            .as_ref()
                            .is_none_or(|s| lower(s).iter().all(|(k, v)| request.get(k) == Some(v)))
                })
        })
    })
}

/// RetireGrant (grant-management doc): the grant's retiring principal, or its grantee when
/// the grant includes `RetireGrant`, may retire it with no permission; otherwise a principal
/// of the key's account whose identity policy allows `kms:RetireGrant` (a key policy does not
/// grant it). An explicit deny of `kms:RetireGrant` refuses. A grant that cannot be found is
/// left to the handler's error.
fn retire(node: &Node, req: &Value, caller: &Caller) -> KmsResult<()> {
    let s = |m: &str| req.get(m).and_then(Value::as_str);
    let (key_id, grant_id) = match (s("GrantToken"), s("KeyId"), s("GrantId")) {
        (Some(t), _, _) => match node.store.grants.tokens.open(t) {
            Some(c) => (c.key_id, c.grant_id),
            None => return Ok(()),
        },
        (None, Some(k), Some(g)) => match resolve(node, k, Accept::KeyIdOrArn) {
            Ok(id) => (id, g.to_ascii_lowercase()),
            Err(_) => return Ok(()),
        },
        _ => return Ok(()),
    };
    let Some(k) = facts(node, &key_id) else {
        return Ok(());
    };
    let me = Principal::Aws(caller.principal.clone());
    let named = node.store.grants.read(&key_id, |grants| {
        grants.get(&grant_id).map(|g| {
            g.spec.retiring.as_ref() == Some(&me)
                || (g.spec.grantee == me
                    && g.spec
                        .operations
                        .iter()
                        .any(|o| o.as_str() == "RetireGrant"))
        })
    });
    let Some(named) = named else {
        return Ok(());
    };
    let mut values = common_values(node, caller);
    key_values(node, &mut values, &k);
    let request = Request {
        action: "kms:RetireGrant",
        resource: &k.arn,
        principal: &caller.principal,
        account: &caller.account_id,
        values: &values,
    };
    let key_deny = key_policy(&k.policy)
        .map(|p| p.key_verdict(&request).deny)
        .unwrap_or(false);
    if key_deny {
        return Err(denied(&request, Why::ResourceDeny));
    }
    match caller.policy.identity_verdict(&request) {
        Verdict::Deny => Err(denied(&request, Why::IdentityDeny)),
        _ if named => Ok(()),
        Verdict::Allow if k.account == caller.account_id => Ok(()),
        _ => Err(denied(&request, Why::NoIdentityAllow)),
    }
}

/// The condition keys every request has: `kms:CallerAccount`, `aws:PrincipalArn`,
/// `aws:PrincipalAccount`, `aws:CurrentTime` and `aws:EpochTime` (the simulated clock:
/// [CHOICE] so that a test that advances time sees time-bound policies change), and
/// `aws:SourceIp` when the connection's address is known.
fn common_values(node: &Node, caller: &Caller) -> Values {
    let mut v = Values::new();
    let now = node.now();
    v.set("kms:CallerAccount", caller.account_id.clone())
        .set("aws:PrincipalArn", caller.principal.clone())
        .set("aws:PrincipalAccount", caller.account_id.clone())
        .set("aws:CurrentTime", iso8601(now))
        .set("aws:EpochTime", (now / 1000).to_string());
    if let Some(ip) = caller.source_ip {
        v.set("aws:SourceIp", ip.to_string());
    }
    v
}

fn iso8601(ms: crate::clock::Millis) -> String {
    use aws_smithy_types::date_time::{DateTime, Format};
    DateTime::from_millis(ms)
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// The encryption context member `member` of the request.
fn context_of(req: &Value, member: &str) -> Option<BTreeMap<String, String>> {
    let Value::Object(m) = req.get(member)? else {
        return None;
    };
    Some(
        m.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
    )
}

/// Condition keys from the request's members (KMS's condition-key reference).
fn request_values(v: &mut Values, op: Operation, req: &Value, check: &Check<'_>) {
    use Operation as O;
    let s = |m: &str| req.get(m).and_then(Value::as_str);
    if let Some(ctx) = check.context.and_then(|m| context_of(req, m)) {
        v.set_all("kms:EncryptionContextKeys", ctx.keys().cloned().collect());
        for (key, value) in ctx {
            v.set(&format!("kms:EncryptionContext:{key}"), value);
        }
    }
    let symmetric_default = matches!(
        op,
        O::Encrypt
            | O::Decrypt
            | O::ReEncrypt
            | O::GenerateDataKey
            | O::GenerateDataKeyWithoutPlaintext
            | O::GenerateDataKeyPair
            | O::GenerateDataKeyPairWithoutPlaintext
    );
    match check.algorithm.and_then(s) {
        Some(a) => {
            v.set("kms:EncryptionAlgorithm", a);
        }
        None if symmetric_default => {
            v.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        }
        None => {}
    }
    // A member that is an alias names `kms:RequestAlias`.
    let ident = match check.target {
        Target::Key(i) => Some(i),
        Target::Ciphertext { key_id, .. } => key_id,
        Target::Nothing => None,
    };
    if let Some(alias) = ident.and_then(alias_name) {
        v.set("kms:RequestAlias", alias);
    }
    for (member, key) in [
        ("SigningAlgorithm", "kms:SigningAlgorithm"),
        ("MessageType", "kms:MessageType"),
        ("MacAlgorithm", "kms:MacAlgorithm"),
        ("KeyAgreementAlgorithm", "kms:KeyAgreementAlgorithm"),
        ("WrappingAlgorithm", "kms:WrappingAlgorithm"),
        ("WrappingKeySpec", "kms:WrappingKeySpec"),
        ("ExpirationModel", "kms:ExpirationModel"),
        ("ReplicaRegion", "kms:ReplicaRegion"),
        ("PrimaryRegion", "kms:PrimaryRegion"),
        ("KeyPairSpec", "kms:DataKeyPairSpec"),
        ("GranteePrincipal", "kms:GranteePrincipal"),
        ("RetiringPrincipal", "kms:RetiringPrincipal"),
    ] {
        if let Some(x) = s(member) {
            v.set(key, x);
        }
    }
    if matches!(op, O::Sign | O::Verify) && s("MessageType").is_none() {
        v.set("kms:MessageType", "RAW");
    }
    for (member, key) in [
        ("ValidTo", "kms:ValidTo"),
        ("RotationPeriodInDays", "kms:RotationPeriodInDays"),
    ] {
        if let Some(n) = req.get(member).and_then(Value::as_f64) {
            v.set(key, (n as i64).to_string());
        }
    }
    if let Some(b) = req
        .get("BypassPolicyLockoutSafetyCheck")
        .and_then(Value::as_bool)
    {
        v.set("kms:BypassPolicyLockoutSafetyCheck", b.to_string());
    }
    if matches!(op, O::CreateGrant | O::ListGrants | O::RevokeGrant) {
        v.set("kms:GrantIsForAWSResource", "false");
    }
    if op == O::CreateGrant {
        if let Some(Value::Array(ops)) = req.get("Operations") {
            let ops = ops
                .iter()
                .filter_map(|o| o.as_str().map(str::to_string))
                .collect();
            v.set_all("kms:GrantOperations", ops);
        }
        if let Some(Value::Object(c)) = req.get("Constraints") {
            v.set_all("kms:GrantConstraintType", c.keys().cloned().collect());
        }
    }
    if op == O::CreateKey {
        v.set("kms:KeyOrigin", s("Origin").unwrap_or("AWS_KMS"))
            .set(
                "kms:KeySpec",
                s("KeySpec")
                    .or(s("CustomerMasterKeySpec"))
                    .unwrap_or("SYMMETRIC_DEFAULT"),
            )
            .set("kms:KeyUsage", s("KeyUsage").unwrap_or("ENCRYPT_DECRYPT"))
            .set(
                "kms:MultiRegion",
                req.get("MultiRegion")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    .to_string(),
            );
    }
    // aws:RequestTag/<key> and aws:TagKeys: the tags a request adds or removes.
    if let Some(Value::Array(tags)) = req.get("Tags") {
        let mut keys = Vec::new();
        for t in tags {
            if let (Some(k), Some(val)) = (
                t.get("TagKey").and_then(Value::as_str),
                t.get("TagValue").and_then(Value::as_str),
            ) {
                v.set(&format!("aws:RequestTag/{k}"), val);
                keys.push(k.to_string());
            }
        }
        v.set_all("aws:TagKeys", keys);
    }
    if let Some(Value::Array(keys)) = req.get("TagKeys") {
        let keys = keys
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect();
        v.set_all("aws:TagKeys", keys);
    }
}

/// `alias/…` from an alias name or alias ARN.
fn alias_name(ident: &str) -> Option<String> {
    if ident.starts_with("alias/") {
        return Some(ident.to_string());
    }
    let resource = ident.strip_prefix("arn:")?.splitn(5, ':').nth(4)?;
    resource.starts_with("alias/").then(|| resource.to_string())
}

/// Condition keys from the key: `kms:KeyOrigin`, `kms:KeySpec`, `kms:KeyUsage`,
/// `kms:MultiRegion`, `kms:MultiRegionKeyType`, `kms:ResourceAliases` and
/// `aws:ResourceTag/<key>`.
fn key_values(node: &Node, v: &mut Values, k: &KeyFacts) {
    let found = node.peek_key(&k.id, |key| {
        v.set("kms:KeyOrigin", key.origin.as_str())
            .set("kms:KeySpec", key.spec.as_str())
            .set("kms:KeyUsage", key.usage.as_str())
            .set("kms:MultiRegion", key.multi_region.is_some().to_string());
        if let Some(mr) = &key.multi_region {
            v.set("kms:MultiRegionKeyType", mr.role.as_str());
        }
        for (tag, value) in &key.tags {
            v.set(&format!("aws:ResourceTag/{tag}"), value.clone());
        }
    });
    if found.is_none() {
        return;
    }
    let owner_prefix = format!("{}@", k.account);
    let aliases = node
        .store
        .aliases(Some(&k.id))
        .into_iter()
        .map(|(slot, _)| {
            slot.strip_prefix(&owner_prefix)
                .map(str::to_string)
                .unwrap_or(slot)
        })
        .collect();
    v.set_all("kms:ResourceAliases", aliases);
}
