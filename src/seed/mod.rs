//! Seed files: keys declared in TOML, with fixed ids, created when the cluster starts (and
//! again after `/_kmsim/reset`). [`file`] reads and checks the file; [`apply`] creates the keys
//! through the real operations (CreateKey with the fixed id, GetParametersForImport and
//! ImportKeyMaterial for EXTERNAL material, ReplicateKey, CreateAlias, …), so every rule of
//! those operations holds for seeded keys too.

pub mod apply;
pub mod file;

pub use file::{Seed, SeedError};
