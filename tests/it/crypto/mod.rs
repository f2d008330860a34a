//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom
//! (contract §3.13, E-1 … E-13, §6.2 B-1 … B-6) through the SDK over real HTTP; a file per
//! family.

use aws_sdk_kms::Client;

mod data_keys;
mod dry_run;
mod re_encrypt;
mod refusals;
mod round_trip;

/// Creates a symmetric AWS_KMS key; returns (bare id, ARN, CurrentKeyMaterialId).
async fn symmetric_key(client: &Client) -> (String, String, String) {
    let out = client.create_key().send().await.expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (
        md.key_id().to_string(),
        md.arn().expect("Arn").to_string(),
        md.current_key_material_id()
            .expect("CurrentKeyMaterialId")
            .to_string(),
    )
}
