//! The key state machine and the operation × key-state table (contract §4.1 – §4.3).

use crate::clock::Millis;
use crate::error::{ErrorCode, KmsError, KmsResult};

/// `KeyState` with the data each state carries (§4.1). `Unavailable` belongs to custom key
/// stores and is never produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeyState {
    /// Usable for crypto.
    Enabled,
    /// Set by DisableKey or CancelKeyDeletion.
    Disabled,
    /// EXTERNAL key with a permanently associated material not imported.
    PendingImport,
    /// Deletion scheduled for `deletion_date`.
    PendingDeletion {
        /// When the key is removed.
        deletion_date: Millis,
        /// The window that was asked for, in days.
        window_days: u32,
    },
    /// A primary scheduled for deletion while replicas remain.
    PendingReplicaDeletion {
        /// The window that starts when the last replica is gone.
        window_days: u32,
    },
    /// A replica right after ReplicateKey.
    Creating,
    /// During UpdatePrimaryRegion (U-3).
    Updating,
}

impl KeyState {
    /// The wire spelling of `KeyState`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Enabled => "Enabled",
            KeyState::Disabled => "Disabled",
            KeyState::PendingImport => "PendingImport",
            KeyState::PendingDeletion { .. } => "PendingDeletion",
            KeyState::PendingReplicaDeletion { .. } => "PendingReplicaDeletion",
            KeyState::Creating => "Creating",
            KeyState::Updating => "Updating",
        }
    }

    /// C-20: `Enabled` is true iff the state is `Enabled`.
    pub fn enabled(self) -> bool {
        self == KeyState::Enabled
    }

    /// Whether deletion has been scheduled (either pending-deletion state).
    pub fn pending_deletion(self) -> bool {
        matches!(
            self,
            KeyState::PendingDeletion { .. } | KeyState::PendingReplicaDeletion { .. }
        )
    }

    /// The §4.3 table: may `op` run on a key in this state? `Err` carries the exact AWS error
    /// for `arn`. Origin/type checks come before this one (§4.3 legend) and live with the ops.
    pub fn permits(self, op: OpClass, arn: &str) -> KmsResult<()> {
        use KeyState as S;
        use OpClass as O;
        let d = || KmsError::new(ErrorCode::Disabled, format!("{arn} is disabled."));
        let pi = || KmsError::invalid_state(format!("{arn} is pending import."));
        let pd = || KmsError::invalid_state(format!("{arn} is pending deletion."));
        let npd = || KmsError::invalid_state(format!("{arn} is not pending deletion."));
        let cr = || KmsError::invalid_state(format!("{arn} is creating."));
        let up = || KmsError::invalid_state(format!("{arn} is updating."));
        let pending_deletion = self.pending_deletion();
        match op {
            O::Describe => Ok(()),
            O::Manage => match self {
                _ if pending_deletion => Err(pd()),
                _ => Ok(()),
            },
            O::Crypto
            | O::CreateGrant
            | O::ReplicateSource
            | O::UpdatePrimary
            | O::RotateOnDemand => match self {
                S::Enabled => Ok(()),
                S::Disabled => Err(d()),
                S::PendingImport => Err(pi()),
                _ if pending_deletion => Err(pd()),
                S::Creating => Err(cr()),
                S::Updating => match op {
                    O::Crypto | O::CreateGrant | O::UpdatePrimary => Ok(()),
                    _ => Err(up()),
                },
                _ => unreachable_state(self),
            },
            O::EnableKey | O::DisableKey => match self {
                S::Enabled | S::Disabled => Ok(()),
                S::PendingImport => Err(pi()),
                _ if pending_deletion => Err(pd()),
                S::Creating => Err(cr()),
                _ => Err(up()),
            },
            O::GetParametersForImport | O::ImportKeyMaterial => match self {
                S::Enabled | S::Disabled | S::PendingImport => Ok(()),
                _ if pending_deletion => Err(pd()),
                S::Creating => Err(cr()),
                _ if op == O::ImportKeyMaterial => Ok(()),
                _ => Err(up()),
            },
            O::DeleteImportedKeyMaterial => match self {
                S::Creating => Err(cr()),
                S::Updating => Err(up()),
                _ => Ok(()),
            },
            O::ListKeyRotations => match self {
                S::Creating => Err(cr()),
                _ => Ok(()),
            },
            O::ConfigureRotation => match self {
                S::Enabled | S::Updating => Ok(()),
                S::Disabled => Err(d()),
                S::PendingImport => Err(pi()),
                _ if pending_deletion => Err(pd()),
                _ => Err(cr()),
            },
            O::ScheduleDeletion => match self {
                _ if pending_deletion => Err(pd()),
                S::Updating => Err(up()),
                _ => Ok(()),
            },
            O::CancelDeletion => {
                if pending_deletion {
                    Ok(())
                } else {
                    Err(npd())
                }
            }
        }
    }
}

