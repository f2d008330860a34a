//! The seed file format (version 1): a TOML document with one `[[key]]` table per key.
//!
//! ```toml
//! version = 1
//!
//! [[key]]
//! id = "mrk-1234abcd12ab34cd56ef1234567890ab"   # mrk-… ⇔ multi-Region
//! region = "us-east-1"                           # default: the cluster's default Region
//! key_spec = "SYMMETRIC_DEFAULT"                 # default SYMMETRIC_DEFAULT
//! key_usage = "ENCRYPT_DECRYPT"                  # default: ENCRYPT_DECRYPT for symmetric keys
//! origin = "EXTERNAL"                            # AWS_KMS (default) or EXTERNAL
//! description = "payments"
//! enabled = true                                 # default true
//! policy = '{"Version":"2012-10-17","Statement":[…]}'
//! tags = { team = "payments" }
//! aliases = ["alias/payments"]
//! rotation_period_days = 365                     # automatic rotation on (AWS_KMS symmetric)
//! material = { hex = "00112233…" }               # or { base64 = "…" } or { file = "k.bin" }
//! valid_to = "2027-01-01T00:00:00Z"              # EXTERNAL only; default: never expires
//! replicas = ["eu-west-1"]                       # multi-Region keys only
//! ```
//!
//! Every problem is one line naming the entry (`key[2] (id …): …`), so `kmsim serve` can
//! print it and exit 2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;

use crate::domain::enums::{KeySpec, KeyUsage, Origin};
use crate::domain::ids;

/// The only seed format version this build reads.
pub const VERSION: u32 = 1;

/// A seed problem, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError(pub String);

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedError {}

/// A checked seed file.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// Where the file was read from (named in errors).
    pub path: PathBuf,
    /// The keys, in file order.
    pub keys: Vec<SeedKey>,
}

/// One declared key, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedKey {
    /// `key[i] (id …)`, for messages.
    pub label: String,
    /// The fixed key id (`mrk-…` ⇔ multi-Region).
    pub id: String,
    /// The Region it is created in (the primary Region of a multi-Region key); `None`: the
    /// cluster's default Region.
    pub region: Option<String>,
    /// `KeySpec`.
    pub key_spec: KeySpec,
    /// `KeyUsage`; `None`: CreateKey's default.
    pub key_usage: Option<KeyUsage>,
    /// `Origin`: AWS_KMS or EXTERNAL.
    pub origin: Origin,
    /// `Description`.
    pub description: Option<String>,
    /// Enabled (true) or Disabled (false) once created.
    pub enabled: bool,
    /// The key policy; `None`: the default policy.
    pub policy: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Alias names (`alias/…`) pointing at the key in its Region.
    pub aliases: Vec<String>,
    /// Automatic rotation period in days; `None`: rotation off.
    pub rotation_period_days: Option<u32>,
    /// The key material: imported for EXTERNAL keys, fixed for AWS_KMS keys.
    pub material: Option<Vec<u8>>,
    /// EXTERNAL material's `ValidTo` (RFC 3339); `None`: KEY_MATERIAL_DOES_NOT_EXPIRE.
    pub valid_to: Option<String>,
    /// Replica Regions of a multi-Region key.
    pub replicas: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    version: Option<u32>,
    #[serde(default, rename = "key")]
    keys: Vec<RawKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    id: String,
    region: Option<String>,
    key_spec: Option<String>,
    key_usage: Option<String>,
    origin: Option<String>,
    description: Option<String>,
    enabled: Option<bool>,
    policy: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    aliases: Vec<String>,
    rotation_period_days: Option<u32>,
    material: Option<RawMaterial>,
    valid_to: Option<String>,
    #[serde(default)]
    replicas: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterial {
    hex: Option<String>,
    base64: Option<String>,
    file: Option<PathBuf>,
}

impl Seed {
    /// Reads and checks the seed file at `path`; material files are relative to its folder.
    pub fn load(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SeedError(format!("cannot read seed file {}: {e}", path.display())))?;
        Seed::parse(&text, path)
    }

    /// Checks seed `text` read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Seed, SeedError> {
        let shown = path.display();
        let raw: RawSeed = toml::from_str(text).map_err(|e| {
            let msg = e.message().replace('\n', " ");
            SeedError(format!("seed file {shown}: {msg}"))
        })?;
        match raw.version {
            Some(VERSION) => {}
            Some(v) => {
                return Err(SeedError(format!(
                    "seed file {shown}: version {v} is not supported (this kmsim reads version {VERSION})"
                )))
            }
            None => {
                return Err(SeedError(format!(
                    "seed file {shown}: `version = {VERSION}` is required"
                )))
            }
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut keys: Vec<SeedKey> = Vec::new();
        for (i, k) in raw.keys.into_iter().enumerate() {
            let label = format!("seed file {shown}: key[{i}] (id {})", k.id);
            let key = check(k, &label, dir)?;
            if let Some(prev) = keys.iter().find(|p| p.id == key.id) {
                return Err(SeedError(format!(
                    "{label}: the id is declared twice (also {})",
                    prev.label
                )));
            }
            keys.push(key);
        }
        Ok(Seed {
            path: path.to_path_buf(),
            keys,
        })
    }
}

