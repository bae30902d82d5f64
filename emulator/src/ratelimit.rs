//! Per-account token bucket, so clients can be tested against 429 + `Retry-After` throttling.
//!
//! Kept by hand rather than `governor`: the emulator must answer with the exact `Retry-After` seconds a
//! client should wait, which is one division here and an adapter around governor's clock types there.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub(crate) struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Capacity `per_second` requests, refilled at `per_second` per second.
    pub(crate) fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `account`; false when the bucket is empty.
    pub(crate) fn try_acquire(&self, account: &str) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap();
        let (tokens, last) = buckets.entry(account.to_string()).or_insert((self.per_second, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.per_second);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_exhausts_per_account() {
        let rl = RateLimiter::new(3);
        assert!((0..3).all(|_| rl.try_acquire("a")));
        assert!(!rl.try_acquire("a"));
        assert!(rl.try_acquire("b"));
    }
}
