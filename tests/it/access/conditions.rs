//! Issue 11, item 4: every condition key the issue lists, each at least once allowing and once
//! refusing, across every condition operator family (String, Numeric, Date, Bool, Arn,
//! IpAddress, Null, `…IfExists`, `ForAnyValue:`/`ForAllValues:`).
//!
//! Each row makes a key whose policy lets alice do anything and lets carol call one action
//! under one condition; carol then makes one request. `Passes` means the request got past
//! authorisation (any answer but AccessDeniedException: an import with a made-up token is
//! refused by the import itself).

use serde_json::{json, Value};

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    Passes,
    Denied,
}

struct Row {
    /// CreateKey members.
    key: Value,
    /// An alias alice creates for the key first (`alias/…`), if any.
    alias: Option<&'static str>,
    action: &'static str,
    condition: Value,
    op: &'static str,
    /// The request; `"{key}"`, `"{arn}"` and `"{alias}"` are replaced.
    body: Value,
    want: Want,
}

fn fill(v: &Value, key: &str, arn: &str, alias: &str) -> Value {
    match v {
        Value::String(s) => Value::String(
            s.replace("{key}", key)
                .replace("{arn}", arn)
                .replace("{alias}", alias),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, key, arn, alias)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), fill(x, key, arn, alias)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn rows() -> Vec<Row> {
    let sym = json!({});
    let enc = |ctx: Value| json!({"KeyId": "{key}", "Plaintext": "aGk=", "EncryptionContext": ctx});
    let describe = json!({"KeyId": "{key}"});
    let future = (wall_secs() as i64) + 30 * 86_400;
    let import = |model: &str, valid_to: Option<i64>| {
        let mut b = json!({"KeyId": "{key}", "ImportToken": "AAAA", "EncryptedKeyMaterial": "AAAA", "ExpirationModel": model});
        if let Some(v) = valid_to {
            b["ValidTo"] = json!(v);
        }
        b
    };
    let row = |key: &Value, action, condition: Value, op, body: Value, want| Row {
        key: key.clone(),
        alias: None,
        action,
        condition,
        op,
        body,
        want,
    };
    let mut rows = vec![
        // kms:EncryptionContext:<key> (the key name ignores case) — String.
        row(
            &sym,
            "kms:Encrypt",
            json!({"StringEquals": {"kms:EncryptionContext:dept": "finance"}}),
            "Encrypt",
            enc(json!({"Dept": "finance"})),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"StringEquals": {"kms:EncryptionContext:dept": "finance"}}),
            "Encrypt",
            enc(json!({"dept": "sales"})),
            Want::Denied,
        ),
        // IfExists: no context passes, a wrong one does not.
        row(
            &sym,
            "kms:Encrypt",
            json!({"StringEqualsIfExists": {"kms:EncryptionContext:dept": "finance"}}),
            "Encrypt",
            json!({"KeyId": "{key}", "Plaintext": "aGk="}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"StringEqualsIfExists": {"kms:EncryptionContext:dept": "finance"}}),
            "Encrypt",
            enc(json!({"dept": "sales"})),
            Want::Denied,
        ),
        // kms:EncryptionContextKeys — ForAllValues / ForAnyValue / Null.
        row(
            &sym,
            "kms:Encrypt",
            json!({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["dept", "app"]}}),
            "Encrypt",
            enc(json!({"dept": "x"})),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["dept", "app"]}}),
            "Encrypt",
            enc(json!({"dept": "x", "other": "y"})),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "de*"}}),
            "Encrypt",
            enc(json!({"a": "1", "dept": "x"})),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "de*"}}),
            "Encrypt",
            json!({"KeyId": "{key}", "Plaintext": "aGk="}),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"Null": {"kms:EncryptionContextKeys": "false"}}),
            "Encrypt",
            enc(json!({"a": "1"})),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:Encrypt",
            json!({"Null": {"kms:EncryptionContextKeys": "false"}}),
            "Encrypt",
            json!({"KeyId": "{key}", "Plaintext": "aGk="}),
            Want::Denied,
        ),
        // kms:CallerAccount, aws:PrincipalAccount — String.
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:CallerAccount": "111122223333"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:CallerAccount": "444455556666"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // aws:PrincipalArn — Arn.
        row(
            &sym,
            "kms:DescribeKey",
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/car*"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"ArnEquals": {"aws:PrincipalArn": DAVE.arn}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // aws:SourceIp — IpAddress (the test connects from 127.0.0.1).
        row(
            &sym,
            "kms:DescribeKey",
            json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // aws:CurrentTime — Date.
        row(
            &sym,
            "kms:DescribeKey",
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // kms:KeyOrigin, kms:KeySpec, kms:KeyUsage — String.
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:KeyOrigin": "AWS_KMS"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:KeyOrigin": "EXTERNAL"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:KeySpec": "SYMMETRIC_DEFAULT"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringLike": {"kms:KeySpec": "ECC_*"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:KeyUsage": "ENCRYPT_DECRYPT"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:KeyUsage": "SIGN_VERIFY"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // kms:MultiRegion — Bool; kms:MultiRegionKeyType — String.
        row(
            &sym,
            "kms:DescribeKey",
            json!({"Bool": {"kms:MultiRegion": "false"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:DescribeKey",
            json!({"Bool": {"kms:MultiRegion": true}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        row(
            &json!({"MultiRegion": true}),
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &json!({"MultiRegion": true}),
            "kms:DescribeKey",
            json!({"StringEquals": {"kms:MultiRegionKeyType": "REPLICA"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        // kms:ReplicaRegion, kms:PrimaryRegion.
        row(
            &json!({"MultiRegion": true}),
            "kms:ReplicateKey",
            json!({"StringEquals": {"kms:ReplicaRegion": "eu-west-1"}}),
            "ReplicateKey",
            json!({"KeyId": "{key}", "ReplicaRegion": "eu-west-1", "Policy": policy_with(&[]), "BypassPolicyLockoutSafetyCheck": true}),
            Want::Ok,
        ),
        row(
            &json!({"MultiRegion": true}),
            "kms:ReplicateKey",
            json!({"StringEquals": {"kms:ReplicaRegion": "eu-west-1"}}),
            "ReplicateKey",
            json!({"KeyId": "{key}", "ReplicaRegion": "ap-southeast-2"}),
            Want::Denied,
        ),
        row(
            &json!({"MultiRegion": true}),
            "kms:UpdatePrimaryRegion",
            json!({"StringEquals": {"kms:PrimaryRegion": "eu-west-1"}}),
            "UpdatePrimaryRegion",
            json!({"KeyId": "{key}", "PrimaryRegion": "eu-west-1"}),
            Want::Passes,
        ),
        row(
            &json!({"MultiRegion": true}),
            "kms:UpdatePrimaryRegion",
            json!({"StringEquals": {"kms:PrimaryRegion": "eu-west-1"}}),
            "UpdatePrimaryRegion",
            json!({"KeyId": "{key}", "PrimaryRegion": "ap-southeast-2"}),
            Want::Denied,
        ),
        // kms:RotationPeriodInDays — Numeric.
        row(
            &sym,
            "kms:EnableKeyRotation",
            json!({"NumericLessThanEquals": {"kms:RotationPeriodInDays": "180"}}),
            "EnableKeyRotation",
            json!({"KeyId": "{key}", "RotationPeriodInDays": 90}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:EnableKeyRotation",
            json!({"NumericLessThanEquals": {"kms:RotationPeriodInDays": 180}}),
            "EnableKeyRotation",
            json!({"KeyId": "{key}", "RotationPeriodInDays": 365}),
            Want::Denied,
        ),
        // kms:GrantOperations — ForAllValues; kms:GrantIsForAWSResource — Bool.
        row(
            &sym,
            "kms:CreateGrant",
            json!({"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]}}),
            "CreateGrant",
            json!({"KeyId": "{key}", "GranteePrincipal": DAVE.arn, "Operations": ["Encrypt"]}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:CreateGrant",
            json!({"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]}}),
            "CreateGrant",
            json!({"KeyId": "{key}", "GranteePrincipal": DAVE.arn, "Operations": ["Encrypt", "ReEncryptFrom"]}),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:CreateGrant",
            json!({"Bool": {"kms:GrantIsForAWSResource": "false"}}),
            "CreateGrant",
            json!({"KeyId": "{key}", "GranteePrincipal": DAVE.arn, "Operations": ["Encrypt"]}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:CreateGrant",
            json!({"Bool": {"kms:GrantIsForAWSResource": "true"}}),
            "CreateGrant",
            json!({"KeyId": "{key}", "GranteePrincipal": DAVE.arn, "Operations": ["Encrypt"]}),
            Want::Denied,
        ),
        // kms:EncryptionAlgorithm (SYMMETRIC_DEFAULT when the request names none).
        row(
            &sym,
            "kms:GenerateDataKey",
            json!({"StringEquals": {"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}}),
            "GenerateDataKey",
            json!({"KeyId": "{key}", "KeySpec": "AES_128"}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:GenerateDataKey",
            json!({"StringEquals": {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}),
            "GenerateDataKey",
            json!({"KeyId": "{key}", "KeySpec": "AES_128"}),
            Want::Denied,
        ),
        // kms:SigningAlgorithm, kms:MessageType.
        row(
            &json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
            "kms:Sign",
            json!({"StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "RAW"}}),
            "Sign",
            json!({"KeyId": "{key}", "Message": "aGk=", "SigningAlgorithm": "ECDSA_SHA_256"}),
            Want::Ok,
        ),
        row(
            &json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
            "kms:Sign",
            json!({"StringEquals": {"kms:MessageType": "RAW"}}),
            "Sign",
            json!({"KeyId": "{key}", "Message": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "MessageType": "DIGEST", "SigningAlgorithm": "ECDSA_SHA_256"}),
            Want::Denied,
        ),
        row(
            &json!({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
            "kms:Sign",
            json!({"StringNotEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256"}}),
            "Sign",
            json!({"KeyId": "{key}", "Message": "aGk=", "SigningAlgorithm": "ECDSA_SHA_256"}),
            Want::Denied,
        ),
        // kms:WrappingAlgorithm, kms:WrappingKeySpec.
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:GetParametersForImport",
            json!({"StringEquals": {"kms:WrappingAlgorithm": "RSAES_OAEP_SHA_256", "kms:WrappingKeySpec": "RSA_2048"}}),
            "GetParametersForImport",
            json!({"KeyId": "{key}", "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
            Want::Ok,
        ),
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:GetParametersForImport",
            json!({"StringEquals": {"kms:WrappingAlgorithm": "RSAES_OAEP_SHA_256"}}),
            "GetParametersForImport",
            json!({"KeyId": "{key}", "WrappingAlgorithm": "RSAES_OAEP_SHA_1", "WrappingKeySpec": "RSA_2048"}),
            Want::Denied,
        ),
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:GetParametersForImport",
            json!({"StringEquals": {"kms:WrappingKeySpec": "RSA_3072"}}),
            "GetParametersForImport",
            json!({"KeyId": "{key}", "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}),
            Want::Denied,
        ),
        // kms:ExpirationModel; kms:ValidTo — Numeric on epoch seconds.
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:ImportKeyMaterial",
            json!({"StringEquals": {"kms:ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}}),
            "ImportKeyMaterial",
            import("KEY_MATERIAL_DOES_NOT_EXPIRE", None),
            Want::Passes,
        ),
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:ImportKeyMaterial",
            json!({"StringEquals": {"kms:ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}}),
            "ImportKeyMaterial",
            import("KEY_MATERIAL_EXPIRES", Some(future)),
            Want::Denied,
        ),
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:ImportKeyMaterial",
            json!({"NumericLessThan": {"kms:ValidTo": future + 86_400}}),
            "ImportKeyMaterial",
            import("KEY_MATERIAL_EXPIRES", Some(future)),
            Want::Passes,
        ),
        row(
            &json!({"Origin": "EXTERNAL"}),
            "kms:ImportKeyMaterial",
            json!({"NumericLessThan": {"kms:ValidTo": future - 86_400}}),
            "ImportKeyMaterial",
            import("KEY_MATERIAL_EXPIRES", Some(future)),
            Want::Denied,
        ),
        // aws:ResourceTag/<key>, aws:RequestTag/<key>, aws:TagKeys.
        row(
            &json!({"Tags": [{"TagKey": "env", "TagValue": "prod"}]}),
            "kms:DescribeKey",
            json!({"StringEquals": {"aws:ResourceTag/env": "prod"}}),
            "DescribeKey",
            describe.clone(),
            Want::Ok,
        ),
        row(
            &json!({"Tags": [{"TagKey": "env", "TagValue": "prod"}]}),
            "kms:DescribeKey",
            json!({"StringEquals": {"aws:ResourceTag/env": "dev"}}),
            "DescribeKey",
            describe.clone(),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:TagResource",
            json!({"StringEquals": {"aws:RequestTag/team": "blue"}}),
            "TagResource",
            json!({"KeyId": "{key}", "Tags": [{"TagKey": "team", "TagValue": "blue"}]}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:TagResource",
            json!({"StringEquals": {"aws:RequestTag/team": "blue"}}),
            "TagResource",
            json!({"KeyId": "{key}", "Tags": [{"TagKey": "team", "TagValue": "red"}]}),
            Want::Denied,
        ),
        row(
            &sym,
            "kms:UntagResource",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
            "UntagResource",
            json!({"KeyId": "{key}", "TagKeys": ["team"]}),
            Want::Ok,
        ),
        row(
            &sym,
            "kms:UntagResource",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}),
            "UntagResource",
            json!({"KeyId": "{key}", "TagKeys": ["env"]}),
            Want::Denied,
        ),
    ];
    // kms:RequestAlias and kms:ResourceAliases need an alias on the key.
    let aliased = |condition: Value, body: Value, want| Row {
        key: json!({}),
        alias: Some("alias/cond-test"),
        action: "kms:Encrypt",
        condition,
        op: "Encrypt",
        body,
        want,
    };
    rows.push(aliased(
        json!({"StringEquals": {"kms:RequestAlias": "{alias}"}}),
        json!({"KeyId": "{alias}", "Plaintext": "aGk="}),
        Want::Ok,
    ));
    rows.push(aliased(
        json!({"StringEquals": {"kms:RequestAlias": "{alias}"}}),
        json!({"KeyId": "{key}", "Plaintext": "aGk="}),
        Want::Denied,
    ));
    rows.push(aliased(
        json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": "{alias}"}}),
        json!({"KeyId": "{key}", "Plaintext": "aGk="}),
        Want::Ok,
    ));
    rows.push(aliased(
        json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/other"}}),
        json!({"KeyId": "{key}", "Plaintext": "aGk="}),
        Want::Denied,
    ));
    rows
}

#[tokio::test]
async fn every_listed_condition_key_allows_and_refuses() {
    let tc = start().await;
    for (n, row) in rows().into_iter().enumerate() {
        // Each row's alias is its own; conditions name it as `{alias}`.
        let alias = row.alias.map(|a| format!("{a}-{n}")).unwrap_or_default();
        let condition = fill(&row.condition, "", "", &alias);
        let statement = json!({"Effect": "Allow", "Principal": {"AWS": CAROL.arn}, "Action": row.action, "Resource": "*", "Condition": condition});
        let mut create = row.key.clone();
        create["Policy"] = json!(policy_with(&[statement]));
        let (id, arn) = key_by(&tc, ALICE, create).await;
        if row.alias.is_some() {
            ok(
                &tc,
                ALICE,
                "CreateAlias",
                json!({"AliasName": alias, "TargetKeyId": id}),
            )
            .await;
        }
        let body = fill(&row.body, &id, &arn, &alias);
        let (status, out) = call(&tc, CAROL, row.op, &body).await;
        let denied = out["__type"] == "AccessDeniedException";
        match row.want {
            Want::Ok => assert_eq!(status, 200, "row {n} ({}): {out}", row.condition),
            Want::Passes => assert!(!denied, "row {n} ({}): {out}", row.condition),
            Want::Denied => assert_denied((status, out), CAROL, row.action, &arn, "resource"),
        }
    }
    tc.stop().await;
}
