//! `GrantTokens` on the operations that take them: W-35 list checks, and only tokens this
//! Region issued are accepted.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    GrantOperation as Op, KeySpec, KeyUsageType, OriginType, SigningAlgorithmSpec,
};

use super::*;
use crate::common::*;

#[tokio::test]
async fn live_token_is_accepted_on_encrypt_decrypt_describe_and_more() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let (_, token) = grant(&c, &id, &[Op::Encrypt, Op::Decrypt, Op::DescribeKey]).await;
    let enc = c
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(b"hello".to_vec()))
        .grant_tokens(&token)
        .send()
        .await
        .expect("Encrypt with a grant token");
    let dec = c
        .decrypt()
        .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
        .grant_tokens(&token)
        .grant_tokens(&token)
        .send()
        .await
        .expect("Decrypt with grant tokens");
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"hello");
    c.describe_key()
        .key_id(&id)
        .grant_tokens(&token)
        .send()
        .await
        .unwrap();
    c.generate_data_key()
        .key_id(&id)
        .number_of_bytes(32)
        .grant_tokens(&token)
        .send()
        .await
        .unwrap();
    c.re_encrypt()
        .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
        .destination_key_id(&id)
        .grant_tokens(&token)
        .send()
        .await
        .unwrap();
    // Ten tokens is the most, and fine.
    let ten = vec![token.clone(); 10];
    c.describe_key()
        .key_id(&id)
        .set_grant_tokens(Some(ten))
        .send()
        .await
        .unwrap();
    // A token is only well-formed-or-not: after the grant is retired it is still accepted
    // (kmsim enforces no grant yet) [CHOICE].
    c.retire_grant().grant_token(&token).send().await.unwrap();
    c.describe_key()
        .key_id(&id)
        .grant_tokens(&token)
        .send()
        .await
        .unwrap();
    tc.stop().await;
}

#[tokio::test]
async fn token_list_and_members_are_validated_w35() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let (_, token) = grant(&c, &id, &[Op::Encrypt]).await;
    let encrypt = |tokens: Vec<String>| {
        c.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"x".to_vec()))
            .set_grant_tokens(Some(tokens))
            .send()
    };
    let eleven = vec!["t".to_string(); 11];
    let (code, msg) = err_code(encrypt(eleven).await);
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        format!(
            "1 validation error detected: Value '[{}]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10",
            ["t"; 11].join(", ")
        ),
    );
    // Element constraints of a list are reported for the list, AWS's nested form [CHOICE in
    // protocol::validate].
    let element_rules = "Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]";
    let (code, msg) = err_code(encrypt(vec![token.clone(), String::new()]).await);
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        format!("1 validation error detected: Value '[{token}, ]' at 'grantTokens' failed to satisfy constraint: {element_rules}"),
    );
    let long = "A".repeat(8193);
    let (code, msg) = err_code(encrypt(vec![long.clone()]).await);
    assert_eq!(code, "ValidationException");
    msg_is(
        msg,
        format!("1 validation error detected: Value '[{long}]' at 'grantTokens' failed to satisfy constraint: {element_rules}"),
    );
    // An 8192-character token is the right length but not one kmsim issued.
    let (code, _) = err_code(encrypt(vec!["A".repeat(8192)]).await);
    assert_eq!(code, "InvalidGrantTokenException");
    tc.stop().await;
}

#[tokio::test]
async fn unknown_or_altered_tokens_are_invalid_grant_tokens() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let (_, token) = grant(&c, &id, &[Op::Encrypt]).await;
    let mut altered = token.clone().into_bytes();
    let i = altered.len() / 2;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in ["not-a-token", altered.as_str(), &token[..token.len() - 1]] {
        let (code, msg) = err_code(
            c.encrypt()
                .key_id(&id)
                .plaintext(Blob::new(b"x".to_vec()))
                .grant_tokens(&token)
                .grant_tokens(bad)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidGrantTokenException");
        msg_is(msg, "Invalid grant token.".into());
        let (code, _) = err_code(c.describe_key().key_id(&id).grant_tokens(bad).send().await);
        assert_eq!(code, "InvalidGrantTokenException");
        let (code, _) = err_code(
            c.generate_data_key_without_plaintext()
                .key_id(&id)
                .number_of_bytes(16)
                .grant_tokens(bad)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidGrantTokenException");
        let (code, _) = err_code(
            c.create_grant()
                .key_id(&id)
                .grantee_principal(ROLE)
                .operations(Op::Encrypt)
                .grant_tokens(bad)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidGrantTokenException");
        let (code, _) = err_code(c.retire_grant().grant_token(bad).send().await);
        assert_eq!(code, "InvalidGrantTokenException");
    }
    // Sign and GetPublicKey check tokens too.
    let (sid, _) = new_key_of(
        &c,
        KeySpec::EccNistP256,
        KeyUsageType::SignVerify,
        OriginType::AwsKms,
    )
    .await;
    let (code, _) = err_code(
        c.sign()
            .key_id(&sid)
            .message(Blob::new(b"m".to_vec()))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .grant_tokens("bogus")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidGrantTokenException");
    let (code, _) = err_code(
        c.get_public_key()
            .key_id(&sid)
            .grant_tokens("bogus")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidGrantTokenException");
    tc.stop().await;
}
