//! The live status line `kmsim load` keeps on a terminal's stderr (elapsed, ops/s, errors,
//! throttled), refreshed every [`REFRESH`], while stdout keeps only the final JSON line.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the status line is redrawn.
pub const REFRESH: Duration = Duration::from_millis(500);

/// The AWS error code of a request refused by a request quota. Counted apart from errors:
/// with quotas emulated it is the server's expected answer, not a failure of the run.
pub const THROTTLED: &str = "ThrottlingException";

/// Running totals every worker adds to as it goes (relaxed atomics: the line is a glance,
/// not a figure; the JSON line is computed from the workers' own [`super::stats::Stats`]).
#[derive(Debug, Default)]
pub struct Counters {
    ok: AtomicU64,
    errors: AtomicU64,
    throttled: AtomicU64,
}

/// The totals at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Successful requests.
    pub ok: u64,
    /// Failed requests, throttling excepted.
    pub errors: u64,
    /// Requests answered `ThrottlingException`.
    pub throttled: u64,
}

impl Counters {
    /// One successful request.
    pub fn ok(&self) {
        self.ok.fetch_add(1, Ordering::Relaxed);
    }

    /// One failed request, by AWS error code.
    pub fn error(&self, code: &str) {
        let counter = if code == THROTTLED {
            &self.throttled
        } else {
            &self.errors
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The totals now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            ok: self.ok.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }
}

/// One status line: `3.5s/10s  12345 ok  3527 ops/s  0 errors  0 throttled`, where ops/s is
/// the rate of successful requests since the previous line (what the server does now).
pub fn status_line(elapsed: Duration, total: Duration, now: Snapshot, ops_per_sec: f64) -> String {
    let total = total.as_secs_f64();
    // `--duration 10` reads `10s`, `--duration 2.5` reads `2.5s`.
    let total = if total.fract() == 0.0 {
        format!("{total:.0}")
    } else {
        format!("{total:.1}")
    };
    format!(
        "{:.1}s/{total}s  {} ok  {:.0} ops/s  {} errors  {} throttled",
        elapsed.as_secs_f64(),
        now.ok,
        ops_per_sec,
        now.errors,
        now.throttled
    )
}

/// Erases the current terminal line (carriage return, then ANSI "erase line").
const CLEAR: &str = "\r\x1b[2K";

/// The redrawing task; [`Status::finish`] stops it and erases the line.
pub struct Status {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Box<dyn Write + Send>>,
}

impl Status {
    /// Redraws the line on `out` every [`REFRESH`] from `start` until [`Status::finish`].
    pub fn start(
        counters: Arc<Counters>,
        start: Instant,
        total: Duration,
        mut out: Box<dyn Write + Send>,
    ) -> Status {
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        // Tokio's clock, so a test with paused time sees the rates it sets up.
        let start = tokio::time::Instant::from_std(start);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let (mut last, mut last_at) = (Snapshot::default(), start);
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {}
                }
                let (now, at) = (counters.snapshot(), tokio::time::Instant::now());
                let span = at.duration_since(last_at).as_secs_f64().max(1e-3);
                let rate = now.ok.saturating_sub(last.ok) as f64 / span;
                let line = status_line(at.duration_since(start), total, now, rate);
                // A terminal that went away is no reason to stop the run.
                let _ = write!(out, "{CLEAR}{line}").and_then(|()| out.flush());
                (last, last_at) = (now, at);
            }
            let _ = write!(out, "{CLEAR}").and_then(|()| out.flush());
            out
        });
        Status { stop, task }
    }

    /// Stops redrawing and erases the line, so what follows starts on a clean line.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_counted_apart_from_errors() {
        let c = Counters::default();
        c.ok();
        c.ok();
        c.error("ThrottlingException");
        c.error("KMSInvalidStateException");
        c.error("TransportError");
        assert_eq!(
            c.snapshot(),
            Snapshot {
                ok: 2,
                errors: 2,
                throttled: 1
            }
        );
    }

    #[test]
    fn the_line_shows_elapsed_rate_errors_and_throttled() {
        let line = status_line(
            Duration::from_millis(3_520),
            Duration::from_millis(10_500),
            Snapshot {
                ok: 12_345,
                errors: 2,
                throttled: 7,
            },
            3_527.4,
        );
        assert_eq!(
            line,
            "3.5s/10.5s  12345 ok  3527 ops/s  2 errors  7 throttled"
        );
    }

    /// A writer the test can read back after the task hands it over.
    #[derive(Clone, Default)]
    struct Shared(Arc<parking_lot::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn redraws_every_refresh_and_ends_on_a_clean_line() {
        let counters = Arc::new(Counters::default());
        let sink = Shared::default();
        let status = Status::start(
            counters.clone(),
            Instant::now(),
            Duration::from_secs(2),
            Box::new(sink.clone()),
        );
        // Redraws at 0, 500, 1000, 1500 and 2000 ms; changes in between, at 125, 625, 1125
        // (a request each) and 1625 ms (throttled).
        tokio::time::sleep(REFRESH / 4).await;
        for _ in 0..3 {
            counters.ok();
            tokio::time::sleep(REFRESH).await;
        }
        counters.error(THROTTLED);
        tokio::time::sleep(REFRESH).await;
        status.finish().await;
        let text = String::from_utf8(sink.0.lock().clone()).unwrap();
        let frames: Vec<&str> = text.split(CLEAR).filter(|f| !f.is_empty()).collect();
        assert_eq!(frames.len(), 5, "{text:?}");
        assert!(frames[1].starts_with("0.5s/2s  1 ok  2 ops/s"), "{text:?}");
        assert_eq!(frames[4], "2.0s/2s  3 ok  0 ops/s  0 errors  1 throttled");
        assert!(
            text.ends_with(CLEAR),
            "the line is erased at the end: {text:?}"
        );
        assert!(!text.contains('\n'), "one line, redrawn in place: {text:?}");
    }
}
