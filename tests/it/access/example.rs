//! The README's access-control example, end to end: the admin's key with the default key
//! policy, the least-privilege app role, and the partner account by key ARN.

use serde_json::json;

use super::*;

const ADMIN: Who = Who {
    key: "AKIAADMIN00000000001",
    secret: "admin-secret-key-0123456789",
    token: None,
    arn: "arn:aws:iam::111122223333:user/admin",
};
const APP: Who = Who {
    key: "AKIAAPP0000000000002",
    secret: "app-secret-key-0123456789",
    token: None,
    arn: "arn:aws:iam::111122223333:role/app",
};
const PARTNER: Who = Who {
    key: "ASIAPARTNER000000003",
    secret: "partner-secret-key-0123456789",
    token: Some("partner-session-token"),
    arn: "arn:aws:iam::444455556666:role/partner",
};

#[tokio::test]
async fn the_readme_example_behaves_as_described() {
    let tc = start_example().await;
    let (id, arn) = key_by(&tc, ADMIN, json!({})).await;
    let enc = |ctx: serde_json::Value| json!({"KeyId": id, "Plaintext": "aGk=", "EncryptionContext": ctx});
    let blob =
        ok(&tc, APP, "Encrypt", enc(json!({"app": "orders"}))).await["CiphertextBlob"].clone();
    ok(
        &tc,
        APP,
        "Decrypt",
        json!({"CiphertextBlob": blob, "EncryptionContext": {"app": "orders"}}),
    )
    .await;
    assert_denied(
        call(&tc, APP, "Encrypt", &enc(json!({"app": "billing"}))).await,
        APP,
        "kms:Encrypt",
        &arn,
        "identity",
    );
    assert_denied(
        call(&tc, APP, "DescribeKey", &json!({"KeyId": id})).await,
        APP,
        "kms:DescribeKey",
        &arn,
        "identity",
    );
    assert_denied(
        call(&tc, APP, "CreateKey", &json!({})).await,
        APP,
        "kms:CreateKey",
        "*",
        "identity",
    );
    // The partner: refused by ARN until a key policy statement names its account.
    assert_denied(
        call(
            &tc,
            PARTNER,
            "Encrypt",
            &json!({"KeyId": arn, "Plaintext": "aGk="}),
        )
        .await,
        PARTNER,
        "kms:Encrypt",
        &arn,
        "resource",
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}
    ]});
    ok(
        &tc,
        ADMIN,
        "PutKeyPolicy",
        json!({"KeyId": id, "PolicyName": "default", "Policy": policy.to_string()}),
    )
    .await;
    ok(
        &tc,
        PARTNER,
        "Encrypt",
        json!({"KeyId": arn, "Plaintext": "aGk="}),
    )
    .await;
    tc.stop().await;
}
