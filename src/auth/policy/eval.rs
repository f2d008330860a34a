//! Which statements of a policy apply to a request, and what they decide (IAM "Policy
//! evaluation logic"): a statement applies when its principal (key policies), action,
//! resource and every condition match; an applicable `Deny` wins over any `Allow`.
//!
//! A key policy's `Principal` can name the caller in two ways that KMS tells apart: the caller
//! itself (its user or role ARN, or `*`), which allows on its own; or the caller's account (the
//! account id or `arn:aws:iam::<account>:root`), which delegates to the account's identity
//! policies — the default key policy's "Enable IAM User Permissions" statement.

use wildmatch::WildMatch;

use super::condition::Values;
use super::document::{Effect, Policy, Principals, Selector, Statement};

/// A request as policies see it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `kms:<Operation>` (or `kms:ReEncryptFrom`/`kms:ReEncryptTo`).
    pub action: &'a str,
    /// The key ARN, or `*` for operations on no key (CreateKey, ListKeys, …).
    pub resource: &'a str,
    /// The caller's ARN.
    pub principal: &'a str,
    /// The caller's account.
    pub account: &'a str,
    /// The condition keys of the request.
    pub values: &'a Values,
}

/// What an identity policy decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An applicable `Deny`.
    Deny,
    /// An applicable `Allow` and no `Deny`.
    Allow,
    /// No statement applies.
    NotApplicable,
}

/// What a key policy decides for one caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyPolicyVerdict {
    /// An applicable `Deny` names the caller or its account.
    pub deny: bool,
    /// An applicable `Allow` names the caller itself (or `*`).
    pub allows_principal: bool,
    /// An applicable `Allow` names the caller's account (delegation to identity policies).
    pub allows_account: bool,
}

/// How a statement's `Principal` names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    Principal,
    Account,
}

impl Policy {
    /// Evaluates an identity policy for `req`.
    pub fn identity_verdict(&self, req: &Request<'_>) -> Verdict {
        let mut verdict = Verdict::NotApplicable;
        for s in self.statements.iter().filter(|s| applies(s, req)) {
            match s.effect {
                Effect::Deny => return Verdict::Deny,
                Effect::Allow => verdict = Verdict::Allow,
            }
        }
        verdict
    }

    /// Evaluates a key policy for `req`.
    pub fn key_verdict(&self, req: &Request<'_>) -> KeyPolicyVerdict {
        let mut v = KeyPolicyVerdict::default();
        for s in &self.statements {
            let Some(named) = s.principal.as_ref().and_then(|p| names(p, req)) else {
                continue;
            };
            if !applies(s, req) {
                continue;
            }
            match (s.effect, named) {
                (Effect::Deny, _) => v.deny = true,
                (Effect::Allow, Named::Principal) => v.allows_principal = true,
                (Effect::Allow, Named::Account) => v.allows_account = true,
            }
        }
        v
    }
}

/// Action, resource and conditions (the principal is the caller's to check).
fn applies(s: &Statement, req: &Request<'_>) -> bool {
    let action = s
        .action
        .items
        .iter()
        .any(|a| WildMatch::new_case_insensitive(a).matches(req.action));
    let resource = s
        .resource
        .items
        .iter()
        .any(|r| WildMatch::new(r).matches(req.resource));
    action != s.action.negated
        && resource != s.resource.negated
        && s.conditions.iter().all(|c| c.holds(req.values))
}

/// How `p` names the caller of `req`, if it does.
fn names(p: &Selector<Principals>, req: &Request<'_>) -> Option<Named> {
    let root = |a: &str| format!("arn:aws:iam::{a}:root");
    let role_of_session = session_role(req.principal);
    let is_caller =
        |e: &String| e == req.principal || role_of_session.as_deref() == Some(e.as_str());
    let is_account = |e: &String| e == req.account || *e == root(req.account);
    let named = if p.items.anyone || p.items.aws.iter().any(is_caller) {
        Some(Named::Principal)
    } else if p.items.aws.iter().any(is_account) {
        Some(Named::Account)
    } else {
        None
    };
    match (p.negated, named) {
        (false, n) => n,
        (true, Some(_)) => None,
        (true, None) => Some(Named::Principal),
    }
}

/// `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R` (a role session is named by its
/// role's ARN in policies).
fn session_role(principal: &str) -> Option<String> {
    let rest = principal.strip_prefix("arn:aws:sts::")?;
    let (account, resource) = rest.split_once(':')?;
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:aws:iam::{account}:role/{role}"))
}

