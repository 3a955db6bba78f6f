//! Audit and program-period reports of mammoflow. The `mammoflow audit` / `mammoflow report`
//! commands and the portal call the same functions, so every surface shows the same figures;
//! the figures themselves come from the pure `mammoflow-audit` crate (nothing is re-derived here).
//!
//! Stable entry points (the portal embeds these):
//!
//! * [`build_audit`]`(pool, &AuditRequest) -> Result<AuditReport, ReportError>`: per-cell
//!   program metrics and agreement, a recall trend per period, drift of the AI's BI-RADS and of
//!   the input devices against a reference window, and change markers (model, parser, device
//!   software, triage policy).
//! * [`build_period`]`(pool, from, to, Program) -> Result<PeriodReport, ReportError>`: volumes,
//!   queue waits and SLA compliance, plus the audit's overall cell, trend and drift.
//! * [`render_audit_html`] / [`render_period_html`]: a complete standalone printable document
//!   (inline CSS, no scripts, no external assets).
//! * [`render_audit_fragment`] / [`render_period_fragment`]: the same content without the
//!   `<html>` wrapper or styles, for embedding in another page (class names: see
//!   `templates/report.css`, exported as [`REPORT_CSS`]).
//! * [`svg`]: the chart builders (inline SVG strings, every label XML-escaped).
//! * [`watch_drift`]: the periodic drift check behind the `mammoflow_audit_drift_*` gauges.

pub mod audit;
pub mod changes;
pub mod drift;
mod error;
pub mod html;
pub mod period;
pub mod svg;
pub mod trend;
pub mod watch;

pub use audit::{build_audit, build_drift, compute_audit, AuditCell, AuditReport, AuditRequest, CellFigures, Program, DEFAULT_MIN_VOLUME, MAX_WINDOW_DAYS};
pub use error::ReportError;
pub use html::{render_audit_fragment, render_audit_html, render_period_fragment, render_period_html, REPORT_CSS};
pub use period::{build_period, PeriodReport};
pub use watch::{check_drift, watch_drift, DriftMetrics, DriftWatch};
