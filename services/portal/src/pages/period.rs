//! The program-period summary page: volumes (with ineligible and failed studies and their
//! reasons), queue waits and SLA compliance, program metrics for readers, the AI and both, AI
//! vs reader agreement, trend and drift. Built and rendered by `mammoflow-reports`, the same
//! code as `mammoflow report period`; this page adds the portal's frame and the window form.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use mammoflow_reports::{build_period, render_period_fragment, REPORT_CSS};

use super::{render, Nav};
use crate::auth::{Permission, Person};
use crate::error::PageError;
use crate::report_query::ReportQuery;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "period.html")]
struct PeriodPage {
    title: String,
    nav: Option<Nav>,
    from: String,
    to: String,
    program: &'static str,
    css: &'static str,
    report: String,
}

pub async fn period(State(state): State<AppState>, Person(who): Person, Query(q): Query<ReportQuery>) -> Result<Response, PageError> {
    who.require(Permission::Audit)?;
    let request = q.audit_request(None)?;
    let report = build_period(&state.pool, request.from, request.to, request.program).await?;
    let page = PeriodPage {
        title: format!("Program summary {} to {}", request.from, request.to),
        nav: Nav::of(&who),
        from: request.from.to_string(),
        to: request.to.to_string(),
        program: request.program.name(),
        css: REPORT_CSS,
        report: render_period_fragment(&report)?,
    };
    Ok(render(&page)?.into_response())
}
