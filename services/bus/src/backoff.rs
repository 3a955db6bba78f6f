//! Capped exponential backoff for transient failures.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// First delay and cap of a retry sequence: `initial`, `2·initial`, `4·initial`, … up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(30),
        }
    }
}

/// The state of one retry sequence.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: BackoffPolicy,
    next: Duration,
    attempts: u32,
}

impl Backoff {
    pub(crate) fn new(policy: BackoffPolicy) -> Self {
        Backoff {
            policy,
            next: policy.initial.min(policy.max),
            attempts: 0,
        }
    }

    /// The delay before the next attempt; doubles each call up to the cap.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = delay.saturating_mul(2).min(self.policy.max);
        self.attempts += 1;
        delay
    }

    /// How many delays were handed out since the last reset.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn reset(&mut self) {
        *self = Backoff::new(self.policy);
    }
}

/// Sleeps for `delay` unless `shutdown` fires first; returns true when it did.
pub(crate) async fn sleep_or_cancelled(delay: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => true,
        _ = tokio::time::sleep(delay) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(BackoffPolicy {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(500),
        });
        let delays: Vec<u128> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 500, 500]);
        assert_eq!(b.attempts(), 5);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn initial_above_cap_is_capped() {
        let mut b = Backoff::new(BackoffPolicy {
            initial: Duration::from_secs(60),
            max: Duration::from_secs(1),
        });
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }
}
