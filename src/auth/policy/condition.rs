//! One `Condition` entry and how it holds (IAM "Condition operators" and "Multivalued context
//! keys"):
//!
//! - a single-valued test (no qualifier) holds when some request value matches some policy
//!   value; for a negated operator (`StringNotEquals`, `NumericNotEquals`, `DateNotEquals`,
//!   `ArnNotEquals`/`ArnNotLike`, `StringNotLike`, `NotIpAddress`, …) when the request value
//!   matches none of them;
//! - a key absent from the request: the test is false, except that a negated operator is true,
//!   `…IfExists` is true, `ForAllValues:` is true and `Null` tests exactly that;
//! - `ForAnyValue:` holds when at least one request value passes the test; `ForAllValues:` when
//!   every request value does (an empty set passes).
//!
//! Matching per family: `String*` case-sensitive, `…IgnoreCase` not, `…Like` with `*` and `?`;
//! `Numeric*` as decimal numbers; `Date*` as ISO 8601 times (or epoch seconds); `Bool` by
//! `true`/`false` ignoring case; `BinaryEquals` byte for byte of the base64 text; `IpAddress`
//! by CIDR (IPv4 or IPv6); `Arn*` part by part with wildcards. An unparseable number, date or
//! address never matches.

use std::cmp::Ordering;
use std::collections::HashMap;

use wildmatch::WildMatch;

/// The values a request brings for each condition key (key names lower-cased: IAM compares
/// condition key names ignoring case).
#[derive(Debug, Clone, Default)]
pub struct Values {
    map: HashMap<String, Vec<String>>,
}

impl Values {
    /// No keys.
    pub fn new() -> Values {
        Values::default()
    }

    /// Sets `key` to one value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.map
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }

    /// Sets `key` to several values (a multivalued key such as `kms:EncryptionContextKeys`).
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.map.insert(key.to_ascii_lowercase(), values);
        self
    }

    /// The values of `key` (a lower-cased name), if the request has it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.map.get(key).map(Vec::as_slice)
    }
}

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// At least one request value passes.
    ForAnyValue,
    /// Every request value passes.
    ForAllValues,
}

impl Qualifier {
    /// Splits a set qualifier off an operator name.
    pub fn split(name: &str) -> (Option<Qualifier>, &str) {
        if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(Qualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(Qualifier::ForAllValues), rest)
        } else {
            (None, name)
        }
    }
}

/// A condition operator (without `IfExists` and qualifiers).
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

impl Operator {
    /// The operator named `name`, if IAM has it.
    pub fn parse(name: &str) -> Option<Operator> {
        use Operator::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// Whether the operator asks that the request value match none of the policy values.
    fn negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The positive test of one request value against one policy value.
    fn matches(self, request: &str, policy: &str) -> bool {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals | BinaryEquals => request == policy,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                request.to_lowercase() == policy.to_lowercase()
            }
            StringLike | StringNotLike => WildMatch::new(policy).matches(request),
            NumericEquals | NumericNotEquals => {
                compare_numbers(request, policy) == Some(Ordering::Equal)
            }
            NumericLessThan => compare_numbers(request, policy) == Some(Ordering::Less),
            NumericLessThanEquals => matches!(
                compare_numbers(request, policy),
                Some(Ordering::Less | Ordering::Equal)
            ),
            NumericGreaterThan => compare_numbers(request, policy) == Some(Ordering::Greater),
            NumericGreaterThanEquals => matches!(
                compare_numbers(request, policy),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            DateEquals | DateNotEquals => compare_dates(request, policy) == Some(Ordering::Equal),
            DateLessThan => compare_dates(request, policy) == Some(Ordering::Less),
            DateLessThanEquals => matches!(
                compare_dates(request, policy),
                Some(Ordering::Less | Ordering::Equal)
            ),
            DateGreaterThan => compare_dates(request, policy) == Some(Ordering::Greater),
            DateGreaterThanEquals => matches!(
                compare_dates(request, policy),
                Some(Ordering::Greater | Ordering::Equal)
            ),
            Bool => request.eq_ignore_ascii_case(policy),
            IpAddress | NotIpAddress => in_cidr(request, policy),
            ArnEquals | ArnNotEquals | ArnLike | ArnNotLike => arn_like(request, policy),
            Null => false,
        }
    }
}

/// One entry of a `Condition` block: `"<qualifier:>Operator<IfExists>": {key: values}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator.
    pub op: Operator,
    /// `ForAnyValue:`/`ForAllValues:`, if any.
    pub qualifier: Option<Qualifier>,
    /// `…IfExists`.
    pub if_exists: bool,
    /// The condition key, lower-cased.
    pub key: String,
    /// The policy's values.
    pub values: Vec<String>,
}

