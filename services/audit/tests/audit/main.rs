//! Audit computations on constructed data with hand-computed expected values (issue 6, done-when).
#![allow(clippy::unwrap_used)]

mod agreement;
#[cfg(feature = "clinical")]
mod clinical;
mod drift;
mod group;
mod program;
mod stats;

/// Asserts `a` is `Some(b)` within 1e-9.
#[track_caller]
pub fn close(a: Option<f64>, b: f64) {
    let v = a.unwrap_or_else(|| panic!("expected {b}, got None"));
    assert!((v - b).abs() < 1e-9, "expected {b}, got {v}");
}
