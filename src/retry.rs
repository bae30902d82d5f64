//! The retry policy: which failures are tried again, and how long to wait in between.
//!
//! Defaults follow the Azure SDKs (Azure.Core `RetryOptions`, azure-core Python): 3 retries, 0.8 s
//! exponential back-off with jitter, 60 s cap, `Retry-After` honoured, statuses 408/429/500/502/503/504.
//!
//! Kept by hand rather than `backoff`/`tokio-retry`: the delay is one line of arithmetic, and what matters
//! here (which failures are safe to resend for which request, `Retry-After` replacing the back-off) is
//! ours to decide, not a generic crate's.

use std::time::Duration;

/// How failed requests are retried. Part of [`crate::ClientConfig`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each further retry.
    pub base_delay: Duration,
    /// No single delay is longer than this, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// `max_retries` retries after the first attempt, waiting `base_delay` · 2ⁿ (±20 %) up to `max_delay`.
    pub fn new(max_retries: u32, base_delay: Duration, max_delay: Duration) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            base_delay,
            max_delay,
        }
    }
}

/// How safe a request is to send twice. Decides which failures are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Sending it twice has the effect of sending it once (GET, PUT with a client id, PATCH with an
    /// absolute lease, `:stop`, DELETE): every retryable failure is retried.
    Idempotent,
    /// Sending it twice may do the work twice (legacy v1 create, which gets a server-made id): retried only
    /// when the service certainly did not act on it (the connection was never made, or 429).
    NotIdempotent,
}

impl RetryPolicy {
    /// Whether an HTTP status is worth another attempt.
    pub(crate) fn is_retryable_status(status: u16, idempotency: Idempotency) -> bool {
        match idempotency {
            Idempotency::Idempotent => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            Idempotency::NotIdempotent => status == 429,
        }
    }

    /// The delay before retry number `retry` (1-based). A `Retry-After` from the service replaces the
    /// computed back-off; both are capped by `max_delay`.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let exponent = retry.saturating_sub(1).min(20);
        let backoff = self.base_delay.saturating_mul(1u32 << exponent);
        // Jitter in [0.8, 1.2) so that many clients failing together do not retry together.
        let jittered = backoff.mul_f64(0.8 + fastrand::f64() * 0.4);
        jittered.min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 1..=3 {
            let nominal = 0.8 * f64::from(1u32 << (retry - 1));
            let d = policy.delay(retry, None).as_secs_f64();
            assert!(
                d >= nominal * 0.8 - 1e-9 && d < nominal * 1.2 + 1e-9,
                "retry {retry}: {d}"
            );
        }
        assert_eq!(policy.delay(30, None), Duration::from_secs(60));
    }

    #[test]
    fn retry_after_replaces_backoff_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(Duration::from_secs(5))), Duration::from_secs(5));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(600))), Duration::from_secs(60));
    }

    #[test]
    fn non_idempotent_requests_retry_only_when_throttled() {
        for status in [408, 500, 502, 503, 504] {
            assert!(RetryPolicy::is_retryable_status(status, Idempotency::Idempotent));
            assert!(!RetryPolicy::is_retryable_status(status, Idempotency::NotIdempotent));
        }
        assert!(RetryPolicy::is_retryable_status(429, Idempotency::NotIdempotent));
        assert!(!RetryPolicy::is_retryable_status(404, Idempotency::Idempotent));
    }
}
