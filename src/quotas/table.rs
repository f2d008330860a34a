//! AWS's published request quotas, read from `data/kms-quotas.toml` (one cited data file,
//! embedded in the binary): shared quotas of the cryptographic operations by key type, with
//! their Region-specific values, and per-operation quotas of the other APIs.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use wildmatch::WildMatch;

/// The quota table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Shared quotas, by name (`symmetric`, `rsa`, `ecc`, `hmac`, …).
    shared: BTreeMap<String, Shared>,
    /// GenerateDataKeyPair(WithoutPlaintext) quotas, by key pair spec.
    data_key_pair: BTreeMap<String, f64>,
    /// State changes of one key ("hot key").
    hot_key: HotKey,
    /// Per-operation quotas, by operation name.
    operation: BTreeMap<String, f64>,
}

/// The per-key quota of state changes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotKey {
    /// Changes a second, sustained.
    pub rate: f64,
    /// Changes at once.
    pub burst: f64,
    /// The operations that change a key's state.
    operations: Vec<String>,
}

/// The quota name of GenerateDataKeyPair(WithoutPlaintext) for key pair spec `spec`.
pub fn data_key_pair_quota(spec: &str) -> String {
    format!("GenerateDataKeyPair ({spec})")
}

/// One shared quota: the operations that count against it, for keys whose spec matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shared {
    /// Requests per second where no Region-specific value is listed.
    default: f64,
    /// Region-specific values.
    #[serde(default)]
    regions: BTreeMap<String, f64>,
    /// The operations that share it.
    operations: Vec<String>,
    /// Key specs it applies to (`*` wildcards), e.g. `RSA_*`.
    key_specs: Vec<String>,
}

static AWS: LazyLock<Table> = LazyLock::new(|| {
    toml::from_str(include_str!("../../data/kms-quotas.toml"))
        .expect("data/kms-quotas.toml parses (checked by a unit test)")
});

impl Table {
    /// AWS's table.
    pub fn aws() -> &'static Table {
        &AWS
    }

    /// Whether `name` is a quota of the table.
    pub fn knows(&self, name: &str) -> bool {
        self.rate(name, "").is_some()
    }

    /// The rate of quota `name` in `region`, requests per second.
    pub fn rate(&self, name: &str, region: &str) -> Option<f64> {
        if let Some(s) = self.shared.get(name) {
            return Some(*s.regions.get(region).unwrap_or(&s.default));
        }
        if let Some(spec) = name
            .strip_prefix("GenerateDataKeyPair (")
            .and_then(|r| r.strip_suffix(')'))
        {
            return self.data_key_pair.get(spec).copied();
        }
        self.operation.get(name).copied()
    }

    /// The per-key state-change quota, if `op` changes a key's state.
    pub fn hot_key(&self, op: &str) -> Option<&HotKey> {
        self.hot_key
            .operations
            .iter()
            .any(|o| o == op)
            .then_some(&self.hot_key)
    }

    /// Whether `op` counts against a shared quota (and so needs its key's spec).
    pub fn is_shared(&self, op: &str) -> bool {
        self.shared
            .values()
            .any(|s| s.operations.iter().any(|o| o == op))
    }

    /// The quota `op` on a key of spec `spec` counts against: for GenerateDataKeyPair* the
    /// quota of the requested `pair_spec`; the shared quota listing `op` for the key's spec;
    /// for a key that cannot be found (`spec` `None`), the one for SYMMETRIC_DEFAULT
    /// [CHOICE]; otherwise the operation's own quota, if the table has one.
    pub fn quota_of(
        &self,
        op: &str,
        spec: Option<&str>,
        pair_spec: Option<&str>,
    ) -> Option<String> {
        if matches!(
            op,
            "GenerateDataKeyPair" | "GenerateDataKeyPairWithoutPlaintext"
        ) {
            return pair_spec
                .filter(|s| self.data_key_pair.contains_key(*s))
                .map(data_key_pair_quota);
        }
        let spec = spec.unwrap_or("SYMMETRIC_DEFAULT");
        let shared = self.shared.iter().find(|(_, s)| {
            s.operations.iter().any(|o| o == op)
                && s.key_specs.iter().any(|p| WildMatch::new(p).matches(spec))
        });
        match shared {
            Some((name, _)) => Some(name.clone()),
            None => self.operation.contains_key(op).then(|| op.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_and_names_only_real_operations() {
        let t = Table::aws();
        let known = |op: &str| crate::model::Operation::parse(op).is_some();
        for (name, s) in &t.shared {
            assert!(s.default > 0.0, "{name}");
            for op in &s.operations {
                assert!(known(op), "shared.{name}: {op}");
            }
        }
        for op in t.operation.keys().chain(&t.hot_key.operations) {
            assert!(known(op), "operation.{op}");
        }
    }

    #[test]
    fn crypto_operations_count_by_key_type_and_region() {
        let t = Table::aws();
        let q = |op, spec| t.quota_of(op, spec, None);
        assert_eq!(
            q("Encrypt", Some("SYMMETRIC_DEFAULT")).as_deref(),
            Some("symmetric")
        );
        assert_eq!(q("Decrypt", Some("RSA_2048")).as_deref(), Some("rsa"));
        assert_eq!(q("Sign", Some("ECC_NIST_P256")).as_deref(), Some("ecc"));
        assert_eq!(q("Sign", Some("ML_DSA_44")).as_deref(), Some("ml_dsa"));
        assert_eq!(
            q("GenerateMac", Some("HMAC_256")).as_deref(),
            Some("symmetric")
        );
        assert_eq!(q("Encrypt", None).as_deref(), Some("symmetric"));
        assert_eq!(q("CreateKey", None).as_deref(), Some("CreateKey"));
        assert_eq!(q("Encapsulate", Some("ML_KEM_768")), None);
        let pair = t.quota_of(
            "GenerateDataKeyPairWithoutPlaintext",
            Some("SYMMETRIC_DEFAULT"),
            Some("RSA_4096"),
        );
        assert_eq!(pair.as_deref(), Some("GenerateDataKeyPair (RSA_4096)"));
        assert_eq!(
            t.rate("GenerateDataKeyPair (RSA_4096)", "eu-west-1"),
            Some(1.0)
        );
        assert_eq!(t.rate("symmetric", "us-east-1"), Some(100_000.0));
        assert_eq!(t.rate("symmetric", "af-south-1"), Some(10_000.0));
        assert!(t.hot_key("DisableKey").is_some() && t.hot_key("Encrypt").is_none());
    }
}
