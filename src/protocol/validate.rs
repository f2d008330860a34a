//! `ValidationException` messages in AWS's exact format (W-35): `N validation error(s)
//! detected: Value '<v>' at '<lowerCamelMember>' failed to satisfy constraint: <rule>`, the
//! failures joined with `; ` in member order.
//!
//! The checks are driven by the model: `build/codegen.rs` turns each member's constraints into
//! a [`StrRule`], [`LenRule`] or [`IntRule`] constant and calls the [`Validator`] method for
//! its type. Paths are rendered only when a check fails, so a valid request allocates nothing
//! here.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::overrides::{Override, Rule};
use super::types::Blob;
use crate::error::{KmsError, KmsResult};
use crate::model::WireEnum;

/// A model `pattern`, compiled on first use. AWS matches the whole value (Java's
/// `Pattern.matches`), so the compiled form is anchored; the message quotes the model's text.
pub struct Pattern {
    source: &'static str,
    rust: &'static str,
    regex: OnceLock<Regex>,
}

impl Pattern {
    /// A pattern from the model's `source` and its anchored Rust translation.
    pub const fn new(source: &'static str, rust: &'static str) -> Pattern {
        Pattern {
            source,
            rust,
            regex: OnceLock::new(),
        }
    }

    /// The model's text of the pattern.
    pub fn source(&self) -> &'static str {
        self.source
    }

    fn matches(&self, s: &str) -> bool {
        self.compiled().is_some_and(|r| r.is_match(s))
    }

    /// The compiled regex. Every generated translation is compiled by a test
    /// (`every_model_pattern_compiles`); one that did not compile would match nothing.
    pub fn compiled(&self) -> Option<&Regex> {
        if let Some(r) = self.regex.get() {
            return Some(r);
        }
        let r = Regex::new(self.rust).ok()?;
        Some(self.regex.get_or_init(|| r))
    }
}

/// A string member's constraints: length in UTF-16 code units (Java's `String.length()`, as
/// AWS counts), a pattern, and whether the model marks the value sensitive (not echoed).
pub struct StrRule {
    /// `min` length.
    pub min: Option<i64>,
    /// `max` length.
    pub max: Option<i64>,
    /// `pattern`.
    pub pattern: Option<&'static Pattern>,
    /// `sensitive`: the message leaves the value out.
    pub sensitive: bool,
}

/// A blob's, list's or map's size constraints (bytes, entries).
pub struct LenRule {
    /// `min`.
    pub min: Option<i64>,
    /// `max`.
    pub max: Option<i64>,
}

/// An integer's range.
pub struct IntRule {
    /// `min`.
    pub min: Option<i64>,
    /// `max`.
    pub max: Option<i64>,
}

#[derive(Clone, Copy)]
enum Seg {
    Member(&'static str),
    Index(usize),
}

/// Where a member sits in the request: `keyId`, `tags.1.member.tagKey`, `recipient.…`.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg,
}

impl<'a> Path<'a> {
    /// The member `name` (lowerCamel) of the structure at `parent` (`None`: the request).
    pub fn member(parent: Option<&'a Path<'a>>, name: &'static str) -> Path<'a> {
        Path {
            parent,
            seg: Seg::Member(name),
        }
    }

    /// Element `i` (0-based) of the list at `parent`: AWS writes `list.<i+1>.member`.
    pub fn index(parent: &'a Path<'a>, i: usize) -> Path<'a> {
        Path {
            parent: Some(parent),
            seg: Seg::Index(i),
        }
    }

    fn render(&self, out: &mut String) {
        if let Some(p) = self.parent {
            p.render(out);
        }
        match self.seg {
            Seg::Member(name) => {
                if self.parent.is_some() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Seg::Index(i) => {
                out.push('.');
                out.push_str(&(i + 1).to_string());
                out.push_str(".member");
            }
        }
    }

    fn text(&self) -> String {
        let mut s = String::new();
        self.render(&mut s);
        s
    }

    fn top_member(&self) -> Option<&'static str> {
        match (self.parent, self.seg) {
            (None, Seg::Member(name)) => Some(name),
            _ => None,
        }
    }
}

