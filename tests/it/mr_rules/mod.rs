//! The error and effect rules of multi-Region keys, one test per rule, a file per rule family:
//! ReplicateKey (R-1 … R-9), UpdatePrimaryRegion (U-1 … U-4), the multi-Region rows of
//! ImportKeyMaterial (I-27, I-30, I-33) and import tokens (G-8), DeleteImportedKeyMaterial
//! (D-6, D-7), rotation (O-4, O-5, O-7, L-4), crypto (E-6, E-8) and deletion (X-4 … X-7).
//! Scenario T3 itself lives in `multi_region.rs`; these tests take other angles. The set
//! helpers they share with `mr_bus` and `mr_stress` are in `common::mr`.

mod crypto;
mod delete_material;
mod deletion;
mod import;
mod key_types;
mod new_replica;
mod replicate;
mod rotation;
mod update_primary;
