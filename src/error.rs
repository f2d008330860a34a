//! `KmsError`: every AWS KMS exception the simulator can return, with its exact wire name
//! (`__type`) and HTTP status (contract §1.4, W-30 … W-36).

use std::fmt;

/// One variant per AWS exception, spelled as the wire name without the `Exception` suffix
/// where AWS's own name carries it. `code()` gives the exact `__type` value.
///
/// W-33: every client-side exception is sent with HTTP 400 (observed on AWS), including those
/// the Smithy model marks 404/409/412 (W-34). Only the server faults are 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `sigv4` mode: no policy or grant allows the caller the operation, or one denies it
    /// (issue 11, item 6).
    AccessDenied,
    /// An alias or key with that name already exists (C-42, R-2).
    AlreadyExists,
    /// A conflicting operation is in progress (O-6).
    Conflict,
    /// Custom key stores are out of scope (C-8).
    CustomKeyStoreNotFound,
    /// The key is `Disabled` (E-1, N-1 …).
    Disabled,
    /// `DryRun=true` on a request that would have succeeded (E-12).
    DryRunOperation,
    /// The import token has passed `ParametersValidTo` (I-8).
    ExpiredImportToken,
    /// Decrypt/ReEncrypt named a key other than the blob's (E-6).
    IncorrectKey,
    /// Imported material does not fit the key (I-10, I-23, I-28, I-41).
    IncorrectKeyMaterial,
    /// A SigV4 `Authorization` header or `X-Amz-Date` that cannot be read (`[auth] mode =
    /// "sigv4"`, issue 11).
    IncompleteSignature,
    /// Alias name is reserved or malformed (C-41).
    InvalidAliasName,
    /// ARN is not a KMS ARN (W-44).
    InvalidArn,
    /// Ciphertext is tampered, unknown or the context differs (B-1 … B-4, P-1).
    InvalidCiphertext,
    /// `GrantId` is not a grant id (RetireGrant, RevokeGrant, ListGrants).
    InvalidGrantId,
    /// A grant token kmsim did not issue, or a malformed one (`GrantTokens`, RetireGrant).
    InvalidGrantToken,
    /// Import token is unknown, used or bound to another key (I-7).
    InvalidImportToken,
    /// Key usage or algorithm does not suit the operation (E-3, E-10).
    InvalidKeyUsage,
    /// Pagination marker the simulator did not issue (W-51).
    InvalidMarker,
    /// The SigV4 credential scope names a Region the cluster does not serve (W-10).
    InvalidSignature,
    /// Internal fault (500, retryable).
    KmsInternal,
    /// The key's state forbids the operation (§4.3).
    KmsInvalidState,
    /// Verify failed (§3.16).
    KmsInvalidSignature,
    /// VerifyMac failed (§3.16).
    KmsInvalidMac,
    /// A quota was reached (O-7, C-9).
    LimitExceeded,
    /// The key policy is not valid JSON.
    MalformedPolicyDocument,
    /// `[auth] mode = "sigv4"`: the request carries no signature (issue 11).
    MissingAuthenticationToken,
    /// The key or alias does not exist (W-44).
    NotFound,
    /// The request body is not valid JSON, or a member has the wrong JSON type, or a blob is
    /// not base64 (W-20).
    Serialization,
    /// Tag rules (C-9).
    Tag,
    /// `[quotas] mode = "aws"`: a request quota is exhausted (issue 12).
    Throttling,
    /// The `X-Amz-Target` header is missing or names no KMS operation (W-4).
    UnknownOperation,
    /// `[auth] mode = "sigv4"`: the access key or session token is not configured (issue 11).
    UnrecognizedClient,
    /// The key's type or origin does not support the operation (G-1, K-1, O-3 …).
    UnsupportedOperation,
    /// Input validation (W-35).
    Validation,
}

