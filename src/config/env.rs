//! Issue 13, item 5: every configuration field from a `KMSIM_*` environment variable (for
//! containers). `KMSIM_<PATH>` is the field's TOML path in upper case with `.` as `_`:
//! `account_id` → `KMSIM_ACCOUNT_ID`, `[import] prefill` → `KMSIM_IMPORT_PREFILL`. A
//! variable wins over the file (or the built-in default cluster); `kmsim serve` flags win
//! over both. Lists and tables (`[[region]]`, `[[auth.credentials]]`,
//! `[quotas.overrides]`) take an inline TOML value.
//!
//! [CHOICE] Variables that name no field are ignored (the environment of a container holds
//! other things, `KMSIM_LOG_FORMAT` among them); a variable whose value does not fit its
//! field is a configuration error naming the variable.

use super::ConfigError;

/// How a variable's text becomes a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Taken as it is.
    Text,
    /// A whole number.
    Integer,
    /// A number (a whole number is taken too).
    Number,
    /// `true`/`false` (or `1`/`0`).
    Boolean,
    /// An inline TOML value: an array of tables or a table.
    Toml,
}

/// One field that a variable can set.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its TOML path (`section.key`, or a top-level key).
    pub path: &'static str,
    /// How the variable's text is read.
    pub kind: Kind,
    /// An example value, for `kmsim serve --help`.
    pub example: &'static str,
}

/// Every field of [`super::Config`] a variable can set, in the file's order.
pub const FIELDS: &[Field] = &[
    f("account_id", Kind::Text, "111122223333"),
    f("default_region", Kind::Text, "us-east-1"),
    f("gateway", Kind::Text, "0.0.0.0:4600"),
    f("strict_regions", Kind::Boolean, "true"),
    f(
        "region",
        Kind::Toml,
        r#"[{name="us-east-1", listen="0.0.0.0:4601"}]"#,
    ),
    f("limits.on_demand_rotations", Kind::Integer, "25"),
    f("limits.tags_per_key", Kind::Integer, "50"),
    f("limits.grants_per_key", Kind::Integer, "50000"),
    f("import.pool_rsa_2048", Kind::Integer, "2"),
    f("import.pool_rsa_3072", Kind::Integer, "1"),
    f("import.pool_rsa_4096", Kind::Integer, "1"),
    f("import.tokens_per_wrapping_key", Kind::Integer, "100000"),
    f("import.prefill", Kind::Boolean, "true"),
    f("import.max_tokens_per_key", Kind::Integer, "1000"),
    f("import.max_tokens_per_region", Kind::Integer, "100000"),
    f("replication.delay_ms", Kind::Integer, "0"),
    f("replication.creating_seconds", Kind::Number, "0"),
    f("seed.file", Kind::Text, "/seed/seed.toml"),
    f("storage.data_dir", Kind::Text, "/var/lib/kmsim"),
    f("bus.kind", Kind::Text, "nats"),
    f("bus.url", Kind::Text, "nats://nats:4222"),
    f("bus.stream", Kind::Text, "kmsim"),
    f("auth.mode", Kind::Text, "sigv4"),
    f("auth.admin_token", Kind::Text, "a-long-admin-token"),
    f(
        "auth.credentials",
        Kind::Toml,
        r#"[{access_key_id="AKIA…", secret_access_key="…", account_id="111122223333", principal="arn:aws:iam::111122223333:user/ci"}]"#,
    ),
    f("server.header_read_timeout_seconds", Kind::Number, "10"),
    f("server.idle_timeout_seconds", Kind::Number, "60"),
    f("quotas.mode", Kind::Text, "aws"),
    f("quotas.scale", Kind::Number, "0.01"),
    f(
        "quotas.overrides",
        Kind::Toml,
        r#"{CreateKey=5, symmetric=100}"#,
    ),
];

const fn f(path: &'static str, kind: Kind, example: &'static str) -> Field {
    Field {
        path,
        kind,
        example,
    }
}

impl Field {
    /// The variable's name: `KMSIM_` and the path in upper case, `.` as `_`.
    pub fn var(&self) -> String {
        format!("KMSIM_{}", self.path.replace('.', "_").to_ascii_uppercase())
    }
}

