//! Key policies × identity policies × operations × principals, with AWS's four refusals.

use serde_json::{json, Value};

use super::*;

const PT: &str = "aGVsbG8="; // "hello"

#[tokio::test]
async fn the_default_key_policy_delegates_to_identity_policies() {
    let tc = start().await;
    let (id, arn) = key_by(&tc, ALICE, json!({})).await;
    let enc = json!({"KeyId": id, "Plaintext": PT});
    // Root delegation + an identity policy that allows: alice, carol.
    let blob = ok(&tc, ALICE, "Encrypt", enc.clone()).await["CiphertextBlob"].clone();
    ok(&tc, CAROL, "Decrypt", json!({"CiphertextBlob": blob})).await;
    // An identity policy that allows Encrypt only: Encrypt yes, Decrypt no.
    ok(&tc, DAVE, "Encrypt", enc.clone()).await;
    let dec = json!({"CiphertextBlob": blob});
    assert_denied(
        call(&tc, DAVE, "Decrypt", &dec).await,
        DAVE,
        "kms:Decrypt",
        &arn,
        "identity",
    );
    // An explicit deny in the identity policy.
    ok(&tc, ERIN, "Encrypt", enc.clone()).await;
    assert_denied(
        call(&tc, ERIN, "Decrypt", &dec).await,
        ERIN,
        "kms:Decrypt",
        &arn,
        "identity-deny",
    );
    // Operations on no key are judged by the identity policy alone, on resource "*".
    assert_denied(
        call(&tc, DAVE, "ListKeys", &json!({})).await,
        DAVE,
        "kms:ListKeys",
        "*",
        "identity",
    );
    assert_denied(
        call(&tc, FRANK, "CreateKey", &json!({})).await,
        FRANK,
        "kms:CreateKey",
        "*",
        "identity",
    );
    ok(&tc, DAVE, "CreateKey", json!({})).await;
    // Through the SDK too: the refusal is an AccessDeniedException the SDK models.
    let sdk = client(&tc, DAVE, REGION);
    let err = sdk
        .decrypt()
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(base64_decode(
            blob.as_str().unwrap(),
        )));
    let (code, msg) = err_code(err.send().await);
    assert_eq!(code, "AccessDeniedException");
    msg_is(msg, denied_text(DAVE, "kms:Decrypt", &arn, "identity"));
    tc.stop().await;
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

/// One row: carol's statements in the key policy, the caller, the operation, and `None` for
/// allowed or `Some(reason)` for refused.
struct Row {
    statements: Vec<Value>,
    who: Who,
    op: &'static str,
    action: &'static str,
    refused: Option<&'static str>,
}

fn carol(effect: &str, action: Value) -> Value {
    json!({"Effect": effect, "Principal": {"AWS": CAROL.arn}, "Action": action, "Resource": "*"})
}

