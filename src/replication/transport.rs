//! How events travel between Regions: the [`Transport`] trait, with two implementations:
//! [`super::in_process::InProcess`] (Regions in one process; the default) and
//! [`super::nats::Nats`] (NATS JetStream; Regions in separate processes).
//!
//! **Laws** every transport keeps, on which the node's apply ([`crate::node::apply`]) relies
//! (it is idempotent, order-safe per key and commutative across keys; property-tested in
//! `domain::multi_region::apply_laws`):
//! - *at least once*: an event handed to [`Transport::send`] reaches its destination's
//!   [`Handlers::apply`] eventually (unless the cluster is reset), possibly more than once —
//!   also across a crash of either side or of the broker;
//! - *order per Region pair*: events from one Region to another arrive in publication order,
//!   so a key's events from one Region do; nothing is promised across pairs, and a cut Region
//!   delays only its own pairs;
//! - *superseding*: a queued snapshot or report may be dropped when a newer one for the same
//!   key is sent (it carries everything the older one did);
//! - *no failed requests*: `send` only queues; a transport that cannot deliver (a broker
//!   outage, a cut Region) keeps the events and delays them, never fails the sender.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::bus::BusStatus;
use super::event::Envelope;

/// A boxed future (the trait's asynchronous methods).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a transport calls back into (set once, at start-up, by the bus).
pub struct Handlers {
    /// Applies an event at its destination, a Region of this process.
    pub apply: Box<dyn Fn(&Envelope) + Send + Sync>,
    /// The transport has taken over event `seq` for good (applied, or stored by the broker),
    /// or dropped it as superseded: the sender's outbox forgets it.
    pub sent: Box<dyn Fn(u64) + Send + Sync>,
    /// Resolves once every change applied so far is durable (a broker is told an event was
    /// consumed only after that).
    pub durable: Box<dyn Fn() -> BoxFuture<()> + Send + Sync>,
}

/// One event handed to a transport.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Its publication number.
    pub seq: u64,
    /// The event.
    pub envelope: Envelope,
    /// Whether a newer snapshot or report may supersede it (not for fault injection's copies).
    pub coalesce: bool,
}

/// A way for events to travel between Regions (see the module's laws).
pub trait Transport: Send + Sync {
    /// Sets the Regions this process serves (whose events it receives) and the handlers
    /// (once, at start-up).
    fn connect(&self, local: Vec<String>, handlers: Handlers);
    /// Queues events. Returns the publication numbers of events that will never be
    /// delivered because newer state superseded them (the caller journals them as gone).
    fn send(&self, events: Vec<Outgoing>) -> Vec<u64>;
    /// Hands over everything queued here that may travel now, ignoring the delay (events to
    /// or from a cut Region stay); resolves with how many events it handed over, once they
    /// are delivered (in process) or stored by the broker; `Err` if the broker cannot be
    /// reached (the events stay queued).
    fn flush(self: Arc<Self>) -> BoxFuture<Result<usize, String>>;
    /// Resolves once every event already handed over for this process's Regions (and not
    /// held by a cut) has been applied.
    fn settle(self: Arc<Self>) -> BoxFuture<Result<(), String>>;
    /// Sets the delivery delay.
    fn set_delay(&self, delay: Duration);
    /// Holds events to and from `region` until [`Transport::heal`].
    fn cut(&self, region: &str);
    /// Releases a cut Region's events.
    fn heal(&self, region: &str);
    /// Drops every queued event and every cut (`/_kmsim/reset`); the delay stays.
    fn reset(self: Arc<Self>) -> BoxFuture<()>;
    /// Fault injection: deliver what is queued now newest first.
    fn reverse_queue(&self);
    /// Queues, cuts and counters.
    fn status(&self) -> BusStatus;
    /// Delivers delayed events (and, for a broker, publishes and consumes) until `stop`
    /// fires.
    fn run(self: Arc<Self>, stop: tokio::sync::watch::Receiver<bool>) -> BoxFuture<()>;
}
