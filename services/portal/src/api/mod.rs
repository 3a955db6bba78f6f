//! The JSON API under `/api/v1/`: everything the pages do, for machines (bearer tokens) and
//! scripts. Changes made with a session cookie need the `X-CSRF-Token` header.

mod json;
mod reports;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use mammoflow_store::dead_letters::{self, DeadLetterFilter};
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::worklists;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actions::{self, ReadInput};
use crate::auth::{Caller, Permission};
use crate::error::{ApiError, PortalError};
use crate::state::AppState;
use crate::study_view;

/// Most items or dead letters one list request returns.
const MAX_LIST: i64 = 500;
/// Most outcomes one request may record.
const MAX_OUTCOMES: usize = 10_000;

type ApiResult = Result<Response, ApiError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/queues", get(queues))
        .route("/api/v1/queues/{queue}/items", get(queue_items))
        .route("/api/v1/queues/{queue}/claim-next", post(claim_next))
        .route("/api/v1/studies/{uid}", get(study))
        .route("/api/v1/studies/{uid}/views/{view}", get(thumbnail))
        .route("/api/v1/items/{id}/claim", post(claim))
        .route("/api/v1/items/{id}/release", post(release))
        .route("/api/v1/items/{id}/read", post(submit_read))
        .route("/api/v1/items/{id}/priority", post(reprioritise))
        .route("/api/v1/dead-letters", get(list_dead_letters))
        .route("/api/v1/dead-letters/{id}/replay", post(replay))
        .route("/api/v1/outcomes", post(record_outcomes))
        .route("/api/v1/reports/period", get(reports::period))
        .route("/api/v1/audit", get(reports::audit))
        .route("/api/v1/users", post(create_user))
        .route("/api/v1/tokens", post(create_token))
}

fn ok(value: Value) -> ApiResult {
    Ok(Json(value).into_response())
}

async fn me(Caller(who): Caller) -> ApiResult {
    ok(json!({"username": who.user.username, "display_name": who.user.display_name, "role": who.role().as_str()}))
}

async fn queues(State(state): State<AppState>, Caller(who): Caller) -> ApiResult {
    who.require(Permission::ViewWorklists)?;
    let stats = worklists::queue_stats(&state.pool).await?;
    ok(json!({"queues": stats.iter().map(json::queue).collect::<Vec<_>>()}))
}

#[derive(Debug, Deserialize)]
struct Limit {
    limit: Option<i64>,
}

async fn queue_items(State(state): State<AppState>, Caller(who): Caller, Path(queue): Path<String>, Query(q): Query<Limit>) -> ApiResult {
    who.require(Permission::ViewWorklists)?;
    let items = worklists::list_queue(&state.pool, &queue, q.limit.unwrap_or(100).clamp(1, MAX_LIST)).await?;
    ok(json!({"queue": queue, "items": items.iter().map(json::item).collect::<Vec<_>>()}))
}