#[tokio::test]
async fn a_table_of_key_policies_operations_and_principals() {
    let tc = start().await;
    let rows = vec![
        // No statement for carol (and no root delegation): refused by the key policy.
        Row {
            statements: vec![],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource"),
        },
        // An allow naming carol and the action.
        Row {
            statements: vec![carol("Allow", json!("kms:Encrypt"))],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: None,
        },
        Row {
            statements: vec![carol("Allow", json!("kms:Encrypt"))],
            who: CAROL,
            op: "GenerateDataKey",
            action: "kms:GenerateDataKey",
            refused: Some("resource"),
        },
        // Wildcard actions, matched ignoring case.
        Row {
            statements: vec![carol("Allow", json!("kms:Gen*"))],
            who: CAROL,
            op: "GenerateDataKey",
            action: "kms:GenerateDataKey",
            refused: None,
        },
        Row {
            statements: vec![carol("Allow", json!(["KMS:describe*"]))],
            who: CAROL,
            op: "DescribeKey",
            action: "kms:DescribeKey",
            refused: None,
        },
        Row {
            statements: vec![carol("Allow", json!("kms:Gen*"))],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource"),
        },
        // An explicit deny wins over an allow.
        Row {
            statements: vec![
                carol("Allow", json!("kms:*")),
                carol("Deny", json!("kms:Encrypt")),
            ],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource-deny"),
        },
        // NotAction.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": CAROL.arn}, "NotAction": "kms:Encrypt", "Resource": "*"}),
            ],
            who: CAROL,
            op: "DescribeKey",
            action: "kms:DescribeKey",
            refused: None,
        },
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": CAROL.arn}, "NotAction": "kms:Encrypt", "Resource": "*"}),
            ],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource"),
        },
        // NotPrincipal in a deny: everyone but alice is refused.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}),
                json!({"Effect": "Deny", "NotPrincipal": {"AWS": ALICE.arn}, "Action": "kms:Encrypt", "Resource": "*"}),
            ],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource-deny"),
        },
        Row {
            statements: vec![
                json!({"Effect": "Deny", "NotPrincipal": {"AWS": ALICE.arn}, "Action": "kms:Encrypt", "Resource": "*"}),
            ],
            who: ALICE,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: None,
        },
        // NotResource that excludes every key.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": CAROL.arn}, "Action": "kms:*", "NotResource": "arn:aws:kms:*"}),
            ],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource"),
        },
        // Principal "*": a same-account caller needs nothing else.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": "*", "Action": "kms:DescribeKey", "Resource": "*"}),
            ],
            who: CAROL,
            op: "DescribeKey",
            action: "kms:DescribeKey",
            refused: None,
        },
        // A statement naming dave himself allows even what his identity policy does not.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": DAVE.arn}, "Action": "kms:GenerateDataKey", "Resource": "*"}),
            ],
            who: DAVE,
            op: "GenerateDataKey",
            action: "kms:GenerateDataKey",
            refused: None,
        },
        // The account principal delegates: dave's identity policy does not allow it.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:GenerateDataKey", "Resource": "*"}),
            ],
            who: DAVE,
            op: "GenerateDataKey",
            action: "kms:GenerateDataKey",
            refused: Some("identity"),
        },
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:GenerateDataKey", "Resource": "*"}),
            ],
            who: CAROL,
            op: "GenerateDataKey",
            action: "kms:GenerateDataKey",
            refused: None,
        },
        // The identity policy's explicit deny wins over a key policy naming erin.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": ERIN.arn}, "Action": "kms:*", "Resource": "*"}),
            ],
            who: ERIN,
            op: "Decrypt",
            action: "kms:Decrypt",
            refused: Some("identity-deny"),
        },
        // A statement without Resource is accepted and has no effect.
        Row {
            statements: vec![
                json!({"Effect": "Allow", "Principal": {"AWS": CAROL.arn}, "Action": "kms:*"}),
            ],
            who: CAROL,
            op: "Encrypt",
            action: "kms:Encrypt",
            refused: Some("resource"),
        },
        // Admin operations follow the same rules.
        Row {
            statements: vec![carol("Allow", json!("kms:Encrypt"))],
            who: CAROL,
            op: "DisableKey",
            action: "kms:DisableKey",
            refused: Some("resource"),
        },
        Row {
            statements: vec![carol("Allow", json!("kms:DisableKey"))],
            who: CAROL,
            op: "DisableKey",
            action: "kms:DisableKey",
            refused: None,
        },
    ];
    for (n, row) in rows.into_iter().enumerate() {
        let (id, arn) = key_by(&tc, ALICE, json!({"Policy": policy_with(&row.statements)})).await;
        let blob = ok(&tc, ALICE, "Encrypt", json!({"KeyId": id, "Plaintext": PT})).await
            ["CiphertextBlob"]
            .clone();
        let body = match row.op {
            "Encrypt" => json!({"KeyId": id, "Plaintext": PT}),
            "Decrypt" => json!({"CiphertextBlob": blob}),
            "GenerateDataKey" => json!({"KeyId": id, "KeySpec": "AES_256"}),
            _ => json!({"KeyId": id}),
        };
        let got = call(&tc, row.who, row.op, &body).await;
        match row.refused {
            None => assert_eq!(got.0, 200, "row {n}: {}", got.1),
            Some(why) => assert_denied(got, row.who, row.action, &arn, why),
        }
    }
    tc.stop().await;
}

