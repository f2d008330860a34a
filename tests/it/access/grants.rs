//! Issue 11, item 5: grants let their grantee call their operations under their constraints;
//! retired and revoked grants stop working; an explicit deny overrides a grant.

use serde_json::{json, Value};

use super::*;

const PT: &str = "aGVsbG8=";

async fn grant(
    tc: &TestCluster,
    key: &str,
    who: Who,
    ops: &[&str],
    constraints: Value,
) -> (String, String) {
    let mut body = json!({"KeyId": key, "GranteePrincipal": who.arn, "Operations": ops, "RetiringPrincipal": who.arn});
    if !constraints.is_null() {
        body["Constraints"] = constraints;
    }
    let out = ok(tc, ALICE, "CreateGrant", body).await;
    (
        out["GrantId"].as_str().unwrap().to_string(),
        out["GrantToken"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_grant_lets_its_grantee_in_under_its_constraints_until_retired() {
    let tc = start().await;
    // Only alice is in the key policy: carol has nothing but grants.
    let (id, arn) = key_by(&tc, ALICE, json!({"Policy": policy_with(&[])})).await;
    let enc = |ctx: Value| json!({"KeyId": id, "Plaintext": PT, "EncryptionContext": ctx});
    assert_denied(
        call(&tc, CAROL, "Encrypt", &enc(json!({"dept": "finance"}))).await,
        CAROL,
        "kms:Encrypt",
        &arn,
        "resource",
    );
    let (subset_id, token) = grant(
        &tc,
        &id,
        CAROL,
        &["Encrypt", "Decrypt"],
        json!({"EncryptionContextSubset": {"dept": "finance"}}),
    )
    .await;
    // With the grant token, at once; the constraint holds: a superset context (keys ignoring case).
    let mut with_token = enc(json!({"Dept": "finance", "app": "x"}));
    with_token["GrantTokens"] = json!([token]);
    let blob = ok(&tc, CAROL, "Encrypt", with_token).await["CiphertextBlob"].clone();
    let dec = json!({"CiphertextBlob": blob, "EncryptionContext": {"Dept": "finance", "app": "x"}});
    ok(&tc, CAROL, "Decrypt", dec.clone()).await;
    // The constraint fails: another value, or no context.
    assert_denied(
        call(&tc, CAROL, "Encrypt", &enc(json!({"dept": "sales"}))).await,
        CAROL,
        "kms:Encrypt",
        &arn,
        "resource",
    );
    assert_denied(
        call(
            &tc,
            CAROL,
            "Encrypt",
            &json!({"KeyId": id, "Plaintext": PT}),
        )
        .await,
        CAROL,
        "kms:Encrypt",
        &arn,
        "resource",
    );
    // Operations the grant does not list.
    assert_denied(
        call(
            &tc,
            CAROL,
            "GenerateDataKey",
            &json!({"KeyId": id, "KeySpec": "AES_256", "EncryptionContext": {"dept": "finance"}}),
        )
        .await,
        CAROL,
        "kms:GenerateDataKey",
        &arn,
        "resource",
    );
    // EncryptionContextEquals: exactly that context.
    let (_, _) = grant(
        &tc,
        &id,
        DAVE,
        &["GenerateDataKey"],
        json!({"EncryptionContextEquals": {"dept": "hr"}}),
    )
    .await;
    ok(
        &tc,
        DAVE,
        "GenerateDataKey",
        json!({"KeyId": id, "KeySpec": "AES_256", "EncryptionContext": {"dept": "hr"}}),
    )
    .await;
    assert_denied(call(&tc, DAVE, "GenerateDataKey", &json!({"KeyId": id, "KeySpec": "AES_256", "EncryptionContext": {"dept": "hr", "x": "y"}})).await, DAVE, "kms:GenerateDataKey", &arn, "resource");
    // Frank, named nowhere, may not retire carol's grant; carol (its retiring principal) may.
    // (Frank is of another account: he names the key by its ARN.)
    let retire = json!({"KeyId": arn, "GrantId": subset_id});
    assert_denied(
        call(&tc, FRANK, "RetireGrant", &retire).await,
        FRANK,
        "kms:RetireGrant",
        &arn,
        "identity",
    );
    ok(&tc, CAROL, "RetireGrant", retire).await;
    assert_denied(
        call(&tc, CAROL, "Decrypt", &dec).await,
        CAROL,
        "kms:Decrypt",
        &arn,
        "resource",
    );
    tc.stop().await;
}

#[tokio::test]
async fn revoked_grants_stop_and_a_deny_beats_a_grant_and_grants_cross_accounts() {
    let tc = start().await;
    let deny_erin_sign = json!({"Effect": "Deny", "Principal": {"AWS": CAROL.arn}, "Action": "kms:DescribeKey", "Resource": "*"});
    let (id, arn) = key_by(
        &tc,
        ALICE,
        json!({"Policy": policy_with(&[deny_erin_sign])}),
    )
    .await;
    // Bob, of another account, with a grant and no key-policy statement: by the key ARN.
    let (bob_grant, _) = grant(&tc, &id, BOB, &["Encrypt", "DescribeKey"], Value::Null).await;
    ok(&tc, BOB, "Encrypt", json!({"KeyId": arn, "Plaintext": PT})).await;
    ok(&tc, BOB, "DescribeKey", json!({"KeyId": arn})).await;
    // Revoked: gone at once.
    ok(
        &tc,
        ALICE,
        "RevokeGrant",
        json!({"KeyId": id, "GrantId": bob_grant}),
    )
    .await;
    assert_denied(
        call(&tc, BOB, "Encrypt", &json!({"KeyId": arn, "Plaintext": PT})).await,
        BOB,
        "kms:Encrypt",
        &arn,
        "resource",
    );
    // The key policy's deny wins over carol's grant.
    grant(&tc, &id, CAROL, &["DescribeKey"], Value::Null).await;
    assert_denied(
        call(&tc, CAROL, "DescribeKey", &json!({"KeyId": id})).await,
        CAROL,
        "kms:DescribeKey",
        &arn,
        "resource-deny",
    );
    tc.stop().await;
}
