//! HTML rendering with askama (templates in `services/reports/templates/`). Each report has a
//! fragment (the content only, for embedding in the portal's own layout) and a standalone
//! document (the fragment wrapped with the inline stylesheet, printable, no external assets).

mod audit_view;
mod format;
mod period_view;

use askama::Template;

use crate::{AuditReport, PeriodReport, ReportError};
use audit_view::AuditView;
use period_view::PeriodView;

/// The reports' stylesheet (screen and `@media print`), inlined by the standalone documents;
/// a page embedding a fragment includes it once in its own `<style>`.
pub const REPORT_CSS: &str = include_str!("../../templates/report.css");

#[derive(Template)]
#[template(path = "audit_fragment.html")]
struct AuditFragment<'a> {
    audit: &'a AuditView,
}

#[derive(Template)]
#[template(path = "period_fragment.html")]
struct PeriodFragment<'a> {
    period: &'a PeriodView,
    audit: &'a AuditView,
}

#[derive(Template)]
#[template(path = "document.html")]
struct Document<'a> {
    title: &'a str,
    css: &'a str,
    body: &'a str,
}

/// The audit report's content without `<html>`/`<head>` (wrap it in `<div class="report">`
/// styled with [`REPORT_CSS`]).
pub fn render_audit_fragment(report: &AuditReport) -> Result<String, ReportError> {
    Ok(AuditFragment { audit: &AuditView::new(report) }.render()?)
}

/// The audit report as a standalone printable HTML document.
pub fn render_audit_html(report: &AuditReport) -> Result<String, ReportError> {
    let title = format!("Audit {} to {}", report.request.from, report.request.to);
    document(&title, &render_audit_fragment(report)?)
}

/// The program-period summary's content without `<html>`/`<head>`.
pub fn render_period_fragment(report: &PeriodReport) -> Result<String, ReportError> {
    Ok(PeriodFragment { period: &PeriodView::new(report), audit: &AuditView::new(&report.audit) }.render()?)
}

/// The program-period summary as a standalone printable HTML document.
pub fn render_period_html(report: &PeriodReport) -> Result<String, ReportError> {
    let title = format!("Program summary {} to {}", report.from, report.to);
    document(&title, &render_period_fragment(report)?)
}

fn document(title: &str, body: &str) -> Result<String, ReportError> {
    Ok(Document { title, css: REPORT_CSS, body }.render()?)
}
