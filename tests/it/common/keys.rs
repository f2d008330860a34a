//! Creating keys, reading them back (DescribeKey, ListKeys, ListResourceTags) and naming
//! them (aliases, tags), as every module's tests set them up.

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, OriginType, Tag};
use aws_sdk_kms::Client;

/// A symmetric AWS_KMS key; its bare id.
pub async fn new_key(c: &Client) -> String {
    c.create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("KeyMetadata")
        .key_id()
        .to_string()
}

/// A symmetric key with `origin`; returns (bare id, ARN).
pub async fn new_key_with(c: &Client, origin: OriginType) -> (String, String) {
    let out = c
        .create_key()
        .origin(origin)
        .send()
        .await
        .expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

/// A symmetric AWS_KMS key; returns (bare id, ARN).
pub async fn aws_kms_key(c: &Client) -> (String, String) {
    new_key_with(c, OriginType::AwsKms).await
}

/// A symmetric EXTERNAL key, PendingImport; returns (bare id, ARN).
pub async fn external_key(c: &Client) -> (String, String) {
    new_key_with(c, OriginType::External).await
}

/// A key of `spec`/`usage` with `origin`; returns (bare id, ARN).
pub async fn new_key_of(
    c: &Client,
    spec: KeySpec,
    usage: KeyUsageType,
    origin: OriginType,
) -> (String, String) {
    let out = c
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .origin(origin)
        .send()
        .await
        .expect("CreateKey");
    let md = out.key_metadata().expect("KeyMetadata");
    (md.key_id().to_string(), md.arn().expect("Arn").to_string())
}

/// DescribeKey's KeyMetadata.
pub async fn describe(c: &Client, id: &str) -> KeyMetadata {
    c.describe_key()
        .key_id(id)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .expect("KeyMetadata")
        .clone()
}

/// DescribeKey's KeyState.
pub async fn key_state(c: &Client, id: &str) -> KeyState {
    describe(c, id).await.key_state().expect("KeyState").clone()
}

/// DescribeKey's bare KeyId for any identifier (id, ARN, alias name or alias ARN).
pub async fn described_id(c: &Client, key_id: &str) -> String {
    describe(c, key_id).await.key_id().to_string()
}

/// DescribeKey's CurrentKeyMaterialId, if any.
pub async fn current_material_id(c: &Client, id: &str) -> Option<String> {
    describe(c, id)
        .await
        .current_key_material_id()
        .map(str::to_string)
}

/// DescribeKey's CurrentKeyMaterialId, which must be present.
pub async fn current_material(c: &Client, id: &str) -> String {
    current_material_id(c, id)
        .await
        .expect("CurrentKeyMaterialId")
}

/// The bare ids ListKeys shows (one page).
pub async fn listed_ids(c: &Client) -> Vec<String> {
    c.list_keys()
        .send()
        .await
        .expect("ListKeys")
        .keys()
        .iter()
        .map(|k| k.key_id().expect("KeyId").to_string())
        .collect()
}

/// CreateAlias, expecting success.
pub async fn create_alias(c: &Client, name: &str, target: &str) {
    c.create_alias()
        .alias_name(name)
        .target_key_id(target)
        .send()
        .await
        .expect("CreateAlias");
}

/// A tag.
pub fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().tag_key(k).tag_value(v).build().expect("Tag")
}

/// Owned (String, String) pairs, to compare with what a listing returns.
pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `len` lowercase hex digits.
pub fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// A KeyMaterialId (`BackingKeyIdType`): 64 lowercase hex digits.
pub fn is_key_material_id(s: &str) -> bool {
    is_lower_hex(s, 64)
}