impl Condition {
    /// Whether the condition holds for a request with `values`.
    pub fn holds(&self, values: &Values) -> bool {
        let present = values.get(&self.key).filter(|v| !v.is_empty());
        if self.op == Operator::Null {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return present.is_none() == want_absent;
        }
        let Some(request) = present else {
            return match self.qualifier {
                Some(Qualifier::ForAllValues) => true,
                Some(Qualifier::ForAnyValue) => false,
                None => self.if_exists || self.op.negated(),
            };
        };
        let passes = |r: &String| {
            let hit = self.values.iter().any(|p| self.op.matches(r, p));
            hit != self.op.negated()
        };
        match self.qualifier {
            Some(Qualifier::ForAllValues) => request.iter().all(passes),
            // A single-valued key with several values (never made by kmsim) is read as
            // ForAnyValue, as IAM does.
            Some(Qualifier::ForAnyValue) | None => request.iter().any(passes),
        }
    }
}

fn compare_numbers(a: &str, b: &str) -> Option<Ordering> {
    a.trim()
        .parse::<f64>()
        .ok()?
        .partial_cmp(&b.trim().parse::<f64>().ok()?)
}

/// An ISO 8601 date-time (`2026-01-01T00:00:00Z`, fractional seconds and offsets allowed), a
/// date alone (`2026-01-01`, midnight UTC) or epoch seconds, as seconds since the epoch.
pub fn parse_date(s: &str) -> Option<f64> {
    use aws_smithy_types::date_time::{DateTime, Format};
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return Some(secs);
    }
    let full = if s.len() == 10 {
        format!("{s}T00:00:00Z")
    } else {
        s.to_string()
    };
    DateTime::from_str(&full, Format::DateTime)
        .ok()
        .map(|d| d.as_secs_f64())
}

fn compare_dates(a: &str, b: &str) -> Option<Ordering> {
    parse_date(a)?.partial_cmp(&parse_date(b)?)
}

fn in_cidr(addr: &str, cidr: &str) -> bool {
    let Ok(ip) = addr.trim().parse::<std::net::IpAddr>() else {
        return false;
    };
    match cidr.trim().parse::<ipnet::IpNet>() {
        Ok(net) => net.contains(&ip),
        Err(_) => cidr.trim().parse::<std::net::IpAddr>() == Ok(ip),
    }
}