fn check(k: RawKey, label: &str, dir: &Path) -> Result<SeedKey, SeedError> {
    let err = |m: String| SeedError(format!("{label}: {m}"));
    let multi = k.id.starts_with("mrk-");
    let id_ok = if multi {
        k.id.len() == 36
            && k.id[4..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    } else {
        ids::is_key_id_shape(&k.id)
    };
    if !id_ok {
        return Err(err(
            "id must be a key id (8-4-4-4-12 hex digits) or mrk- and 32 lowercase hex digits"
                .into(),
        ));
    }
    let key_spec = match k.key_spec.as_deref() {
        None => KeySpec::SymmetricDefault,
        Some(s) => KeySpec::parse(s).ok_or_else(|| {
            err(format!(
                "key_spec {s:?} is not one of {}",
                KeySpec::VALUE_SET
            ))
        })?,
    };
    let key_usage = match k.key_usage.as_deref() {
        None => None,
        Some(s) => Some(KeyUsage::parse(s).ok_or_else(|| {
            err(format!(
                "key_usage {s:?} is not one of {}",
                KeyUsage::VALUE_SET
            ))
        })?),
    };
    let origin = match k.origin.as_deref() {
        None | Some("AWS_KMS") => Origin::AwsKms,
        Some("EXTERNAL") => Origin::External,
        Some(s) => return Err(err(format!("origin {s:?} must be AWS_KMS or EXTERNAL"))),
    };
    let material = match k.material {
        None => None,
        Some(m) => Some(material(m, dir).map_err(err)?),
    };
    if origin == Origin::External && material.is_none() {
        return Err(err("an EXTERNAL key needs its material".into()));
    }
    if k.valid_to.is_some() && origin != Origin::External {
        return Err(err("valid_to applies to EXTERNAL keys only".into()));
    }
    if !k.replicas.is_empty() && !multi {
        return Err(err("replicas need a multi-Region id (mrk-…)".into()));
    }
    if let Some(a) = k.aliases.iter().find(|a| !a.starts_with("alias/")) {
        return Err(err(format!("alias {a:?} must start with alias/")));
    }
    Ok(SeedKey {
        label: label.to_string(),
        id: k.id,
        region: k.region,
        key_spec,
        key_usage,
        origin,
        description: k.description,
        enabled: k.enabled.unwrap_or(true),
        policy: k.policy,
        tags: k.tags,
        aliases: k.aliases,
        rotation_period_days: k.rotation_period_days,
        material,
        valid_to: k.valid_to,
        replicas: k.replicas,
    })
}

fn material(m: RawMaterial, dir: &Path) -> Result<Vec<u8>, String> {
    match (m.hex, m.base64, m.file) {
        (Some(h), None, None) => hex::decode(h.trim()).map_err(|e| format!("material hex: {e}")),
        (None, Some(b), None) => STANDARD
            .decode(b.trim())
            .map_err(|e| format!("material base64: {e}")),
        (None, None, Some(f)) => {
            let p = dir.join(&f);
            std::fs::read(&p).map_err(|e| format!("material file {}: {e}", p.display()))
        }
        _ => Err("material needs exactly one of hex, base64 or file".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Seed, SeedError> {
        Seed::parse(text, Path::new("seed.toml"))
    }

    #[test]
    fn a_full_entry_is_read() {
        let s = parse(
            r#"
version = 1
[[key]]
id = "mrk-1234abcd12ab34cd56ef1234567890ab"
region = "us-east-1"
origin = "EXTERNAL"
material = { hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" }
replicas = ["eu-west-1"]
aliases = ["alias/a"]
tags = { team = "x" }
enabled = false
"#,
        )
        .unwrap();
        let k = &s.keys[0];
        assert_eq!(k.origin, Origin::External);
        assert_eq!(k.material.as_ref().unwrap().len(), 32);
        assert_eq!(k.replicas, ["eu-west-1"]);
        assert!(!k.enabled);
        assert_eq!(k.key_spec, KeySpec::SymmetricDefault);
    }

    #[test]
    fn problems_name_the_entry() {
        let e = parse("version = 1\n[[key]]\nid = \"nope\"\n").unwrap_err();
        assert_eq!(e.0, "seed file seed.toml: key[0] (id nope): id must be a key id (8-4-4-4-12 hex digits) or mrk- and 32 lowercase hex digits");
        let e = parse("version = 1\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\norigin = \"EXTERNAL\"\n").unwrap_err();
        assert!(e.0.ends_with("an EXTERNAL key needs its material"), "{e}");
        let e = parse("version = 2\n").unwrap_err();
        assert!(e.0.contains("version 2 is not supported"), "{e}");
        let e = parse(
            "version = 1\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\ncolour = 1\n",
        )
        .unwrap_err();
        assert!(e.0.contains("colour"), "{e}");
        let twice = "version = 1\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\n[[key]]\nid = \"11111111-2222-3333-4444-555555555555\"\n";
        assert!(parse(twice).unwrap_err().0.contains("declared twice"));
    }
}
