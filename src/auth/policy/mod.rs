//! The IAM policy language as KMS reads it (issue 11, item 4): key policies (resource-based,
//! with `Principal`) and identity policies (a credential's `policy`, without one).
//!
//! - [`document`] parses and validates a document (`MalformedPolicyDocumentException`);
//! - [`condition`] evaluates one `Condition` entry (every operator family, `IfExists`,
//!   `ForAnyValue:`/`ForAllValues:`);
//! - [`eval`] matches statements against a request and says what they decide.
//!
//! No maintained Rust crate evaluates IAM policies (the crates that exist build policies for
//! AWS's SDKs), so the evaluator is this module, kept apart from KMS: it knows no operation,
//! only actions, principals, resources and condition keys.

pub mod condition;
pub mod document;
pub mod eval;

pub use condition::Values;
pub use document::{Policy, PolicyKind};
pub use eval::{KeyPolicyVerdict, Request, Verdict};
