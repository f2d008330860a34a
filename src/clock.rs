//! The simulated clock: system time plus an offset that the admin API moves forward, so tests
//! can fire token expiry, `ValidTo` expiry and deletion windows without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::durable::{Change, Journal};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch. Every timestamp in the simulator uses this unit; the wire
/// layer turns it into epoch seconds with millisecond precision (W-21).
pub type Millis = i64;

/// Milliseconds in one day.
pub const DAY_MS: Millis = 86_400_000;

/// How far the simulated clock may run ahead of system time: 1,000 years, far beyond any
/// KMS window (365 days at most) yet far from overflowing epoch milliseconds.
pub const MAX_OFFSET: Millis = 1000 * 366 * DAY_MS;

/// A clock shared by every node of a cluster, so all Regions agree on "now".
#[derive(Debug, Default)]
pub struct Clock {
    /// How far the simulated clock runs ahead of the system clock. Only ever grows: AWS time
    /// does not run backwards, and rules such as "ValidTo must be in the future" rely on it.
    offset_ms: AtomicI64,
    /// Where a changed offset is recorded (issue 9: the offset is durable).
    journal: Journal,
    /// Serialises offset changes, so the journal sees them in the order they were made.
    change: parking_lot::Mutex<()>,
}

impl Clock {
    /// A clock equal to system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// A clock at system time + `offset` (recovered from a data dir), journaling its changes.
    pub fn durable(offset: Millis, journal: Journal) -> Self {
        Clock {
            offset_ms: AtomicI64::new(offset),
            journal,
            change: Default::default(),
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> Millis {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// How far ahead of system time the clock is, in milliseconds.
    pub fn offset(&self) -> Millis {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// `/_kmsim/reset` only: back to system time, as a restart without a data dir would be.
    /// Journals nothing: the reset's [`Change::Wipe`] sets the stored offset to 0.
    pub fn reset(&self) {
        let _one = self.change.lock();
        self.offset_ms.store(0, Ordering::Relaxed);
    }

    /// Moves the clock forward to `offset` if it is behind it (the cluster-wide clock: another
    /// process advanced, or this one restarted while the cluster's clock moved on). Never
    /// moves it back; `false` if `offset` is out of range.
    pub fn catch_up(&self, offset: Millis) -> bool {
        if !(0..=MAX_OFFSET).contains(&offset) {
            return false;
        }
        let _one = self.change.lock();
        let old = self.offset_ms.fetch_max(offset, Ordering::Relaxed);
        if old < offset {
            self.journal.record(|| Change::Clock { offset });
        }
        true
    }

    /// Moves the clock forward by `ms`. Time never runs back, and the clock stays within
    /// [`MAX_OFFSET`] of system time: an advance that would pass it is refused (`false`) and
    /// changes nothing.
    pub fn advance(&self, ms: Millis) -> bool {
        if ms < 0 {
            return false;
        }
        let _one = self.change.lock();
        match self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |cur| {
                cur.checked_add(ms).filter(|n| *n <= MAX_OFFSET)
            }) {
            Ok(old) => {
                self.journal.record(|| Change::Clock { offset: old + ms });
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward_and_never_back() {
        let c = Clock::new();
        let before = c.now();
        c.advance(DAY_MS);
        assert!(c.now() >= before + DAY_MS);
        assert!(!c.advance(-5 * DAY_MS));
        assert!(!c.advance(MAX_OFFSET));
        assert_eq!(c.offset(), DAY_MS);
    }
}
