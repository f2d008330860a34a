//! The embedded transport: every Region in this process, events in memory ([`Lanes`]), with
//! a delay, cut and heal. With delay 0 and nothing cut, `send` delivers before it returns, so
//! the cluster at rest behaves like AWS: a replica exists as soon as ReplicateKey answers.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::Notify;

use super::bus::BusStatus;
use super::lag::LagBook;
use super::lanes::Lanes;
use super::transport::{BoxFuture, Handlers, Outgoing, Transport};

/// The in-process transport (see the module doc).
#[derive(Default)]
pub struct InProcess {
    /// Queues and settings. Held only to push/pop — never while an event is applied
    /// (applying sends again) and never across `.await`.
    state: Mutex<State>,
    handlers: OnceLock<Handlers>,
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
    lag: LagBook,
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
            if let Some(h) = self.handlers.get() {
                (h.apply)(&q.envelope);
                (h.sent)(seq);
            }
            let lag_us = q.published.elapsed().as_micros() as u64;
            let mut st = self.state.lock();
            st.delivered += 1;
            st.lag.record(&q.envelope.to, lag_us);
            n += 1;
        }
    }

    /// Delivers until nothing deliverable is left (what delivering sends included).
    fn deliver_all(&self) -> usize {
        let mut total = 0;
        loop {
            let n = self.deliver(true);
            if n == 0 {
                return total;
            }
            total += n;
        }
    }
}

impl Transport for InProcess {
    fn connect(&self, _local: Vec<String>, handlers: Handlers) {
        let _ = self.handlers.set(handlers);
    }

    fn send(&self, events: Vec<Outgoing>) -> Vec<u64> {
        if events.is_empty() {
            return Vec::new();
        }
        let (immediate, dropped) = {
            let mut st = self.state.lock();
            let delay = st.delay;
            (delay.is_zero(), st.queue.push_all(events, delay))
        };
        if immediate {
            self.deliver(false);
        } else {
            self.wake.notify_one();
        }
        dropped
    }

    fn flush(self: Arc<Self>) -> BoxFuture<Result<usize, String>> {
        Box::pin(async move {
            // Applying touches only in-memory stores, but may cascade through several
            // Regions: off the executor.
            tokio::task::spawn_blocking(move || self.deliver_all())
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn settle(self: Arc<Self>) -> BoxFuture<Result<(), String>> {
        // Nothing is ever in flight: delivery happens inside send, flush or the delivery task
        // (which holds no event between popping and applying it for longer than the apply).
        Box::pin(async { Ok(()) })
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

    fn reset(self: Arc<Self>) -> BoxFuture<()> {
        {
            let mut st = self.state.lock();
            st.queue.clear();
            st.cut.clear();
            st.reversed = false;
            st.lag.clear();
        }
        Box::pin(async {})
    }

    fn reverse_queue(&self) {
        let mut st = self.state.lock();
        st.reversed = !st.queue.is_empty();
    }

    fn status(&self) -> BusStatus {
        let st = self.state.lock();
        BusStatus {
            transport: "in-process",
            delay: st.delay,
            cut: st.cut.iter().cloned().collect(),
            queued: st.queue.queued(),
            pending: Default::default(),
            delivered: st.delivered,
            wakeups: st.wakeups,
            rejected: 0,
            lag: st.lag.summary(),
            connected: true,
        }
    }

    fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) -> BoxFuture<()> {
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
