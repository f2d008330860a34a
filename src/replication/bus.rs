//! The replication bus as the nodes see it: it numbers events, journals them (with the change
//! that implies them, when the caller stages them: the journal's queued events are the
//! Region's transactional outbox), hands them to a [`Transport`] and journals each hand-over.
//! The transport decides how they travel ([`InProcess`] by default, or
//! [`super::nats::Nats`]); the bus decides nothing about nodes: the cluster hands it the
//! function that applies an event at its destination.
//!
//! With delay 0 and no Region cut off, an event is applied before `publish` returns, so the
//! cluster at rest behaves like AWS: a replica exists as soon as ReplicateKey answers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use super::event::Envelope;
use super::in_process::InProcess;
use super::transport::{Handlers, Outgoing, Transport};
use crate::durable::{Change, Journal};

/// Opens a Region on first use; true when it is served afterwards.
pub type Opener = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// Applies one event at its destination Region (the node's apply; idempotent and order-safe
/// per key, see [`crate::node::apply`]).
pub type Deliver = Box<dyn Fn(&Envelope) + Send + Sync>;

/// The bus of one cluster.
pub struct Bus {
    transport: Arc<dyn Transport>,
    /// The cluster's Regions, set at start-up; Regions opened on first use join later.
    regions: RwLock<Vec<String>>,
    /// Opens a Region on first use (issue 13, item 1), set once at start-up when the cluster
    /// may; true when the Region is served afterwards.
    opener: OnceLock<Opener>,
    /// The next event's sequence number (its key in a data dir's queue).
    next_seq: AtomicU64,
    /// Fault injection for tests: send every event twice.
    duplicate: AtomicBool,
    /// Where queued and delivered events are recorded (issue 9: undelivered events are
    /// durable, a cut Region's queue included).
    journal: Journal,
}

/// What `GET /_kmsim/bus` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct BusStatus {
    /// `in-process` or `nats`.
    pub transport: &'static str,
    /// Delivery delay.
    pub delay: Duration,
    /// Regions cut off.
    pub cut: Vec<String>,
    /// Events queued in this process's outbox (not yet delivered, or not yet stored by the
    /// broker), per destination Region.
    pub queued: BTreeMap<String, usize>,
    /// Events stored by the broker and not yet applied, per Region of this process (NATS).
    pub pending: BTreeMap<String, u64>,
    /// Whether the transport reaches its broker (always for in-process).
    pub connected: bool,
    /// Events applied so far.
    pub delivered: u64,
    /// Times the delivery task has woken up.
    pub wakeups: u64,
    /// Messages received that this build cannot read (terminated at the broker, never
    /// applied).
    pub rejected: u64,
    /// Replication lag per destination Region (publish → applied), since start or reset.
    pub lag: BTreeMap<String, Lag>,
}

/// Replication lag of the events applied in one Region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lag {
    /// Events measured.
    pub count: u64,
    /// Median, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, in milliseconds.
    pub p99_ms: f64,
    /// Largest, in milliseconds.
    pub max_ms: f64,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("regions", &self.regions())
            .field("status", &self.status())
            .finish()
    }
}

/// The journal records of staged events (queued, not yet delivered).
pub fn queued_changes(staged: &[(u64, Envelope)]) -> impl Iterator<Item = Change> + '_ {
    staged.iter().map(|(seq, e)| Change::BusEvent {
        seq: *seq,
        envelope: Some(e.clone()),
    })
}

impl Bus {
    /// A bus over the in-process transport with the given delivery delay, journaling into
    /// `journal`.
    pub fn new(delay: Duration, journal: Journal) -> Arc<Bus> {
        Bus::over(Arc::new(InProcess::new(delay)), journal)
    }

    /// A bus over `transport`.
    pub fn over(transport: Arc<dyn Transport>, journal: Journal) -> Arc<Bus> {
        Arc::new(Bus {
            transport,
            regions: RwLock::new(Vec::new()),
            opener: OnceLock::new(),
            next_seq: AtomicU64::new(0),
            duplicate: AtomicBool::new(false),
            journal,
        })
    }

    /// Recovery: queues an undelivered event read from the data dir (journals nothing). Call
    /// in sequence order, before [`Bus::resume`].
    pub fn install(&self, seq: u64, envelope: Envelope) {
        self.next_seq.fetch_max(seq + 1, Ordering::Relaxed);
        let dropped = self.transport.send(vec![Outgoing {
            seq,
            envelope,
            coalesce: true,
        }]);
        self.forget(dropped);
    }

    /// Delivers everything that can be delivered now (after recovery): re-setting the delay
    /// wakes the transport's delivery task, and with no delay delivers at once.
    pub fn resume(&self) {
        self.transport.set_delay(self.status().delay);
    }

    /// Connects the cluster (once, at start-up): all its Regions, the ones this process
    /// serves, and the function that applies an event at its destination. Each hand-over
    /// is journaled after the apply's own changes: a crash in between re-delivers the event,
    /// which the idempotent apply makes harmless.
    pub fn connect(&self, regions: Vec<String>, local: Vec<String>, deliver: Deliver) {
        *self.regions.write().unwrap_or_else(|e| e.into_inner()) = regions;
        let journal = self.journal.clone();
        let durable = self.journal.clone();
        self.transport.connect(
            local,
            Handlers {
                apply: deliver,
                sent: Box::new(move |seq| {
                    journal.record(|| Change::BusEvent {
                        seq,
                        envelope: None,
                    })
                }),
                durable: Box::new(move || {
                    let j = durable.clone();
                    Box::pin(async move {
                        // A failed journal has already failed the requests that wrote it; the
                        // event is then not acknowledged to the broker either way.
                        let _ = j.wait(j.mark()).await;
                    })
                }),
            },
        );
    }