impl ErrorCode {
    /// Every code, in declaration order (used by the test that pins the wire names).
    pub const ALL: [ErrorCode; 34] = [
        ErrorCode::AccessDenied,
        ErrorCode::AlreadyExists,
        ErrorCode::Conflict,
        ErrorCode::CustomKeyStoreNotFound,
        ErrorCode::Disabled,
        ErrorCode::DryRunOperation,
        ErrorCode::ExpiredImportToken,
        ErrorCode::IncorrectKey,
        ErrorCode::IncorrectKeyMaterial,
        ErrorCode::IncompleteSignature,
        ErrorCode::InvalidAliasName,
        ErrorCode::InvalidArn,
        ErrorCode::InvalidCiphertext,
        ErrorCode::InvalidGrantId,
        ErrorCode::InvalidGrantToken,
        ErrorCode::InvalidImportToken,
        ErrorCode::InvalidKeyUsage,
        ErrorCode::InvalidMarker,
        ErrorCode::InvalidSignature,
        ErrorCode::KmsInternal,
        ErrorCode::KmsInvalidState,
        ErrorCode::KmsInvalidSignature,
        ErrorCode::KmsInvalidMac,
        ErrorCode::LimitExceeded,
        ErrorCode::MalformedPolicyDocument,
        ErrorCode::MissingAuthenticationToken,
        ErrorCode::NotFound,
        ErrorCode::Serialization,
        ErrorCode::Tag,
        ErrorCode::Throttling,
        ErrorCode::UnknownOperation,
        ErrorCode::UnrecognizedClient,
        ErrorCode::UnsupportedOperation,
        ErrorCode::Validation,
    ];

    /// The exact `__type` AWS sends (W-30: plain names, no namespace prefix).
    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::AlreadyExists => "AlreadyExistsException",
            ErrorCode::Conflict => "ConflictException",
            ErrorCode::CustomKeyStoreNotFound => "CustomKeyStoreNotFoundException",
            ErrorCode::Disabled => "DisabledException",
            ErrorCode::DryRunOperation => "DryRunOperationException",
            ErrorCode::ExpiredImportToken => "ExpiredImportTokenException",
            ErrorCode::IncorrectKey => "IncorrectKeyException",
            ErrorCode::IncorrectKeyMaterial => "IncorrectKeyMaterialException",
            ErrorCode::IncompleteSignature => "IncompleteSignatureException",
            ErrorCode::InvalidAliasName => "InvalidAliasNameException",
            ErrorCode::InvalidArn => "InvalidArnException",
            ErrorCode::InvalidCiphertext => "InvalidCiphertextException",
            ErrorCode::InvalidGrantId => "InvalidGrantIdException",
            ErrorCode::InvalidGrantToken => "InvalidGrantTokenException",
            ErrorCode::InvalidImportToken => "InvalidImportTokenException",
            ErrorCode::InvalidKeyUsage => "InvalidKeyUsageException",
            ErrorCode::InvalidMarker => "InvalidMarkerException",
            ErrorCode::InvalidSignature => "InvalidSignatureException",
            ErrorCode::KmsInternal => "KMSInternalException",
            ErrorCode::KmsInvalidState => "KMSInvalidStateException",
            ErrorCode::KmsInvalidSignature => "KMSInvalidSignatureException",
            ErrorCode::KmsInvalidMac => "KMSInvalidMacException",
            ErrorCode::LimitExceeded => "LimitExceededException",
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocumentException",
            ErrorCode::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorCode::NotFound => "NotFoundException",
            ErrorCode::Serialization => "SerializationException",
            ErrorCode::Tag => "TagException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::UnknownOperation => "UnknownOperationException",
            ErrorCode::UnrecognizedClient => "UnrecognizedClientException",
            ErrorCode::UnsupportedOperation => "UnsupportedOperationException",
            ErrorCode::Validation => "ValidationException",
        }
    }

    /// HTTP status (W-33): 500 only for the retryable server fault, 400 for everything else.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::KmsInternal => 500,
            _ => 400,
        }
    }
}