async fn claim_next(State(state): State<AppState>, Caller(who): Caller, Path(queue): Path<String>) -> ApiResult {
    match actions::claim_next(&state, &who, &queue).await? {
        Some(item) => ok(json::item(&item)),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

async fn study(State(state): State<AppState>, Caller(who): Caller, Path(uid): Path<String>) -> ApiResult {
    let view = study_view::load(&state, &who, &uid, "api").await?;
    ok(json::study(&view))
}

async fn thumbnail(State(state): State<AppState>, Caller(who): Caller, Path((uid, view)): Path<(String, String)>) -> ApiResult {
    Ok(crate::pages::thumbnail_response(&state, &who, &uid, &view).await?)
}

async fn claim(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<i64>) -> ApiResult {
    ok(json::item(&actions::claim(&state, &who, id).await?))
}

async fn release(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<i64>) -> ApiResult {
    ok(json::item(&actions::release(&state, &who, id).await?))
}

async fn submit_read(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<i64>, Json(input): Json<ReadInput>) -> ApiResult {
    let done = actions::submit_read(&state, &who, id, &input).await?;
    ok(json!({"read": json::read(&done.read), "item": json::item(&done.item), "arbitration": done.arbitration.as_ref().map(json::item)}))
}

#[derive(Debug, Deserialize)]
struct Priority {
    priority: f64,
    reason: String,
}

async fn reprioritise(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<i64>, Json(p): Json<Priority>) -> ApiResult {
    ok(json::item(&actions::reprioritise(&state, &who, id, p.priority, &p.reason).await?))
}

#[derive(Debug, Deserialize)]
struct DeadLetterQuery {
    #[serde(default)]
    all: bool,
    before: Option<i64>,
    limit: Option<i64>,
}

async fn list_dead_letters(State(state): State<AppState>, Caller(who): Caller, Query(q): Query<DeadLetterQuery>) -> ApiResult {
    who.require(Permission::Operate)?;
    let filter = DeadLetterFilter { pending_only: !q.all, before_id: q.before, limit: q.limit.unwrap_or(100).clamp(1, MAX_LIST), ..DeadLetterFilter::default() };
    let letters = dead_letters::list(&state.pool, &filter).await?;
    ok(json!({"dead_letters": letters.iter().map(json::dead_letter).collect::<Vec<_>>()}))
}

async fn replay(State(state): State<AppState>, Caller(who): Caller, Path(id): Path<i64>) -> ApiResult {
    let topic = actions::replay_dead_letter(&state, &who, id).await?;
    ok(json!({"id": id, "replayed_to": topic}))
}

#[derive(Debug, Deserialize)]
struct OutcomeInput {
    study_uid: String,
    side: Option<String>,
    kind: String,
    result: String,
    pathology: Option<String>,
    outcome_date: NaiveDate,
}

/// Records biopsy/surgery/follow-up outcomes; all or nothing, every bad row reported.
async fn record_outcomes(State(state): State<AppState>, Caller(who): Caller, Json(rows): Json<Vec<OutcomeInput>>) -> ApiResult {
    who.require(Permission::Operate)?;
    if rows.is_empty() || rows.len() > MAX_OUTCOMES {
        return Err(PortalError::invalid("outcomes", format!("send 1 to {MAX_OUTCOMES} outcomes")).into());
    }
    let outcomes: Vec<NewOutcome> = rows
        .into_iter()
        .map(|r| NewOutcome { study_uid: r.study_uid, side: r.side, kind: r.kind, result: r.result, pathology: r.pathology, outcome_date: r.outcome_date })
        .collect();
    let mut problems: Vec<_> = outcomes.iter().enumerate().filter_map(|(i, o)| o.check().err().map(|e| crate::error::FieldError::new(&format!("outcomes[{i}]"), e))).collect();
    let uids: Vec<String> = outcomes.iter().map(|o| o.study_uid.clone()).collect();
    for unknown in outcomes::unknown_studies(&state.pool, &uids).await? {
        problems.push(crate::error::FieldError::new("study_uid", format!("no stored study {unknown}")));
    }
    if !problems.is_empty() {
        return Err(PortalError::Invalid(problems).into());
    }
    let counts = outcomes::record_all(&state.pool, &outcomes, "api", &who.actor()).await?;
    ok(json!({"inserted": counts.inserted, "duplicates": counts.duplicates}))
}

#[derive(Debug, Deserialize)]
struct NewUser {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

async fn create_user(State(state): State<AppState>, Caller(who): Caller, Json(u): Json<NewUser>) -> ApiResult {
    who.require(Permission::Administer)?;
    let user = crate::accounts::create_user(&state.pool, &who.actor(), &u.username, &u.display_name, &u.role, &u.password).await?;
    ok(json!({"username": user.username, "role": user.role.as_str()}))
}

#[derive(Debug, Deserialize)]
struct NewToken {
    name: String,
    username: String,
}

async fn create_token(State(state): State<AppState>, Caller(who): Caller, Json(t): Json<NewToken>) -> ApiResult {
    who.require(Permission::Administer)?;
    let token = crate::accounts::create_token(&state.pool, &who.actor(), &t.name, &t.username).await?;
    ok(json!({"token": token, "name": t.name, "username": t.username}))
}

#[cfg(test)]
mod tests {
    /// The OpenAPI file documents exactly the routes the router serves.
    #[test]
    fn every_route_is_documented_and_every_documented_path_exists() {
        let source = include_str!("mod.rs");
        let spec = include_str!("../../openapi.yaml");
        let served: std::collections::BTreeSet<&str> =
            source.split(".route(\"").skip(1).filter_map(|s| s.split('"').next()).collect();
        let documented: std::collections::BTreeSet<&str> = spec
            .lines()
            .filter_map(|l| l.strip_prefix("  /api/v1/").map(|_| l.trim().trim_end_matches(':')))
            .collect();
        assert!(served.len() >= 15, "{served:?}");
        assert_eq!(served, documented);
    }
}