/// Sets every field named by a variable of `vars` in `table` (the parsed file). Returns the
/// paths it set.
pub fn apply(
    table: &mut toml::Table,
    vars: &[(String, String)],
) -> Result<Vec<&'static str>, ConfigError> {
    let mut set = Vec::new();
    for field in FIELDS {
        let name = field.var();
        let Some((_, text)) = vars.iter().rev().find(|(k, _)| *k == name) else {
            continue;
        };
        let value =
            read(field.kind, text).map_err(|why| ConfigError(format!("{name}: '{text}' {why}")))?;
        let (section, key) = match field.path.split_once('.') {
            Some((s, k)) => (Some(s), k),
            None => (None, field.path),
        };
        let target = match section {
            None => &mut *table,
            Some(s) => match table
                .entry(s)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            {
                toml::Value::Table(t) => t,
                _ => return Err(ConfigError(format!("{s}: must be a table"))),
            },
        };
        target.insert(key.to_string(), value);
        set.push(field.path);
    }
    Ok(set)
}

fn read(kind: Kind, text: &str) -> Result<toml::Value, &'static str> {
    let t = text.trim();
    match kind {
        Kind::Text => Ok(toml::Value::String(text.to_string())),
        Kind::Integer => t
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| "is not a whole number"),
        Kind::Number => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(toml::Value::Float)
            .ok_or("is not a number"),
        Kind::Boolean => match t {
            "true" | "1" => Ok(toml::Value::Boolean(true)),
            "false" | "0" => Ok(toml::Value::Boolean(false)),
            _ => Err("is not true or false"),
        },
        Kind::Toml => format!("v = {t}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut tbl| tbl.remove("v"))
            .ok_or("is not an inline TOML value (e.g. [{…}] or {…})"),
    }
}

/// The `Environment:` section of `kmsim serve --help`.
pub fn help() -> String {
    let mut out = String::from(
        "Environment (each sets a field of the configuration; it wins over the file, flags win\nover it; lists and tables take inline TOML):\n",
    );
    for field in FIELDS {
        out.push_str(&format!("  {:<40} e.g. {}\n", field.var(), field.example));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_follow_the_paths() {
        let names: Vec<String> = FIELDS.iter().map(Field::var).collect();
        assert!(names.contains(&"KMSIM_ACCOUNT_ID".to_string()));
        assert!(names.contains(&"KMSIM_IMPORT_POOL_RSA_2048".to_string()));
        assert!(names.contains(&"KMSIM_QUOTAS_OVERRIDES".to_string()));
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn values_are_typed_by_field() {
        let mut t: toml::Table = "account_id = \"111122223333\"\n[import]\npool_rsa_2048 = 2\n"
            .parse()
            .unwrap();
        let set = apply(
            &mut t,
            &vars(&[
                ("KMSIM_ACCOUNT_ID", "444455556666"),
                ("KMSIM_IMPORT_POOL_RSA_2048", "7"),
                ("KMSIM_QUOTAS_SCALE", "1"),
                ("KMSIM_STRICT_REGIONS", "1"),
                ("KMSIM_QUOTAS_OVERRIDES", "{CreateKey = 5}"),
                ("KMSIM_UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(set.len(), 5);
        assert_eq!(t["account_id"].as_str(), Some("444455556666"));
        assert_eq!(t["import"]["pool_rsa_2048"].as_integer(), Some(7));
        assert_eq!(t["quotas"]["scale"].as_float(), Some(1.0));
        assert_eq!(t["strict_regions"].as_bool(), Some(true));
        assert_eq!(t["quotas"]["overrides"]["CreateKey"].as_integer(), Some(5));
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let mut t = toml::Table::new();
        for (k, v) in [
            ("KMSIM_IMPORT_PREFILL", "maybe"),
            ("KMSIM_LIMITS_TAGS_PER_KEY", "many"),
            ("KMSIM_QUOTAS_SCALE", "NaN"),
            ("KMSIM_REGION", "[{name="),
        ] {
            let e = apply(&mut t, &vars(&[(k, v)])).unwrap_err();
            assert!(e.0.starts_with(k), "{e:?}");
        }
    }
}
