//! The NATS JetStream transport (issue 10): Regions in separate processes or hosts.
//!
//! - **One stream per cluster** (`[bus] stream`, file storage, work-queue retention), a
//!   **subject per destination Region** (`<stream>.to.<region>`), and a **durable pull
//!   consumer per Region** (named after it), so a Region that was down resumes where it
//!   stopped. A message is removed from the stream once its Region acknowledges it.
//! - **Outbox**: [`Transport::send`] only queues, in [`Lanes`] (per Region pair, superseding);
//!   the events are already journaled by the bus with the change that implied them, so with a
//!   data dir the outbox is durable. The publisher task publishes them in lane order and
//!   tells the bus an event is `sent` only once JetStream has stored it. A NATS outage
//!   therefore delays replication and fails no KMS request; a crash re-publishes what was
//!   not confirmed (at least once; `Nats-Msg-Id` lets JetStream drop a retried publish).
//! - **Consumers** apply each message through the node's apply, wait until its changes are
//!   durable, and only then acknowledge it; a crash before the acknowledgement re-delivers
//!   it, which the idempotent apply makes harmless.
//! - **Cut**: events from or to a cut Region stay in the outbox, and a cut Region's consumer
//!   holds what it has fetched until the heal. **Delay**: events wait in the outbox.
//!
//! Messages are `postcard`-encoded [`Wire`] records with a format version; a message this
//! build cannot read is terminated (never re-delivered) and counted in `rejected`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer, stream};
use futures_util::{FutureExt, StreamExt};
use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

use super::bus::BusStatus;
use super::event::Envelope;
use super::lag::LagBook;
use super::lanes::{Lanes, Queued};
use super::transport::{BoxFuture, Handlers, Outgoing, Transport};

/// The message format version this build writes and reads.
const WIRE_VERSION: u8 = 1;
/// Events published per round trip batch.
const PUBLISH_BATCH: usize = 256;
/// Messages applied (and acknowledged) together at most.
const FETCH_BATCH: usize = 256;
/// How long the broker waits for an acknowledgement before it delivers a message again: an
/// acknowledgement lost with a NATS restart costs at most this much delay.
const ACK_WAIT: Duration = Duration::from_secs(5);
/// Pause after a failed call to NATS before the next try.
const RETRY: Duration = Duration::from_millis(250);
/// How long [`Transport::flush`] and [`Transport::settle`] wait for NATS before giving up.
const ADMIN_WAIT: Duration = Duration::from_secs(30);

/// One message on the stream.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Wire {
    /// [`WIRE_VERSION`].
    pub version: u8,
    /// When it was published (wall clock, microseconds since the epoch), for the lag.
    pub published_us: u64,
    /// The event.
    pub envelope: Envelope,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The NATS JetStream transport (see the module doc).
pub struct Nats {
    url: String,
    stream: String,
    /// Distinguishes this process's message ids from a previous run's (sequence numbers
    /// restart after a restart without queued events).
    incarnation: String,
    state: Mutex<State>,
    handlers: OnceLock<Handlers>,
    local: OnceLock<Vec<String>>,
    /// Set once the stream exists.
    js: OnceLock<(jetstream::Context, async_nats::Client)>,
    /// Wakes the publisher when something is queued or the settings change.
    wake: Notify,
    /// The cut Regions, for the consumers.
    cut_tx: watch::Sender<BTreeSet<String>>,
    /// One publisher at a time (the task or a flush), so each lane is published in order.
    publishing: tokio::sync::Mutex<()>,
    /// Messages received and not yet acknowledged, per process.
    in_flight: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    delay: Duration,
    cut: BTreeSet<String>,
    outbox: Lanes,
    published: u64,
    delivered: u64,
    rejected: u64,
    reversed: bool,
    wakeups: u64,
    lag: LagBook,
    /// Messages the broker still holds per local Region (from the last message's metadata).
    pending: BTreeMap<String, u64>,
}

impl std::fmt::Debug for Nats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nats")
            .field("url", &self.url)
            .field("stream", &self.stream)
            .finish()
    }
}