/// Collects member-constraint failures for one request, then reports them together.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<String>,
    /// AWS's own texts for this operation (`protocol::overrides`), usually none.
    overrides: &'static [Override],
    /// A failure that AWS reports with its own text rather than W-35's.
    own_text: Option<String>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// A validator applying `overrides` (the operation's entries of the override table).
    pub fn with_overrides(overrides: &'static [Override]) -> Self {
        Validator {
            overrides,
            ..Self::default()
        }
    }

    fn push(&mut self, value: Option<&str>, at: &Path<'_>, rule: &str) {
        let v = match value {
            Some(v) => format!("Value '{v}' at '{}'", at.text()),
            None => format!("Value at '{}'", at.text()),
        };
        self.errors
            .push(format!("{v} failed to satisfy constraint: {rule}"));
    }

    fn override_for(&self, at: &Path<'_>) -> Option<&'static Rule> {
        if self.overrides.is_empty() {
            return None;
        }
        let name = at.top_member()?;
        self.overrides
            .iter()
            .find(|o| o.member == name)
            .map(|o| &o.rule)
    }

    /// A required member is missing: `Value null at '<m>' … Member must not be null`.
    pub fn null(&mut self, at: &Path<'_>) {
        self.errors.push(format!(
            "Value null at '{}' failed to satisfy constraint: Member must not be null",
            at.text()
        ));
    }

    /// An optional member is missing; an override may make it required with AWS's own text.
    pub fn absent(&mut self, at: &Path<'_>) {
        if let Some(Rule::RequiredWithText(text)) = self.override_for(at) {
            if self.own_text.is_none() {
                self.own_text = Some((*text).to_string());
            }
        }
    }

    fn length(
        &mut self,
        n: i64,
        min: Option<i64>,
        max: Option<i64>,
        value: Option<&str>,
        at: &Path<'_>,
    ) {
        if let Some(min) = min.filter(|m| n < *m) {
            self.push(
                value,
                at,
                &format!("Member must have length greater than or equal to {min}"),
            );
        } else if let Some(max) = max.filter(|m| n > *m) {
            self.push(
                value,
                at,
                &format!("Member must have length less than or equal to {max}"),
            );
        }
    }

    /// A string member: length, then pattern (each failure reported, as AWS does).
    pub fn string(&mut self, s: String, at: &Path<'_>, rule: &StrRule) -> Option<String> {
        let before = self.errors.len();
        let shown = (!rule.sensitive).then_some(s.as_str());
        let n = s.encode_utf16().count() as i64;
        self.length(n, rule.min, rule.max, shown, at);
        if let Some(p) = rule.pattern {
            if !p.matches(&s) {
                self.push(
                    shown,
                    at,
                    &format!(
                        "Member must satisfy regular expression pattern: {}",
                        p.source
                    ),
                );
            }
        }
        (self.errors.len() == before).then_some(s)
    }

    /// An enum member: `Member must satisfy enum value set: [..]`.
    pub fn enumeration<E: WireEnum>(&mut self, s: String, at: &Path<'_>) -> Option<E> {
        let parsed = E::parse(&s);
        if parsed.is_none() {
            self.push(
                Some(&s),
                at,
                &format!("Member must satisfy enum value set: {}", E::VALUE_SET),
            );
        }
        parsed
    }

    /// A blob member's decoded length (W-20). AWS leaves blob values out of the message:
    /// `Value at 'plaintext' failed to satisfy constraint: …`.
    pub fn blob(&mut self, b: Blob, at: &Path<'_>, rule: &LenRule) -> Option<Blob> {
        let before = self.errors.len();
        self.length(b.0.len() as i64, rule.min, rule.max, None, at);
        (self.errors.len() == before).then_some(b)
    }

    /// An integer member within its range (or the override's, e.g. 7..30 days).
    pub fn integer(&mut self, n: i64, at: &Path<'_>, rule: &IntRule) -> Option<i64> {
        let (min, max) = match self.override_for(at) {
            Some(Rule::Range { min, max }) => (Some(*min), Some(*max)),
            _ => (rule.min, rule.max),
        };
        let s = n.to_string();
        if let Some(min) = min.filter(|m| n < *m) {
            self.push(
                Some(&s),
                at,
                &format!("Member must have value greater than or equal to {min}"),
            );
            None
        } else if let Some(max) = max.filter(|m| n > *m) {
            self.push(
                Some(&s),
                at,
                &format!("Member must have value less than or equal to {max}"),
            );
            None
        } else {
            Some(n)
        }
    }

    /// A map member's entry count.
    pub fn map(
        &mut self,
        m: BTreeMap<String, String>,
        at: &Path<'_>,
        rule: &LenRule,
    ) -> Option<BTreeMap<String, String>> {
        let before = self.errors.len();
        self.length(m.len() as i64, rule.min, rule.max, None, at);
        (self.errors.len() == before).then_some(m)
    }

    /// A list of structures: its length, then each element at `list.<i>.member`.
    pub fn struct_list<R, T>(
        &mut self,
        items: Vec<R>,
        at: &Path<'_>,
        rule: &LenRule,
        decode: fn(R, &mut Validator, Option<&Path<'_>>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let before = self.errors.len();
        self.length(items.len() as i64, rule.min, rule.max, Some("[...]"), at);
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let p = Path::index(at, i);
            if let Some(t) = decode(item, self, Some(&p)) {
                out.push(t);
            }
        }
        (self.errors.len() == before).then_some(out)
    }

    /// A list of strings: its length, then, if any element breaks the element shape's
    /// constraints, one failure for the list listing them, in AWS's nested form
    /// (`Member must satisfy constraint: [Member must have length …, …]`) [CHOICE].
    pub fn string_list(
        &mut self,
        items: Vec<String>,
        at: &Path<'_>,
        rule: &LenRule,
        elem: &StrRule,
    ) -> Option<Vec<String>> {
        let before = self.errors.len();
        let shown = list_text(&items, elem.sensitive);
        self.length(items.len() as i64, rule.min, rule.max, Some(&shown), at);
        let bad = items.iter().any(|s| {
            let n = s.encode_utf16().count() as i64;
            elem.min.is_some_and(|m| n < m)
                || elem.max.is_some_and(|m| n > m)
                || elem.pattern.is_some_and(|p| !p.matches(s))
        });
        if bad {
            let mut rules = Vec::new();
            if let Some(max) = elem.max {
                rules.push(format!(
                    "Member must have length less than or equal to {max}"
                ));
            }
            if let Some(min) = elem.min {
                rules.push(format!(
                    "Member must have length greater than or equal to {min}"
                ));
            }
            if let Some(p) = elem.pattern {
                rules.push(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.source
                ));
            }
            self.push(
                Some(&shown),
                at,
                &format!("Member must satisfy constraint: [{}]", rules.join(", ")),
            );
        }
        (self.errors.len() == before).then_some(items)
    }

    /// A list of enum values: its length, then one failure for the list if any element is
    /// not in the value set (`Member must satisfy constraint: [Member must satisfy enum value
    /// set: [..]]`).
    pub fn enum_list<E: WireEnum>(
        &mut self,
        items: Vec<String>,
        at: &Path<'_>,
        rule: &LenRule,
    ) -> Option<Vec<E>> {
        let shown = list_text(&items, false);
        let before = self.errors.len();
        self.length(items.len() as i64, rule.min, rule.max, Some(&shown), at);
        let parsed: Option<Vec<E>> = items.iter().map(|s| E::parse(s)).collect();
        if parsed.is_none() {
            self.push(
                Some(&shown),
                at,
                &format!(
                    "Member must satisfy constraint: [Member must satisfy enum value set: {}]",
                    E::VALUE_SET
                ),
            );
        }
        if self.errors.len() == before {
            parsed
        } else {
            None
        }
    }

    /// Whether nothing failed so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.own_text.is_none()
    }

    /// Reports what was collected: the W-35 failures if any, else an override's own text.
    pub fn finish(self) -> KmsResult<()> {
        match self.errors.len() {
            0 => match self.own_text {
                Some(text) => Err(KmsError::validation(text)),
                None => Ok(()),
            },
            1 => Err(KmsError::validation(format!(
                "1 validation error detected: {}",
                self.errors[0]
            ))),
            n => Err(KmsError::validation(format!(
                "{n} validation errors detected: {}",
                self.errors.join("; ")
            ))),
        }
    }
}

