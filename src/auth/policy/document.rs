//! A policy document, parsed and validated.
//!
//! Grammar (IAM JSON policy reference): an object with an optional `Version` (`2012-10-17` or
//! `2008-10-17`), optional `Id`, and `Statement` (one object or an array of them). A statement
//! has an optional `Sid`; `Effect` `Allow` or `Deny`; exactly one of `Action`/`NotAction`;
//! in a key policy exactly one of `Principal`/`NotPrincipal` (an identity policy has neither);
//! exactly one of `Resource`/`NotResource`; an optional `Condition`. Values are a string or an
//! array of strings (condition values may also be numbers or booleans).
//!
//! [CHOICE] Texts of `MalformedPolicyDocumentException`: AWS reports a grammar error as
//! "Policy contains a statement with one or more invalid principals." for a bad principal and
//! otherwise with messages that vary by case; kmsim uses that text for principals and short,
//! specific texts for the rest (listed where they are raised). A principal ARN that is
//! well-formed is accepted without checking that the user or role exists (kmsim has no IAM).

use std::collections::BTreeMap;

use serde_json::Value;

use super::condition::{Condition, Operator, Qualifier};

/// Which kind of policy a document is: the two differ in whether a statement names its
/// principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A key policy: every statement has `Principal` or `NotPrincipal`.
    Key,
    /// An identity policy: no statement may name a principal.
    Identity,
}

/// `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A list that either names what a statement covers or what it excludes
/// (`Action`/`NotAction`, `Resource`/`NotResource`, `Principal`/`NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector<T> {
    /// `true` for the `Not…` form.
    pub negated: bool,
    /// The listed entries.
    pub items: T,
}

impl Selector<Vec<String>> {
    /// A missing element: matches nothing (not even in a `Not…` sense).
    fn nothing() -> Self {
        Selector {
            negated: false,
            items: Vec::new(),
        }
    }
}

