//! Rotation of AWS_KMS symmetric keys: GetKeyRotationStatus, Enable/DisableKeyRotation,
//! RotateKeyOnDemand and ListKeyRotations (contract §3.10 – §3.12, K-*, O-*, L-*), plus
//! automatic rotation driven by the simulated clock; a file per family.

mod automatic;
mod listing;
mod on_demand;
mod settings;

/// An SDK timestamp as epoch seconds with a fraction.
fn secs(t: &aws_sdk_kms::primitives::DateTime) -> f64 {
    t.as_secs_f64()
}
