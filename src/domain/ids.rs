//! Key ids, ARNs and alias names (contract §1.5, W-13, W-40 … W-42).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// W-13: the partition of a Region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, else `aws`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// W-41: `arn:<partition>:kms:<region>:<account>:key/<key-id>`.
pub fn key_arn(region: &str, account: &str, key_id: &str) -> String {
    format!(
        "arn:{}:kms:{region}:{account}:key/{key_id}",
        partition(region)
    )
}

/// W-41: `arn:<partition>:kms:<region>:<account>:alias/<name-without-prefix>`; `alias_name`
/// includes the `alias/` prefix.
pub fn alias_arn(region: &str, account: &str, alias_name: &str) -> String {
    format!(
        "arn:{}:kms:{region}:{account}:{alias_name}",
        partition(region)
    )
}

/// The account field of an ARN (`arn:partition:service:region:ACCOUNT:resource`), `""` if
/// `arn` has none.
pub fn arn_account(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or("")
}

/// W-40: a new single-Region key id, a lowercase v4 UUID.
pub fn new_single_region_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// W-40: a new multi-Region key id, `mrk-` and 32 lowercase hex characters.
pub fn new_multi_region_id() -> String {
    let mut b = [0u8; 16];
    // A failure of the system RNG is unrecoverable for a key service; fall back to a UUID's
    // randomness rather than panic.
    if SystemRandom::new().fill(&mut b).is_err() {
        b = *uuid::Uuid::new_v4().as_bytes();
    }
    format!("mrk-{}", hex::encode(b))
}

/// W-40: whether `s` has the shape of a key id (UUID `8-4-4-4-12` hex, or `mrk-` + 32 hex).
/// Upper-case hex is accepted as AWS does; lookups then fail with `NotFoundException`.
pub fn is_key_id_shape(s: &str) -> bool {
    if let Some(rest) = s.strip_prefix("mrk-") {
        return rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// A parsed ARN (W-44 step 1). Only `kms` ARNs with six `:`-separated fields parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsArn {
    /// Region field.
    pub region: String,
    /// Account field.
    pub account: String,
    /// What the ARN names.
    pub resource: ArnResource,
}

/// The resource part of a KMS ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnResource {
    /// `key/<id>`
    Key(String),
    /// `alias/<name>`; the value keeps the `alias/` prefix.
    Alias(String),
}

impl KmsArn {
    /// Parses `arn:<partition>:kms:<region>:<account>:<resource>`; `None` if it is not a KMS
    /// key or alias ARN (→ `InvalidArnException`).
    pub fn parse(s: &str) -> Option<KmsArn> {
        let mut parts = s.splitn(6, ':');
        let (arn, _partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if arn != "arn" || service != "kms" || region.is_empty() || account.is_empty() {
            return None;
        }
        let resource = if let Some(id) = resource.strip_prefix("key/") {
            ArnResource::Key(id.to_string())
        } else if resource.starts_with("alias/") {
            ArnResource::Alias(resource.to_string())
        } else {
            return None;
        };
        Some(KmsArn {
            region: region.to_string(),
            account: account.to_string(),
            resource,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_aws_shapes() {
        let s = new_single_region_id();
        assert!(is_key_id_shape(&s), "{s}");
        let m = new_multi_region_id();
        assert!(
            m.starts_with("mrk-") && m.len() == 36 && is_key_id_shape(&m),
            "{m}"
        );
        assert!(!is_key_id_shape("fake-key-id"));
        assert!(!is_key_id_shape("mrk-fake-key-id"));
        assert!(!is_key_id_shape("0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn arns_use_the_regions_partition() {
        assert_eq!(
            key_arn("cn-north-1", "111122223333", "k"),
            "arn:aws-cn:kms:cn-north-1:111122223333:key/k"
        );
        assert_eq!(
            alias_arn("us-east-1", "111122223333", "alias/x"),
            "arn:aws:kms:us-east-1:111122223333:alias/x"
        );
    }

    #[test]
    fn arn_parse() {
        let a = KmsArn::parse("arn:aws:kms:eu-west-1:111122223333:key/abc").unwrap();
        assert_eq!(a.region, "eu-west-1");
        assert_eq!(a.resource, ArnResource::Key("abc".into()));
        let a = KmsArn::parse("arn:aws:kms:eu-west-1:111122223333:alias/a/b").unwrap();
        assert_eq!(a.resource, ArnResource::Alias("alias/a/b".into()));
        assert!(KmsArn::parse("arn:aws:s3:eu-west-1:111122223333:key/abc").is_none());
        assert!(KmsArn::parse("arn:aws:kms:eu-west-1").is_none());
    }
}