/// A `Principal` value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    pub anyone: bool,
    /// `AWS` entries: account ids, account root ARNs, user and role ARNs.
    pub aws: Vec<String>,
    /// `Service` entries (AWS services; no kmsim caller is one).
    pub service: Vec<String>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal`/`NotPrincipal` (key policies only).
    pub principal: Option<Selector<Principals>>,
    /// `Action`/`NotAction` patterns.
    pub action: Selector<Vec<String>>,
    /// `Resource`/`NotResource` patterns.
    pub resource: Selector<Vec<String>>,
    /// Every condition entry; all must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Its statements in document order.
    pub statements: Vec<Statement>,
}

/// Why a document was refused (the text of `MalformedPolicyDocumentException`).
pub type Malformed = String;

const NO_PRINCIPAL: &str = "Policy contains a statement with no principal.";
const INVALID_PRINCIPALS: &str = "Policy contains a statement with one or more invalid principals.";

impl Policy {
    /// Parses `text` as a policy of `kind`.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, Malformed> {
        let v: Value = serde_json::from_str(text)
            .map_err(|_| "The policy is not in the valid JSON format.".to_string())?;
        let Value::Object(doc) = v else {
            return Err("The policy is not in the valid JSON format.".into());
        };
        for (field, value) in &doc {
            match field.as_str() {
                "Version" => match value.as_str() {
                    Some("2012-10-17" | "2008-10-17") => {}
                    _ => return Err("The policy contains an invalid Version.".into()),
                },
                "Id" | "Statement" => {}
                other => {
                    return Err(format!(
                        "Policy document contains an unknown element: {other}"
                    ))
                }
            }
        }
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) if !items.is_empty() => items.iter().collect::<Vec<_>>(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err("Policy document must contain at least one Statement.".into()),
        };
        let statements = statements
            .into_iter()
            .map(|s| statement(s, kind))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy { statements })
    }
}

fn statement(v: &Value, kind: PolicyKind) -> Result<Statement, Malformed> {
    let Value::Object(s) = v else {
        return Err("Each policy statement must be a JSON object.".into());
    };
    for field in s.keys() {
        if !matches!(
            field.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(format!(
                "Policy statement contains an unknown element: {field}"
            ));
        }
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(x)) => Some(x.clone()),
        Some(_) => return Err("The Sid of a policy statement must be a string.".into()),
    };
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err("Each policy statement must have an Effect of Allow or Deny.".into()),
    };
    // A statement without Action or Resource is accepted and has no effect (CreateKey
    // `Policy` member doc): it keeps an empty, never-matching list.
    let action = match either(s, "Action", "NotAction")? {
        None => Selector::nothing(),
        Some((negated, v)) => Selector {
            negated,
            items: strings(v).ok_or("Action must be a string or an array of strings.")?,
        },
    };
    if action.items.iter().any(|a| !valid_action(a)) {
        return Err("Policy statement contains an invalid action.".into());
    }
    let resource = match either(s, "Resource", "NotResource")? {
        None => Selector::nothing(),
        Some((negated, v)) => Selector {
            negated,
            items: strings(v).ok_or("Resource must be a string or an array of strings.")?,
        },
    };
    let principal = match (either(s, "Principal", "NotPrincipal")?, kind) {
        (None, PolicyKind::Key) => return Err(NO_PRINCIPAL.into()),
        (Some(_), PolicyKind::Identity) => {
            return Err("An identity policy statement must not name a Principal.".into())
        }
        (None, PolicyKind::Identity) => None,
        (Some((negated, p)), PolicyKind::Key) => Some(Selector {
            negated,
            items: principals(p).ok_or(INVALID_PRINCIPALS)?,
        }),
    };
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => conditions(c)?,
    };
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

/// The one of `yes`/`no` present: `(negated, value)`; both present is malformed.
fn either<'a>(
    s: &'a serde_json::Map<String, Value>,
    yes: &str,
    no: &str,
) -> Result<Option<(bool, &'a Value)>, Malformed> {
    match (s.get(yes), s.get(no)) {
        (Some(_), Some(_)) => Err(format!(
            "A policy statement cannot contain both {yes} and {no}."
        )),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

/// A string or an array of strings.
fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}

/// `*` or `service:Name` with wildcards.
fn valid_action(a: &str) -> bool {
    a == "*"
        || a.split_once(':').is_some_and(|(svc, name)| {
            !svc.is_empty()
                && svc.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !name.is_empty()
        })
}

fn principals(v: &Value) -> Option<Principals> {
    match v {
        Value::String(s) if s == "*" => Some(Principals {
            anyone: true,
            ..Default::default()
        }),
        Value::Object(m) if !m.is_empty() => {
            let mut p = Principals::default();
            for (kind, value) in m {
                let list = strings(value).filter(|l| !l.is_empty())?;
                match kind.as_str() {
                    "AWS" => {
                        for a in list {
                            if a == "*" {
                                p.anyone = true;
                            } else if valid_aws_principal(&a) {
                                p.aws.push(a);
                            } else {
                                return None;
                            }
                        }
                    }
                    "Service" => p.service.extend(list),
                    // Federated and CanonicalUser principals never call kmsim.
                    "Federated" | "CanonicalUser" => {}
                    _ => return None,
                }
            }
            Some(p)
        }
        _ => None,
    }
}

/// A 12-digit account id, or an IAM/STS ARN of one (`root`, `user/…`, `role/…`,
/// `assumed-role/…`, …).
fn valid_aws_principal(a: &str) -> bool {
    let digits = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(a) {
        return true;
    }
    let parts: Vec<&str> = a.splitn(6, ':').collect();
    matches!(parts.as_slice(),
        ["arn", partition, "iam" | "sts", "", account, resource]
            if partition.starts_with("aws") && digits(account) && !resource.is_empty())
}

fn conditions(v: &Value) -> Result<Vec<Condition>, Malformed> {
    let Value::Object(blocks) = v else {
        return Err("Condition must be a JSON object.".into());
    };
    let mut out = Vec::new();
    for (op_name, entries) in blocks {
        let (qualifier, rest) = Qualifier::split(op_name);
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let op = Operator::parse(base)
            .filter(|op| !(if_exists && *op == Operator::Null))
            .ok_or_else(|| format!("Policy contains an unknown condition operator: {op_name}"))?;
        let Value::Object(entries) = entries else {
            return Err(format!("The {op_name} condition must be a JSON object."));
        };
        let sorted: BTreeMap<_, _> = entries.iter().collect();
        for (key, values) in sorted {
            let values = condition_values(values)
                .ok_or_else(|| format!("The values of condition key {key} are not valid."))?;
            out.push(Condition {
                op,
                qualifier,
                if_exists,
                key: key.to_ascii_lowercase(),
                values,
            });
        }
    }
    Ok(out)
}

fn condition_values(v: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => None,
        other => one(other).map(|s| vec![s]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW: &str = r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#;

    fn key(statements: &str) -> Result<Policy, Malformed> {
        Policy::parse(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#),
            PolicyKind::Key,
        )
    }

    #[test]
    fn a_default_key_policy_parses() {
        let p = key(ALLOW).unwrap();
        assert_eq!(p.statements.len(), 1);
        assert_eq!(
            p.statements[0].principal.as_ref().unwrap().items.aws,
            vec!["arn:aws:iam::111122223333:root".to_string()]
        );
    }

    #[test]
    fn malformed_documents_are_refused_each_with_its_reason() {
        let cases = [
            ("not json", "valid JSON"),
            (r#"[1]"#, "valid JSON"),
            (r#"{"Version":"2012-10-17"}"#, "at least one Statement"),
            (
                r#"{"Version":"2019-01-01","Statement":[]}"#,
                "invalid Version",
            ),
            (
                r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
                "Effect",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","NotAction":"kms:X","Resource":"*"}]}"#,
                "both Action and NotAction",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
                "no principal",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"kms:*","Resource":"*"}]}"#,
                "invalid principals",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"decrypt","Resource":"*"}]}"#,
                "invalid action",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#,
                "unknown condition operator",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"a":{}}}}]}"#,
                "not valid",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Extra":1}]}"#,
                "unknown element",
            ),
        ];
        for (doc, why) in cases {
            let err = Policy::parse(doc, PolicyKind::Key).unwrap_err();
            assert!(err.contains(why), "{doc}: {err}");
        }
    }

    #[test]
    fn a_statement_without_action_or_resource_is_kept_and_matches_nothing() {
        let p = key(r#"{"Effect":"Allow","Principal":"*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":"kms:*"}"#).unwrap();
        assert!(p.statements[0].action.items.is_empty());
        assert!(p.statements[1].resource.items.is_empty() && !p.statements[1].resource.negated);
    }

    #[test]
    fn identity_policies_have_no_principal() {
        let ok = r#"{"Statement":{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}}"#;
        assert!(Policy::parse(ok, PolicyKind::Identity).is_ok());
        assert!(Policy::parse(ok, PolicyKind::Key).is_err());
        let with = format!(r#"{{"Statement":{ALLOW}}}"#);
        assert!(Policy::parse(&with, PolicyKind::Identity).is_err());
    }

    #[test]
    fn condition_operators_parse_with_their_qualifiers() {
        let p = key(r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringLikeIfExists":{"kms:EncryptionContextKeys":["a*",1,true]}}}"#).unwrap();
        let c = &p.statements[0].conditions[0];
        assert_eq!(c.op, Operator::StringLike);
        assert_eq!(c.qualifier, Some(Qualifier::ForAllValues));
        assert!(c.if_exists);
        assert_eq!(c.key, "kms:encryptioncontextkeys");
        assert_eq!(c.values, vec!["a*", "1", "true"]);
        assert!(key(r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}}"#).is_err());
    }
}
