//! The replication bus seen from outside (DESIGN.md, "Multi-Region keys and the bus"): a delay
//! holds a replica's import report back from the primary (I-31, O-5), a cut-off Region's events
//! queue until it is healed, duplicated and re-ordered delivery converge to the state normal
//! delivery gives, and the `/_kmsim/bus` admin routes validate what they are sent.

use serde_json::Value;

mod admin;
mod convergence;
mod delivery;
mod lanes;
mod ordering;

/// `queued` of `GET /_kmsim/bus` for one destination Region.
fn queued_to(status: &Value, region: &str) -> u64 {
    status["queued"][region].as_u64().unwrap_or(0)
}
