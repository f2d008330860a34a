//! The AWS JSON 1.1 wire protocol (contract §1): target parsing, content types, request
//! bodies, blobs and timestamps, validation messages, SigV4 scope parsing and error bodies;
//! and the HTTP connections that carry them (`conn`: accept loop and timeouts).
//! No KMS rule is decided here.

pub mod conn;
pub mod overrides;
pub mod requests;
pub mod sigv4;
pub mod target;
pub mod types;
pub mod validate;
pub mod wire;
