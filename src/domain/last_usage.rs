//! GetKeyLastUsage's rules (LU-1 … LU-4): what counts as a use, and what a key's usage
//! report says, from the model's operation doc.

use super::enums::TrackedOperation;
use crate::clock::Millis;

/// One successful cryptographic use of a key in one Region (LU-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    /// `Operation`, as `KeyLastUsageTrackingOperation` spells it.
    pub operation: TrackedOperation,
    /// `Timestamp`, on the simulated clock.
    pub at: Millis,
    /// The `x-amzn-RequestId` of the request (`KmsRequestId`), as UUID bytes.
    pub request_id: [u8; 16],
}

/// LU-1: the operation name GetKeyLastUsage reports for a successful `op` (the part after
/// `TrentService.`), or `None` if AWS does not track it (the `KeyLastUsageTrackingOperation`
/// enum lists exactly the tracked ones).
pub fn tracked(op: &str) -> Option<TrackedOperation> {
    TrackedOperation::parse(op)
}

/// LU-2: `TrackingStartDate` is "the date from which KMS began recording cryptographic
/// activity for this key, or the date the KMS key was created, whichever is later". Here KMS
/// begins recording when the Region's node starts.
pub fn tracking_start(region_started: Millis, key_created: Millis) -> Millis {
    region_started.max(key_created)
}

/// LU-3: the use to report for a key created at `key_created`. A use older than the key
/// belongs to an earlier key with the same id (a multi-Region replica deleted and replicated
/// again to this Region) and is not reported. `None` → `KeyLastUsage` is an empty object
/// ("If the key has not been used since tracking began, this response element is an empty
/// object").
pub fn report(last: Option<Use>, key_created: Millis) -> Option<Use> {
    last.filter(|u| u.at >= key_created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracked_operations_are_the_models_enum() {
        assert_eq!(tracked("Encrypt"), Some(TrackedOperation::Encrypt));
        assert_eq!(
            tracked("GenerateDataKeyPairWithoutPlaintext"),
            Some(TrackedOperation::GenerateDataKeyPairWithoutPlaintext)
        );
        for op in [
            "DescribeKey",
            "GetPublicKey",
            "GenerateRandom",
            "ReEncryptFrom",
        ] {
            assert_eq!(tracked(op), None, "{op}");
        }
    }

    #[test]
    fn tracking_starts_at_the_later_of_region_start_and_creation() {
        assert_eq!(tracking_start(100, 50), 100);
        assert_eq!(tracking_start(100, 150), 150);
    }

    #[test]
    fn a_use_older_than_the_key_is_not_reported() {
        let u = Use {
            operation: TrackedOperation::Decrypt,
            at: 10,
            request_id: [0; 16],
        };
        assert_eq!(report(Some(u), 10), Some(u));
        assert_eq!(report(Some(u), 11), None);
        assert_eq!(report(None, 0), None);
    }
}
