//! The in-process replication bus: one lane per (source, destination) Region pair (so per-key
//! order holds and a cut Region blocks only its own lanes, see [`super::lanes`]), a
//! configurable delivery delay, cutting a Region off and healing it (nothing queued is lost;
//! newer full state supersedes older in the queue), and `drain` for deterministic tests. Kept behind [`Bus::publish`] so a broker-backed bus
//! can replace it (DESIGN.md, "Regions as separate processes").
//!
//! With delay 0 and no Region cut off, an event is applied before `publish` returns, so the
//! cluster at rest behaves like AWS: a replica exists as soon as ReplicateKey answers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use super::event::Envelope;
use super::lanes::{Lanes, Queued};
use crate::durable::{Change, Journal};

/// Applies one event at its destination Region (the node's apply; idempotent and order-safe
/// per key, see [`crate::node::apply`]).
pub type Deliver = Box<dyn Fn(&Envelope) + Send + Sync>;

/// The bus of one cluster.
pub struct Bus {
    /// Queues and settings. A plain mutex, held only to push/pop — never while an event is
    /// applied (applying publishes again) and never across `.await`.
    state: Mutex<BusState>,
    /// The cluster's Regions and where delivered events go, set once at start-up. The bus
    /// knows no node: the cluster hands it a function that applies an event at its
    /// destination ([`Deliver`]).
    links: OnceLock<(Vec<String>, Deliver)>,
    /// Wakes the delivery task when something is queued or the settings change.
    wake: Notify,
    /// The next event's sequence number (its key in a data dir's queue).
    next_seq: std::sync::atomic::AtomicU64,
    /// Where queued and delivered events are recorded (issue 9: undelivered events are
    /// durable, a cut Region's queue included).
    journal: Journal,
}

#[derive(Debug, Default)]
struct BusState {
    delay: Duration,
    cut: BTreeSet<String>,
    queue: Lanes,
    delivered: u64,
    /// Fault injection for tests: deliver every event twice.
    duplicate: bool,
    /// Fault injection for tests: deliver newest first until the queue is empty.
    reversed: bool,
    /// How many times the delivery task woke up (idle cost, for tests).
    wakeups: u64,
}

