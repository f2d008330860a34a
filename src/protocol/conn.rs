//! HTTP/1.1 connections of every endpoint: the accept loop, graceful shutdown, and the two
//! per-connection timeouts of issue 12, item 5 (without them a client that opens sockets and
//! stalls holds them forever, and at the descriptor limit new clients hang):
//!
//! - **header read**: from the first byte of a request to the end of its head (request line
//!   and headers). A client that trickles or stops mid-head is cut off. The same time bounds
//!   the body after the head ([`TimedBody`]).
//! - **idle**: how long a connection may stay open with no request in progress: after it is
//!   accepted and after each response.
//!
//! Once its body is in, a request being handled is never timed out. Past a head or idle
//! deadline the connection is closed without an answer, as hyper does for its own header
//! timeout. hyper's timer cannot tell
//! the two phases apart (it starts the header clock as soon as a connection is idle), so a
//! small watchdog per connection does: the socket wrapper [`Watched`] notes when a request's
//! first byte arrives, the service wrapper notes when a request starts and ends, and the
//! watchdog looks at those notes on a tick of a quarter of the shorter timeout (at most 1 s).
//! Nothing on the request path wakes it or arms a timer: a deadline is enforced up to one tick
//! late, which keeps the per-request cost to a few relaxed atomics (issue 12, item 4: a
//! wake-up and a timer per request cost ~20 % of a small request's CPU).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::config::ServerConfig;

/// Issue 12, item 5: the per-connection deadlines (`[server]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// First byte of a request → end of its head.
    pub header_read: Duration,
    /// No request in progress.
    pub idle: Duration,
}

impl Timeouts {
    /// The timeouts `[server]` configures.
    pub fn from_config(c: &ServerConfig) -> Timeouts {
        Timeouts {
            header_read: Duration::from_secs_f64(c.header_read_timeout_seconds),
            idle: Duration::from_secs_f64(c.idle_timeout_seconds),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::from_config(&ServerConfig::default())
    }
}

/// Serves `app` on `listener` until `stop` turns true, then stops accepting, lets every
/// connection finish its request in progress (idle ones close at once), and returns when all
/// are closed. Every connection is bounded by `timeouts`, the graceful phase included.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    // The peer's address is `aws:SourceIp` in sigv4 mode (issue 11): every request carries
    // `ConnectInfo<SocketAddr>`, as under `axum::serve`.
    let make = TowerToHyperService::new(app.into_make_service_with_connect_info::<SocketAddr>());
    let mut conns = JoinSet::new();
    let for_conns = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(svc) = make.call(peer).await;
                    conns.spawn(connection(
                        stream,
                        TowerToHyperService::new(svc),
                        timeouts,
                        for_conns.clone(),
                    ));
                }
                Err(e) if per_connection(&e) => {}
                Err(e) => {
                    // Typically EMFILE: the timeouts free descriptors, so wait and retry.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// Resolves once `stop` turns true (or its sender is gone). Yields `()`, not the watch's read
/// guard, which must not be held across an `.await`.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// An accept error that concerns one connection only (the next accept may succeed at once).
fn per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// One connection: hyper's HTTP/1.1 state machine, raced against its watchdog and the stop
/// signal.
async fn connection<S>(
    stream: TcpStream,
    svc: S,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) where
    S: hyper::service::Service<
            hyper::Request<TimedBody>,
            Response = hyper::Response<axum::body::Body>,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let a = activity.clone();
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = InFlight::begin(&a);
        let fut = svc.call(req.map(|body| TimedBody::new(body, timeouts.header_read)));
        async move {
            let out = fut.await;
            drop(guard);
            out
        }
    });
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let conn = http1::Builder::new()
        // Our watchdog replaces hyper's header timer (which would also end idle connections
        // after the header timeout).
        .header_read_timeout(None)
        .serve_connection(io, svc);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            which = activity.expired(timeouts) => {
                tracing::debug!(timeout = which, "connection closed: timed out");
                return; // dropping the connection closes the socket
            }
            () = stopped(&mut stop), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What the watchdog of one connection knows. Times are milliseconds since `start`. The
/// connection's socket, service and watchdog all run in the connection's one task; the
/// atomics only make the shared record `Send + Sync`.
#[derive(Debug)]
struct Activity {
    start: Instant,
    /// Requests being handled.
    in_flight: AtomicUsize,
    /// When the first byte of the current request's head arrived, or [`NONE`].
    head_started: AtomicU64,
    /// When the connection last became idle (accepted, or a response finished).
    idle_since: AtomicU64,
}

const NONE: u64 = u64::MAX;

