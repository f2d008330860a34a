//! The KMS domain: pure, synchronous rules with no HTTP, async runtime or JSON. Every check here
//! names the contract rule it enforces.

pub mod agreement;
pub mod algorithms;
pub mod asymmetric;
pub mod ciphertext;
pub mod enums;
pub mod grant;
pub mod grant_token;
pub mod ids;
pub mod import;
pub mod key;
pub mod key_pair;
pub mod last_usage;
pub mod material;
pub mod ml_kem;
pub mod multi_region;
pub mod pq;
pub mod recipient;
pub mod rotation;
pub mod state;
pub mod wrapping;
