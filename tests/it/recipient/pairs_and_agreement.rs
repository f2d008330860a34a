//! `Recipient` on GenerateDataKeyPair and DeriveSharedSecret: the private key (or the shared
//! secret) comes back only inside `CiphertextForRecipient`, which the enclave's key opens
//! independently of the server; everything else in the response is as without a recipient.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeyPairSpec, KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey};

use super::*;
use crate::common::*;

/// GenerateDataKeyPair: no `PrivateKeyPlaintext`; the envelope opens to a PKCS#8 private key
/// whose public key is the returned one, and which equals KMS Decrypt of the encrypted copy.
#[tokio::test]
async fn generate_data_key_pair_sends_the_private_key_only_to_the_recipient() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let id = new_key(&c).await;
    let out = c
        .generate_data_key_pair()
        .key_id(&id)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .recipient(recipient())
        .send()
        .await
        .expect("GenerateDataKeyPair with Recipient");
    assert!(
        out.private_key_plaintext().is_none(),
        "no PrivateKeyPlaintext"
    );
    let pkcs8 = open(out.ciphertext_for_recipient().expect("envelope").as_ref());
    let secret = p256::SecretKey::from_pkcs8_der(&pkcs8).expect("a P-256 PKCS#8 key");
    let spki = secret
        .public_key()
        .to_public_key_der()
        .expect("SPKI")
        .as_bytes()
        .to_vec();
    assert_eq!(
        out.public_key().expect("PublicKey").as_ref(),
        spki.as_slice()
    );
    let decrypted = c
        .decrypt()
        .ciphertext_blob(out.private_key_ciphertext_blob().expect("blob").clone())
        .send()
        .await
        .expect("Decrypt")
        .plaintext
        .expect("plaintext");
    assert_eq!(decrypted.as_ref(), pkcs8.as_slice());
    tc.stop().await;
}

/// DeriveSharedSecret: no `SharedSecret`; the envelope opens to the ECDH secret the peer
/// computes locally (RustCrypto `p256`) with the KMS key's public key.
#[tokio::test]
async fn derive_shared_secret_sends_the_secret_only_to_the_recipient() {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let md = c
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::KeyAgreement)
        .send()
        .await
        .expect("CreateKey")
        .key_metadata
        .expect("md");
    let kms_public = c
        .get_public_key()
        .key_id(&md.key_id)
        .send()
        .await
        .expect("GetPublicKey")
        .public_key
        .expect("key");
    let kms_public = p256::PublicKey::from_public_key_der(kms_public.as_ref()).expect("SPKI");
    let peer = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let peer_spki = peer.public_key().to_public_key_der().expect("SPKI");
    let out = c
        .derive_shared_secret()
        .key_id(&md.key_id)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(peer_spki.as_bytes().to_vec()))
        .recipient(recipient())
        .send()
        .await
        .expect("DeriveSharedSecret with Recipient");
    assert!(out.shared_secret().is_none(), "no SharedSecret");
    let local = p256::ecdh::diffie_hellman(peer.to_nonzero_scalar(), kms_public.as_affine());
    let opened = open(out.ciphertext_for_recipient().expect("envelope").as_ref());
    assert_eq!(opened.as_slice(), local.raw_secret_bytes().as_slice());
    tc.stop().await;
}
