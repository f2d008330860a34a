//! The operation × key-state table of contract §4.3, over real HTTP, for the states that can
//! be reached today: Enabled, Disabled, PendingImport (CreateKey Origin=EXTERNAL) and
//! PendingDeletion (ScheduleKeyDeletion, of an AWS_KMS and of an EXTERNAL key). Creating and
//! Updating need multi-Region replication and are not covered here.
//!
//! Each cell runs on a fresh key brought into the state, so state-changing operations do not
//! disturb the other cells. A test collects every mismatching cell and names the operation
//! and the state of each.

use std::fmt;

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeyState, OriginType};
use aws_sdk_kms::Client;

use crate::common::*;

/// The key states a cell can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Enabled,
    Disabled,
    /// CreateKey Origin=EXTERNAL, nothing imported.
    PendingImport,
    /// An AWS_KMS key after ScheduleKeyDeletion.
    PendingDeletion,
    /// An EXTERNAL (PendingImport) key after ScheduleKeyDeletion: shows that origin checks
    /// come before state checks (§4.3 legend).
    PendingDeletionExternal,
}

const STATES: [State; 5] = [
    State::Enabled,
    State::Disabled,
    State::PendingImport,
    State::PendingDeletion,
    State::PendingDeletionExternal,
];

impl State {
    fn external(self) -> bool {
        matches!(self, State::PendingImport | State::PendingDeletionExternal)
    }

    fn key_state(self) -> KeyState {
        match self {
            State::Enabled => KeyState::Enabled,
            State::Disabled => KeyState::Disabled,
            State::PendingImport => KeyState::PendingImport,
            State::PendingDeletion | State::PendingDeletionExternal => KeyState::PendingDeletion,
        }
    }
}

/// The §4.3 legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Ok,
    /// `DisabledException "<ARN> is disabled."`
    D,
    /// `KMSInvalidStateException "<ARN> is pending import."`
    Pi,
    /// `KMSInvalidStateException "<ARN> is pending deletion."`
    Pd,
    /// `KMSInvalidStateException "<ARN> is not pending deletion."`
    Npd,
    /// `UnsupportedOperationException "<ARN> origin is EXTERNAL which is not valid for this
    /// operation."` (K-1).
    UoExternal,
}

impl Want {
    fn outcome(self, arn: &str) -> Outcome {
        let e = |code: &str, msg: String| Err((code.to_string(), Some(msg)));
        match self {
            Want::Ok => Ok(()),
            Want::D => e("DisabledException", format!("{arn} is disabled.")),
            Want::Pi => e(
                "KMSInvalidStateException",
                format!("{arn} is pending import."),
            ),
            Want::Pd => e(
                "KMSInvalidStateException",
                format!("{arn} is pending deletion."),
            ),
            Want::Npd => e(
                "KMSInvalidStateException",
                format!("{arn} is not pending deletion."),
            ),
            Want::UoExternal => e(
                "UnsupportedOperationException",
                format!("{arn} origin is EXTERNAL which is not valid for this operation."),
            ),
        }
    }
}

/// The operations of the table this file covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    DescribeKey,
    ListKeys,
    ListAliases,
    DeleteAlias,
    CreateAlias,
    /// UpdateAlias with the key as the *new* target.
    UpdateAlias,
    TagResource,
    UntagResource,
    UpdateKeyDescription,
    Encrypt,
    Decrypt,
    /// ReEncrypt with the key as the source (the blob's key).
    ReEncryptSource,
    /// ReEncrypt with the key as the destination.
    ReEncryptDestination,
    GenerateDataKey,
    GenerateDataKeyWithoutPlaintext,
    EnableKey,
    DisableKey,
    RotateKeyOnDemand,
    ListKeyRotations,
    GetKeyRotationStatus,
    EnableKeyRotation,
    DisableKeyRotation,
    ScheduleKeyDeletion,
    CancelKeyDeletion,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// `Ok(())`, or the error code and message.
type Outcome = Result<(), (String, Option<String>)>;

fn outcome<T, E: ProvideErrorMetadata + fmt::Debug>(r: Result<T, SdkError<E>>) -> Outcome {
    match r {
        Ok(_) => Ok(()),
        Err(e) => match e.code() {
            Some(code) => Err((code.to_string(), e.message().map(str::to_string))),
            None => Err(("<no AWS error code>".to_string(), Some(format!("{e:?}")))),
        },
    }
}

/// A failed check after a successful call, reported like an error so the cell mismatches.
fn postcondition(what: String) -> Outcome {
    Err(("<postcondition failed>".to_string(), Some(what)))
}