/// Java's `List.toString()`: `[a, b]`; sensitive elements are masked.
fn list_text(items: &[String], sensitive: bool) -> String {
    if sensitive {
        return format!("[{}]", vec!["***"; items.len()].join(", "));
    }
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    static P: Pattern = Pattern::new("^[a-z]+$", "^(?:^[a-z]+$)$");
    const KEY_ID: StrRule = StrRule {
        min: Some(1),
        max: Some(2048),
        pattern: None,
        sensitive: false,
    };

    fn msg(v: Validator) -> String {
        v.finish().unwrap_err().message.unwrap()
    }

    #[test]
    fn messages_match_aws() {
        let mut v = Validator::new();
        v.null(&Path::member(None, "keyId"));
        assert_eq!(
            msg(v),
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        );
        let mut v = Validator::new();
        v.blob(
            Blob(vec![0; 4097]),
            &Path::member(None, "plaintext"),
            &LenRule {
                min: Some(1),
                max: Some(4096),
            },
        );
        assert_eq!(
            msg(v),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
        );
        let mut v = Validator::new();
        v.integer(
            0,
            &Path::member(None, "limit"),
            &IntRule {
                min: Some(1),
                max: Some(1000),
            },
        );
        v.enumeration::<crate::model::KeySpec>("NOPE".into(), &Path::member(None, "keySpec"));
        let m = msg(v);
        assert!(m.starts_with("2 validation errors detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'NOPE' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "), "{m}");
    }

    #[test]
    fn nested_paths_and_lists() {
        let list = Path::member(None, "tags");
        let elem = Path::index(&list, 0);
        let mut v = Validator::new();
        v.string(String::new(), &Path::member(Some(&elem), "tagKey"), &KEY_ID);
        assert_eq!(
            msg(v),
            "1 validation error detected: Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        let mut v = Validator::new();
        let tokens: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        v.string_list(
            tokens,
            &Path::member(None, "grantTokens"),
            &LenRule {
                min: Some(0),
                max: Some(10),
            },
            &KEY_ID,
        );
        assert_eq!(
            msg(v),
            "1 validation error detected: Value '[t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"
        );
        let mut v = Validator::new();
        let out = v.enum_list::<crate::model::GrantOperation>(
            vec!["Encrypt".into(), "Fly".into()],
            &Path::member(None, "operations"),
            &LenRule {
                min: None,
                max: None,
            },
        );
        assert!(out.is_none());
        assert!(msg(v).starts_with("1 validation error detected: Value '[Encrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt, "));
    }

    #[test]
    fn patterns_match_whole_values_and_both_failures_are_reported() {
        let rule = StrRule {
            min: Some(1),
            max: Some(5),
            pattern: Some(&P),
            sensitive: false,
        };
        let mut v = Validator::new();
        assert!(v
            .string("abc".into(), &Path::member(None, "name"), &rule)
            .is_some());
        assert!(v.is_clean());
        v.string("".into(), &Path::member(None, "name"), &rule);
        assert_eq!(msg(v), "2 validation errors detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$");
    }
}