/// What `GET /_kmsim/bus` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusStatus {
    /// Delivery delay.
    pub delay: Duration,
    /// Regions cut off.
    pub cut: Vec<String>,
    /// Queued events per destination Region.
    pub queued: BTreeMap<String, usize>,
    /// Events applied so far.
    pub delivered: u64,
    /// Times the delivery task has woken up.
    pub wakeups: u64,
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
    /// A bus with the given delivery delay, journaling into `journal`.
    pub fn new(delay: Duration, journal: Journal) -> Arc<Bus> {
        Arc::new(Bus {
            state: Mutex::new(BusState {
                delay,
                ..Default::default()
            }),
            links: OnceLock::new(),
            wake: Notify::new(),
            next_seq: Default::default(),
            journal,
        })
    }

    /// Recovery: queues an undelivered event read from the data dir (due at once; journals
    /// nothing). Call in sequence order, before [`Bus::connect`]'s first delivery.
    pub fn install(&self, seq: u64, envelope: Envelope) {
        self.next_seq
            .fetch_max(seq + 1, std::sync::atomic::Ordering::Relaxed);
        let due = Instant::now();
        let dropped = self
            .state
            .lock()
            .queue
            .push(seq, Queued { due, envelope }, true);
        self.forget(dropped);
    }

    /// Delivers everything that can be delivered now (after recovery).
    pub fn resume(&self) {
        self.deliver(false);
        self.wake.notify_one();
    }

    /// Connects the cluster (once, at start-up): its Regions, and the function that applies
    /// an event at its destination.
    pub fn connect(&self, regions: Vec<String>, deliver: Deliver) {
        let _ = self.links.set((regions, deliver));
    }

    /// Whether `region` is a Region of this cluster.
    pub fn serves(&self, region: &str) -> bool {
        self.links
            .get()
            .is_some_and(|(r, _)| r.iter().any(|x| x == region))
    }

    /// The Regions of this cluster.
    pub fn regions(&self) -> Vec<String> {
        self.links.get().map(|(r, _)| r.clone()).unwrap_or_default()
    }

    /// Queues events, and with no delay delivers them at once.
    pub fn publish(&self, events: Vec<Envelope>) {
        let staged = self.stage(events);
        self.journal
            .record_all(|| queued_changes(&staged).collect());
        self.enqueue(staged);
    }

    /// Gives each event its sequence number, without queueing it yet: the caller journals the
    /// events ([`queued_changes`]) in the same group as the change that implies them, then
    /// hands them to [`Bus::enqueue`].
    pub fn stage(&self, events: Vec<Envelope>) -> Vec<(u64, Envelope)> {
        if events.is_empty() {
            return Vec::new();
        }
        let first = self
            .next_seq
            .fetch_add(events.len() as u64, std::sync::atomic::Ordering::Relaxed);
        (first..).zip(events).collect()
    }

    /// Queues staged events, and with no delay delivers them at once.
    pub fn enqueue(&self, staged: Vec<(u64, Envelope)>) {
        if staged.is_empty() {
            return;
        }
        let (immediate, dropped) = {
            let mut st = self.state.lock();
            let due = Instant::now() + st.delay;
            let dup = st.duplicate;
            let mut dropped = Vec::new();
            for (seq, e) in staged {
                if dup {
                    // Fault injection: the copy gets a number of its own and is not coalesced.
                    let copy = self
                        .next_seq
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    self.journal.record(|| Change::BusEvent {
                        seq: copy,
                        envelope: Some(e.clone()),
                    });
                    st.queue.push(
                        copy,
                        Queued {
                            due,
                            envelope: e.clone(),
                        },
                        false,
                    );
                }
                dropped.extend(st.queue.push(seq, Queued { due, envelope: e }, true));
            }
            (st.delay.is_zero(), dropped)
        };
        for seq in dropped {
            self.forget(Some(seq));
        }
        if immediate {
            self.deliver(false);
        } else {
            self.wake.notify_one();
        }
    }

    /// Journals that a queued event will never be delivered (superseded by newer state).
    fn forget(&self, seq: Option<u64>) {
        if let Some(seq) = seq {
            self.journal.record(|| Change::BusEvent {
                seq,
                envelope: None,
            });
        }
    }

    /// Delivers queued events whose time has come (all of them with `force`), in order, to
    /// and from Regions that are not cut off. Returns how many were applied.
    fn deliver(&self, force: bool) -> usize {
        let mut n = 0;
        loop {
            let next = {
                let mut st = self.state.lock();
                let st = &mut *st;
                let next = st.queue.pop(&st.cut, Instant::now(), force, st.reversed);
                if st.queue.is_empty() {
                    st.reversed = false;
                }
                next
            };
            let Some((seq, env)) = next else {
                return n;
            };
            if let Some((_, deliver)) = self.links.get() {
                deliver(&env);
            }
            // Recorded after the apply's own changes: a crash in between re-delivers the
            // event, which the idempotent apply makes harmless.
            self.journal.record(|| Change::BusEvent {
                seq,
                envelope: None,
            });
            self.state.lock().delivered += 1;
            n += 1;
        }
    }

    /// Applies every queued event that can be delivered, ignoring the delay, including events
    /// that applying produces. Events to or from a cut-off Region stay queued.
    pub fn drain(&self) -> BusStatus {
        while self.deliver(true) > 0 {}
        self.status()
    }

    /// Sets the delivery delay.
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().delay = delay;
        self.wake.notify_one();
        if delay.is_zero() {
            self.deliver(false);
        }
    }

    /// Cuts a Region off: events to and from it queue until [`Bus::heal`].
    pub fn cut(&self, region: &str) {
        self.state.lock().cut.insert(region.to_string());
    }

    /// Reconnects a Region; its queued events are delivered (after the delay, if any).
    pub fn heal(&self, region: &str) {
        let immediate = {
            let mut st = self.state.lock();
            st.cut.remove(region);
            st.delay.is_zero()
        };
        if immediate {
            self.deliver(false);
        }
        self.wake.notify_one();
    }

    /// `/_kmsim/reset`: drops every queued event (the state they would change is gone), heals
    /// every cut and stops duplicate delivery; the delay stays as set.
    pub fn reset(&self) {
        let mut st = self.state.lock();
        st.queue.clear();
        st.cut.clear();
        st.duplicate = false;
        st.reversed = false;
    }

    /// Fault injection for tests: deliver every event published from now on twice.
    pub fn set_duplicate_delivery(&self, on: bool) {
        self.state.lock().duplicate = on;
    }

    /// Fault injection for tests: deliver what is queued now newest first (in each lane).
    pub fn reverse_queue(&self) {
        let mut st = self.state.lock();
        st.reversed = !st.queue.is_empty();
    }

    /// Queues, cut-offs and counters.
    pub fn status(&self) -> BusStatus {
        let st = self.state.lock();
        BusStatus {
            delay: st.delay,
            cut: st.cut.iter().cloned().collect(),
            queued: st.queue.queued(),
            delivered: st.delivered,
            wakeups: st.wakeups,
        }
    }

    /// The delivery task for delayed events: runs until `stop` fires.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            // Sleep until the next deliverable event is due: events to or from a cut Region
            // wake nobody (healing does), so an idle bus costs nothing.
            let wait = {
                let mut st = self.state.lock();
                st.wakeups += 1;
                st.queue
                    .next_due(&st.cut)
                    .map(|due| due.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_secs(3600))
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {
                    let bus = self.clone();
                    // Applying touches only in-memory stores: cheap, but keep it off the
                    // reactor thread anyway since it may cascade through several Regions.
                    let _ = tokio::task::spawn_blocking(move || bus.deliver(false)).await;
                }
                _ = self.wake.notified() => {}
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }
}
