//! The audit page: program metrics and AI-vs-reader agreement per cell (site, device, density,
//! model version, ...), the recall trend with confidence bands and change markers, and drift
//! alarms, for the champion or a named (challenger) model. Built and rendered by
//! `mammoflow-reports`, the same code as `mammoflow audit --format html`.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mammoflow_reports::{build_audit, render_audit_fragment, render_audit_html, REPORT_CSS};
use mammoflow_store::ai_reports;

use super::{render, Nav};
use crate::auth::{Permission, Person};
use crate::error::PageError;
use crate::report_query::ReportQuery;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "audit.html")]
struct AuditPage {
    title: String,
    nav: Option<Nav>,
    from: String,
    to: String,
    program: &'static str,
    by: String,
    min_volume: usize,
    model: String,
    /// Registered model versions with their role, for the model picker.
    models: Vec<(String, &'static str)>,
    css: &'static str,
    report: String,
}

pub async fn page(State(state): State<AppState>, Person(who): Person, Query(q): Query<ReportQuery>) -> Result<Response, PageError> {
    who.require(Permission::Audit)?;
    let request = q.audit_request(None)?;
    let report = build_audit(&state.pool, &request).await?;
    let models = ai_reports::list_models(&state.pool).await?;
    let page = AuditPage {
        title: format!("Audit {} to {}", request.from, request.to),
        nav: Nav::of(&who),
        from: request.from.to_string(),
        to: request.to.to_string(),
        program: request.program.name(),
        by: request.by.iter().map(|d| d.name()).collect::<Vec<_>>().join(","),
        min_volume: request.min_volume,
        model: request.model.clone().unwrap_or_default(),
        models: models.into_iter().map(|m| (m.version, m.role.as_str())).collect(),
        css: REPORT_CSS,
        report: render_audit_fragment(&report)?,
    };
    Ok(render(&page)?.into_response())
}

/// The same audit as a standalone printable document (inline styles, no links out), to save or
/// attach to a quality review.
pub async fn document(State(state): State<AppState>, Person(who): Person, Query(q): Query<ReportQuery>) -> Result<Response, PageError> {
    who.require(Permission::Audit)?;
    let request = q.audit_request(None)?;
    let html = render_audit_html(&build_audit(&state.pool, &request).await?)?;
    let name = format!("attachment; filename=\"mammoflow-audit-{}-{}.html\"", request.from, request.to);
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)], html).into_response())
}
