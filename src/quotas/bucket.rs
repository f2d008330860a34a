//! A token bucket on the real clock (issue 12, item 1): `rate` tokens a second, holding at
//! most `burst`. [CHOICE] The request quotas use one second's worth as the burst (at least
//! one): AWS publishes per-second rates and says nothing of bursts, and one second's worth
//! keeps a steady load at the quota and lets a load above it through at exactly the quota.

use std::time::Instant;

/// One quota of one account in one Region.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens at `now`.
    pub fn new(burst: f64, now: Instant) -> TokenBucket {
        TokenBucket {
            tokens: burst.max(1.0),
            last: now,
        }
    }

    /// Takes one token at `now` if there is one (refilled at `rate` a second since the last
    /// call, up to `burst`); `false` means throttled.
    pub fn take(&mut self, rate: f64, burst: f64, now: Instant) -> bool {
        let capacity = burst.max(1.0);
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_bucket_allows_one_second_then_the_rate() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(10.0, t0);
        let burst = (0..100).filter(|_| b.take(10.0, 10.0, t0)).count();
        assert_eq!(burst, 10);
        // Over the next 5 s at 1000 attempts a second: 10 a second get through.
        let mut ok = 0;
        for ms in 1..=5000u64 {
            if b.take(10.0, 10.0, t0 + Duration::from_millis(ms)) {
                ok += 1;
            }
        }
        assert_eq!(ok, 50);
    }

    #[test]
    fn an_idle_bucket_refills_only_to_capacity() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(2.0, t0);
        assert!(b.take(2.0, 2.0, t0) && b.take(2.0, 2.0, t0) && !b.take(2.0, 2.0, t0));
        let later = t0 + Duration::from_secs(3600);
        assert_eq!((0..10).filter(|_| b.take(2.0, 2.0, later)).count(), 2);
    }

    #[test]
    fn a_rate_below_one_still_admits_a_request_every_period() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(0.5, t0);
        assert!(b.take(0.5, 0.5, t0));
        assert!(!b.take(0.5, 0.5, t0 + Duration::from_millis(1500)));
        assert!(b.take(0.5, 0.5, t0 + Duration::from_millis(2001)));
    }
}
