//! The shortest path through the cluster: CreateKey, Encrypt and Decrypt on a Region port and
//! through the gateway.

use aws_sdk_kms::primitives::Blob;

use crate::common::*;

#[tokio::test]
async fn create_encrypt_decrypt_through_region_port_and_gateway() {
    let tc = TestCluster::start().await;
    for client in [tc.client("eu-west-1"), tc.gateway_client("eu-west-1")] {
        let key = client.create_key().send().await.unwrap();
        let md = key.key_metadata().unwrap();
        assert!(md.arn().unwrap().contains(":eu-west-1:"));
        let id = md.key_id();
        let enc = client
            .encrypt()
            .key_id(id)
            .plaintext(Blob::new(b"hello".to_vec()))
            .send()
            .await
            .unwrap();
        let dec = client
            .decrypt()
            .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"hello");
        assert_eq!(dec.key_id().unwrap(), arn("eu-west-1", id));
        assert_eq!(
            dec.key_material_id().unwrap(),
            md.current_key_material_id().unwrap()
        );
    }
    // A key made in eu-west-1 is not visible in us-east-1.
    let (code, _) = err_code(
        tc.client("us-east-1")
            .describe_key()
            .key_id("alias/none")
            .send()
            .await,
    );
    assert_eq!(code, "NotFoundException");
    tc.stop().await;
}
