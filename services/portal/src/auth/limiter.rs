//! Sign-in rate limit: after `attempts` failures for one account, or from one client address,
//! within `window`, further sign-ins for that key are refused until the window has passed.
//! Keyed by both so that neither guessing one account's password from many addresses nor
//! trying many accounts from one address gets far. Per process: a portal scaled out to N
//! replicas allows up to N times the attempts, still a hard bound.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct SignInLimiter {
    attempts: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl SignInLimiter {
    pub fn new(attempts: u32, window: Duration) -> Self {
        SignInLimiter { attempts: attempts.max(1), window, failures: Mutex::default() }
    }

    /// Whether a sign-in by `username` from `client` may be tried now; when refused, how long
    /// until it may.
    pub fn check(&self, username: &str, client: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        for key in keys(username, client) {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < self.window);
            if times.len() >= self.attempts as usize {
                let oldest = times.first().copied().unwrap_or(now);
                wait = wait.max(Some(self.window.saturating_sub(now.duration_since(oldest))));
            }
        }
        wait.map_or(Ok(()), Err)
    }

    pub fn record_failure(&self, username: &str, client: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys(username, client) {
            failures.entry(key).or_default().push(Instant::now());
        }
    }

    /// A successful sign-in clears the account's failures (not the address's).
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("user:{username}"));
    }
}

fn keys(username: &str, client: IpAddr) -> [String; 2] {
    [format!("user:{username}"), format!("ip:{client}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_the_allowed_failures_per_account_and_per_address() {
        let limiter = SignInLimiter::new(2, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        assert!(limiter.check("alice", a).is_ok());
        limiter.record_failure("alice", a);
        limiter.record_failure("alice", a);
        assert!(limiter.check("alice", b).is_err(), "the account is limited from any address");
        assert!(limiter.check("bob", a).is_err(), "the address is limited for any account");
        assert!(limiter.check("bob", b).is_ok());
    }

    #[test]
    fn the_window_passes() {
        let limiter = SignInLimiter::new(1, Duration::from_millis(20));
        let a: IpAddr = [10, 0, 0, 1].into();
        limiter.record_failure("alice", a);
        assert!(limiter.check("alice", a).is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.check("alice", a).is_ok());
    }
}