#[tokio::test]
async fn decrypt_finds_the_key_from_the_ciphertext_before_judging() {
    let tc = start().await;
    let allow = [carol("Allow", json!(["kms:Decrypt"]))];
    let (open_id, _) = key_by(&tc, ALICE, json!({"Policy": policy_with(&allow)})).await;
    let (closed_id, closed_arn) = key_by(&tc, ALICE, json!({"Policy": policy_with(&[])})).await;
    let enc = |id: &str| json!({"KeyId": id, "Plaintext": PT});
    let open_blob = ok(&tc, ALICE, "Encrypt", enc(&open_id)).await["CiphertextBlob"].clone();
    let closed_blob = ok(&tc, ALICE, "Encrypt", enc(&closed_id)).await["CiphertextBlob"].clone();
    let out = ok(&tc, CAROL, "Decrypt", json!({"CiphertextBlob": open_blob})).await;
    assert_eq!(out["Plaintext"], PT);
    assert_eq!(out["KeyId"], arn(REGION, &open_id));
    // The ciphertext names the closed key: refused naming that key, whatever KeyId says.
    let got = call(
        &tc,
        CAROL,
        "Decrypt",
        &json!({"CiphertextBlob": closed_blob}),
    )
    .await;
    assert_denied(got, CAROL, "kms:Decrypt", &closed_arn, "resource");
    let got = call(
        &tc,
        CAROL,
        "Decrypt",
        &json!({"CiphertextBlob": closed_blob, "KeyId": open_id}),
    )
    .await;
    assert_denied(got, CAROL, "kms:Decrypt", &closed_arn, "resource");
    // ReEncrypt: From on the ciphertext's key, To on the destination.
    let re = json!({"CiphertextBlob": open_blob, "DestinationKeyId": closed_id});
    let got = call(&tc, CAROL, "ReEncrypt", &re).await;
    assert_denied(
        got,
        CAROL,
        "kms:ReEncryptFrom",
        &arn(REGION, &open_id),
        "resource",
    );
    tc.stop().await;
}

#[tokio::test]
async fn put_key_policy_refuses_malformed_documents_and_lockouts() {
    let tc = start().await;
    let (id, arn) = key_by(&tc, ALICE, json!({})).await;
    let malformed = |doc: &str| json!({"KeyId": id, "PolicyName": "default", "Policy": doc});
    let cases = [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
            "Policy contains a statement with no principal.",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"kms:*","Resource":"*"}]}"#,
            "Policy contains a statement with one or more invalid principals.",
        ),
        (
            r#"{"Statement":[{"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
            "Each policy statement must have an Effect of Allow or Deny.",
        ),
        (
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#,
            "Policy contains an unknown condition operator: StringEqualz",
        ),
    ];
    for (doc, text) in cases {
        let (status, out) = call(&tc, ALICE, "PutKeyPolicy", &malformed(doc)).await;
        assert_eq!(
            (status, out["__type"].as_str()),
            (400, Some("MalformedPolicyDocumentException")),
            "{doc}"
        );
        assert_eq!(
            out["message"].as_str().or(out["Message"].as_str()),
            Some(text),
            "{doc}"
        );
    }
    // A policy that would lock alice out: refused, unless the check is bypassed.
    let lockout = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":CAROL.arn},"Action":"kms:*","Resource":"*"}]}).to_string();
    let (status, out) = call(&tc, ALICE, "PutKeyPolicy", &malformed(&lockout)).await;
    assert_eq!(status, 400);
    assert_eq!(out["__type"], "MalformedPolicyDocumentException");
    assert_eq!(
        out["message"].as_str().or(out["Message"].as_str()),
        Some("The new key policy will not allow you to update the key policy in the future.")
    );
    let (status, out) = call(&tc, ALICE, "CreateKey", &json!({"Policy": lockout})).await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("MalformedPolicyDocumentException"))
    );
    // Unchanged by the refusals: alice still manages the key.
    ok(&tc, ALICE, "DescribeKey", json!({"KeyId": id})).await;
    let mut bypass = malformed(&lockout);
    bypass["BypassPolicyLockoutSafetyCheck"] = json!(true);
    ok(&tc, ALICE, "PutKeyPolicy", bypass).await;
    let got = call(&tc, ALICE, "PutKeyPolicy", &malformed(&policy_with(&[]))).await;
    assert_denied(got, ALICE, "kms:PutKeyPolicy", &arn, "resource");
    // Carol, whom the new policy names, now manages it; a policy without her would lock her
    // out, which she may insist on.
    let (status, out) = call(&tc, CAROL, "PutKeyPolicy", &malformed(&policy_with(&[]))).await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("MalformedPolicyDocumentException"))
    );
    let mut back = malformed(&policy_with(&[]));
    back["BypassPolicyLockoutSafetyCheck"] = json!(true);
    ok(&tc, CAROL, "PutKeyPolicy", back).await;
    ok(&tc, ALICE, "GetKeyPolicy", json!({"KeyId": id})).await;
    tc.stop().await;
}