/// A key brought into a state, with an alias and a ciphertext that names it.
struct Subject {
    id: String,
    arn: String,
    alias: String,
    blob: Blob,
}

/// A §6.2 blob naming `key_id` (the simulator's own normative layout). Used for EXTERNAL keys,
/// which cannot encrypt before an import: Decrypt must refuse it on the key's state before it
/// ever looks at the material.
fn blob_naming(key_id: &str) -> Blob {
    let mut b = vec![0x01, key_id.len() as u8];
    b.extend_from_slice(key_id.as_bytes());
    b.extend_from_slice(&[0u8; 32]); // KeyMaterialId
    b.extend_from_slice(&[0u8; 12]); // nonce
    b.extend_from_slice(b"x"); // ciphertext
    b.extend_from_slice(&[0u8; 16]); // tag
    Blob::new(b)
}

/// The key's state, or None when DescribeKey fails.
async fn observed_state(c: &Client, id: &str) -> Option<KeyState> {
    c.describe_key()
        .key_id(id)
        .send()
        .await
        .ok()
        .and_then(|o| o.key_metadata().and_then(|m| m.key_state().cloned()))
}

async fn subject(c: &Client, state: State, n: usize) -> Subject {
    let origin = if state.external() {
        OriginType::External
    } else {
        OriginType::AwsKms
    };
    let md = c
        .create_key()
        .origin(origin)
        .description("state table")
        .tags(tag("k", "v"))
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .expect("KeyMetadata")
        .clone();
    let id = md.key_id().to_string();
    let arn = md.arn().expect("Arn").to_string();
    let alias = format!("alias/state-{n}");
    create_alias(c, &alias, &id).await;
    let blob = if state.external() {
        blob_naming(&id)
    } else {
        encrypt(c, &id, b"state").await
    };
    match state {
        State::Enabled | State::PendingImport => {}
        State::Disabled => {
            c.disable_key()
                .key_id(&id)
                .send()
                .await
                .expect("DisableKey");
        }
        State::PendingDeletion | State::PendingDeletionExternal => {
            c.schedule_key_deletion()
                .key_id(&id)
                .pending_window_in_days(7)
                .send()
                .await
                .expect("ScheduleKeyDeletion");
        }
    }
    assert_eq!(
        observed_state(c, &id).await,
        Some(state.key_state()),
        "setting up {state:?}"
    );
    Subject {
        id,
        arn,
        alias,
        blob,
    }
}

