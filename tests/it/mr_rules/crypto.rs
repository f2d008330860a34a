//! Decrypting across Regions and keys (E-6, E-8): a replica through an alias and the gateway,
//! and the same material in unrelated keys.

use aws_sdk_kms::types::OriginType;

use crate::common::mr::*;
use crate::common::*;
use crate::wrap::*;

#[tokio::test]
async fn e6_decrypt_in_the_replica_through_an_alias_and_the_gateway() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let set = byok_set(&tc, &[B]).await;
    let other = mrk(&b, OriginType::AwsKms).await;
    create_alias(&b, "alias/mr-b", &set.id).await;
    create_alias(&b, "alias/other-b", &other).await;
    let blob = encrypt(&a, &set.id, b"via alias").await;
    let alias_arn = format!("arn:aws:kms:{B}:{ACCOUNT}:alias/mr-b");
    let gw = tc.gateway_client(B);
    for (how, client, key_id) in [
        ("alias", &b, Some("alias/mr-b".to_string())),
        ("alias ARN", &b, Some(alias_arn.clone())),
        ("gateway, no KeyId", &gw, None),
        ("gateway, alias", &gw, Some("alias/mr-b".to_string())),
        ("gateway, B's ARN", &gw, Some(arn(B, &set.id))),
    ] {
        let out = client
            .decrypt()
            .ciphertext_blob(blob.clone())
            .set_key_id(key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{how}: {e:?}"));
        assert_eq!(out.plaintext().unwrap().as_ref(), b"via alias", "{how}");
        assert_eq!(out.key_id(), Some(arn(B, &set.id).as_str()), "{how}");
        assert_eq!(out.key_material_id(), Some(set.id1.as_str()), "{how}");
    }
    // An alias in B naming another key.
    let (code, msg) = err_code(
        b.decrypt()
            .ciphertext_blob(blob.clone())
            .key_id("alias/other-b")
            .send()
            .await,
    );
    assert_eq!(code, "IncorrectKeyException");
    msg_is(
        msg,
        "The key ID in the request does not identify a CMK that can perform this operation."
            .to_string(),
    );
    // A's ARN is not a key of B (W-44).
    let (code, msg) = err_code(
        gw.decrypt()
            .ciphertext_blob(blob.clone())
            .key_id(arn(A, &set.id))
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    msg_is(msg, format!("Invalid arn {A}"));
    // The alias is B's only (C-40).
    let (code, _) = err_code(a.describe_key().key_id("alias/mr-b").send().await);
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}

#[tokio::test]
async fn e8_same_material_in_unrelated_keys_does_not_interoperate() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let material = random_material(32);
    let mut keys = Vec::new();
    for _ in 0..2 {
        let id = mrk(&a, OriginType::External).await;
        let mid = material_id(import_material(&a, &id, &material, OAEP_256, RSA_2048, None).await);
        replicate(&a, &id, B).await;
        import_material(&b, &id, &material, OAEP_256, RSA_2048, None)
            .await
            .unwrap();
        keys.push((id, mid));
    }
    let ((k1, mid1), (k2, mid2)) = (keys[0].clone(), keys[1].clone());
    assert_ne!(mid1, mid2, "I-32: the id depends on the key");
    let blob = encrypt(&a, &k1, b"key one").await;
    for (region, client) in [(A, &a), (B, &b)] {
        let (code, msg) = err_code(
            client
                .decrypt()
                .ciphertext_blob(blob.clone())
                .key_id(&k2)
                .send()
                .await,
        );
        assert_eq!(code, "IncorrectKeyException", "{region}");
        msg_is(
            msg,
            "The key ID in the request does not identify a CMK that can perform this operation."
                .to_string(),
        );
        // Without KeyId the blob names its own key.
        let out = client
            .decrypt()
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.key_id(), Some(arn(region, &k1).as_str()));
        assert_eq!(out.plaintext().unwrap().as_ref(), b"key one");
    }
    tc.stop().await;
}
