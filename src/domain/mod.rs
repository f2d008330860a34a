//! The KMS domain: pure, synchronous rules with no HTTP, async runtime or JSON. Every check here
//! names the contract rule it enforces.

pub mod algorithms;
pub mod asymmetric;
pub mod ciphertext;
pub mod enums;
pub mod ids;
pub mod import;
pub mod key;
pub mod material;
pub mod multi_region;
pub mod pq;
pub mod rotation;
pub mod state;
pub mod wrapping;
