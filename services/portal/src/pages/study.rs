//! The study page (views, AI draft, structured result, triage, reads, history), its thumbnails,
//! and the reading actions: claim, release, submit a read.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use mammoflow_domain::{BiRads, Density, FindingType, StructuredReport, View};
use mammoflow_store::worklists::{ItemStatus, WorklistItem};

use super::{field, render, Nav};
use crate::actions::{self, ReadInput};
use crate::auth::{Identity, Permission, Person};
use crate::error::{PageError, PortalError};
use crate::highlight::{segments, Segment};
use crate::state::AppState;
use crate::study_view::{self, StudyView};

/// Longest side of a thumbnail in pixels.
const THUMBNAIL_SIDE: usize = 512;

#[derive(askama::Template)]
#[template(path = "study.html")]
struct StudyPage {
    title: String,
    nav: Option<Nav>,
    s: StudyView,
    /// The champion AI report's text, split for highlighting.
    segments: Vec<Segment>,
    structured: Option<StructuredReport>,
    held: Option<WorklistItem>,
    /// Pending items of this study the viewer may claim.
    claimable: Vec<WorklistItem>,
    birads_codes: Vec<&'static str>,
    density_codes: Vec<&'static str>,
    finding_types: Vec<&'static str>,
}

pub async fn page(State(state): State<AppState>, Person(who): Person, Path(uid): Path<String>) -> Result<Response, PageError> {
    let s = study_view::load(&state, &who, &uid, "study").await?;
    let champion = s.champion_report();
    let structured = champion.and_then(|r| r.parsed.as_ref()).map(|p| p.structured.clone());
    let segments = champion.map(|r| segments(&r.report.report_text, structured.as_ref())).unwrap_or_default();
    let held = s.held_by(&who).cloned();
    let claimable = if who.may(Permission::Read) && held.is_none() {
        s.items.iter().filter(|i| i.status == ItemStatus::Pending).cloned().collect()
    } else {
        Vec::new()
    };
    let page = StudyPage {
        title: format!("Study {uid}"),
        nav: Nav::of(&who),
        s,
        segments,
        structured,
        held,
        claimable,
        birads_codes: BiRads::ALL.iter().map(|b| b.code()).collect(),
        density_codes: Density::ALL.iter().map(|d| d.code()).collect(),
        finding_types: FindingType::ALL.iter().map(|t| t.name()).collect(),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /studies/{uid}/views/{VIEW}.png`: the view's windowed PNG thumbnail.
pub async fn thumbnail(State(state): State<AppState>, Person(who): Person, Path((uid, file)): Path<(String, String)>) -> Result<Response, PageError> {
    Ok(thumbnail_response(&state, &who, &uid, &file).await?)
}

pub async fn thumbnail_response(state: &AppState, who: &Identity, uid: &str, file: &str) -> Result<Response, PortalError> {
    who.require(Permission::ViewWorklists)?;
    let view: View = file.strip_suffix(".png").unwrap_or(file).parse().map_err(|_| PortalError::NotFound(format!("view {file}")))?;
    let instance = mammoflow_store::studies::instances(&state.pool, uid)
        .await?
        .into_iter()
        .find(|i| i.view == Some(view) && i.role == mammoflow_store::studies::InstanceRole::Standard)
        .ok_or_else(|| PortalError::NotFound(format!("{} view of study {uid}", view.code())))?;
    let path = mammoflow_dicom::resolve_uri(&instance.uri, &state.dicom_roots).map_err(|e| PortalError::Conflict(format!("{} view: {e}", view.code())))?;
    let png = tokio::task::spawn_blocking(move || mammoflow_dicom::thumbnail_png(path, THUMBNAIL_SIDE))
        .await
        .map_err(PortalError::internal)?
        .map_err(|e| PortalError::Conflict(format!("{} view cannot be shown: {e}", view.code())))?;
    Ok(([(CONTENT_TYPE, "image/png"), (CACHE_CONTROL, "private, max-age=300")], png).into_response())
}

pub async fn claim(State(state): State<AppState>, Person(who): Person, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    let item = actions::claim(&state, &who, id).await?;
    Ok(Redirect::to(&format!("/studies/{}", item.study_uid)).into_response())
}

pub async fn release(State(state): State<AppState>, Person(who): Person, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    let item = actions::release(&state, &who, id).await?;
    Ok(Redirect::to(&format!("/queues/{}", item.queue)).into_response())
}

/// After a read, the reader goes back to the queue the item came from.
pub async fn submit_read(State(state): State<AppState>, Person(who): Person, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> Result<Response, PageError> {
    who.check_csrf(field(&fields, "csrf"))?;
    let done = actions::submit_read(&state, &who, id, &ReadInput::from_form(&fields)).await?;
    Ok(Redirect::to(&format!("/queues/{}", done.item.queue)).into_response())
}
