//! Printable HTML summary reports: one study, and a program period (with the audit).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use mammoflow_domain::StructuredReport;

use super::render;
use crate::auth::Person;
use crate::error::PageError;
use crate::state::AppState;
use crate::study_view::{self, StudyView};

#[derive(askama::Template)]
#[template(path = "study_report.html")]
struct StudyReport {
    title: String,
    nav: Option<super::Nav>,
    s: StudyView,
    structured: Option<StructuredReport>,
    printed_at: String,
    printed_by: String,
}

/// `GET /reports/studies/{uid}`: images, AI draft, structured result, triage and final read.
pub async fn study(State(state): State<AppState>, Person(who): Person, Path(uid): Path<String>) -> Result<Response, PageError> {
    let s = study_view::load(&state, &who, &uid, "study_report").await?;
    let structured = s.champion_report().and_then(|r| r.parsed.as_ref()).map(|p| p.structured.clone());
    let page = StudyReport {
        title: format!("Summary of study {uid}"),
        nav: None,
        s,
        structured,
        printed_at: Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        printed_by: who.user.display_name.clone(),
    };
    Ok(render(&page)?.into_response())
}
