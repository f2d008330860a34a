//! How events travel between Regions: the [`Transport`] trait, and [`InProcess`], the
//! embedded implementation (Regions in one process; the default).
//!
//! **Laws** every transport keeps, on which the node's apply ([`crate::node::apply`]) relies
//! (it is idempotent, order-safe per key and commutative across keys; property-tested in
//! `domain::multi_region::apply_laws`):
//! - *at least once*: an event handed to [`Transport::send`] reaches its destination's
//!   delivery function eventually (unless the cluster is reset), possibly more than once;
//! - *order per Region pair*: events from one Region to another arrive in publication order,
//!   so a key's events from one Region do; nothing is promised across pairs, and a cut Region
//!   delays only its own pairs;
//! - *superseding*: a queued snapshot or report may be dropped when a newer one for the same
//!   key is sent (it carries everything the older one did).

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use super::bus::{BusStatus, Lag};
use super::event::Envelope;
use super::lanes::{Lanes, Queued};

/// Called by a transport for each delivered event: its publication number and the event.
pub type Delivered = Box<dyn Fn(u64, &Envelope) + Send + Sync>;

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
    /// Sets the delivery function (once, at start-up).
    fn connect(&self, delivered: Delivered);
    /// Hands events over. Returns the publication numbers of events that will never be
    /// delivered because newer state superseded them (the caller journals them as gone).
    fn send(&self, events: Vec<Outgoing>) -> Vec<u64>;
    /// Delivers everything deliverable now, ignoring the delay, including what delivering
    /// produces; events to or from a cut Region stay queued.
    fn drain(&self);
    /// Sets the delivery delay.
    fn set_delay(&self, delay: Duration);
    /// Holds events to and from `region` until [`Transport::heal`].
    fn cut(&self, region: &str);
    /// Releases a cut Region's events.
    fn heal(&self, region: &str);
    /// Drops every queued event and every cut (`/_kmsim/reset`); the delay stays.
    fn reset(&self);
    /// Fault injection: deliver what is queued now newest first.
    fn reverse_queue(&self);
    /// Queues, cuts and counters.
    fn status(&self) -> BusStatus;
    /// Delivers delayed events until `stop` fires.
    fn run(
        self: Arc<Self>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
}

/// The embedded transport: lanes in memory ([`Lanes`]), a delay, cut and heal. With delay 0
/// and nothing cut, `send` delivers before it returns, so the cluster at rest behaves like
/// AWS: a replica exists as soon as ReplicateKey answers.
#[derive(Default)]
pub struct InProcess {
    /// Queues and settings. Held only to push/pop — never while an event is applied
    /// (applying sends again) and never across `.await`.
    state: Mutex<State>,
    delivered: OnceLock<Delivered>,
    /// Wakes the delivery task when something is queued or the settings change.
    wake: Notify,
}

#[derive(Debug, Default)]
struct State {
    delay: Duration,
    cut: BTreeSet<String>,
    queue: Lanes,
    delivered: u64,
    /// Fault injection for tests: deliver newest first until the queue is empty.
    reversed: bool,
    /// How many times the delivery task woke up (idle cost, for tests).
    wakeups: u64,
    /// Publish → applied, in microseconds, per destination Region.
    lag: std::collections::BTreeMap<String, hdrhistogram::Histogram<u64>>,
}

impl InProcess {
    /// A transport with the given delivery delay.
    pub fn new(delay: Duration) -> InProcess {
        InProcess {
            state: Mutex::new(State {
                delay,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// Delivers queued events whose time has come (all of them with `force`), lane by lane
    /// in order, to and from Regions that are not cut off. Returns how many were applied.
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
            let Some((seq, q)) = next else {
                return n;
            };
            if let Some(f) = self.delivered.get() {
                f(seq, &q.envelope);
            }
            let lag_us = q.published.elapsed().as_micros() as u64;
            let mut st = self.state.lock();
            st.delivered += 1;
            let h = match st.lag.entry(q.envelope.to) {
                std::collections::btree_map::Entry::Occupied(e) => Some(e.into_mut()),
                std::collections::btree_map::Entry::Vacant(e) => {
                    // 1 µs to 1 hour at 3 significant figures: valid bounds, so this never fails.
                    hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3)
                        .ok()
                        .map(|h| e.insert(h))
                }
            };
            if let Some(h) = h {
                h.saturating_record(lag_us.max(1));
            }
            n += 1;
        }
    }
}

impl Transport for InProcess {
    fn connect(&self, delivered: Delivered) {
        let _ = self.delivered.set(delivered);
    }

    fn send(&self, events: Vec<Outgoing>) -> Vec<u64> {
        if events.is_empty() {
            return Vec::new();
        }
        let (immediate, dropped) = {
            let mut st = self.state.lock();
            let now = Instant::now();
            let due = now + st.delay;
            let mut dropped = Vec::new();
            for o in events {
                let q = Queued {
                    published: now,
                    due,
                    envelope: o.envelope,
                };
                dropped.extend(st.queue.push(o.seq, q, o.coalesce));
            }
            (st.delay.is_zero(), dropped)
        };
        if immediate {
            self.deliver(false);
        } else {
            self.wake.notify_one();
        }
        dropped
    }

    fn drain(&self) {
        while self.deliver(true) > 0 {}
    }

    fn set_delay(&self, delay: Duration) {
        self.state.lock().delay = delay;
        self.wake.notify_one();
        if delay.is_zero() {
            self.deliver(false);
        }
    }

    fn cut(&self, region: &str) {
        self.state.lock().cut.insert(region.to_string());
    }

    fn heal(&self, region: &str) {
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

    fn reset(&self) {
        let mut st = self.state.lock();
        st.queue.clear();
        st.cut.clear();
        st.reversed = false;
        st.lag.clear();
    }

    fn reverse_queue(&self) {
        let mut st = self.state.lock();
        st.reversed = !st.queue.is_empty();
    }

    fn status(&self) -> BusStatus {
        let st = self.state.lock();
        BusStatus {
            delay: st.delay,
            cut: st.cut.iter().cloned().collect(),
            queued: st.queue.queued(),
            delivered: st.delivered,
            wakeups: st.wakeups,
            lag: st
                .lag
                .iter()
                .map(|(r, h)| {
                    let ms = |us: u64| us as f64 / 1000.0;
                    let lag = Lag {
                        count: h.len(),
                        p50_ms: ms(h.value_at_quantile(0.5)),
                        p99_ms: ms(h.value_at_quantile(0.99)),
                        max_ms: ms(h.max()),
                    };
                    (r.clone(), lag)
                })
                .collect(),
        }
    }

    fn run(
        self: Arc<Self>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move {
            loop {
                // Sleep until the next deliverable event is due: events to or from a cut
                // Region wake nobody (healing does), so an idle bus costs nothing.
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
                        let t = self.clone();
                        // Applying touches only in-memory stores: cheap, but keep it off the
                        // reactor thread anyway since it may cascade through several Regions.
                        let _ = tokio::task::spawn_blocking(move || t.deliver(false)).await;
                    }
                    _ = self.wake.notified() => {}
                    changed = stop.changed() => {
                        if changed.is_err() || *stop.borrow() {
                            return;
                        }
                    }
                }
            }
        })
    }
}