/// An AWS error: the exception and its message. `message: None` mimics the AWS errors that
/// carry no message at all (W-32: InvalidCiphertext, KMSInvalidSignature, KMSInvalidMac, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsError {
    /// Which exception.
    pub code: ErrorCode,
    /// The `message` member, verbatim as AWS words it where the contract quotes it.
    pub message: Option<String>,
}

/// Result alias used by every layer.
pub type KmsResult<T> = Result<T, KmsError>;

impl KmsError {
    /// An error with a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        KmsError {
            code,
            message: Some(message.into()),
        }
    }

    /// An error without a message (W-32).
    pub fn bare(code: ErrorCode) -> Self {
        KmsError {
            code,
            message: None,
        }
    }

    /// `ValidationException` with the given text (W-35).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }

    /// E-12: what a request with `DryRun=true` that would have succeeded gets.
    pub fn dry_run() -> Self {
        Self::new(
            ErrorCode::DryRunOperation,
            "The request would have succeeded, but the DryRun option is set.",
        )
    }

    /// `NotFoundException`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    /// `KMSInvalidStateException`.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::KmsInvalidState, message)
    }

    /// `UnsupportedOperationException`.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedOperation, message)
    }

    /// `SerializationException` (W-20).
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Serialization, message)
    }

    /// `InvalidCiphertextException` without a message (E-7, B-1 … B-4).
    pub fn invalid_ciphertext() -> Self {
        Self::bare(ErrorCode::InvalidCiphertext)
    }

    /// `KMSInternalException` for real faults only.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::KmsInternal, message)
    }

    /// `InvalidKeyUsageException "<ARN> key usage is <usage> which is not valid for <Op>."` (E-3).
    pub fn key_usage(arn: &str, usage: &str, op: &str) -> Self {
        Self::new(
            ErrorCode::InvalidKeyUsage,
            format!("{arn} key usage is {usage} which is not valid for {op}."),
        )
    }

    /// `UnsupportedOperationException "<ARN> origin is <O> which is not valid for this operation."`
    /// (G-1, I-3, D-1, K-1).
    pub fn wrong_origin(arn: &str, origin: &str) -> Self {
        Self::unsupported(format!(
            "{arn} origin is {origin} which is not valid for this operation."
        ))
    }
}

impl fmt::Display for KmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}: {}", self.code.code(), m),
            None => f.write_str(self.code.code()),
        }
    }
}

impl std::error::Error for KmsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_pinned() {
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            names,
            [
                "AccessDeniedException",
                "AlreadyExistsException",
                "ConflictException",
                "CustomKeyStoreNotFoundException",
                "DisabledException",
                "DryRunOperationException",
                "ExpiredImportTokenException",
                "IncorrectKeyException",
                "IncorrectKeyMaterialException",
                "IncompleteSignatureException",
                "InvalidAliasNameException",
                "InvalidArnException",
                "InvalidCiphertextException",
                "InvalidGrantIdException",
                "InvalidGrantTokenException",
                "InvalidImportTokenException",
                "InvalidKeyUsageException",
                "InvalidMarkerException",
                "InvalidSignatureException",
                "KMSInternalException",
                "KMSInvalidStateException",
                "KMSInvalidSignatureException",
                "KMSInvalidMacException",
                "LimitExceededException",
                "MalformedPolicyDocumentException",
                "MissingAuthenticationTokenException",
                "NotFoundException",
                "SerializationException",
                "TagException",
                "ThrottlingException",
                "UnknownOperationException",
                "UnrecognizedClientException",
                "UnsupportedOperationException",
                "ValidationException",
            ]
        );
    }

    #[test]
    fn only_internal_faults_are_500() {
        for c in ErrorCode::ALL {
            let want = if c == ErrorCode::KmsInternal {
                500
            } else {
                400
            };
            assert_eq!(c.status(), want, "{}", c.code());
        }
    }
}
