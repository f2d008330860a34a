//! Issue 11, item 3: keys belong to the account that created them; another account's key is
//! used by its ARN where AWS allows it and both accounts' policies allow; aliases never cross.

use serde_json::json;

use super::*;

const PT: &str = "aGVsbG8=";

#[tokio::test]
async fn keys_belong_to_their_account_and_cross_by_arn_only_where_both_policies_allow() {
    let tc = start().await;
    let (bob_id, bob_arn) = key_by(&tc, BOB, json!({})).await;
    assert_eq!(
        bob_arn,
        format!("arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/{bob_id}")
    );
    let d = ok(&tc, BOB, "DescribeKey", json!({"KeyId": bob_id})).await;
    assert_eq!(d["KeyMetadata"]["AWSAccountId"], OTHER_ACCOUNT);
    let (alice_id, _) = key_by(&tc, ALICE, json!({})).await;
    // ListKeys lists the caller's account only.
    let ids = |v: serde_json::Value| -> Vec<String> {
        v["Keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["KeyId"].as_str().unwrap().to_string())
            .collect()
    };
    let alice_keys = ids(ok(&tc, ALICE, "ListKeys", json!({})).await);
    assert!(alice_keys.contains(&alice_id) && !alice_keys.contains(&bob_id));
    assert_eq!(
        ids(ok(&tc, BOB, "ListKeys", json!({})).await),
        vec![bob_id.clone()]
    );
    // A bare key id never reaches another account's key.
    let (status, out) = call(&tc, ALICE, "DescribeKey", &json!({"KeyId": bob_id})).await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("NotFoundException"))
    );
    // By ARN: bob's default policy names only his own account.
    let got = call(&tc, ALICE, "DescribeKey", &json!({"KeyId": bob_arn})).await;
    assert_denied(got, ALICE, "kms:DescribeKey", &bob_arn, "resource");
    // Bob lets account 111122223333 use the key.
    let policy = json!({"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{OTHER_ACCOUNT}:root")},"Action":"kms:*","Resource":"*"},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey","kms:ScheduleKeyDeletion"],"Resource":"*"}
    ]}).to_string();
    ok(
        &tc,
        BOB,
        "PutKeyPolicy",
        json!({"KeyId": bob_id, "PolicyName": "default", "Policy": policy}),
    )
    .await;
    let blob = ok(
        &tc,
        ALICE,
        "Encrypt",
        json!({"KeyId": bob_arn, "Plaintext": PT}),
    )
    .await["CiphertextBlob"]
        .clone();
    let out = ok(&tc, ALICE, "Decrypt", json!({"CiphertextBlob": blob})).await;
    assert_eq!(out["KeyId"], bob_arn);
    // Both policies must allow: dave's identity policy allows Encrypt but not Decrypt.
    ok(
        &tc,
        DAVE,
        "Encrypt",
        json!({"KeyId": bob_arn, "Plaintext": PT}),
    )
    .await;
    let got = call(&tc, DAVE, "Decrypt", &json!({"CiphertextBlob": blob})).await;
    assert_denied(got, DAVE, "kms:Decrypt", &bob_arn, "identity");
    // Not a cross-account operation: as if the key did not exist, whatever the policy says.
    let (status, out) = call(
        &tc,
        ALICE,
        "ScheduleKeyDeletion",
        &json!({"KeyId": bob_arn}),
    )
    .await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("NotFoundException")),
        "{out}"
    );
    ok(&tc, BOB, "DescribeKey", json!({"KeyId": bob_id})).await;
    // Through the SDK, with the key ARN.
    let sdk = client(&tc, ALICE, REGION);
    let meta = sdk.describe_key().key_id(&bob_arn).send().await.unwrap();
    assert_eq!(
        meta.key_metadata().unwrap().aws_account_id(),
        Some(OTHER_ACCOUNT)
    );
    tc.stop().await;
}

#[tokio::test]
async fn alias_names_never_cross_accounts() {
    let tc = start().await;
    let (alice_id, _) = key_by(&tc, ALICE, json!({})).await;
    let (bob_id, _) = key_by(&tc, BOB, json!({})).await;
    // The same name in both accounts, each its own.
    ok(
        &tc,
        ALICE,
        "CreateAlias",
        json!({"AliasName": "alias/shared", "TargetKeyId": alice_id}),
    )
    .await;
    ok(
        &tc,
        BOB,
        "CreateAlias",
        json!({"AliasName": "alias/shared", "TargetKeyId": bob_id}),
    )
    .await;
    let a = ok(&tc, ALICE, "DescribeKey", json!({"KeyId": "alias/shared"})).await;
    assert_eq!(a["KeyMetadata"]["KeyId"], alice_id.as_str());
    let b = ok(&tc, BOB, "DescribeKey", json!({"KeyId": "alias/shared"})).await;
    assert_eq!(b["KeyMetadata"]["KeyId"], bob_id.as_str());
    let listed = ok(&tc, BOB, "ListAliases", json!({})).await;
    let names: Vec<_> = listed["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AliasName"].clone(),
                a["AliasArn"].clone(),
                a["TargetKeyId"].clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![(
            json!("alias/shared"),
            json!(format!("arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:alias/shared")),
            json!(bob_id)
        )]
    );
    // ListAliases is not a cross-account operation.
    let bob_arn = format!("arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/{bob_id}");
    let (status, out) = call(&tc, ALICE, "ListAliases", &json!({"KeyId": bob_arn})).await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("NotFoundException")),
        "{out}"
    );
    // Another account's alias ARN is never followed, even where its key would be.
    let bob_alias = format!("arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:alias/shared");
    let (status, out) = call(&tc, ALICE, "DescribeKey", &json!({"KeyId": bob_alias})).await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("NotFoundException")),
        "{out}"
    );
    // A key id of another account cannot be an alias target.
    let (status, out) = call(
        &tc,
        ALICE,
        "CreateAlias",
        &json!({"AliasName": "alias/other", "TargetKeyId": bob_id}),
    )
    .await;
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("NotFoundException")),
        "{out}"
    );
    // Deleting alice's alias leaves bob's.
    ok(
        &tc,
        ALICE,
        "DeleteAlias",
        json!({"AliasName": "alias/shared"}),
    )
    .await;
    ok(&tc, BOB, "DescribeKey", json!({"KeyId": "alias/shared"})).await;
    tc.stop().await;
}