/// Runs `op` on `s` (which is in `state`); on success also checks the effect.
async fn run(c: &Client, op: Op, state: State, s: &Subject, n: usize) -> Outcome {
    match op {
        Op::DescribeKey => outcome(c.describe_key().key_id(&s.id).send().await),
        Op::ListKeys => {
            let out = c.list_keys().limit(1000).send().await;
            let listed = out
                .as_ref()
                .is_ok_and(|o| o.keys().iter().any(|k| k.key_id() == Some(s.id.as_str())));
            outcome(out)?;
            if !listed {
                return postcondition("key not listed".into());
            }
            Ok(())
        }
        Op::ListAliases => {
            let out = c.list_aliases().key_id(&s.id).send().await;
            let listed = out.as_ref().is_ok_and(|o| {
                o.aliases()
                    .iter()
                    .any(|a| a.alias_name() == Some(s.alias.as_str()))
            });
            outcome(out)?;
            if !listed {
                return postcondition("alias not listed".into());
            }
            Ok(())
        }
        Op::DeleteAlias => {
            outcome(c.delete_alias().alias_name(&s.alias).send().await)?;
            let left = c.list_aliases().key_id(&s.id).send().await.unwrap();
            if !left.aliases().is_empty() {
                return postcondition(format!("aliases left: {:?}", left.aliases()));
            }
            Ok(())
        }
        Op::CreateAlias => outcome(
            c.create_alias()
                .alias_name(format!("alias/created-{n}"))
                .target_key_id(&s.id)
                .send()
                .await,
        ),
        Op::UpdateAlias => {
            let old_target = new_key(c).await;
            let name = format!("alias/updated-{n}");
            c.create_alias()
                .alias_name(&name)
                .target_key_id(&old_target)
                .send()
                .await
                .expect("CreateAlias for UpdateAlias");
            outcome(
                c.update_alias()
                    .alias_name(&name)
                    .target_key_id(&s.id)
                    .send()
                    .await,
            )
        }
        Op::TagResource => outcome(
            c.tag_resource()
                .key_id(&s.id)
                .tags(tag("t", "1"))
                .send()
                .await,
        ),
        Op::UntagResource => outcome(c.untag_resource().key_id(&s.id).tag_keys("k").send().await),
        Op::UpdateKeyDescription => outcome(
            c.update_key_description()
                .key_id(&s.id)
                .description("changed")
                .send()
                .await,
        ),
        Op::Encrypt => outcome(
            c.encrypt()
                .key_id(&s.id)
                .plaintext(Blob::new(b"x".to_vec()))
                .send()
                .await,
        ),
        Op::Decrypt => {
            let out = c.decrypt().ciphertext_blob(s.blob.clone()).send().await;
            let plain = out
                .as_ref()
                .ok()
                .and_then(|o| o.plaintext().map(|p| p.as_ref().to_vec()));
            outcome(out)?;
            if plain.as_deref() != Some(b"state".as_slice()) {
                return postcondition(format!("plaintext {plain:?}"));
            }
            Ok(())
        }
        Op::ReEncryptSource => {
            let dst = new_key(c).await;
            outcome(
                c.re_encrypt()
                    .ciphertext_blob(s.blob.clone())
                    .destination_key_id(&dst)
                    .send()
                    .await,
            )
        }
        Op::ReEncryptDestination => {
            let src = new_key(c).await;
            let blob = c
                .encrypt()
                .key_id(&src)
                .plaintext(Blob::new(b"x".to_vec()))
                .send()
                .await
                .expect("Encrypt under the source")
                .ciphertext_blob()
                .expect("CiphertextBlob")
                .clone();
            outcome(
                c.re_encrypt()
                    .ciphertext_blob(blob)
                    .destination_key_id(&s.id)
                    .send()
                    .await,
            )
        }
        Op::GenerateDataKey => outcome(
            c.generate_data_key()
                .key_id(&s.id)
                .key_spec(DataKeySpec::Aes256)
                .send()
                .await,
        ),
        Op::GenerateDataKeyWithoutPlaintext => outcome(
            c.generate_data_key_without_plaintext()
                .key_id(&s.id)
                .key_spec(DataKeySpec::Aes256)
                .send()
                .await,
        ),
        Op::EnableKey => {
            outcome(c.enable_key().key_id(&s.id).send().await)?;
            expect_state(c, &s.id, KeyState::Enabled).await
        }
        Op::DisableKey => {
            outcome(c.disable_key().key_id(&s.id).send().await)?;
            expect_state(c, &s.id, KeyState::Disabled).await
        }
        Op::RotateKeyOnDemand => outcome(c.rotate_key_on_demand().key_id(&s.id).send().await),
        Op::ListKeyRotations => outcome(c.list_key_rotations().key_id(&s.id).send().await),
        Op::GetKeyRotationStatus => {
            let out = c.get_key_rotation_status().key_id(&s.id).send().await;
            let enabled = out.as_ref().map(|o| o.key_rotation_enabled()).ok();
            outcome(out)?;
            if enabled != Some(false) {
                return postcondition(format!("KeyRotationEnabled {enabled:?}"));
            }
            Ok(())
        }
        Op::EnableKeyRotation => outcome(c.enable_key_rotation().key_id(&s.id).send().await),
        Op::DisableKeyRotation => outcome(c.disable_key_rotation().key_id(&s.id).send().await),
        Op::ScheduleKeyDeletion => {
            outcome(
                c.schedule_key_deletion()
                    .key_id(&s.id)
                    .pending_window_in_days(7)
                    .send()
                    .await,
            )?;
            expect_state(c, &s.id, KeyState::PendingDeletion).await
        }
        Op::CancelKeyDeletion => {
            outcome(c.cancel_key_deletion().key_id(&s.id).send().await)?;
            // back to Disabled; X-8 [CHOICE]: PendingImport if material is missing.
            let want = if state.external() {
                KeyState::PendingImport
            } else {
                KeyState::Disabled
            };
            expect_state(c, &s.id, want).await
        }
    }
}

async fn expect_state(c: &Client, id: &str, want: KeyState) -> Outcome {
    let got = observed_state(c, id).await;
    if got.as_ref() != Some(&want) {
        return postcondition(format!("KeyState {got:?}, expected {want:?}"));
    }
    Ok(())
}

