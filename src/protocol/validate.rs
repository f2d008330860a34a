//! `ValidationException` messages in AWS's exact format (W-35): `N validation error(s)
//! detected: Value '<v>' at '<lowerCamelMember>' failed to satisfy constraint: <rule>`, the
//! failures joined with `; ` in member order.

use crate::error::{KmsError, KmsResult};

/// Collects member-constraint failures for one request, then reports them together.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<String>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&mut self, value: Option<&str>, member: &str, rule: &str) {
        let v = match value {
            Some(v) => format!("Value '{v}' at '{member}'"),
            None => format!("Value null at '{member}'"),
        };
        self.errors
            .push(format!("{v} failed to satisfy constraint: {rule}"));
    }

    /// A required member is present, or `Value null … Member must not be null`.
    pub fn required<'a, T>(&mut self, v: &'a Option<T>, member: &str) -> Option<&'a T> {
        if v.is_none() {
            self.push(None, member, "Member must not be null");
        }
        v.as_ref()
    }

    /// String length in characters within `min..=max`.
    pub fn str_len(&mut self, v: Option<&str>, member: &str, min: usize, max: usize) {
        if let Some(s) = v {
            let n = s.chars().count();
            if n < min {
                self.push(
                    Some(s),
                    member,
                    &format!("Member must have length greater than or equal to {min}"),
                );
            } else if n > max {
                self.push(
                    Some(s),
                    member,
                    &format!("Member must have length less than or equal to {max}"),
                );
            }
        }
    }

    /// Blob length (decoded bytes, W-20) within `min..=max`. AWS leaves the value out of the
    /// message for sensitive blobs: `Value at 'plaintext' failed to satisfy constraint`.
    pub fn blob_len(&mut self, v: Option<&[u8]>, member: &str, min: usize, max: usize) {
        if let Some(b) = v {
            let rule = if b.len() < min {
                format!("Member must have length greater than or equal to {min}")
            } else if b.len() > max {
                format!("Member must have length less than or equal to {max}")
            } else {
                return;
            };
            self.errors.push(format!(
                "Value at '{member}' failed to satisfy constraint: {rule}"
            ));
        }
    }

    /// Integer within `min..=max`.
    pub fn range(&mut self, v: Option<i64>, member: &str, min: i64, max: i64) {
        if let Some(n) = v {
            let s = n.to_string();
            if n < min {
                self.push(
                    Some(&s),
                    member,
                    &format!("Member must have value greater than or equal to {min}"),
                );
            } else if n > max {
                self.push(
                    Some(&s),
                    member,
                    &format!("Member must have value less than or equal to {max}"),
                );
            }
        }
    }

    /// An enum member: parses with `parse`, else `Member must satisfy enum value set: [..]`.
    pub fn enumeration<E>(
        &mut self,
        v: Option<&str>,
        member: &str,
        parse: fn(&str) -> Option<E>,
        value_set: fn() -> String,
    ) -> Option<E> {
        let s = v?;
        let parsed = parse(s);
        if parsed.is_none() {
            self.push(
                Some(s),
                member,
                &format!("Member must satisfy enum value set: {}", value_set()),
            );
        }
        parsed
    }

    /// A regular-expression constraint, checked by `ok`; `pattern` is quoted in the message.
    pub fn pattern(&mut self, v: Option<&str>, member: &str, pattern: &str, ok: fn(&str) -> bool) {
        if let Some(s) = v {
            if !ok(s) {
                self.push(
                    Some(s),
                    member,
                    &format!("Member must satisfy regular expression pattern: {pattern}"),
                );
            }
        }
    }

    /// Any other constraint, with AWS's rule text verbatim (e.g. a list's size, or a list
    /// member's enum: `Member must satisfy constraint: [Member must satisfy enum value set: …]`).
    pub fn constraint(&mut self, value: Option<&str>, member: &str, rule: &str) {
        self.push(value, member, rule);
    }

    /// Reports what was collected.
    pub fn finish(self) -> KmsResult<()> {
        match self.errors.len() {
            0 => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::KeySpec;

    #[test]
    fn messages_match_aws() {
        let mut v = Validator::new();
        v.required::<String>(&None, "keyId");
        assert_eq!(
            v.finish().unwrap_err().message.unwrap(),
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
        );
        let mut v = Validator::new();
        v.blob_len(Some(&[0u8; 4097]), "plaintext", 1, 4096);
        assert_eq!(
            v.finish().unwrap_err().message.unwrap(),
            "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
        );
        let mut v = Validator::new();
        v.range(Some(6), "pendingWindowInDays", 7, 30);
        v.enumeration(Some("NOPE"), "keySpec", KeySpec::parse, KeySpec::value_set);
        let m = v.finish().unwrap_err().message.unwrap();
        assert!(m.starts_with("2 validation errors detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7; Value 'NOPE' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, "), "{m}");
    }
}
