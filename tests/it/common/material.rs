//! Ciphertext, public keys, MACs and key material: Encrypt/Decrypt round trips,
//! GetPublicKey, GenerateMac and ListKeyRotations, the way the tests of every module use them.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    IncludeKeyMaterial, KeyMaterialState, MacAlgorithmSpec, RotationsListEntry,
};
use aws_sdk_kms::Client;

use super::err_code;

/// Encrypts `plaintext` under `id` and returns the blob.
pub async fn encrypt(c: &Client, id: &str, plaintext: &[u8]) -> Blob {
    c.encrypt()
        .key_id(id)
        .plaintext(Blob::new(plaintext.to_vec()))
        .send()
        .await
        .expect("Encrypt")
        .ciphertext_blob()
        .expect("CiphertextBlob")
        .clone()
}

/// Decrypts `blob` (no KeyId) and returns (plaintext, KeyMaterialId if any).
pub async fn decrypt(c: &Client, blob: &Blob) -> (Vec<u8>, Option<String>) {
    let out = c
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .expect("Decrypt");
    (
        out.plaintext().expect("Plaintext").as_ref().to_vec(),
        out.key_material_id().map(str::to_string),
    )
}

/// Decrypts `blob` (no KeyId) of a symmetric key and returns (plaintext, KeyMaterialId),
/// which must be present.
pub async fn decrypt_with_material(c: &Client, blob: Blob) -> (Vec<u8>, String) {
    let (plain, mid) = decrypt(c, &blob).await;
    (plain, mid.expect("KeyMaterialId"))
}

/// E-1: Encrypt on a PendingImport key is refused with "<ARN> is pending import.".
pub async fn assert_encrypt_pending_import(c: &Client, id: &str, key_arn: &str) {
    let (code, msg) = err_code(
        c.encrypt()
            .key_id(id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
    );
    assert_eq!(code, "KMSInvalidStateException");
    assert_eq!(msg.unwrap(), format!("{key_arn} is pending import."));
}

/// GetPublicKey's DER SubjectPublicKeyInfo.
pub async fn public_key(c: &Client, id: &str) -> Vec<u8> {
    c.get_public_key()
        .key_id(id)
        .send()
        .await
        .expect("GetPublicKey")
        .public_key()
        .expect("PublicKey")
        .as_ref()
        .to_vec()
}

/// GenerateMac of `msg` with `alg`; the MAC.
pub async fn generate_mac(c: &Client, id: &str, alg: MacAlgorithmSpec, msg: &[u8]) -> Vec<u8> {
    c.generate_mac()
        .key_id(id)
        .message(Blob::new(msg.to_vec()))
        .mac_algorithm(alg)
        .send()
        .await
        .expect("GenerateMac")
        .mac()
        .expect("Mac")
        .as_ref()
        .to_vec()
}

/// ListKeyRotations with ALL_KEY_MATERIAL (one page).
pub async fn rotations(c: &Client, id: &str) -> Vec<RotationsListEntry> {
    c.list_key_rotations()
        .key_id(id)
        .include_key_material(IncludeKeyMaterial::AllKeyMaterial)
        .send()
        .await
        .expect("ListKeyRotations")
        .rotations()
        .to_vec()
}

/// ListKeyRotations with `include` (None: the member is left out), which must fit one page:
/// not truncated and no NextMarker.
pub async fn list_rotations(
    c: &Client,
    id: &str,
    include: Option<IncludeKeyMaterial>,
) -> Vec<RotationsListEntry> {
    let out = c
        .list_key_rotations()
        .key_id(id)
        .set_include_key_material(include)
        .send()
        .await
        .expect("ListKeyRotations");
    assert!(!out.truncated());
    assert_eq!(out.next_marker(), None);
    out.rotations().to_vec()
}

/// The ListKeyRotations (ALL_KEY_MATERIAL) entry of material `mid`.
pub async fn entry(c: &Client, id: &str, mid: &str) -> RotationsListEntry {
    rotations(c, id)
        .await
        .into_iter()
        .find(|e| e.key_material_id() == Some(mid))
        .unwrap_or_else(|| panic!("material {mid} not listed"))
}

/// The KeyMaterialState of material `mid`.
pub async fn material_state(c: &Client, id: &str, mid: &str) -> KeyMaterialState {
    entry(c, id, mid)
        .await
        .key_material_state()
        .expect("KeyMaterialState")
        .clone()
}