    /// Whether `region` is a Region of this cluster: configured, or opened now on first use
    /// when the cluster opens Regions that way ([`Bus::set_opener`]).
    pub fn serves(&self, region: &str) -> bool {
        if self.read_regions().iter().any(|x| x == region) {
            return true;
        }
        self.opener.get().is_some_and(|open| open(region))
    }

    /// The Regions of this cluster.
    pub fn regions(&self) -> Vec<String> {
        self.read_regions().clone()
    }

    /// Issue 13, item 1: how the cluster opens a Region on first use (set once, at start-up;
    /// only where every Region is in this process).
    pub fn set_opener(&self, open: Opener) {
        let _ = self.opener.set(open);
    }

    /// A Region opened on first use joins the cluster's Regions (the in-process transport
    /// delivers to any Region; NATS clusters never open Regions).
    pub fn add_region(&self, region: &str) {
        let mut regions = self.regions.write().unwrap_or_else(|e| e.into_inner());
        if !regions.iter().any(|r| r == region) {
            regions.push(region.to_string());
        }
    }

    fn read_regions(&self) -> std::sync::RwLockReadGuard<'_, Vec<String>> {
        self.regions.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends events that no key change implies (journaled on their own).
    pub fn publish(&self, events: Vec<Envelope>) {
        let staged = self.stage(events);
        self.journal
            .record_all(|| queued_changes(&staged).collect());
        self.enqueue(staged);
    }

    /// Gives each event its sequence number, without sending it yet: the caller journals the
    /// events ([`queued_changes`]) in the same group as the change that implies them, then
    /// hands them to [`Bus::enqueue`].
    pub fn stage(&self, events: Vec<Envelope>) -> Vec<(u64, Envelope)> {
        if events.is_empty() {
            return Vec::new();
        }
        let first = self
            .next_seq
            .fetch_add(events.len() as u64, Ordering::Relaxed);
        (first..).zip(events).collect()
    }

    /// Sends staged events.
    pub fn enqueue(&self, staged: Vec<(u64, Envelope)>) {
        if staged.is_empty() {
            return;
        }
        let dup = self.duplicate.load(Ordering::Relaxed);
        let mut out = Vec::with_capacity(staged.len() * if dup { 2 } else { 1 });
        for (seq, envelope) in staged {
            if dup {
                // Fault injection: the copy gets a number of its own and is not coalesced.
                let copy = self.next_seq.fetch_add(1, Ordering::Relaxed);
                self.journal.record(|| Change::BusEvent {
                    seq: copy,
                    envelope: Some(envelope.clone()),
                });
                out.push(Outgoing {
                    seq: copy,
                    envelope: envelope.clone(),
                    coalesce: false,
                });
            }
            out.push(Outgoing {
                seq,
                envelope,
                coalesce: true,
            });
        }
        let dropped = self.transport.send(out);
        self.forget(dropped);
    }

    /// Journals that queued events will never be delivered (superseded by newer state).
    fn forget(&self, seqs: Vec<u64>) {
        for seq in seqs {
            self.journal.record(|| Change::BusEvent {
                seq,
                envelope: None,
            });
        }
    }

    /// Applies every queued event that can be delivered, ignoring the delay, including events
    /// that applying produces, among this process's Regions (the cluster-wide drain across
    /// processes is [`crate::peers`]'s). Events to or from a cut-off Region stay queued.
    pub async fn drain(&self) -> Result<BusStatus, String> {
        loop {
            self.settle().await?;
            if self.flush().await? == 0 {
                break;
            }
        }
        Ok(self.status())
    }

    /// Hands every queued event that may travel now to the transport, ignoring the delay;
    /// how many it handed over (`Err`: the broker cannot be reached; they stay queued).
    pub async fn flush(&self) -> Result<usize, String> {
        self.transport.clone().flush().await
    }

    /// Waits until every event handed over for this process's Regions has been applied.
    pub async fn settle(&self) -> Result<(), String> {
        self.transport.clone().settle().await
    }

    /// [`Bus::drain`] from a blocking thread (the seed).
    pub fn drain_blocking(&self) -> Result<BusStatus, String> {
        tokio::runtime::Handle::current().block_on(self.drain())
    }

    /// Sets the delivery delay.
    pub fn set_delay(&self, delay: Duration) {
        self.transport.set_delay(delay);
    }

    /// Cuts a Region off: events to and from it queue until [`Bus::heal`].
    pub fn cut(&self, region: &str) {
        self.transport.cut(region);
    }

    /// Reconnects a Region; its queued events are delivered (after the delay, if any).
    pub fn heal(&self, region: &str) {
        self.transport.heal(region);
    }

    /// `/_kmsim/reset`: drops every queued event (the state they would change is gone), heals
    /// every cut and stops duplicate delivery; the delay stays as set.
    pub async fn reset(&self) {
        self.transport.clone().reset().await;
        self.duplicate.store(false, Ordering::Relaxed);
    }

    /// Fault injection for tests: send every event published from now on twice.
    pub fn set_duplicate_delivery(&self, on: bool) {
        self.duplicate.store(on, Ordering::Relaxed);
    }

    /// Fault injection for tests: deliver what is queued now newest first (per Region pair).
    pub fn reverse_queue(&self) {
        self.transport.reverse_queue();
    }

    /// Queues, cut-offs and counters.
    pub fn status(&self) -> BusStatus {
        self.transport.status()
    }

    /// The transport's delivery task: runs until `stop` fires.
    pub async fn run(self: Arc<Self>, stop: tokio::sync::watch::Receiver<bool>) {
        self.transport.clone().run(stop).await
    }
}