/// Runs every (operation, state) cell of `rows` on one cluster and fails with the list of
/// mismatching cells. `row` gives the expected result per state, in `STATES` order.
async fn check_rows(rows: &[(Op, [Want; 5])]) {
    let tc = TestCluster::start().await;
    let c = tc.client(REGION);
    let mut n = 0;
    let mut failures = Vec::new();
    for (op, wants) in rows {
        for (state, want) in STATES.iter().zip(wants) {
            n += 1;
            let s = subject(&c, *state, n).await;
            let got = run(&c, *op, *state, &s, n).await;
            let expected = want.outcome(&s.arn);
            if got != expected {
                failures.push(format!(
                    "{op} on a {state:?} key: expected {want:?} = {expected:?}, got {got:?}"
                ));
            }
        }
    }
    tc.stop().await;
    assert!(
        failures.is_empty(),
        "{} cell(s) of the §4.3 table differ:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

use Want::{Npd, Ok as OK, Pd, Pi, UoExternal as Uo, D};

// Columns (STATES): Enabled, Disabled, PendingImport, PendingDeletion (AWS_KMS),
// PendingDeletion (EXTERNAL).

/// §4.3 row "DescribeKey, ListKeys, ListAliases, DeleteAlias": OK in every state.
#[tokio::test]
async fn s43_describe_key_list_keys_list_aliases_delete_alias_in_every_state() {
    check_rows(&[
        (Op::DescribeKey, [OK, OK, OK, OK, OK]),
        (Op::ListKeys, [OK, OK, OK, OK, OK]),
        (Op::ListAliases, [OK, OK, OK, OK, OK]),
        (Op::DeleteAlias, [OK, OK, OK, OK, OK]),
    ])
    .await;
}

/// §4.3 row "CreateAlias, UpdateAlias (new target), TagResource, UntagResource,
/// UpdateKeyDescription" (C-43, C-44): refused only pending deletion.
#[tokio::test]
async fn s43_c43_alias_tag_and_description_ops_refused_pending_deletion() {
    check_rows(&[
        (Op::CreateAlias, [OK, OK, OK, Pd, Pd]),
        (Op::UpdateAlias, [OK, OK, OK, Pd, Pd]),
        (Op::TagResource, [OK, OK, OK, Pd, Pd]),
        (Op::UntagResource, [OK, OK, OK, Pd, Pd]),
        (Op::UpdateKeyDescription, [OK, OK, OK, Pd, Pd]),
    ])
    .await;
}

/// §4.3 row "Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext"
/// (E-1, E-13: both ReEncrypt keys must be usable).
#[tokio::test]
async fn s43_e1_crypto_ops_need_an_enabled_key() {
    check_rows(&[
        (Op::Encrypt, [OK, D, Pi, Pd, Pd]),
        (Op::Decrypt, [OK, D, Pi, Pd, Pd]),
        (Op::ReEncryptSource, [OK, D, Pi, Pd, Pd]),
        (Op::ReEncryptDestination, [OK, D, Pi, Pd, Pd]),
        (Op::GenerateDataKey, [OK, D, Pi, Pd, Pd]),
        (Op::GenerateDataKeyWithoutPlaintext, [OK, D, Pi, Pd, Pd]),
    ])
    .await;
}

/// §4.3 rows EnableKey and DisableKey (N-1, N-2): no-ops in their own target state.
#[tokio::test]
async fn s43_n1_n2_enable_key_and_disable_key() {
    check_rows(&[
        (Op::EnableKey, [OK, OK, Pi, Pd, Pd]),
        (Op::DisableKey, [OK, OK, Pi, Pd, Pd]),
    ])
    .await;
}

/// §4.3 row RotateKeyOnDemand (O-2): the state is checked before anything else.
#[tokio::test]
async fn s43_o2_rotate_key_on_demand() {
    check_rows(&[(Op::RotateKeyOnDemand, [OK, D, Pi, Pd, Pd])]).await;
}

/// §4.3 rows ListKeyRotations (L-5) and GetKeyRotationStatus (K-3, K-4: false pending
/// deletion): OK in every reachable state.
#[tokio::test]
async fn s43_l5_k4_list_key_rotations_and_get_key_rotation_status() {
    check_rows(&[
        (Op::ListKeyRotations, [OK, OK, OK, OK, OK]),
        (Op::GetKeyRotationStatus, [OK, OK, OK, OK, OK]),
    ])
    .await;
}

/// §4.3 row Enable/DisableKeyRotation (K-1, K-4): UO for EXTERNAL keys in every state
/// (origin before state), else D / PD.
#[tokio::test]
async fn s43_k1_k4_enable_and_disable_key_rotation_origin_before_state() {
    check_rows(&[
        (Op::EnableKeyRotation, [OK, D, Uo, Pd, Uo]),
        (Op::DisableKeyRotation, [OK, D, Uo, Pd, Uo]),
    ])
    .await;
}

/// §4.3 rows ScheduleKeyDeletion and CancelKeyDeletion.
#[tokio::test]
async fn s43_x2_x5_schedule_and_cancel_key_deletion() {
    check_rows(&[
        (Op::ScheduleKeyDeletion, [OK, OK, OK, Pd, Pd]),
        (Op::CancelKeyDeletion, [Npd, Npd, Npd, OK, OK]),
    ])
    .await;
}
