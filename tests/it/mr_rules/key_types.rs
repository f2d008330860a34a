//! Multi-Region keys that are not symmetric: an ECC signing key and an HMAC key, whose
//! replicas hold the primary's material.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType, SigningAlgorithmSpec,
};

use crate::common::mr::*;
use crate::common::*;

#[tokio::test]
async fn asymmetric_replica_has_the_same_public_key_and_verifies_signatures() {
    use p256::ecdsa::signature::Verifier;
    use p256::pkcs8::DecodePublicKey;
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = a
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    replicate(&a, &id, B).await;
    let bmd = describe(&b, &id).await;
    assert_eq!(bmd.key_state(), Some(&KeyState::Enabled));
    assert_eq!(bmd.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(bmd.key_usage(), Some(&KeyUsageType::SignVerify));
    assert_eq!(
        bmd.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
    assert!(bmd.current_key_material_id().is_none(), "C-20");
    let (pk_a, pk_b) = (public_key(&a, &id).await, public_key(&b, &id).await);
    assert_eq!(pk_a, pk_b);
    let message = b"signed in one Region, verified in another".to_vec();
    for (signer, verifier) in [(&a, &b), (&b, &a)] {
        let sig = signer
            .sign()
            .key_id(&id)
            .message(Blob::new(message.clone()))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .unwrap()
            .signature()
            .unwrap()
            .clone();
        let ok = verifier
            .verify()
            .key_id(&id)
            .message(Blob::new(message.clone()))
            .message_type(MessageType::Raw)
            .signature(sig.clone())
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .unwrap();
        assert!(ok.signature_valid());
        // And independently of the server.
        let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&pk_a).expect("P-256 SPKI");
        let sig = p256::ecdsa::Signature::from_der(sig.as_ref()).expect("DER signature");
        vk.verify(&message, &sig).expect("valid ECDSA signature");
    }
    tc.stop().await;
}

#[tokio::test]
async fn hmac_replica_verifies_macs_of_the_primary() {
    let tc = TestCluster::start().await;
    let (a, b) = (tc.client(A), tc.client(B));
    let id = a
        .create_key()
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    replicate(&a, &id, B).await;
    let message = Blob::new(b"mac me".to_vec());
    let mac = |c| generate_mac(c, &id, MacAlgorithmSpec::HmacSha256, message.as_ref());
    let (mac_a, mac_b) = (mac(&a).await, mac(&b).await);
    assert_eq!(mac_a, mac_b, "the same key material in both Regions");
    let ok = b
        .verify_mac()
        .key_id(&id)
        .message(message.clone())
        .mac(Blob::new(mac_a.clone()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert!(ok.mac_valid());
    let mut bad = mac_a;
    bad[0] ^= 1;
    let (code, _) = err_code(
        b.verify_mac()
            .key_id(&id)
            .message(message)
            .mac(Blob::new(bad))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidMacException");
    tc.stop().await;
}
