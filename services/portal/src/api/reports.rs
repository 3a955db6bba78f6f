//! The program-period summary and the audit as JSON: the same structures the pages render.

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::Json;
use mammoflow_reports::{build_audit, build_period};

use super::ApiResult;
use crate::auth::{Caller, Permission};
use crate::report_query::ReportQuery;
use crate::state::AppState;

pub async fn period(State(state): State<AppState>, Caller(who): Caller, Query(q): Query<ReportQuery>) -> ApiResult {
    who.require(Permission::Audit)?;
    let request = q.audit_request(None)?;
    let report = build_period(&state.pool, request.from, request.to, request.program).await?;
    Ok(Json(report).into_response())
}

pub async fn audit(State(state): State<AppState>, Caller(who): Caller, Query(q): Query<ReportQuery>) -> ApiResult {
    who.require(Permission::Audit)?;
    let request = q.audit_request(None)?;
    let report = build_audit(&state.pool, &request).await?;
    Ok(Json(report).into_response())
}