impl Nats {
    /// A transport to the NATS server at `url`, on stream `stream`, with delivery delay
    /// `delay`. Connects in the background ([`Transport::run`]).
    pub fn new(url: &str, stream: &str, delay: Duration) -> Nats {
        Nats {
            url: url.to_string(),
            stream: stream.to_string(),
            incarnation: uuid::Uuid::new_v4().simple().to_string(),
            state: Mutex::new(State {
                delay,
                ..Default::default()
            }),
            handlers: OnceLock::new(),
            local: OnceLock::new(),
            js: OnceLock::new(),
            wake: Notify::new(),
            cut_tx: watch::channel(BTreeSet::new()).0,
            publishing: tokio::sync::Mutex::new(()),
            in_flight: AtomicU64::new(0),
        }
    }

    fn subject(&self, region: &str) -> String {
        format!("{}.to.{region}", self.stream)
    }

    /// Connects and makes sure the stream exists, retrying until it does or `stop` fires.
    async fn establish(&self, stop: &mut watch::Receiver<bool>) -> Option<()> {
        let mut warned = false;
        loop {
            let attempt = async {
                let client = async_nats::ConnectOptions::new()
                    .connection_timeout(Duration::from_secs(2))
                    .retry_on_initial_connect()
                    .connect(self.url.as_str())
                    .await
                    .map_err(|e| e.to_string())?;
                let js = jetstream::new(client.clone());
                js.get_or_create_stream(stream::Config {
                    name: self.stream.clone(),
                    subjects: vec![format!("{}.to.*", self.stream)],
                    retention: stream::RetentionPolicy::WorkQueue,
                    storage: stream::StorageType::File,
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
                Ok::<_, String>((js, client))
            };
            let result = tokio::select! {
                r = tokio::time::timeout(Duration::from_secs(10), attempt) => r,
                _ = stop.wait_for(|s| *s) => return None,
            };
            match result {
                Ok(Ok(pair)) => {
                    let _ = self.js.set(pair);
                    tracing::info!(url = %self.url, stream = %self.stream, "bus connected to NATS JetStream");
                    return Some(());
                }
                Ok(Err(e)) if !warned => {
                    warned = true;
                    tracing::warn!(url = %self.url, error = %e, "NATS not reachable yet; replication waits, requests are served");
                }
                Err(_) if !warned => {
                    warned = true;
                    tracing::warn!(url = %self.url, "NATS not reachable yet; replication waits, requests are served");
                }
                _ => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(RETRY) => {}
                _ = stop.wait_for(|s| *s) => return None,
            }
        }
    }

    /// Publishes queued events that are due (all deliverable ones with `force`), batch by
    /// batch, until none is left or a publish fails. Returns how many JetStream stored.
    async fn publish(&self, force: bool) -> Result<usize, String> {
        let Some((js, _)) = self.js.get() else {
            return Err("the bus is not connected to NATS yet".into());
        };
        let _one = self.publishing.lock().await;
        let mut total = 0;
        loop {
            let batch: Vec<(u64, Queued)> = {
                let mut st = self.state.lock();
                let st = &mut *st;
                let now = Instant::now();
                let mut out = Vec::new();
                while out.len() < PUBLISH_BATCH {
                    match st.outbox.pop(&st.cut, now, force, st.reversed) {
                        Some(x) => out.push(x),
                        None => break,
                    }
                }
                if st.outbox.is_empty() {
                    st.reversed = false;
                }
                out
            };
            if batch.is_empty() {
                return Ok(total);
            }
            // Pipelined: every publish is sent, then the acknowledgements are awaited in order.
            let mut acks = Vec::with_capacity(batch.len());
            for (seq, q) in &batch {
                let wire = Wire {
                    version: WIRE_VERSION,
                    published_us: now_us(),
                    envelope: q.envelope.clone(),
                };
                let Ok(payload) = postcard::to_stdvec(&wire) else {
                    acks.push(None);
                    continue;
                };
                let msg = jetstream::message::PublishMessage::build()
                    .payload(payload.into())
                    .message_id(format!("{}-{seq}", self.incarnation));
                acks.push(
                    js.send_publish(self.subject(&q.envelope.to), msg)
                        .await
                        .ok(),
                );
            }
            let mut failed = Vec::new();
            let mut error = None;
            let mut stored_now = 0u64;
            for ((seq, q), ack) in batch.into_iter().zip(acks) {
                let stored = match ack {
                    Some(f) => match f.await {
                        Ok(_) => true,
                        Err(e) => {
                            error.get_or_insert_with(|| e.to_string());
                            false
                        }
                    },
                    None => {
                        error.get_or_insert_with(|| "publish failed".to_string());
                        false
                    }
                };
                if stored {
                    if let Some(h) = self.handlers.get() {
                        (h.sent)(seq);
                    }
                    stored_now += 1;
                } else {
                    failed.push((seq, q));
                }
            }
            self.state.lock().published += stored_now;
            total += stored_now as usize;
            if let Some(e) = error {
                // Back into the outbox, in their places: nothing is lost, and a newer event
                // queued meanwhile still supersedes an older one.
                let mut dropped = Vec::new();
                {
                    let mut st = self.state.lock();
                    for (seq, q) in failed {
                        dropped.extend(st.outbox.push(seq, q, true));
                    }
                }
                if let Some(h) = self.handlers.get() {
                    for seq in dropped {
                        (h.sent)(seq);
                    }
                }
                return Err(e);
            }
        }
    }

    /// Receives, applies and acknowledges one Region's messages until `stop` fires: each
    /// message as soon as it arrives, together with whatever else has already arrived (up to
    /// [`FETCH_BATCH`]).
    async fn consume(self: Arc<Self>, region: String, mut stop: watch::Receiver<bool>) {
        let Some((js, _)) = self.js.get() else { return };
        let mut cut = self.cut_tx.subscribe();
        let mut incoming: Option<consumer::pull::Stream> = None;
        loop {
            // A cut Region takes nothing new until the heal.
            tokio::select! {
                _ = cut.wait_for(|c| !c.contains(&region)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            let messages = match incoming.as_mut() {
                Some(m) => m,
                None => match self.open(js, &region).await {
                    Ok(m) => incoming.insert(m),
                    Err(e) => {
                        tracing::debug!(%region, error = %e, "consumer not ready");
                        tokio::select! {
                            _ = tokio::time::sleep(RETRY) => {}
                            _ = stop.wait_for(|s| *s) => return,
                        }
                        continue;
                    }
                },
            };
            let first = tokio::select! {
                m = messages.next() => m,
                _ = stop.wait_for(|s| *s) => return,
            };
            let mut batch = match first {
                Some(Ok(m)) => vec![m],
                other => {
                    // The connection or the consumer went away: open it again.
                    if let Some(Err(e)) = other {
                        tracing::debug!(%region, error = %e, "consumer stream broke");
                    }
                    incoming = None;
                    continue;
                }
            };
            while batch.len() < FETCH_BATCH {
                match messages.next().now_or_never() {
                    Some(Some(Ok(m))) => batch.push(m),
                    _ => break,
                }
            }
            self.in_flight
                .fetch_add(batch.len() as u64, Ordering::SeqCst);
            // Received while a cut was being made: held until the heal, telling the broker
            // they are being worked on so it does not deliver them again meanwhile.
            loop {
                tokio::select! {
                    _ = cut.wait_for(|c| !c.contains(&region)).map(|_| ()) => break,
                    _ = tokio::time::sleep(ACK_WAIT / 2) => {
                        for m in &batch {
                            let _ = m.ack_with(jetstream::AckKind::Progress).await;
                        }
                    }
                    _ = stop.wait_for(|s| *s).map(|_| ()) => return,
                }
            }
            self.apply_and_ack(&region, batch).await;
        }
    }

    /// The Region's durable consumer (created on first use) as a stream of messages.
    async fn open(
        &self,
        js: &jetstream::Context,
        region: &str,
    ) -> Result<consumer::pull::Stream, String> {
        let stream = js
            .get_stream(&self.stream)
            .await
            .map_err(|e| e.to_string())?;
        let c: consumer::PullConsumer = stream
            .get_or_create_consumer(
                region,
                consumer::pull::Config {
                    durable_name: Some(region.to_string()),
                    filter_subject: self.subject(region),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: ACK_WAIT,
                    max_ack_pending: 100_000,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        c.stream()
            .max_messages_per_batch(FETCH_BATCH)
            .heartbeat(Duration::from_secs(1))
            .expires(Duration::from_secs(5))
            .messages()
            .await
            .map_err(|e| e.to_string())
    }

    /// Applies fetched messages in order (off the executor), waits until their changes are
    /// durable, then acknowledges them.
    async fn apply_and_ack(self: &Arc<Self>, region: &str, messages: Vec<jetstream::Message>) {
        let n = messages.len() as u64;
        let mut decoded = Vec::with_capacity(messages.len());
        let mut rejected = Vec::new();
        for m in &messages {
            match postcard::from_bytes::<Wire>(&m.payload) {
                Ok(w) if w.version == WIRE_VERSION && w.envelope.to == region => {
                    decoded.push(Some(w))
                }
                _ => {
                    decoded.push(None);
                    rejected.push(m);
                }
            }
        }
        let pending = messages
            .last()
            .and_then(|m| m.info().ok().map(|i| i.pending));
        let envelopes: Vec<(u64, Envelope)> = decoded
            .into_iter()
            .flatten()
            .map(|w| (w.published_us, w.envelope))
            .collect();
        let applied = envelopes.len() as u64;
        let envelopes = Arc::new(envelopes);
        let (me, envs) = (self.clone(), envelopes.clone());
        // Applying may cascade into sends and journal writes: off the executor.
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(h) = me.handlers.get() {
                for (_, e) in envs.iter() {
                    (h.apply)(e);
                }
            }
        })
        .await;
        if let Some(h) = self.handlers.get() {
            (h.durable)().await;
        }
        let done = now_us();
        {
            let mut st = self.state.lock();
            for (published, _) in envelopes.iter() {
                st.lag.record(region, done.saturating_sub(*published));
            }
            st.delivered += applied;
            st.rejected += rejected.len() as u64;
            if let Some(p) = pending {
                st.pending.insert(region.to_string(), p);
            }
        }
        for m in &rejected {
            tracing::warn!(%region, "dropped a bus message this build cannot read");
            let _ = m.ack_with(jetstream::AckKind::Term).await;
        }
        // A plain acknowledgement (not confirmed): one lost on the way is re-delivered after
        // ACK_WAIT, which the idempotent apply makes harmless; settle() reads the broker's
        // own ack counts, so it waits for these to land.
        for m in messages
            .iter()
            .filter(|m| !rejected.iter().any(|r| std::ptr::eq(*r, *m)))
        {
            if let Err(e) = m.ack().await {
                tracing::debug!(%region, error = %e, "ack failed; the message will be re-delivered");
            }
        }
        self.in_flight.fetch_sub(n, Ordering::SeqCst);
    }

    /// Whether every local Region that is not cut has nothing left in the broker.
    async fn settled(&self) -> Result<bool, String> {
        let Some((js, _)) = self.js.get() else {
            return Err("the bus is not connected to NATS yet".into());
        };
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Ok(false);
        }
        let stream = js
            .get_stream(&self.stream)
            .await
            .map_err(|e| e.to_string())?;
        let cut = self.state.lock().cut.clone();
        for region in self.local.get().into_iter().flatten() {
            if cut.contains(region) {
                continue;
            }
            match stream.consumer_info(region).await {
                Ok(info) => {
                    self.state
                        .lock()
                        .pending
                        .insert(region.clone(), info.num_pending);
                    if info.num_pending > 0 || info.num_ack_pending > 0 {
                        return Ok(false);
                    }
                }
                // Not created yet: its consumer task is about to.
                Err(_) => return Ok(false),
            }
        }
        Ok(self.in_flight.load(Ordering::SeqCst) == 0)
    }

    async fn publisher(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        loop {
            let failed = self.publish(false).await.is_err();
            let wait = if failed {
                RETRY
            } else {
                let mut st = self.state.lock();
                st.wakeups += 1;
                st.outbox
                    .next_due(&st.cut)
                    .map(|due| due.saturating_duration_since(Instant::now()))
                    .unwrap_or(Duration::from_secs(3600))
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

impl Transport for Nats {
    fn connect(&self, local: Vec<String>, handlers: Handlers) {
        let _ = self.local.set(local);
        let _ = self.handlers.set(handlers);
    }

    fn send(&self, events: Vec<Outgoing>) -> Vec<u64> {
        if events.is_empty() {
            return Vec::new();
        }
        let dropped = {
            let mut st = self.state.lock();
            let delay = st.delay;
            st.outbox.push_all(events, delay)
        };
        self.wake.notify_one();
        dropped
    }

    fn flush(self: Arc<Self>) -> BoxFuture<Result<usize, String>> {
        Box::pin(async move {
            match tokio::time::timeout(ADMIN_WAIT, self.publish(true)).await {
                Ok(r) => r,
                Err(_) => Err(format!(
                    "NATS did not store the outbox within {ADMIN_WAIT:?}"
                )),
            }
        })
    }

    fn settle(self: Arc<Self>) -> BoxFuture<Result<(), String>> {
        Box::pin(async move {
            let deadline = Instant::now() + ADMIN_WAIT;
            loop {
                match self.settled().await {
                    Ok(true) => return Ok(()),
                    Ok(false) => {}
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    Err(_) => {}
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "the Regions of this process did not apply their events within {ADMIN_WAIT:?}"
                    ));
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    }

    fn set_delay(&self, delay: Duration) {
        self.state.lock().delay = delay;
        self.wake.notify_one();
    }

    fn cut(&self, region: &str) {
        let cut = {
            let mut st = self.state.lock();
            st.cut.insert(region.to_string());
            st.cut.clone()
        };
        self.cut_tx.send_replace(cut);
    }

    fn heal(&self, region: &str) {
        let cut = {
            let mut st = self.state.lock();
            st.cut.remove(region);
            st.cut.clone()
        };
        self.cut_tx.send_replace(cut);
        self.wake.notify_one();
    }

    fn reset(self: Arc<Self>) -> BoxFuture<()> {
        Box::pin(async move {
            {
                let mut st = self.state.lock();
                st.outbox.clear();
                st.cut.clear();
                st.reversed = false;
                st.lag.clear();
                st.pending.clear();
            }
            self.cut_tx.send_replace(BTreeSet::new());
            if let Some((js, _)) = self.js.get() {
                if let Ok(stream) = js.get_stream(&self.stream).await {
                    if let Err(e) = stream.purge().await {
                        tracing::warn!(error = %e, "could not purge the bus stream on reset");
                    }
                }
            }
        })
    }

    fn reverse_queue(&self) {
        let mut st = self.state.lock();
        st.reversed = !st.outbox.is_empty();
    }

    fn status(&self) -> BusStatus {
        let connected = self
            .js
            .get()
            .is_some_and(|(_, c)| c.connection_state() == async_nats::connection::State::Connected);
        let st = self.state.lock();
        BusStatus {
            transport: "nats",
            delay: st.delay,
            cut: st.cut.iter().cloned().collect(),
            queued: st.outbox.queued(),
            pending: st.pending.clone(),
            delivered: st.delivered,
            wakeups: st.wakeups,
            rejected: st.rejected,
            lag: st.lag.summary(),
            connected,
        }
    }

    fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) -> BoxFuture<()> {
        Box::pin(async move {
            if self.establish(&mut stop).await.is_none() {
                return;
            }
            let mut tasks = Vec::new();
            for region in self.local.get().cloned().unwrap_or_default() {
                tasks.push(tokio::spawn(self.clone().consume(region, stop.clone())));
            }
            self.clone().publisher(stop).await;
            for t in tasks {
                let _ = t.await;
            }
        })
    }
}