/// How often the watchdog looks: a quarter of the shorter timeout, between 5 ms and 1 s.
fn tick(t: Timeouts) -> Duration {
    (t.header_read.min(t.idle) / 4).clamp(Duration::from_millis(5), Duration::from_secs(1))
}

impl Activity {
    fn new() -> Activity {
        Activity {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            head_started: AtomicU64::new(NONE),
            idle_since: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Bytes arrived: when no request is being handled they begin a request head.
    fn read_some(&self) {
        if self.in_flight.load(Ordering::Relaxed) == 0
            && self.head_started.load(Ordering::Relaxed) == NONE
        {
            let now = self.now_ms();
            let _ =
                self.head_started
                    .compare_exchange(NONE, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// The deadline that applies now and its name, or `None` while a request is handled.
    fn deadline(&self, t: Timeouts) -> Option<(Instant, &'static str)> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let ms = |v: u64| self.start + Duration::from_millis(v);
        match self.head_started.load(Ordering::Relaxed) {
            NONE => Some((ms(self.idle_since.load(Ordering::Relaxed)) + t.idle, "idle")),
            head => Some((ms(head) + t.header_read, "header read")),
        }
    }

    /// Resolves (with the timeout's name) once the deadline that applies has passed: it
    /// re-reads the state every [`tick`], so a deadline is noticed at most one tick late.
    async fn expired(&self, t: Timeouts) -> &'static str {
        let mut every = tokio::time::interval(tick(t));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Some((at, which)) = self.deadline(t) {
                if at <= Instant::now() {
                    return which;
                }
            }
        }
    }
}

/// A request body that must arrive whole within the header-read timeout of the head's end:
/// a client that sends its head and then stalls in the body is cut off too (the handler sees
/// a body error and answers `SerializationException`; the connection is not reused).
pub struct TimedBody {
    inner: Incoming,
    /// Armed the first time the body is not all there (a small body that came with its head,
    /// the usual case, costs no timer).
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// When the head ended: the deadline counts from there.
    since: Instant,
    timeout: Duration,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> TimedBody {
        TimedBody {
            inner,
            deadline: None,
            since: Instant::now(),
            timeout,
        }
    }
}

impl hyper::body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let at = self.since + self.timeout;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(format!(
                "the body did not arrive within {:?}",
                self.timeout
            )
            .into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Marks one request as being handled, from the service call to the end of its response
/// future (or its cancellation).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(a: &Arc<Activity>) -> InFlight {
        a.in_flight.fetch_add(1, Ordering::Relaxed);
        a.head_started.store(NONE, Ordering::Relaxed);
        InFlight(a.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since.store(a.now_ms(), Ordering::Relaxed);
        a.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, reporting the bytes it receives to the connection's [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_some();
        }
        res
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts {
        header_read: Duration::from_millis(100),
        idle: Duration::from_millis(1000),
    };

    #[test]
    fn the_deadline_follows_the_phase() {
        let a = Arc::new(Activity::new());
        let (idle, which) = a.deadline(T).unwrap();
        assert_eq!(which, "idle");
        assert_eq!(idle, a.start + T.idle);
        a.read_some();
        let (head, which) = a.deadline(T).unwrap();
        assert_eq!(which, "header read");
        assert!(head < idle);
        // More bytes of the same head do not move the deadline (no trickling).
        std::thread::sleep(Duration::from_millis(5));
        a.read_some();
        assert_eq!(a.deadline(T).unwrap().0, head);
        let guard = InFlight::begin(&a);
        assert!(a.deadline(T).is_none());
        // Body bytes of a request being handled start no head.
        a.read_some();
        assert!(a.deadline(T).is_none());
        drop(guard);
        let (after, which) = a.deadline(T).unwrap();
        assert_eq!(which, "idle");
        assert!(after >= idle);
    }

    #[tokio::test]
    async fn a_head_that_starts_while_the_watchdog_sleeps_brings_the_deadline_forward() {
        let a = Arc::new(Activity::new());
        let started = Instant::now();
        let b = a.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            b.read_some();
        });
        // The idle deadline is 1 s away; the head's first byte brings the header deadline
        // (30 + 100 ms) forward, noticed within a tick (25 ms).
        assert_eq!(a.expired(T).await, "header read");
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn a_stalled_head_expires_after_the_header_timeout() {
        let a = Activity::new();
        a.read_some();
        let started = Instant::now();
        assert_eq!(a.expired(T).await, "header read");
        assert!(started.elapsed() >= T.header_read - Duration::from_millis(2));
        assert!(started.elapsed() < T.idle);
    }
}
