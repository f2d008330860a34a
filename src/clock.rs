//! The simulated clock: system time plus an offset that the admin API moves forward, so tests
//! can fire token expiry, `ValidTo` expiry and deletion windows without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch. Every timestamp in the simulator uses this unit; the wire
/// layer turns it into epoch seconds with millisecond precision (W-21).
pub type Millis = i64;

/// Milliseconds in one day.
pub const DAY_MS: Millis = 86_400_000;

/// A clock shared by every node of a cluster, so all Regions agree on "now".
#[derive(Debug, Default)]
pub struct Clock {
    /// How far the simulated clock runs ahead of the system clock. Only ever grows: AWS time
    /// does not run backwards, and rules such as "ValidTo must be in the future" rely on it.
    offset_ms: AtomicI64,
}

impl Clock {
    /// A clock equal to system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current simulated time.
    pub fn now(&self) -> Millis {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys + self.offset_ms.load(Ordering::Relaxed)
    }

    /// How far ahead of system time the clock is, in milliseconds.
    pub fn offset(&self) -> Millis {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Move the clock forward by `ms` (negative values are ignored: time never runs back).
    pub fn advance(&self, ms: Millis) {
        if ms > 0 {
            self.offset_ms.fetch_add(ms, Ordering::Relaxed);
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
        c.advance(-5 * DAY_MS);
        assert_eq!(c.offset(), DAY_MS);
    }
}