#[cfg(test)]
mod tests {
    use super::super::document::PolicyKind;
    use super::*;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn key_policy(statements: &str) -> Policy {
        Policy::parse(
            &format!(r#"{{"Statement":[{statements}]}}"#),
            PolicyKind::Key,
        )
        .unwrap()
    }

    fn req<'a>(
        action: &'a str,
        principal: &'a str,
        account: &'a str,
        v: &'a Values,
    ) -> Request<'a> {
        Request {
            action,
            resource: KEY,
            principal,
            account,
            values: v,
        }
    }

    /// (principal element, action element, caller, caller account, action, expected verdict)
    #[test]
    fn principals_and_actions_table() {
        let v = Values::new();
        let rows: &[(&str, &str, &str, &str, &str, KeyPolicyVerdict)] = &[
            (
                r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
                r#""kms:*""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict {
                    allows_account: true,
                    ..Default::default()
                },
            ),
            (
                r#"{"AWS":"111122223333"}"#,
                r#""kms:*""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict {
                    allows_account: true,
                    ..Default::default()
                },
            ),
            (
                r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
                r#""kms:*""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict::default(),
            ),
            (
                r#"{"AWS":["arn:aws:iam::111122223333:user/alice"]}"#,
                r#""kms:Decrypt""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict {
                    allows_principal: true,
                    ..Default::default()
                },
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:user/bob"}"#,
                r#""kms:Decrypt""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict::default(),
            ),
            (
                r#""*""#,
                r#""kms:Encrypt""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict::default(),
            ),
            (
                r#"{"AWS":"*"}"#,
                r#""kms:Gen*""#,
                ALICE,
                "111122223333",
                "kms:GenerateDataKey",
                KeyPolicyVerdict {
                    allows_principal: true,
                    ..Default::default()
                },
            ),
            (
                r#""*""#,
                r#""KMS:decrypt""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict {
                    allows_principal: true,
                    ..Default::default()
                },
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#,
                r#""kms:*""#,
                "arn:aws:sts::111122223333:assumed-role/app/s1",
                "111122223333",
                "kms:Sign",
                KeyPolicyVerdict {
                    allows_principal: true,
                    ..Default::default()
                },
            ),
            (
                r#"{"Service":"logs.amazonaws.com"}"#,
                r#""kms:*""#,
                ALICE,
                "111122223333",
                "kms:Decrypt",
                KeyPolicyVerdict::default(),
            ),
        ];
        for (principal, action, caller, account, op, want) in rows {
            let p = key_policy(&format!(
                r#"{{"Effect":"Allow","Principal":{principal},"Action":{action},"Resource":"*"}}"#
            ));
            assert_eq!(
                p.key_verdict(&req(op, caller, account, &v)),
                *want,
                "{principal} {action} {op}"
            );
        }
    }

    #[test]
    fn not_action_not_principal_not_resource() {
        let v = Values::new();
        let p = key_policy(
            r#"{"Effect":"Allow","Principal":"*","NotAction":"kms:Decrypt","Resource":"*"}"#,
        );
        assert!(
            p.key_verdict(&req("kms:Encrypt", ALICE, "111122223333", &v))
                .allows_principal
        );
        assert!(
            !p.key_verdict(&req("kms:Decrypt", ALICE, "111122223333", &v))
                .allows_principal
        );
        let p = key_policy(
            r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kms:*","Resource":"*"}"#,
        );
        assert!(
            p.key_verdict(&req("kms:Encrypt", ALICE, "111122223333", &v))
                .deny
        );
        assert!(
            !p.key_verdict(&req(
                "kms:Encrypt",
                "arn:aws:iam::111122223333:user/bob",
                "111122223333",
                &v
            ))
            .deny
        );
        let p = key_policy(
            r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","NotResource":"arn:aws:kms:*:111122223333:key/1234*"}"#,
        );
        assert!(
            !p.key_verdict(&req("kms:Encrypt", ALICE, "111122223333", &v))
                .allows_principal
        );
    }

    #[test]
    fn deny_is_reported_beside_allows_and_conditions_gate_statements() {
        let mut v = Values::new();
        v.set("kms:EncryptionContext:dept", "finance");
        let p = key_policy(
            r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:EncryptionContext:dept":"finance"}}}"#,
        );
        let ok = p.key_verdict(&req("kms:Decrypt", ALICE, "111122223333", &v));
        assert!(ok.allows_principal && !ok.deny);
        v.set("kms:EncryptionContext:dept", "sales");
        assert!(
            p.key_verdict(&req("kms:Decrypt", ALICE, "111122223333", &v))
                .deny
        );
    }

    #[test]
    fn identity_policies() {
        let v = Values::new();
        let p = Policy::parse(r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#, PolicyKind::Identity).unwrap();
        assert_eq!(
            p.identity_verdict(&req("kms:Encrypt", ALICE, "111122223333", &v)),
            Verdict::Allow
        );
        assert_eq!(
            p.identity_verdict(&req("kms:ScheduleKeyDeletion", ALICE, "111122223333", &v)),
            Verdict::Deny
        );
        let p = Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:*:111122223333:key/*"}}"#, PolicyKind::Identity).unwrap();
        assert_eq!(
            p.identity_verdict(&req("kms:Decrypt", ALICE, "111122223333", &v)),
            Verdict::NotApplicable
        );
        assert_eq!(
            p.identity_verdict(&req("kms:Encrypt", ALICE, "111122223333", &v)),
            Verdict::Allow
        );
    }
}
