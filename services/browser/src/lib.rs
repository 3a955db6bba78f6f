//! A deliberately small Chrome DevTools Protocol client for mammoflow's browser tests.
//!
//! It launches a headless Chromium, talks CDP over one websocket (flattened target sessions) and
//! offers the handful of page operations our end-to-end tests need: navigate, fill and submit
//! forms, read text, check images and take screenshots. Anything bigger belongs in a real
//! automation framework; this exists so the tests need no browser driver beyond Chromium itself.

mod connection;
mod dom;
mod launch;
mod page;

use std::time::Duration;

pub use connection::Event;
pub use launch::{Browser, LaunchOptions};
pub use page::Page;

/// How long any single wait (a CDP reply, a page load, a selector) may take unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Everything that can go wrong while driving the browser; messages name the CDP method or the
/// CSS selector involved so a failing test says what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no Chromium executable found: set MAMMOFLOW_CHROMIUM or put one of {tried} on PATH \
         (Debian: apt-get install chromium, or run deploy/local/prerequisites.sh)"
    )]
    NotFound { tried: String },
    #[error("could not start the browser {path}: {source}")]
    Spawn {
        path: String,
        source: std::io::Error,
    },
    #[error("the browser exited during startup ({status}); stderr tail:\n{stderr}")]
    StartupExit { status: String, stderr: String },
    #[error("the browser did not report its DevTools endpoint within {timeout:?}; stderr tail:\n{stderr}")]
    StartupTimeout { timeout: Duration, stderr: String },
    #[error("websocket connection to {url} failed: {source}")]
    Connect {
        url: String,
        source: Box<tokio_tungstenite::tungstenite::Error>,
    },
    #[error("the DevTools connection closed while waiting for {method}")]
    Disconnected { method: String },
    #[error("CDP {method} failed: {message} (code {code})")]
    Protocol {
        method: String,
        code: i64,
        message: String,
    },
    #[error("unexpected reply to CDP {method}: {detail}")]
    Unexpected { method: String, detail: String },
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout { what: String, timeout: Duration },
    #[error("navigation to {url} failed: {reason}")]
    Navigation { url: String, reason: String },
    #[error("JavaScript exception: {message}")]
    Js { message: String },
    #[error("no element matches selector `{selector}`")]
    NoElement { selector: String },
    #[error("cannot {action} `{selector}`: {reason}")]
    Element {
        action: &'static str,
        selector: String,
        reason: String,
    },
    #[error("could not write the screenshot to {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

pub type Result<T, E = BrowserError> = std::result::Result<T, E>;