/// `ArnLike`/`ArnEquals`: the six colon-separated parts compared one by one, each with `*`
/// and `?` wildcards (the resource part keeps its own colons).
pub fn arn_like(arn: &str, pattern: &str) -> bool {
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    if p.len() != 6 {
        return WildMatch::new(pattern).matches(arn);
    }
    a.len() == 6 && a.iter().zip(&p).all(|(a, p)| WildMatch::new(p).matches(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        let (qualifier, rest) = Qualifier::split(op);
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        Condition {
            op: Operator::parse(base).unwrap(),
            qualifier,
            if_exists,
            key: key.to_ascii_lowercase(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// (operator, policy values, request value or None for absent, expected).
    type Row = (
        &'static str,
        &'static [&'static str],
        Option<&'static [&'static str]>,
        bool,
    );

    fn run(rows: &[Row]) {
        for (op, policy, request, want) in rows {
            let mut v = Values::new();
            if let Some(r) = request {
                v.set_all("k", r.iter().map(|s| s.to_string()).collect());
            }
            let got = cond(op, "K", policy).holds(&v);
            assert_eq!(got, *want, "{op} {policy:?} vs {request:?}");
        }
    }

    #[test]
    fn string_operators() {
        run(&[
            ("StringEquals", &["a"], Some(&["a"]), true),
            ("StringEquals", &["a", "b"], Some(&["b"]), true),
            ("StringEquals", &["a"], Some(&["A"]), false),
            ("StringEquals", &["a"], None, false),
            ("StringNotEquals", &["a"], Some(&["b"]), true),
            ("StringNotEquals", &["a", "b"], Some(&["b"]), false),
            ("StringNotEquals", &["a"], None, true),
            (
                "StringEqualsIgnoreCase",
                &["Finance"],
                Some(&["FINANCE"]),
                true,
            ),
            (
                "StringNotEqualsIgnoreCase",
                &["Finance"],
                Some(&["finance"]),
                false,
            ),
            (
                "StringLike",
                &["arn:*:role/app-?"],
                Some(&["arn:x:role/app-1"]),
                true,
            ),
            ("StringLike", &["app-*"], Some(&["App-1"]), false),
            ("StringNotLike", &["app-*"], Some(&["web-1"]), true),
            ("StringNotLike", &["app-*"], Some(&["app-1"]), false),
            ("StringEqualsIfExists", &["a"], None, true),
            ("StringEqualsIfExists", &["a"], Some(&["b"]), false),
        ]);
    }

    #[test]
    fn numeric_operators() {
        run(&[
            ("NumericEquals", &["90"], Some(&["90"]), true),
            ("NumericEquals", &["90"], Some(&["90.0"]), true),
            ("NumericNotEquals", &["90"], Some(&["91"]), true),
            ("NumericLessThan", &["365"], Some(&["90"]), true),
            ("NumericLessThan", &["90"], Some(&["90"]), false),
            ("NumericLessThanEquals", &["90"], Some(&["90"]), true),
            ("NumericGreaterThan", &["90"], Some(&["91"]), true),
            ("NumericGreaterThanEquals", &["90"], Some(&["89"]), false),
            ("NumericEquals", &["x"], Some(&["1"]), false),
            ("NumericLessThan", &["10"], None, false),
        ]);
    }

    #[test]
    fn date_operators() {
        run(&[
            (
                "DateEquals",
                &["2026-01-01T00:00:00Z"],
                Some(&["1767225600"]),
                true,
            ),
            (
                "DateEquals",
                &["2026-01-01"],
                Some(&["2026-01-01T00:00:00Z"]),
                true,
            ),
            (
                "DateNotEquals",
                &["2026-01-01T00:00:00Z"],
                Some(&["2026-01-02T00:00:00Z"]),
                true,
            ),
            (
                "DateLessThan",
                &["2026-01-01T00:00:00Z"],
                Some(&["2025-12-31T23:59:59Z"]),
                true,
            ),
            (
                "DateLessThan",
                &["2026-01-01T00:00:00Z"],
                Some(&["2026-01-01T00:00:00Z"]),
                false,
            ),
            (
                "DateLessThanEquals",
                &["2026-01-01T00:00:00Z"],
                Some(&["2026-01-01T00:00:00Z"]),
                true,
            ),
            (
                "DateGreaterThan",
                &["2026-01-01T00:00:00Z"],
                Some(&["2026-06-01T00:00:00.5Z"]),
                true,
            ),
            (
                "DateGreaterThanEquals",
                &["2026-01-01T00:00:00Z"],
                Some(&["2025-01-01T00:00:00Z"]),
                false,
            ),
            (
                "DateLessThan",
                &["not a date"],
                Some(&["2025-01-01T00:00:00Z"]),
                false,
            ),
        ]);
    }

    #[test]
    fn bool_binary_and_ip_operators() {
        run(&[
            ("Bool", &["true"], Some(&["true"]), true),
            ("Bool", &["true"], Some(&["TRUE"]), true),
            ("Bool", &["false"], Some(&["true"]), false),
            ("Bool", &["true"], None, false),
            ("BinaryEquals", &["QUJD"], Some(&["QUJD"]), true),
            ("BinaryEquals", &["QUJD"], Some(&["QUJE"]), false),
            ("IpAddress", &["127.0.0.0/8"], Some(&["127.0.0.1"]), true),
            ("IpAddress", &["10.0.0.0/8"], Some(&["127.0.0.1"]), false),
            ("IpAddress", &["::1/128"], Some(&["::1"]), true),
            ("IpAddress", &["203.0.113.5"], Some(&["203.0.113.5"]), true),
            ("NotIpAddress", &["10.0.0.0/8"], Some(&["127.0.0.1"]), true),
            (
                "NotIpAddress",
                &["127.0.0.0/8"],
                Some(&["127.0.0.1"]),
                false,
            ),
            ("IpAddress", &["127.0.0.0/8"], Some(&["not-an-ip"]), false),
        ]);
    }

    #[test]
    fn arn_operators() {
        const ROLE: &[&str] = &["arn:aws:iam::111122223333:role/app"];
        run(&[
            (
                "ArnEquals",
                &["arn:aws:iam::111122223333:role/app"],
                Some(ROLE),
                true,
            ),
            ("ArnLike", &["arn:aws:iam::*:role/*"], Some(ROLE), true),
            (
                "ArnLike",
                &["arn:aws:iam::444455556666:*"],
                Some(ROLE),
                false,
            ),
            (
                "ArnNotEquals",
                &["arn:aws:iam::111122223333:role/web"],
                Some(ROLE),
                true,
            ),
            (
                "ArnNotLike",
                &["arn:aws:iam::*:role/app"],
                Some(ROLE),
                false,
            ),
            (
                "ArnLike",
                &["arn:aws:iam::*:role/*"],
                Some(&["not-an-arn"]),
                false,
            ),
        ]);
    }

    #[test]
    fn null_and_set_qualifiers() {
        run(&[
            ("Null", &["true"], None, true),
            ("Null", &["true"], Some(&["x"]), false),
            ("Null", &["false"], Some(&["x"]), true),
            ("Null", &["false"], None, false),
            ("ForAnyValue:StringEquals", &["a"], Some(&["b", "a"]), true),
            ("ForAnyValue:StringEquals", &["a"], Some(&["b", "c"]), false),
            ("ForAnyValue:StringEquals", &["a"], None, false),
            (
                "ForAllValues:StringEquals",
                &["a", "b"],
                Some(&["b", "a"]),
                true,
            ),
            (
                "ForAllValues:StringEquals",
                &["a"],
                Some(&["a", "c"]),
                false,
            ),
            ("ForAllValues:StringEquals", &["a"], None, true),
            (
                "ForAllValues:StringNotEquals",
                &["x"],
                Some(&["a", "b"]),
                true,
            ),
            (
                "ForAnyValue:StringLike",
                &["dep*"],
                Some(&["a", "department"]),
                true,
            ),
        ]);
    }

    #[test]
    fn key_names_ignore_case() {
        let mut v = Values::new();
        v.set("kms:EncryptionContext:Dept", "x");
        assert!(cond("StringEquals", "KMS:encryptioncontext:dept", &["x"]).holds(&v));
    }
}
