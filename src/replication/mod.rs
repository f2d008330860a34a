//! Replication between regional nodes (DESIGN.md, "Multi-Region keys and the bus"). Nodes
//! never read each other's stores: a change to a multi-Region key's shared properties travels
//! as a typed, versioned [`event::Event`] on the [`bus::Bus`], and [`apply`] applies it at the
//! destination idempotently. [`observe`] turns any committed change to a multi-Region key into
//! the events it implies.

pub mod bus;
pub mod event;
pub mod in_process;
pub mod lag;
pub mod lanes;
pub mod nats;
pub mod observe;
pub mod transport;
