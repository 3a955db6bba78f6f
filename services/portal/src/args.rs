//! The portal's settings (flags or environment).

use clap::Args;
use std::net::SocketAddr;

#[derive(Debug, Clone, Args)]
pub struct PortalArgs {
    /// Address the portal listens on (its own port: /metrics stays on the platform's port).
    #[arg(long = "portal-addr", env = "MAMMOFLOW_PORTAL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Hours a browser session lasts.
    #[arg(long, env = "MAMMOFLOW_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// Minutes a claim holds a worklist item before the lease sweeper returns it.
    #[arg(long, env = "MAMMOFLOW_LEASE_MINUTES", default_value_t = 20)]
    pub lease_minutes: u32,
    /// Failed sign-ins allowed per account and per client address in one window.
    #[arg(long, env = "MAMMOFLOW_SIGNIN_ATTEMPTS", default_value_t = 5)]
    pub signin_attempts: u32,
    /// Length of the sign-in rate-limit window in seconds.
    #[arg(long, env = "MAMMOFLOW_SIGNIN_WINDOW_SECS", default_value_t = 300)]
    pub signin_window_secs: u64,
    /// Take the client address for the sign-in rate limit from the first `X-Forwarded-For`
    /// entry (set only behind a proxy that writes that header; otherwise anyone could forge it).
    #[arg(long, env = "MAMMOFLOW_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Mark cookies `Secure` (set when the portal is served over HTTPS, e.g. behind a proxy).
    #[arg(long, env = "MAMMOFLOW_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Longest free-text report a read may carry, in bytes.
    #[arg(long, env = "MAMMOFLOW_MAX_READ_TEXT_BYTES", default_value_t = 20_000)]
    pub max_read_text_bytes: usize,
    /// Seconds between drift checks (the `mammoflow_audit_drift_*` gauges); 0 turns the watch off.
    #[arg(long, env = "MAMMOFLOW_DRIFT_CHECK_SECS", default_value_t = 900)]
    pub drift_check_secs: u64,
    /// Exam days the drift check looks back over (its first quarter is the reference).
    #[arg(long, env = "MAMMOFLOW_DRIFT_WINDOW_DAYS", default_value_t = 90)]
    pub drift_window_days: u64,
    /// Fewest values a drift period (and the reference) needs to be scored.
    #[arg(long, env = "MAMMOFLOW_DRIFT_MIN_VOLUME", default_value_t = mammoflow_reports::DEFAULT_MIN_VOLUME)]
    pub drift_min_volume: usize,
}

impl Default for PortalArgs {
    fn default() -> Self {
        PortalArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            session_hours: 12,
            lease_minutes: 20,
            signin_attempts: 5,
            signin_window_secs: 300,
            trust_forwarded_for: false,
            secure_cookies: false,
            max_read_text_bytes: 20_000,
            drift_check_secs: 900,
            drift_window_days: 90,
            drift_min_volume: mammoflow_reports::DEFAULT_MIN_VOLUME,
        }
    }
}