/// Every state falls in one of the arms above; kept as a function so the match stays total
/// without a panic path.
fn unreachable_state(s: KeyState) -> KmsResult<()> {
    Err(KmsError::internal(format!(
        "unexpected key state {}",
        s.as_str()
    )))
}

/// The rows of the §4.3 table: operations grouped by how they treat key states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpClass {
    /// DescribeKey, ListKeys, ListAliases, DeleteAlias, GetKeyPolicy, ListResourceTags: any state.
    Describe,
    /// CreateAlias, UpdateAlias (new target), Tag/UntagResource, UpdateKeyDescription,
    /// PutKeyPolicy: any state but pending deletion.
    Manage,
    /// Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, Sign, Verify, GenerateMac, VerifyMac,
    /// GetPublicKey (E-1, A-3), Encapsulate, Decapsulate (AWS's key-state table lists them
    /// with the other cryptographic operations).
    Crypto,
    /// CreateGrant: the crypto row (2023 key-state table: Disabled → DisabledException,
    /// PendingImport → "is pending import.", PendingDeletion → "is pending deletion."); Creating
    /// → "is creating." and Updating → OK as for crypto [CHOICE; not in the table].
    /// ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant work in every state (the
    /// same table) and use [`OpClass::Describe`].
    CreateGrant,
    /// EnableKey (N-1).
    EnableKey,
    /// DisableKey (N-2).
    DisableKey,
    /// GetParametersForImport (G-2).
    GetParametersForImport,
    /// ImportKeyMaterial (I-4).
    ImportKeyMaterial,
    /// DeleteImportedKeyMaterial (D-2).
    DeleteImportedKeyMaterial,
    /// ReplicateKey, on the primary.
    ReplicateSource,
    /// UpdatePrimaryRegion, both keys (U-2).
    UpdatePrimary,
    /// RotateKeyOnDemand (O-2).
    RotateOnDemand,
    /// ListKeyRotations (L-5).
    ListKeyRotations,
    /// Enable/DisableKeyRotation (K-4).
    ConfigureRotation,
    /// ScheduleKeyDeletion.
    ScheduleDeletion,
    /// CancelKeyDeletion.
    CancelDeletion,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    fn all_states() -> Vec<KeyState> {
        vec![
            KeyState::Enabled,
            KeyState::Disabled,
            KeyState::PendingImport,
            KeyState::PendingDeletion {
                deletion_date: 1,
                window_days: 7,
            },
            KeyState::PendingReplicaDeletion { window_days: 7 },
            KeyState::Creating,
            KeyState::Updating,
        ]
    }

    /// Renders one row of the §4.3 table as the legend's abbreviations.
    fn row(op: OpClass) -> Vec<&'static str> {
        all_states()
            .into_iter()
            .map(|s| match s.permits(op, ARN) {
                Ok(()) => "OK",
                Err(e) => match (e.code, e.message.as_deref().unwrap_or("")) {
                    (ErrorCode::Disabled, _) => "D",
                    (_, m) if m.ends_with("is pending import.") => "PI",
                    (_, m) if m.ends_with("is not pending deletion.") => "NPD",
                    (_, m) if m.ends_with("is pending deletion.") => "PD",
                    (_, m) if m.ends_with("is creating.") => "CR",
                    (_, m) if m.ends_with("is updating.") => "UP",
                    _ => "??",
                },
            })
            .collect()
    }

    // Columns: Enabled, Disabled, PendingImport, PendingDeletion, PendingReplicaDeletion,
    // Creating, Updating — the §4.3 table with its PD column split in two.
    #[test]
    fn table_rows_match_the_contract() {
        use OpClass::*;
        let cases: &[(OpClass, [&str; 7])] = &[
            (Describe, ["OK", "OK", "OK", "OK", "OK", "OK", "OK"]),
            (Manage, ["OK", "OK", "OK", "PD", "PD", "OK", "OK"]),
            (Crypto, ["OK", "D", "PI", "PD", "PD", "CR", "OK"]),
            (CreateGrant, ["OK", "D", "PI", "PD", "PD", "CR", "OK"]),
            (EnableKey, ["OK", "OK", "PI", "PD", "PD", "CR", "UP"]),
            (DisableKey, ["OK", "OK", "PI", "PD", "PD", "CR", "UP"]),
            (
                GetParametersForImport,
                ["OK", "OK", "OK", "PD", "PD", "CR", "UP"],
            ),
            (
                ImportKeyMaterial,
                ["OK", "OK", "OK", "PD", "PD", "CR", "OK"],
            ),
            (
                DeleteImportedKeyMaterial,
                ["OK", "OK", "OK", "OK", "OK", "CR", "UP"],
            ),
            (ReplicateSource, ["OK", "D", "PI", "PD", "PD", "CR", "UP"]),
            (UpdatePrimary, ["OK", "D", "PI", "PD", "PD", "CR", "OK"]),
            (RotateOnDemand, ["OK", "D", "PI", "PD", "PD", "CR", "UP"]),
            (ListKeyRotations, ["OK", "OK", "OK", "OK", "OK", "CR", "OK"]),
            (ConfigureRotation, ["OK", "D", "PI", "PD", "PD", "CR", "OK"]),
            (ScheduleDeletion, ["OK", "OK", "OK", "PD", "PD", "OK", "UP"]),
            (
                CancelDeletion,
                ["NPD", "NPD", "NPD", "OK", "OK", "NPD", "NPD"],
            ),
        ];
        for (op, want) in cases {
            assert_eq!(row(*op), want.to_vec(), "{op:?}");
        }
    }

    fn any_state() -> impl Strategy<Value = KeyState> {
        prop::sample::select(all_states())
    }

    fn any_op() -> impl Strategy<Value = OpClass> {
        use OpClass::*;
        prop::sample::select(vec![
            Describe,
            Manage,
            Crypto,
            CreateGrant,
            EnableKey,
            DisableKey,
            GetParametersForImport,
            ImportKeyMaterial,
            DeleteImportedKeyMaterial,
            ReplicateSource,
            UpdatePrimary,
            RotateOnDemand,
            ListKeyRotations,
            ConfigureRotation,
            ScheduleDeletion,
            CancelDeletion,
        ])
    }

    proptest! {
        /// Every refusal is a 400 naming the key, and only the two key-state exceptions occur.
        #[test]
        fn refusals_are_state_errors_naming_the_key(s in any_state(), op in any_op()) {
            if let Err(e) = s.permits(op, ARN) {
                prop_assert!(matches!(e.code, ErrorCode::Disabled | ErrorCode::KmsInvalidState));
                prop_assert!(e.message.unwrap().starts_with(ARN));
            }
        }

        /// Only Enabled is `Enabled=true` (C-20), and crypto is allowed exactly in Enabled and
        /// Updating (E-1).
        #[test]
        fn crypto_only_when_enabled_or_updating(s in any_state()) {
            prop_assert_eq!(s.enabled(), s == KeyState::Enabled);
            prop_assert_eq!(
                s.permits(OpClass::Crypto, ARN).is_ok(),
                matches!(s, KeyState::Enabled | KeyState::Updating)
            );
        }
    }
}
